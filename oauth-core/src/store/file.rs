//! [`FileStore`]: tokens in a JSON file, shared by the processes of one machine.

use super::{FORMAT, LockRelease, StoreError, StoreKey, StoreLock, TokenRecord, TokenStore, check_header};
use std::fs::{File, OpenOptions, TryLockError};
use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

const FILE_KIND: &str = "zoho-oauth-core/token-file";

/// Tokens in one JSON file: the embedded default, shared safely by every process on a machine.
///
/// - **Where**: the path given, or `tokens.json` in a `zoho-oauth-core` folder of the platform's
///   data directory ([`FileStore::default_path`]: `~/.local/share` on Linux, `~/Library/Application
///   Support` on macOS, `%APPDATA%` on Windows).
/// - **Atomic**: a write goes to `<file>.tmp`, is flushed to disk (`fsync`), renamed over the
///   file, and the directory is flushed too; a crash at any point leaves either the old or the new
///   file, never a torn one.
/// - **Private**: files are created with mode `0600` (and a created folder with `0700`) on Unix,
///   and an existing token file that group or others may access is refused with a
///   [`StoreError::Io`] of kind `PermissionDenied` naming the file and the fix.
/// - **One refresh per machine**: the refresh lock is an OS file lock on a sidecar
///   `<file>.<key>.lock` file, released by the OS if its holder dies; writes are serialised by
///   another lock on `<file>.lock`.
/// - **Versioned**: the file says `"kind": "zoho-oauth-core/token-file", "format": 1`. A damaged
///   file, a file this crate did not write, or a newer format is a typed [`StoreError`]; it is
///   never overwritten.
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
}

impl FileStore {
    /// A store in the file at `path` (created on the first save, with its folder).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        FileStore { path: Arc::new(path.into()) }
    }

    /// A store at [`FileStore::default_path`].
    pub fn open_default() -> Result<Self, StoreError> {
        Ok(Self::new(Self::default_path()?))
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
            Err(e) => Err(StoreError::Backend(format!("file store task failed: {e}"))),
        }
    }

    fn io(&self, path: &Path, source: std::io::Error) -> StoreError {
        StoreError::Io { path: path.to_owned(), source }
    }

    /// Reads and checks the whole file; `None` if it does not exist.
    ///
    /// A file that group or others may read or write is refused (Unix): it holds refresh
    /// tokens, and another user of the machine may already have copied them.
    fn read_file(&self) -> Result<Option<serde_json::Map<String, serde_json::Value>>, StoreError> {
        let mut file = match File::open(&*self.path) {
            Ok(f) => f,
            Err(e) if e.kind() == ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(self.io(&self.path, e)),
        };
        self.check_private(&file)?;
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes).map_err(|e| self.io(&self.path, e))?;
        let value: serde_json::Value = serde_json::from_slice(&bytes)
            .map_err(|e| StoreError::Corrupt { what: format!("{}: {e}", self.path.display()) })?;
        check_header(&value, FILE_KIND)?;
        match value {
            serde_json::Value::Object(mut m) => match m.remove("records") {
                Some(serde_json::Value::Object(records)) => Ok(Some(records)),
                _ => Err(StoreError::Corrupt { what: format!("{}: no records object", self.path.display()) }),
            },
            _ => Err(StoreError::Corrupt { what: format!("{}: not an object", self.path.display()) }),
        }
    }

    /// Refuses a token file with any permission for group or others (checked on the open file,
    /// so the check and the read see the same file).
    #[cfg(unix)]
    fn check_private(&self, file: &File) -> Result<(), StoreError> {
        use std::os::unix::fs::PermissionsExt;
        let mode = file.metadata().map_err(|e| self.io(&self.path, e))?.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            let message = format!(
                "the token file is accessible to group or others (mode {mode:o}) and holds secrets; refusing to use \
                 it: run `chmod 600 {}` if nobody else could have read it, else delete it, revoke the tokens and \
                 log in again",
                self.path.display()
            );
            return Err(self.io(&self.path, std::io::Error::new(ErrorKind::PermissionDenied, message)));
        }
        Ok(())
    }

    #[cfg(not(unix))]
    fn check_private(&self, _file: &File) -> Result<(), StoreError> {
        Ok(())
    }

    /// Writes the file atomically: temp file, fsync, rename, fsync of the folder.
    fn write_file(&self, records: serde_json::Map<String, serde_json::Value>) -> Result<(), StoreError> {
        let doc = serde_json::json!({ "kind": FILE_KIND, "format": FORMAT, "records": records });
        let text = serde_json::to_vec_pretty(&doc).map_err(|e| StoreError::Backend(e.to_string()))?;
        let tmp = self.sidecar(".tmp");
        let mut f =
            private_options().write(true).create(true).truncate(true).open(&tmp).map_err(|e| self.io(&tmp, e))?;
        // A stale temp file keeps its old mode when opened: make it private before writing.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600)).map_err(|e| self.io(&tmp, e))?;
        }
        f.write_all(&text).map_err(|e| self.io(&tmp, e))?;
        f.sync_all().map_err(|e| self.io(&tmp, e))?;
        drop(f);
        std::fs::rename(&tmp, &*self.path).map_err(|e| self.io(&self.path, e))?;
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            sync_dir(dir).map_err(|e| self.io(dir, e))?;
        }
        Ok(())
    }

    fn ensure_dir(&self) -> Result<(), StoreError> {
        let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) else { return Ok(()) };
        if dir.is_dir() {
            return Ok(());
        }
        let mut b = std::fs::DirBuilder::new();
        b.recursive(true);
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut b, 0o700);
        b.create(dir).map_err(|e| self.io(dir, e))
    }

    /// Read-modify-write under the write lock.
    fn update(&self, f: impl FnOnce(&mut serde_json::Map<String, serde_json::Value>)) -> Result<(), StoreError> {
        self.ensure_dir()?;
        let lock_path = self.sidecar(".lock");
        let lock = open_lock(&lock_path).map_err(|e| self.io(&lock_path, e))?;
        lock.lock().map_err(|e| self.io(&lock_path, e))?;
        let mut records = self.read_file()?.unwrap_or_default();
        // A damaged record, even of another key, is reported and never silently rewritten.
        for value in records.values() {
            TokenRecord::from_value(value.clone())?;
        }
        f(&mut records);
        let result = self.write_file(records);
        drop(lock); // closing the file releases the lock
        result
    }
}

