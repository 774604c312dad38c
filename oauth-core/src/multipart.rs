//! `multipart/form-data` bodies: file parts (from bytes, a path or a stream, with a file name and
//! a content type) and text parts, sent with reqwest's multipart encoder.
//!
//! A field of type [`Multipart`] marked `#[zoho(multipart)]` is the body of its endpoint:
//!
//! ```
//! use zoho_oauth_core::multipart::{Multipart, Part};
//!
//! #[derive(zoho_oauth_core::Endpoint)]
//! #[zoho(crate = ::zoho_oauth_core, method = "POST",
//!        path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments",
//!        scope = "ZohoProjects.tasks.CREATE", response = serde_json::Value)]
//! struct Upload {
//!     #[zoho(path)] portal: u64,
//!     #[zoho(path)] project: u64,
//!     #[zoho(path)] task: u64,
//!     #[zoho(multipart)] form: Multipart,
//! }
//!
//! let form = Multipart::new()
//!     .part("upload_file", Part::bytes(&b"%PDF-1.7 ..."[..]).file_name("spec.pdf").content_type("application/pdf"))
//!     .part("upload_file", Part::file("notes.txt")) // streamed from disk when sent; named `notes.txt`
//!     .text("comment", "v2");
//! let call = Upload { portal: 1, project: 2, task: 3, form };
//! # let _ = call;
//! ```
//!
//! **Retries.** A multipart call is never repeated after an ambiguous failure (a timeout, a
//! reset, a 5xx), whatever its method or `idempotent` says: an upload Zoho may have stored is
//! not sent twice. It is repeated, like every call, when it was never sent or Zoho refused it
//! (429, a token refresh), except when it holds a [`Part::stream`], which can be read once.

use crate::endpoint::BodyError;
use bytes::Bytes;
use futures::stream::{BoxStream, StreamExt};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// A `multipart/form-data` body: named parts, in order (a name may repeat).
#[derive(Clone, Default, Debug)]
pub struct Multipart {
    parts: Vec<(String, Part)>,
}

/// One part of a [`Multipart`] body: a text value or a file.
#[derive(Clone)]
pub struct Part {
    source: Source,
    file_name: Option<String>,
    content_type: Option<String>,
}

/// A stream of chunks that can be taken once (shared by the clones of its part).
type OnceStream = Arc<Mutex<Option<BoxStream<'static, std::io::Result<Bytes>>>>>;

#[derive(Clone)]
enum Source {
    Text(String),
    Bytes(Bytes),
    File(PathBuf),
    Stream { stream: OnceStream, length: Option<u64> },
}

impl fmt::Debug for Part {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Sizes, never contents: a part may hold anything.
        let source = match &self.source {
            Source::Text(t) => format!("text ({} bytes)", t.len()),
            Source::Bytes(b) => format!("bytes ({} bytes)", b.len()),
            Source::File(p) => format!("file {}", p.display()),
            Source::Stream { length, .. } => format!("stream ({length:?} bytes)"),
        };
        f.debug_struct("Part")
            .field("source", &source)
            .field("file_name", &self.file_name)
            .field("content_type", &self.content_type)
            .finish()
    }
}

impl PartialEq for Multipart {
    /// Same names, kinds, file names, content types and contents; a stream part equals only a
    /// clone of itself.
    fn eq(&self, other: &Self) -> bool {
        self.parts.len() == other.parts.len()
            && self.parts.iter().zip(&other.parts).all(|((n1, p1), (n2, p2))| {
                n1 == n2
                    && p1.file_name == p2.file_name
                    && p1.content_type == p2.content_type
                    && match (&p1.source, &p2.source) {
                        (Source::Text(a), Source::Text(b)) => a == b,
                        (Source::Bytes(a), Source::Bytes(b)) => a == b,
                        (Source::File(a), Source::File(b)) => a == b,
                        (Source::Stream { stream: a, .. }, Source::Stream { stream: b, .. }) => Arc::ptr_eq(a, b),
                        _ => false,
                    }
            })
    }
}

impl Eq for Multipart {}

impl Multipart {
    /// An empty body.
    pub fn new() -> Self {
        Multipart::default()
    }

    /// Adds a part named `name`.
    #[must_use]
    pub fn part(mut self, name: impl Into<String>, part: Part) -> Self {
        self.parts.push((name.into(), part));
        self
    }

    /// Adds a text part.
    #[must_use]
    pub fn text(self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.part(name, Part::text(value))
    }

    /// Adds a text part holding `value` as JSON (Zoho's tag creation takes its list this way).
    pub fn json<T: serde::Serialize + ?Sized>(self, name: impl Into<String>, value: &T) -> Result<Self, BodyError> {
        let text = serde_json::to_string(value).map_err(|e| BodyError::new("JSON", e))?;
        Ok(self.text(name, text))
    }

