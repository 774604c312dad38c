//! What a failed command prints (one or two lines on stderr) and its exit code.

use std::process::ExitCode;
use zoho_projects::manager::ManagerError;
use zoho_projects::store::StoreError;
use zoho_projects::{Error, MissingScope, OAuthError};

/// The failure classes, each with its exit code (listed in `zoho --help`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Class {
    /// Anything else (1).
    Other,
    /// Bad usage that clap could not see (2, as clap's own).
    Usage,
    /// Not signed in, or no client configured (3).
    NotSignedIn,
    /// Sign-in failed, or the token is revoked or refused: sign in again (4).
    Auth,
    /// The token lacks the call's scope; nothing was sent (5).
    Scope,
    /// Zoho answered the call with an error (6).
    Api,
    /// Zoho unreachable or asking to wait (7).
    Unavailable,
}

impl Class {
    fn code(self) -> u8 {
        match self {
            Class::Other => 1,
            Class::Usage => 2,
            Class::NotSignedIn => 3,
            Class::Auth => 4,
            Class::Scope => 5,
            Class::Api => 6,
            Class::Unavailable => 7,
        }
    }
}

/// A failed command: what went wrong, and what to do about it.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub(crate) struct CliError {
    pub(crate) class: Class,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
}

impl CliError {
    pub(crate) fn new(class: Class, message: impl Into<String>) -> Self {
        CliError { class, message: message.into(), hint: None }
    }

    pub(crate) fn other(message: impl Into<String>) -> Self {
        Self::new(Class::Other, message)
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Class::Usage, message)
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// Prints the error on stderr and gives the exit code.
    pub(crate) fn report(&self) -> ExitCode {
        eprintln!("zoho: error: {}", self.message);
        if let Some(hint) = &self.hint {
            eprintln!("hint: {hint}");
        }
        ExitCode::from(self.class.code())
    }

    /// The token lacks `missing.missing`: the compiler's advice, in shell terms.
    pub(crate) fn missing_scope(missing: &MissingScope) -> Self {
        let module_all = all_of(&missing.missing);
        let mut wanted: Vec<String> = missing.granted.split(',').filter(|s| !s.is_empty()).map(str::to_owned).collect();
        wanted.push(missing.missing.clone());
        Self::new(Class::Scope, format!("{missing}; nothing was sent")).hint(format!(
            "add `{}`{} to the scopes and sign in again: zoho login --scopes {}",
            missing.missing,
            module_all.map(|a| format!(" (or its module's ALL, `{a}`)")).unwrap_or_default(),
            wanted.join(",")
        ))
    }
}

/// `ZohoProjects.tasks.DELETE` → `ZohoProjects.tasks.ALL`.
fn all_of(scope: &str) -> Option<String> {
    let (module, op) = scope.rsplit_once('.')?;
    (!op.eq_ignore_ascii_case("ALL")).then(|| format!("{module}.ALL"))
}

const SIGN_IN_AGAIN: &str = "sign in again: zoho login";

impl From<OAuthError> for CliError {
    fn from(e: OAuthError) -> Self {
        let class = if e.is_transient() {
            Class::Unavailable
        } else {
            match &e {
                OAuthError::Config(_) => Class::Usage,
                OAuthError::InvalidClient | OAuthError::InvalidClientSecret => Class::NotSignedIn,
                _ => Class::Auth,
            }
        };
        let hint = match &e {
            OAuthError::InvalidRefreshToken | OAuthError::InvalidAccessToken => Some(SIGN_IN_AGAIN),
            OAuthError::InvalidClient | OAuthError::InvalidClientSecret => {
                Some("check --client-id / --client-secret (or ZOHO_CLIENT_ID / ZOHO_CLIENT_SECRET) and --region")
            }
            _ => None,
        };
        let err = CliError::new(class, e.to_string());
        match hint {
            Some(h) => err.hint(h),
            None => err,
        }
    }
}

impl From<StoreError> for CliError {
    fn from(e: StoreError) -> Self {
        CliError::other(format!("token store: {e}"))
    }
}

impl From<ManagerError> for CliError {
    fn from(e: ManagerError) -> Self {
        match e {
            ManagerError::OAuth(e) => e.into(),
            ManagerError::Store(e) => e.into(),
            ManagerError::NotLoggedIn { .. } => not_signed_in(),
            ManagerError::NoRefreshToken { .. } => CliError::new(Class::Auth, e.to_string())
                .hint("the token has expired and was obtained without offline access: zoho login"),
            other => {
                let class = if other.is_transient() { Class::Unavailable } else { Class::Auth };
                CliError::new(class, other.to_string())
            }
        }
    }
}

impl From<Error> for CliError {
    fn from(e: Error) -> Self {
        match e {
            Error::OAuth(e) => e.into(),
            Error::Store(e) => e.into(),
            Error::MissingScope(m) => CliError::missing_scope(&m),
            Error::Api(api) if api.is_missing_scope() => CliError::new(Class::Scope, api.to_string())
                .hint("sign in again with the call's scope: zoho login --scopes …"),
            Error::Api(api) if api.is_invalid_token() => {
                CliError::new(Class::Auth, api.to_string()).hint(SIGN_IN_AGAIN)
            }
            Error::Api(api) if !api.is_transient() => CliError::new(Class::Api, api.to_string()),
            Error::TokenRefused { .. } => CliError::new(Class::Auth, e.to_string()).hint(SIGN_IN_AGAIN),
            other if other.is_transient() => CliError::new(Class::Unavailable, other.to_string()),
            other @ (Error::RateLimited { .. } | Error::LockedOut { .. }) => {
                CliError::new(Class::Unavailable, other.to_string())
            }
            other => CliError::other(other.to_string()),
        }
    }
}

/// Nothing stored for this profile.
pub(crate) fn not_signed_in() -> CliError {
    CliError::new(Class::NotSignedIn, "not signed in").hint("sign in first: zoho login (or zoho login --device)")
}
