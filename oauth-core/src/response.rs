//! What a call answers: JSON, the whole body as bytes, or a [`Download`] read chunk by chunk.
//!
//! [`Endpoint::decode`](crate::Endpoint::decode) turns an [`Answer`] (a 2xx response whose body
//! has not been read) into the endpoint's response. The derive picks by the `response` type, as
//! the compiler resolves it (an alias of `Download`, or `Download` passed through a macro's `ty`
//! fragment, streams; a type of one's own called `Download` is JSON):
//!
//! | `response = …` | body | memory |
//! |---|---|---|
//! | `Bytes` (`bytes::Bytes`) | the whole body, as is | the body's size, at most the cap |
//! | `Download` | a stream of chunks, with content type, length and file name | one chunk at a time |
//! | anything else | JSON (an empty body, such as HTTP 204, is JSON `null`) | the body's size, at most the cap |
//!
//! A body read whole is capped ([`DEFAULT_MAX_RESPONSE_BYTES`], 16 MiB, unless set with
//! [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes)): a longer one
//! is [`Error::ResponseTooLarge`], refused on its `Content-Length` before anything is read, or
//! once the bytes read pass the cap, and not read further. A [`Download`] is not capped: it is
//! the way to read a large body.
//!
//! ```
//! use zoho_oauth_core::{Download, Endpoint, bytes::Bytes};
//!
//! // A small file, whole.
//! #[derive(Endpoint)]
//! #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portal/{portal}/logo",
//!        scope = "ZohoProjects.portals.READ", response = Bytes)]
//! struct Logo { #[zoho(path)] portal: u64 }
//!
//! // A large one, streamed: memory stays at one chunk whatever its size.
//! #[derive(Endpoint)]
//! #[zoho(crate = ::zoho_oauth_core, method = "GET", path = "/api/v3/portal/{portal}/export",
//!        scope = "ZohoProjects.portals.READ", response = Download)]
//! struct Export { #[zoho(path)] portal: u64 }
//!
//! # async fn run(client: zoho_oauth_core::Client<zoho_oauth_core::Dynamic>) -> Result<(), zoho_oauth_core::Error> {
//! let mut export = client.send_checked(Export { portal: 7 }).await?;
//! println!("{:?} {:?} bytes, {:?}", export.content_type(), export.content_length(), export.file_name());
//! let mut file = tokio::fs::File::create("export.csv").await.expect("file");
//! let written = export.write_to(&mut file).await?;
//! # let _ = written; Ok(()) }
//! ```

use crate::error::{Error, redact_snippet};
use bytes::Bytes;
use serde::de::DeserializeOwned;
use std::fmt;
use tokio::io::{AsyncWrite, AsyncWriteExt};

/// The most bytes of an API answer read whole ([`Answer::bytes`], [`Answer::json`]) unless
/// [`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes) says
/// otherwise: 16 MiB.
pub const DEFAULT_MAX_RESPONSE_BYTES: u64 = 16 * 1024 * 1024;

/// The most bytes of a Zoho Accounts answer (token, device and revoke requests) read: 64 KiB.
/// Its answers are a few hundred bytes of JSON.
pub const MAX_ACCOUNTS_RESPONSE_BYTES: u64 = 64 * 1024;

/// The most bytes of an API error answer (non-2xx) read to describe the error; the rest is not
/// read.
pub(crate) const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// Why a body could not be read whole.
#[derive(Debug)]
pub(crate) enum ReadError {
    /// It is longer than the cap: `Content-Length` said so (`declared`), or the bytes read did.
    TooLarge {
        /// The body's `Content-Length`, when the server sent one.
        declared: Option<u64>,
    },
    /// The network failed while reading.
    Transport(reqwest::Error),
}