    /// The parts' names, in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|(n, _)| n.as_str())
    }

    /// Whether the body can be sent again (it holds no [`Part::stream`]).
    pub fn is_replayable(&self) -> bool {
        !self.parts.iter().any(|(_, p)| matches!(p.source, Source::Stream { .. }))
    }

    /// Refuses, before anything is sent, a file name with a control character: reqwest writes
    /// file names into the part's header block as they are (quoting only `"` and `\`), so a
    /// line break in one would add header lines to the part (another `Content-Type`, another
    /// part's boundary).
    pub(crate) fn check(&self) -> Result<(), BodyError> {
        for (name, part) in &self.parts {
            if part.file_name.as_deref().is_some_and(|f| f.chars().any(char::is_control)) {
                let part_name: String = name.chars().take(100).collect();
                return Err(BodyError::new(
                    "multipart",
                    format!(
                        "the file name of part {part_name:?} has a control character (a line break?), \
                         which would add header lines to the part"
                    ),
                ));
            }
        }
        Ok(())
    }

    /// The reqwest form for one attempt: files are opened now and streamed, streams taken.
    pub(crate) async fn to_form(&self) -> Result<reqwest::multipart::Form, crate::Error> {
        let mut form = reqwest::multipart::Form::new();
        for (name, part) in &self.parts {
            form = form.part(name.clone(), part.to_reqwest().await?);
        }
        Ok(form)
    }
}

impl Part {
    /// A text value.
    pub fn text(value: impl Into<String>) -> Part {
        Part { source: Source::Text(value.into()), file_name: None, content_type: None }
    }

    /// A file from memory (`Bytes`, `Vec<u8>`, `&'static [u8]`…).
    pub fn bytes(bytes: impl Into<Bytes>) -> Part {
        Part { source: Source::Bytes(bytes.into()), file_name: None, content_type: None }
    }

    /// A file on disk, opened when the call is sent and streamed from there (memory holds one
    /// chunk at a time). Its file name is the path's last component unless set.
    pub fn file(path: impl Into<PathBuf>) -> Part {
        let path = path.into();
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned());
        Part { source: Source::File(path), file_name, content_type: None }
    }

    /// A file from a stream of chunks, with its length when known (sent chunked otherwise). A
    /// stream can be read once: a call holding one is not repeated, even after a 429.
    pub fn stream<S>(stream: S, length: Option<u64>) -> Part
    where
        S: futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static,
    {
        let stream: OnceStream = Arc::new(Mutex::new(Some(stream.boxed())));
        Part { source: Source::Stream { stream, length }, file_name: None, content_type: None }
    }

    /// The file name sent for this part. A name with a control character (a line break) is
    /// refused with [`Error::Body`](crate::Error::Body) before the call is sent.
    #[must_use]
    pub fn file_name(mut self, name: impl Into<String>) -> Part {
        self.file_name = Some(name.into());
        self
    }

    /// The content type sent for this part (e.g. `application/pdf`); checked when sent.
    #[must_use]
    pub fn content_type(mut self, mime: impl Into<String>) -> Part {
        self.content_type = Some(mime.into());
        self
    }

    async fn to_reqwest(&self) -> Result<reqwest::multipart::Part, crate::Error> {
        use reqwest::multipart::Part as P;
        let part = match &self.source {
            Source::Text(t) => P::text(t.clone()),
            Source::Bytes(b) => P::stream_with_length(reqwest::Body::from(b.clone()), b.len() as u64),
            Source::File(path) => {
                let file = tokio::fs::File::open(path).await.map_err(crate::Error::Io)?;
                let length = file.metadata().await.map_err(crate::Error::Io)?.len();
                P::stream_with_length(reqwest::Body::wrap_stream(read_chunks(file)), length)
            }
            Source::Stream { stream, length } => {
                let taken = stream.lock().unwrap_or_else(std::sync::PoisonError::into_inner).take();
                let Some(taken) = taken else {
                    return Err(BodyError::new(
                        "multipart",
                        "a streamed part can be sent once, and this one was already sent",
                    )
                    .into());
                };
                let body = reqwest::Body::wrap_stream(taken);
                match length {
                    Some(n) => P::stream_with_length(body, *n),
                    None => P::stream(body),
                }
            }
        };
        let part = match &self.file_name {
            Some(name) => part.file_name(name.clone()),
            None => part,
        };
        match &self.content_type {
            Some(mime) => part.mime_str(mime).map_err(|_| {
                BodyError::new("multipart", format!("the part's content type {mime:?} is not a MIME type")).into()
            }),
            None => Ok(part),
        }
    }
}

/// A file's bytes as a stream of chunks of up to 64 KiB.
fn read_chunks(file: tokio::fs::File) -> impl futures::Stream<Item = std::io::Result<Bytes>> + Send + 'static {
    use tokio::io::AsyncReadExt;
    futures::stream::try_unfold(file, |mut file| async move {
        let mut buf = bytes::BytesMut::with_capacity(64 * 1024);
        let n = file.read_buf(&mut buf).await?;
        Ok((n > 0).then(|| (buf.freeze(), file)))
    })
}
