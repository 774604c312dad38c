//! [`FileStore`]: tokens in a JSON file, shared by the processes of one machine.

use super::{FORMAT, LockRelease, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore, check_header};
use serde_json::{Map, Value};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

const FILE_KIND: &str = "zoho-oauth-core/token-file";

/// How long a save or remove waits for another process's write by default.
const DEFAULT_WRITE_WAIT: Duration = Duration::from_secs(10);

/// Tokens in one JSON file: the embedded default, shared safely by every process on a machine.
///
/// - **Where**: the path given, or `tokens.json` in a `zoho-oauth-core` folder of the platform's
///   data directory ([`FileStore::default_path`]: `~/.local/share` on Linux, `~/Library/Application
///   Support` on macOS, `%APPDATA%` on Windows).
/// - **Atomic**: a write goes to a new, uniquely named temp file in the same folder (created
///   exclusively, mode `0600`), is flushed to disk (`fsync`), renamed over the file, and the
///   folder is flushed too; a crash at any point leaves either the old or the new file, never a
///   torn one.
/// - **Private**: files are created with mode `0600` (and a created folder with `0700`) on Unix.
///   An existing token file that group or others may access is refused with a
///   [`StoreError::Io`] of kind `PermissionDenied` naming the file and the fix; a token file or
///   lock file that is a symbolic link, a token file owned by another user, and a folder that
///   group or others may write (or that another user owns) are refused with
///   [`StoreError::Unsafe`]. Symbolic links are never followed.
/// - **One refresh per machine**: the refresh lock is an OS file lock on a sidecar
///   `<file>.<key>.lock` file, released by the OS if its holder dies; writes are serialised by
///   another lock on `<file>.lock`, waited for at most [`FileStore::write_lock_wait`] (10 s by
///   default, then [`StoreError::LockTimeout`]).
/// - **Versioned**: the file says `"kind": "zoho-oauth-core/token-file", "format": 1`. A damaged
///   file, a file this crate did not write, or a newer format is a typed [`StoreError`]; it is
///   never overwritten.
/// - **One damaged record blocks nothing else**: loading it is a [`StoreError::Corrupt`]; other
///   keys load and save as usual (the damaged record is kept as it is), and the next save or
///   remove of its own key moves it, byte for byte, into the file's `quarantine` section.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use zoho_oauth_core::store::{FileStore, StoreKey, TokenRecord, TokenStore};
/// use zoho_oauth_core::{AccessToken, TokenParts};
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let store = FileStore::new(dir.path().join("tokens.json"));
/// let key = StoreKey::new("https://accounts.zoho.com", "1000.CLIENT", "ana@example.com");
///
/// let scopes = zoho_oauth_core::DynamicScopes::parse_list("ZohoProjects.portals.READ")?;
/// let access = AccessToken::new("1000.aaa.bbb", SystemTime::now() + Duration::from_secs(3600), scopes);
/// let record = TokenRecord::from_parts(&key, &TokenParts::new(access), SystemTime::now());
/// store.save(&key, &record).await?;
///
/// // Any other process (or store) reading the same file sees it.
/// let again = FileStore::new(dir.path().join("tokens.json"));
/// let read = again.load(&key).await?.expect("saved");
/// assert_eq!(read.access_token.expose_secret(), "1000.aaa.bbb");
///
/// // A file it did not write is an error, and is left alone.
/// std::fs::write(dir.path().join("other.json"), "{\"hello\": 1}")?;
/// assert!(FileStore::new(dir.path().join("other.json")).load(&key).await.is_err());
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct FileStore {
    path: Arc<PathBuf>,
    write_wait: Duration,
}

/// The file's contents: the records by key id, and the damaged records moved aside.
#[derive(Default)]
struct Doc {
    records: Map<String, Value>,
    quarantine: Map<String, Value>,
}

impl Doc {
    /// Moves the record of `id` into the quarantine section if it is damaged, so that a save
    /// or remove of its key loses nothing. Whether it did.
    fn set_aside_if_damaged(&mut self, id: &str) -> bool {
        let damaged = self.records.get(id).is_some_and(|v| TokenRecord::from_value(v.clone()).is_err());
        if !damaged {
            return false;
        }
        let Some(old) = self.records.remove(id) else { return false };
        let at = super::ms(SystemTime::now());
        let mut name = format!("{id}@{at}");
        let mut n = 1;
        while self.quarantine.contains_key(&name) {
            n += 1;
            name = format!("{id}@{at}.{n}");
        }
        self.quarantine.insert(name, old);
        true
    }
}