/// Reads `response`'s body whole, but no more than `limit` bytes: a `Content-Length` above it is
/// refused before anything is read, and reading stops as soon as the bytes read pass it (the
/// rest is never read: dropping the response closes the connection). What is kept never holds
/// more than `limit` bytes.
pub(crate) async fn read_capped(mut response: reqwest::Response, limit: u64) -> Result<Bytes, ReadError> {
    let declared = response.content_length();
    if declared.is_some_and(|len| len > limit) {
        return Err(ReadError::TooLarge { declared });
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    // The first chunk as is (most answers are one), then a buffer that grows up to `limit`.
    let mut first: Option<Bytes> = None;
    let mut buf: Vec<u8> = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(ReadError::Transport)? {
        let held = first.as_ref().map_or(buf.len(), Bytes::len);
        if chunk.len() > limit - held {
            return Err(ReadError::TooLarge { declared });
        }
        match first.take() {
            None if buf.is_empty() => first = Some(chunk),
            taken => {
                let needed = held + chunk.len();
                if needed > buf.capacity() {
                    let target = needed.max(buf.capacity().saturating_mul(2)).min(limit);
                    buf.reserve_exact(target - buf.len());
                }
                if let Some(taken) = taken {
                    buf.extend_from_slice(&taken);
                }
                buf.extend_from_slice(&chunk);
            }
        }
    }
    Ok(first.unwrap_or_else(|| Bytes::from(buf)))
}

/// Reads at most `max` bytes of `response`'s body (an error answer, read only to describe the
/// error): the rest is not read.
pub(crate) async fn read_prefix(mut response: reqwest::Response, max: usize) -> Result<Bytes, reqwest::Error> {
    let mut buf: Vec<u8> = Vec::new();
    while buf.len() < max {
        let Some(chunk) = response.chunk().await? else { break };
        let take = chunk.len().min(max - buf.len());
        buf.extend_from_slice(&chunk[..take]);
    }
    Ok(Bytes::from(buf))
}

/// A successful (2xx) answer whose body has not been read yet: what
/// [`Endpoint::decode`](crate::Endpoint::decode) receives.
pub struct Answer {
    response: reqwest::Response,
    endpoint: &'static str,
    /// The most bytes [`bytes`](Answer::bytes) and [`json`](Answer::json) read.
    limit: u64,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer").field("status", &self.status()).field("endpoint", &self.endpoint).finish()
    }
}

impl Answer {
    pub(crate) fn new(response: reqwest::Response, endpoint: &'static str, limit: u64) -> Self {
        Answer { response, endpoint, limit }
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.response.status().as_u16()
    }

    /// A response header, when present and printable ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.response.headers().get(name).and_then(|v| v.to_str().ok())
    }

    /// The whole body, at most the client's cap
    /// ([`ClientBuilder::max_response_bytes`](crate::ClientBuilder::max_response_bytes), 16 MiB
    /// by default): a longer body is [`Error::ResponseTooLarge`] and is not read further (read
    /// large bodies as a [`Download`]).
    pub async fn bytes(self) -> Result<Bytes, Error> {
        let (endpoint, limit) = (self.endpoint, self.limit);
        read_capped(self.response, limit).await.map_err(|e| match e {
            ReadError::TooLarge { declared } => Error::ResponseTooLarge { endpoint, limit, declared },
            ReadError::Transport(e) => Error::Transport(e),
        })
    }

    /// The body decoded as JSON; an empty (or all-whitespace) body, as in HTTP 204, is `null`.
    /// The body is read as by [`bytes`](Answer::bytes), within the same cap.
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let (status, endpoint) = (self.status(), self.endpoint);
        let bytes = self.bytes().await?;
        let body: &[u8] = if bytes.iter().all(u8::is_ascii_whitespace) { b"null" } else { &bytes };
        crate::client::decode(body).map_err(|(path, source)| Error::Decode {
            status,
            endpoint,
            path,
            snippet: redact_snippet(&String::from_utf8_lossy(&bytes), 200),
            source: crate::error::DecodeCause::new(source),
        })
    }

    /// The body as a [`Download`], read chunk by chunk.
    pub fn download(self) -> Download {
        let content_type = self.header("content-type").map(str::to_owned);
        let file_name = self.header("content-disposition").and_then(disposition_file_name);
        let length = self.response.content_length();
        Download { response: self.response, content_type, length, file_name }
    }
}

/// A body read chunk by chunk (a file, an export): memory holds one chunk at a time, whatever
/// the body's size. `response = Download` in the derive (or any alias of it).
///
/// The whole-request timeout of the client ([`ClientBuilder::timeout`](crate::ClientBuilder::timeout),
/// 30 s by default) covers reading the body too: raise it for large files.
pub struct Download {
    response: reqwest::Response,
    content_type: Option<String>,
    length: Option<u64>,
    file_name: Option<String>,
}

impl fmt::Debug for Download {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Download")
            .field("content_type", &self.content_type)
            .field("length", &self.length)
            .field("file_name", &self.file_name)
            .finish_non_exhaustive()
    }
}

