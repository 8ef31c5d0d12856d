//! The credentials file, `$HOME/.latchkey/credentials.json`:
//! `{"token": "...", "api_url": "..."}`.
//!
//! It is written with mode 0600 in a directory of mode 0700, and a file whose mode lets
//! group or others read it is refused rather than used: a token that others could read must
//! be assumed leaked, and silently using it would hide that.

use crate::{ApiToken, Error, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A stored credential and the API it belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub token: ApiToken,
    pub api_url: Option<String>,
}

/// The on-disk shape; the token is plain text only here, on its way to or from the file.
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct StoredCredentials {
    token: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    api_url: Option<String>,
}

/// `$HOME/.latchkey/credentials.json`.
pub fn default_path() -> Result<PathBuf> {
    let home = std::env::var_os("HOME").filter(|h| !h.is_empty()).ok_or_else(|| {
        Error::InvalidConfig("HOME is not set: cannot locate ~/.latchkey/credentials.json".to_string())
    })?;
    Ok(PathBuf::from(home).join(".latchkey").join("credentials.json"))
}

impl Credentials {
    /// Reads the file at `path`; `Ok(None)` when there is none.
    pub fn load(path: &Path) -> Result<Option<Self>> {
        let file_error = |reason: String| Error::CredentialsFile { path: path.to_path_buf(), reason };
        let metadata = match std::fs::metadata(path) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(file_error(e.to_string())),
        };
        if !metadata.is_file() {
            return Err(file_error("not a regular file".to_string()));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            if metadata.permissions().mode() & 0o077 != 0 {
                return Err(Error::CredentialsFileTooOpen(path.to_path_buf()));
            }
        }
        let text = std::fs::read_to_string(path).map_err(|e| file_error(e.to_string()))?;
        // serde's messages can quote values; never echo the file's content.
        let stored: StoredCredentials = serde_json::from_str(&text).map_err(|e| {
            file_error(format!("not valid credentials JSON (line {}, column {})", e.line(), e.column()))
        })?;
        if stored.token.trim().is_empty() {
            return Err(file_error("the token is empty".to_string()));
        }
        Ok(Some(Credentials { token: ApiToken::new(stored.token), api_url: stored.api_url }))
    }

    /// Writes the file at `path` with mode 0600, creating its directory with mode 0700.
    /// The new content goes to a fresh 0600 file that then replaces the old one, so a file
    /// that was once too open is not reused, and a crash never leaves half a file.
    pub fn save(&self, path: &Path) -> Result<()> {
        let file_error = |reason: String| Error::CredentialsFile { path: path.to_path_buf(), reason };
        let dir = path.parent().ok_or_else(|| file_error("has no parent directory".to_string()))?;
        create_private_dir(dir).map_err(|e| file_error(format!("cannot create {}: {e}", dir.display())))?;
        let body = serde_json::to_vec_pretty(&StoredCredentials {
            token: self.token.expose().to_string(),
            api_url: self.api_url.clone(),
        })
        .map_err(|e| file_error(e.to_string()))?;
        let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let temporary = dir.join(format!(".{file_name}.{}.tmp", std::process::id()));
        let _ = std::fs::remove_file(&temporary);
        let written = write_private_file(&temporary, &body).and_then(|()| std::fs::rename(&temporary, path));
        if let Err(e) = written {
            let _ = std::fs::remove_file(&temporary);
            return Err(file_error(e.to_string()));
        }
        Ok(())
    }

    /// Deletes the file at `path`; `Ok(false)` when there was none.
    pub fn remove(path: &Path) -> Result<bool> {
        match std::fs::remove_file(path) {
            Ok(()) => Ok(true),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(Error::CredentialsFile { path: path.to_path_buf(), reason: e.to_string() }),
        }
    }
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder.create(dir)
}

fn write_private_file(path: &Path, body: &[u8]) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(body)?;
    file.write_all(b"\n")?;
    file.sync_all()
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("latchkey-sdk-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn round_trip_with_private_modes() {
        let dir = scratch_dir("roundtrip");
        let path = dir.join(".latchkey").join("credentials.json");
        let credentials = Credentials { token: ApiToken::new("lku_x"), api_url: Some("http://h:1".into()) };
        credentials.save(&path).expect("save");
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let dir_mode = std::fs::metadata(path.parent().expect("parent")).expect("meta").permissions().mode() & 0o777;
        assert_eq!(dir_mode, 0o700);
        assert_eq!(Credentials::load(&path).expect("load"), Some(credentials));
        assert!(Credentials::remove(&path).expect("remove"));
        assert_eq!(Credentials::load(&path).expect("load"), None);
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn refuses_a_file_others_can_read() {
        let dir = scratch_dir("open");
        let path = dir.join("credentials.json");
        Credentials { token: ApiToken::new("lku_x"), api_url: None }.save(&path).expect("save");
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).expect("chmod");
        let error = Credentials::load(&path).expect_err("too open");
        assert!(matches!(error, Error::CredentialsFileTooOpen(_)));
        assert!(error.to_string().contains("chmod 600"), "{error}");
        // Saving again replaces it with a private file.
        Credentials { token: ApiToken::new("lku_y"), api_url: None }.save(&path).expect("save");
        assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        let _ = std::fs::remove_dir_all(&dir);
    }
}