fn private_options() -> OpenOptions {
    let mut o = OpenOptions::new();
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut o, 0o600);
    o
}

fn open_lock(path: &Path) -> std::io::Result<File> {
    private_options().read(true).write(true).create(true).truncate(false).open(path)
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
        self.blocking(move |me| match me.read_file()? {
            Some(mut records) => records.remove(&id).map(TokenRecord::from_value).transpose(),
            None => Ok(None),
        })
        .await
    }

    async fn save(&self, key: &StoreKey, record: &TokenRecord) -> Result<(), StoreError> {
        let (id, value) = (key.id(), record.to_value());
        self.blocking(move |me| {
            me.update(|records| {
                records.insert(id, value);
            })
        })
        .await
    }

    async fn remove(&self, key: &StoreKey) -> Result<(), StoreError> {
        let id = key.id();
        self.blocking(move |me| {
            if !me.path.exists() {
                return Ok(());
            }
            me.update(|records| {
                records.remove(&id);
            })
        })
        .await
    }

    async fn lock(&self, key: &StoreKey, _ttl: Duration, wait: Duration) -> Result<StoreLock, StoreError> {
        let path = self.refresh_lock_path(key);
        let file = {
            let path = path.clone();
            self.blocking(move |me| {
                me.ensure_dir()?;
                open_lock(&path).map_err(|e| me.io(&path, e))
            })
            .await?
        };
        let started = tokio::time::Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => return Ok(StoreLock::new(FileLock(file))),
                Err(TryLockError::WouldBlock) => {}
                Err(TryLockError::Error(e)) => return Err(self.io(&path, e)),
            }
            let waited = started.elapsed();
            if waited >= wait {
                return Err(StoreError::LockTimeout { key: key.to_string(), waited });
            }
            // Another process refreshes; poll with a short, growing pause (a refresh takes one
            // HTTP round trip).
            tokio::time::sleep(pause.min(wait - waited)).await;
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }
}