impl FileStore {
    /// A store in the file at `path` (created on the first save, with its folder).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: Arc::new(path.into()), write_wait: DEFAULT_WRITE_WAIT }
    }

    /// A store at [`FileStore::default_path`].
    pub fn open_default() -> Result<Self, StoreError> {
        Ok(Self::new(Self::default_path()?))
    }

    /// How long a save or remove waits for another process's write to the same file before it
    /// gives up with [`StoreError::LockTimeout`] (default 10 s; a write takes milliseconds, so
    /// only a stuck or hostile holder of the lock makes it wait that long).
    pub fn write_lock_wait(mut self, wait: Duration) -> Self {
        self.write_wait = wait;
        self
    }

    /// `<platform data dir>/zoho-oauth-core/tokens.json`, e.g.
    /// `~/.local/share/zoho-oauth-core/tokens.json` on Linux. [`StoreError::NoDataDir`] when the
    /// platform has none (no home directory): give a path then.
    pub fn default_path() -> Result<PathBuf, StoreError> {
        dirs::data_dir().map(|d| d.join("zoho-oauth-core").join("tokens.json")).ok_or(StoreError::NoDataDir)
    }

    /// The token file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The folder holding the file.
    fn dir(&self) -> &Path {
        self.path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."))
    }

    fn sidecar(&self, suffix: &str) -> PathBuf {
        let mut name = self.path.file_name().map(|n| n.to_os_string()).unwrap_or_else(|| "tokens".into());
        name.push(suffix);
        self.path.with_file_name(name)
    }

    fn refresh_lock_path(&self, key: &StoreKey) -> PathBuf {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(key.id().as_bytes());
        let hex: String = digest.iter().take(8).map(|b| format!("{b:02x}")).collect();
        self.sidecar(&format!(".{hex}.lock"))
    }

    async fn blocking<T: Send + 'static>(
        &self,
        f: impl FnOnce(&FileStore) -> Result<T, StoreError> + Send + 'static,
    ) -> Result<T, StoreError> {
        let me = self.clone();
        match tokio::task::spawn_blocking(move || f(&me)).await {
            Ok(r) => r,
            Err(e) => Err(StoreError::backend(e)),
        }
    }

    fn io(&self, path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io { path: path.to_owned(), source }
    }

    /// An open that failed: a symbolic link in the last component is [`StoreError::Unsafe`].
    fn open_error(&self, path: &Path, e: std::io::Error) -> StoreError {
        if is_symlink_refusal(&e) {
            return unsafe_path(path, "is a symbolic link; the token store never follows one");
        }
        self.io(path, e)
    }

    /// Reads and checks the whole file; `None` if it does not exist.
    ///
    /// A file that group or others may read or write is refused (Unix): it holds refresh
    /// tokens, and another user of the machine may already have copied them. So are a symbolic
    /// link, a file of another user and a folder others may write.
    fn read_file(&self) -> Result<Option<Doc>, StoreError> {
        self.check_dir()?;
        let mut file = match no_follow(OpenOptions::new().read(true)).open(&*self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.open_error(&self.path, e)),
        };
        self.check_private(&file)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| self.io(&self.path, e))?;
        // serde's message may quote a value (a token): keep only where it went wrong.
        let value: Value = serde_json::from_slice(&bytes).map_err(|e| StoreError::Corrupt {
            what: format!("{}: not JSON (line {}, column {})", self.path.display(), e.line(), e.column()),
        })?;
        check_header(&value, FILE_KIND)?;
        let Value::Object(mut m) = value else {
            return Err(StoreError::Corrupt { what: format!("{}: not an object", self.path.display()) });
        };
        let records = match m.remove("records") {
            Some(Value::Object(records)) => records,
            _ => return Err(StoreError::Corrupt { what: format!("{}: no records object", self.path.display()) }),
        };
        let quarantine = match m.remove("quarantine") {
            None => Map::new(),
            Some(Value::Object(q)) => q,
            Some(_) => {
                return Err(StoreError::Corrupt {
                    what: format!("{}: a quarantine that is not an object", self.path.display()),
                });
            }
        };
        Ok(Some(Doc { records, quarantine }))
    }

    /// Refuses a token file with any permission for group or others, or owned by another user
    /// (checked on the open file, so the check and the read see the same file).
    #[cfg(unix)]
    fn check_private(&self, file: &File) -> Result<(), StoreError> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let meta = file.metadata().map_err(|e| self.io(&self.path, e))?;
        if !meta.is_file() {
            return Err(unsafe_path(&self.path, "is not a regular file"));
        }
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let message = format!(
                "the token file is accessible to group or others (mode {mode:o}) and holds secrets; refusing to use \
                 it: run `chmod 600 {}` if nobody else could have read it, else delete it, revoke the tokens and \
                 log in again",
                self.path.display()
            );
            return Err(self.io(&self.path, std::io::Error::new(ErrorKind::PermissionDenied, message)));
        }
        if meta.uid() != rustix::process::geteuid().as_raw() {
            return Err(unsafe_path(
                &self.path,
                "is owned by another user, who could have planted or read its tokens; delete it and log in again",
            ));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_private(&self, _file: &File) -> Result<(), StoreError> {
        Ok(())
    }

    /// Refuses a folder that group or others may write, or that another user (not root) owns:
    /// whoever can write the folder can swap the token file or plant its lock files.
    #[cfg(unix)]
    fn check_dir(&self) -> Result<(), StoreError> {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let dir = self.dir();
        let meta = match std::fs::metadata(dir) {
            Ok(m) => m,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(()),
            Err(e) => return Err(self.io(dir, e)),
        };
        let mode = meta.permissions().mode() & 0o7777;
        if mode & 0o022 != 0 {
            return Err(unsafe_path(
                dir,
                &format!(
                    "(the token file's folder) may be written by group or others (mode {mode:o}); keep the token \
                     file in a private folder (e.g. `chmod 700` it)"
                ),
            ));
        }
        let me = rustix::process::geteuid().as_raw();
        if meta.uid() != me && meta.uid() != 0 {
            return Err(unsafe_path(dir, "(the token file's folder) is owned by another user"));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_dir(&self) -> Result<(), StoreError> {
        Ok(())
    }

    /// Writes the file atomically: a new temp file (exclusive, `0600`), fsync, rename, fsync of
    /// the folder.
    fn write_file(&self, doc: &Doc) -> Result<(), StoreError> {
        let mut top = Map::new();
        top.insert("kind".into(), FILE_KIND.into());
        top.insert("format".into(), FORMAT.into());
        top.insert("records".into(), Value::Object(doc.records.clone()));
        if !doc.quarantine.is_empty() {
            top.insert("quarantine".into(), Value::Object(doc.quarantine.clone()));
        }
        let text = serde_json::to_vec_pretty(&Value::Object(top)).map_err(StoreError::backend)?;
        let dir = self.dir();
        let mut prefix = std::ffi::OsString::from(".");
        prefix.push(self.path.file_name().unwrap_or("tokens".as_ref()));
        prefix.push(".");
        let mut tmp =
            tempfile::Builder::new().prefix(&prefix).suffix(".tmp").tempfile_in(dir).map_err(|e| self.io(dir, e))?;
        tmp.write_all(&text).map_err(|e| self.io(tmp.path(), e))?;
        tmp.as_file().sync_all().map_err(|e| self.io(tmp.path(), e))?;
        tmp.persist(&*self.path).map_err(|e| self.io(&self.path, e.error))?;
        sync_dir(dir).map_err(|e| self.io(dir, e))
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        let dir = self.dir();
        if dir.is_dir() {
            return Ok(());
        }
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|e| self.io(dir, e))
    }

    /// Opens (creating) a lock file in a checked folder.
    fn open_lock_file(&self, path: &Path) -> Result<File, StoreError> {
        self.ensure_dir()?;
        self.check_dir()?;
        no_follow(private_options().read(true).write(true).create(true).truncate(false))
            .open(path)
            .map_err(|e| self.open_error(path, e))
    }

    /// Takes the OS lock on `file`, polling with a short, growing pause for at most `wait`.
    async fn wait_for(&self, file: File, path: &Path, wait: Duration, what: String) -> Result<File, StoreError> {
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(file),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(self.io(path, e)),
            }
            let waited = started.elapsed();
            if waited >= wait {
                return Err(StoreError::LockTimeout { key: what, waited });
            }
            tokio::time::sleep(pause.min(wait - waited)).await;
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }

    /// Read-modify-write under the write lock (waited for at most `write_wait`).
    async fn update<T: Send + 'static>(&self, f: impl FnOnce(&mut Doc) -> T + Send + 'static) -> Result<T, StoreError> {
        let lock_path = self.sidecar(".lock");
        let file = {
            let p = lock_path.clone();
            self.blocking(move |me| me.open_lock_file(&p)).await?
        };
        let what = format!("the write lock {}", lock_path.display());
        let held = self.wait_for(file, &lock_path, self.write_wait, what).await?;
        self.blocking(move |me| {
            let mut doc = me.read_file()?.unwrap_or_default();
            let out = f(&mut doc);
            let result = me.write_file(&doc);
            drop(held); // closing the file releases the lock
            result.map(|()| out)
        })
        .await
    }
}

