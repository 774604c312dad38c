//! The config file: the client id and secret and the servers `zoho login` used, so that later
//! commands need no flags. JSON, written atomically with mode 0600.

use crate::error::{Class, CliError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};

/// What the config file holds. Every field is optional; flags and environment variables win.
#[derive(Default, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct ConfigFile {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) client_secret: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) region: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) accounts_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) api_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) redirect_uri: Option<String>,
}

impl fmt::Debug for ConfigFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConfigFile")
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret.as_ref().map(|_| "[redacted]"))
            .field("region", &self.region)
            .field("accounts_url", &self.accounts_url)
            .field("api_url", &self.api_url)
            .field("redirect_uri", &self.redirect_uri)
            .finish()
    }
}

/// `<config dir>/zoho/config.json`.
pub(crate) fn default_path() -> Option<PathBuf> {
    dirs::config_dir().map(|d| d.join("zoho").join("config.json"))
}

impl ConfigFile {
    /// Reads `path`; a missing file is an empty configuration, a damaged one an error that
    /// names the file (and leaves it alone).
    pub(crate) fn load(path: &Path) -> Result<Self, CliError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(ConfigFile::default()),
            Err(e) => return Err(CliError::other(format!("cannot read the config file {}: {e}", path.display()))),
        };
        serde_json::from_str(&text).map_err(|e| {
            CliError::new(Class::Usage, format!("the config file {} is not valid: {e}", path.display()))
                .hint("fix or delete it; `zoho login` writes a new one")
        })
    }

    /// Writes the file atomically: a new file with mode 0600 in the same folder (created with
    /// mode 0700 if missing), flushed to disk, then renamed over `path`. A symlink at `path` is
    /// replaced, never followed.
    pub(crate) fn save(&self, path: &Path) -> Result<(), CliError> {
        let fail = |what: &str, e: std::io::Error| {
            CliError::other(format!("cannot write the config file {}: {what}: {e}", path.display()))
        };
        let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
        if !dir.exists() {
            create_private_dir(dir).map_err(|e| fail("creating its folder", e))?;
        }
        // tempfile creates the file with mode 0600 on Unix.
        let mut tmp = tempfile::Builder::new()
            .prefix(".config.json.")
            .tempfile_in(dir)
            .map_err(|e| fail("creating a temporary file", e))?;
        let mut text = serde_json::to_string_pretty(self).map_err(|e| CliError::other(e.to_string()))?;
        text.push('\n');
        tmp.write_all(text.as_bytes()).map_err(|e| fail("writing", e))?;
        tmp.as_file().sync_all().map_err(|e| fail("flushing", e))?;
        tmp.persist(path).map_err(|e| fail("renaming", e.error))?;
        Ok(())
    }
}

#[cfg(unix)]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)
}

#[cfg(not(unix))]
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(dir)
}