impl Download {
    /// `Content-Type`, as the server sent it.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// `Content-Length`: the body's size in bytes, when the server said.
    pub fn content_length(&self) -> Option<u64> {
        self.length
    }

    /// The file name of `Content-Disposition` (`filename*` preferred over `filename`, RFC 6266),
    /// when it is a safe base name: the server chooses it, so a name with a directory part (`/`,
    /// `\`), a `.` or `..` name, a control character (CR, LF, NUL), a character Windows refuses
    /// (`<>:"|?*`), a leading or trailing space, a trailing dot, or over 255 bytes is refused
    /// (`None`), never repaired. Still check it against your own rules before writing a file
    /// under it.
    pub fn file_name(&self) -> Option<&str> {
        self.file_name.as_deref()
    }

    /// The next chunk; `None` at the end of the body.
    pub async fn chunk(&mut self) -> Result<Option<Bytes>, Error> {
        self.response.chunk().await.map_err(Error::Transport)
    }

    /// Writes the rest of the body to `out`, chunk by chunk, and flushes it; returns the number
    /// of bytes written.
    pub async fn write_to<W: AsyncWrite + Unpin + ?Sized>(&mut self, out: &mut W) -> Result<u64, Error> {
        let mut written = 0u64;
        while let Some(chunk) = self.chunk().await? {
            out.write_all(&chunk).await.map_err(Error::Io)?;
            written += chunk.len() as u64;
        }
        out.flush().await.map_err(Error::Io)?;
        Ok(written)
    }

    /// The rest of the body as a stream of chunks.
    pub fn into_stream(self) -> impl futures::Stream<Item = Result<Bytes, Error>> + Send + 'static {
        futures::stream::try_unfold(self, |mut d| async move { Ok(d.chunk().await?.map(|c| (c, d))) })
    }
}

/// How the derive reads an answer into its `response` type, chosen by the type itself, never by
/// how it is spelt: [`Download`] is streamed, [`Bytes`] read whole, any other type decoded as
/// JSON. A type alias, a path through a re-export or a macro's `ty` fragment name the same type
/// and read the same way; a type of one's own that happens to be called `Download` or `Bytes`
/// is JSON like any other. Not public API: what generated code calls.
///
/// The choice is made by method resolution on `(&&&ReadAs::<T>::NEW).__zoho_read(answer)`: the
/// candidate for `&&ReadAs<Download>` is found first, then `&ReadAs<Bytes>`, then the JSON one
/// for every `ReadAs<T>`, which requires `T: JsonResponse`.
#[doc(hidden)]
pub mod read {
    use super::{Answer, Download};
    use crate::error::Error;
    use bytes::Bytes;
    use serde::de::DeserializeOwned;
    use std::future::{Future, Ready, ready};
    use std::marker::PhantomData;

    /// The response type `T`, as a value to resolve a method on.
    pub struct ReadAs<T>(PhantomData<fn() -> T>);

    impl<T> ReadAs<T> {
        /// The value.
        pub const NEW: Self = ReadAs(PhantomData);
    }

    /// A response type read as JSON: any `DeserializeOwned` type.
    #[diagnostic::on_unimplemented(
        message = "`{Self}` cannot be a `response`: it does not implement `serde::Deserialize`",
        label = "not `Deserialize`, and neither `zoho_projects::Download` (streamed) nor `bytes::Bytes` (whole)",
        note = "a `response` is decoded as JSON (derive `Deserialize` for it), or is the crate's `Download` or `Bytes` \
                type under any name"
    )]
    pub trait JsonResponse: DeserializeOwned {}
    impl<T: DeserializeOwned> JsonResponse for T {}

    /// `Download`: streamed.
    pub trait ReadStreamed {
        /// The answer as a [`Download`].
        fn __zoho_read(&self, answer: Answer) -> Ready<Result<Download, Error>>;
    }
    impl ReadStreamed for &&ReadAs<Download> {
        fn __zoho_read(&self, answer: Answer) -> Ready<Result<Download, Error>> {
            ready(Ok(answer.download()))
        }
    }

    /// `Bytes`: the whole body.
    pub trait ReadWhole {
        /// The whole body.
        fn __zoho_read(&self, answer: Answer) -> impl Future<Output = Result<Bytes, Error>> + Send;
    }
    impl ReadWhole for &ReadAs<Bytes> {
        fn __zoho_read(&self, answer: Answer) -> impl Future<Output = Result<Bytes, Error>> + Send {
            answer.bytes()
        }
    }

    /// Any other type: JSON.
    pub trait ReadJson<T> {
        /// The body decoded as JSON.
        fn __zoho_read(&self, answer: Answer) -> impl Future<Output = Result<T, Error>> + Send
        where
            T: JsonResponse;
    }
    impl<T> ReadJson<T> for ReadAs<T> {
        fn __zoho_read(&self, answer: Answer) -> impl Future<Output = Result<T, Error>> + Send
        where
            T: JsonResponse,
        {
            answer.json::<T>()
        }
    }
}