/// Logs (in the caller's span) that a damaged record of `key` was moved aside.
fn quarantined(key: &StoreKey, moved: bool) {
    if moved {
        tracing::warn!(key = %key, "a damaged token record was moved to the token file's quarantine section");
    }
}

/// A refusal to use a path that another user could control.
fn unsafe_path(path: &Path, reason: &str) -> StoreError {
    StoreError::Unsafe { path: path.to_owned(), reason: reason.to_owned() }
}

fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
}

/// Makes an open fail on a symbolic link instead of following it (`O_NOFOLLOW`).
fn no_follow(o: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::custom_flags(o, rustix::fs::OFlags::NOFOLLOW.bits() as i32);
    o
}

/// Whether an open failed because `O_NOFOLLOW` met a symbolic link (`ELOOP`; `EMLINK` on the BSDs).
#[cfg(unix)]
fn is_symlink_refusal(e: &std::io::Error) -> bool {
    let code = e.raw_os_error();
    code == Some(rustix::io::Errno::LOOP.raw_os_error())
        || (cfg!(any(target_os = "freebsd", target_os = "netbsd"))
            && code == Some(rustix::io::Errno::MLINK.raw_os_error()))
}

#[cfg(not(unix))]
fn is_symlink_refusal(_e: &std::io::Error) -> bool {
    false
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> std::io::Result<()> {
    File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> std::io::Result<()> {
    // Windows cannot open a directory as a file; its rename is durable once it returns.
    Ok(())
}

/// A held OS lock on a sidecar file: closing the file releases it, and so does the OS when the
/// holder dies.
struct FileLock(#[allow(dead_code)] File);

#[async_trait::async_trait]
impl LockRelease for FileLock {
    async fn release(self: Box<Self>) -> Result<(), StoreError> {
        Ok(())
    }
}

#[async_trait::async_trait]
impl TokenStore for FileStore {
    async fn load(&self, key: &StoreKey) -> Result<Option<TokenRecord>, StoreError> {
        let id = key.id();
        let shown = key.to_string();
        self.blocking(move |me| {
            let Some(mut doc) = me.read_file()? else { return Ok(None) };
            match doc.records.remove(&id) {
                None => Ok(None),
                Some(value) => TokenRecord::from_value(value).map(Some).map_err(|_| StoreError::Corrupt {
                    what: format!(
                        "{}: the record of {shown} is damaged; other keys are unaffected, and the next save or \
                         remove for this key moves it to the file's quarantine section",
                        me.path.display()
                    ),
                }),
            }
        })
        .await
    }

    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        let (id, value) = (key.id(), record.to_value());
        let moved = self
            .update(move |doc| {
                let moved = doc.set_aside_if_damaged(&id);
                doc.records.insert(id, value);
                moved
            })
            .await?;
        quarantined(key, moved);
        Ok(())
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        if !self.path.exists() {
            return Ok(());
        }
        let id = key.id();
        let moved = self
            .update(move |doc| {
                let moved = doc.set_aside_if_damaged(&id);
                doc.records.remove(&id);
                moved
            })
            .await?;
        quarantined(key, moved);
        Ok(())
    }

    async fn lock(&self, key: &StoreKey, _ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        let path = self.refresh_lock_path(key);
        let file = {
            let path = path.clone();
            self.blocking(move |me| me.open_lock_file(&path)).await?
        };
        // Another process refreshes; a refresh takes one HTTP round trip.
        let file = self.wait_for(file, &path, wait, key.to_string()).await?;
        Ok(StoreLock::new(FileLock(file)))
    }
}