/// The file name of a `Content-Disposition` value, made safe (see [`Download::file_name`]).
fn disposition_file_name(value: &str) -> Option<String> {
    let mut plain = None;
    let mut extended = None;
    for param in split_params(value).into_iter().skip(1) {
        let Some((key, val)) = param.split_once('=') else { continue };
        let key = key.trim().to_ascii_lowercase();
        let val = val.trim();
        if key == "filename*" {
            // RFC 8187: charset'language'percent-encoded; only UTF-8 is read.
            let mut parts = val.splitn(3, '\'');
            let (charset, _lang, encoded) = (parts.next()?, parts.next()?, parts.next()?);
            if charset.eq_ignore_ascii_case("utf-8") {
                extended = percent_encoding::percent_decode_str(encoded).decode_utf8().ok().map(|s| s.into_owned());
            }
        } else if key == "filename" {
            plain = Some(unquote(val));
        }
    }
    extended.or(plain).filter(|n| safe_name(n))
}

/// Splits `a; b="x;y"; c` at the semicolons outside quotes.
fn split_params(value: &str) -> Vec<&str> {
    let (mut out, mut start, mut quoted, mut escaped) = (Vec::new(), 0, false, false);
    for (i, c) in value.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            ';' if !quoted => {
                out.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&value[start..]);
    out
}

/// A quoted-string's content (`\x` is `x`), or the token as is.
fn unquote(value: &str) -> String {
    let Some(inner) = value.strip_prefix('"').and_then(|v| v.strip_suffix('"')) else {
        return value.to_owned();
    };
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        out.push(if c == '\\' { chars.next().unwrap_or('\\') } else { c });
    }
    out
}

/// A base name that names one file in the directory it is written to, on any system: no
/// directory part, no `.`/`..`, no control character (CR/LF, NUL), none of the characters
/// Windows refuses in a name (`<>:"|?*`), no leading or trailing space or trailing dot.
fn safe_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name != "."
        && name != ".."
        && name.trim() == name
        && !name.ends_with('.')
        && !name.chars().any(|c| matches!(c, '/' | '\\' | '<' | '>' | ':' | '"' | '|' | '?' | '*') || c.is_control())
}

#[cfg(test)]
mod tests {
    use super::disposition_file_name as name;

    #[test]
    fn file_names_from_content_disposition() {
        assert_eq!(name("attachment; filename=\"report.pdf\"").as_deref(), Some("report.pdf"));
        assert_eq!(name("attachment; filename=plain.txt").as_deref(), Some("plain.txt"));
        assert_eq!(name("attachment; filename=\"a;b c.txt\"").as_deref(), Some("a;b c.txt"));
        assert_eq!(
            name("attachment; filename=\"fallback.txt\"; filename*=UTF-8''Z%C3%BCrich%20%E2%98%83.txt").as_deref(),
            Some("Zürich ☃.txt"),
            "filename* wins"
        );
        assert_eq!(name("inline").as_deref(), None);
        // What a hostile server could claim: a path, a climb, a control character, nothing.
        for bad in [
            "attachment; filename=\"../../etc/passwd\"",
            "attachment; filename=\"..\"",
            "attachment; filename=\"dir\\\\evil.exe\"",
            "attachment; filename*=UTF-8''..%2F..%2Fx",
            "attachment; filename*=UTF-8''a%0Ab",
            "attachment; filename=\"\"",
            "attachment; filename=\"a \\\"quoted\\\" name\"",
            "attachment; filename*=UTF-8''a%0D%0Ab",
            "attachment; filename=\"trailing.\"",
            "attachment; filename=\" spaced\"",
            "attachment; filename=\"c:evil\"",
        ] {
            assert_eq!(name(bad), None, "{bad}");
        }
        assert_eq!(name(&format!("attachment; filename={}", "a".repeat(256))), None);
    }
}
