//! The fuzz harnesses, shared by the cargo-fuzz targets (`fuzz/fuzz_targets/*.rs`) and the
//! corpus replay that runs as an ordinary test (`tests/tests/fuzz_corpus.rs`): both include this
//! file with `#[path]`, so a corpus file exercises exactly the same code and checks in both.
//!
//! Each harness takes arbitrary bytes, feeds them to the code that reads what a remote party sent
//! (Zoho Accounts, a browser's callback, Zoho Projects), and panics only when a property is
//! broken. A typed error is a fine outcome; a panic, a leaked secret or a broken law is not.
//!
//! Input layouts (the first bytes select, the rest is the payload):
//! - `token_response`: byte 0 = grant (code, refresh, client credentials, device), byte 1 = HTTP
//!   status (see [`STATUSES`]), then the answer's body.
//! - `callback`: the callback (URL, path with query, or bare query), UTF-8 (lossy).
//! - `scopes`: a scope list, UTF-8 (lossy); byte 0 also says where the list is split in two for
//!   the monotonicity check.
//! - `projects`: byte 0 = model (see [`MODELS`]), then the body.
#![allow(dead_code, unreachable_pub, missing_docs)]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime, UNIX_EPOCH};
use zoho_projects::model::{
    Comment, Issue, ListItem, Milestone, Page, Portal, Project, Single, Tag, Task, Tasklist, TimeLogGroup, User,
};
use zoho_projects::oauth::__fuzz::{self, TokenGrant};
use zoho_projects::oauth::OAuthClient;
use zoho_projects::restapi::model as r;
use zoho_projects::{
    AccessToken, ApiError, ClientSecret, DynamicScopes, OAuthError, RefreshToken, ScopeName, TokenParts, ZohoError,
    scope_set,
};

/// A harness: arbitrary bytes in, a panic only when a property breaks; returns what the code
/// under test made of the input (the corpus replay test checks that too).
pub type Harness = fn(&[u8]) -> Verdict;

/// What the code under test made of a harness's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    /// Too short for the input layout: nothing was called.
    Skipped,
    /// Taken: a token, an accepted callback, a valid scope list, a decoded answer.
    Accepted,
    /// Refused with a typed error (or, for `projects`, not a body of the selected model; for its
    /// error model, not one of Zoho's error shapes).
    Refused,
}

/// The fuzz targets, by name (the folder names under `fuzz/corpus/`).
pub const TARGETS: &[(&str, Harness)] =
    &[("token_response", token_response), ("callback", callback), ("scopes", scopes), ("projects", projects)];

/// Statuses a token answer is read with (Zoho sends most errors with 200).
pub const STATUSES: [u16; 10] = [200, 200, 200, 201, 400, 401, 429, 500, 502, 503];

/// The `state` the callback harness expects (same shape as a real one: 43 base64url chars).
pub const EXPECTED_STATE: &str = "Zq3xR8bW0yTn5vKc2LmHsD7fJpA9gE4uQ1iYoXwNe6M";

const NOW_SECS: u64 = 1_750_000_000;
const TEN_YEARS: Duration = Duration::from_secs(10 * 365 * 86_400);

fn now() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(NOW_SECS)
}

/// One OAuth client for every run: a start server, one configured location, Zoho's built-in
/// ones, a fixed clock.
pub fn client() -> &'static OAuthClient {
    static CLIENT: OnceLock<OAuthClient> = OnceLock::new();
    CLIENT.get_or_init(|| {
        OAuthClient::builder("1000.FUZZCLIENT0000000000000000000", ClientSecret::new("fuzz-client-secret"))
            .redirect_uri("https://app.example/callback".parse().expect("url"))
            .accounts_url("https://accounts.start.example/".parse().expect("url"))
            .location_accounts_url("eu", "https://accounts.eu.example/".parse().expect("url"))
            .clock(now)
            .build()
            .expect("client builds")
    })
}

/// Strings of the shape `redact_snippet` hides (`1000.` followed by more, longer than 12).
fn token_like(word: &str) -> bool {
    word.starts_with("1000.") && word.len() > 12
}

/// Token-shaped words in `text`, split as `redact_snippet` splits.
fn token_like_words(text: &str) -> Vec<&str> {
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == '.')).filter(|w| token_like(w)).collect()
}

/// Panics if `shown` contains `secret`.
fn assert_hidden(shown: &str, secret: &str, what: &str) {
    assert!(!shown.contains(secret), "{what} shows the secret {secret:?}: {shown}");
}

// ---------------------------------------------------------------------------------------------
// Token answers

fn previous_parts() -> TokenParts {
    let scopes = DynamicScopes::parse_list("ZohoProjects.portals.READ,ZohoProjects.tasks.ALL").expect("valid");
    let mut parts = TokenParts::new(AccessToken::new("1000.oldaccess.0000", now(), scopes));
    parts.refresh_token = Some(RefreshToken::new("1000.oldrefresh.0000"));
    parts.api_domain = Some("https://www.zohoapis.com".to_owned());
    parts.location = Some("us".to_owned());
    parts
}

/// A token endpoint answer: grant byte, status byte, body.
pub fn token_response(data: &[u8]) -> Verdict {
    let [g, s, body @ ..] = data else { return Verdict::Skipped };
    let grant = TokenGrant::ALL[usize::from(*g) % TokenGrant::ALL.len()];
    let status = STATUSES[usize::from(*s) % STATUSES.len()];
    let previous = previous_parts();
    let result = __fuzz::token_answer(client(), grant, status, body, &previous);

    let json: Option<serde_json::Map<String, serde_json::Value>> = serde_json::from_slice(body).ok();
    let field = |k: &str| json.as_ref().and_then(|m| m.get(k)).and_then(|v| v.as_str()).filter(|v| !v.is_empty());
    let text = String::from_utf8_lossy(body);
    match result {
        Ok(parts) => {
            let json = json.as_ref().expect("a success is a JSON object");
            assert!((200..300).contains(&status), "success with HTTP {status}");
            assert!(
                json.get("error").is_none_or(serde_json::Value::is_null),
                "an answer with `error` was taken for a token"
            );
            let access = parts.access_token.expose_secret();
            assert!(!access.is_empty());
            assert_eq!(Some(access), field("access_token"), "the access token is the answer's");
            let expires = parts.access_token.expires_at();
            assert!(expires >= now() && expires <= now() + TEN_YEARS, "lifetime out of range");
            match grant {
                TokenGrant::Refresh => {
                    let kept = parts.refresh_token.as_ref().expect("a refresh never loses the refresh token");
                    let expected = field("refresh_token").unwrap_or("1000.oldrefresh.0000");
                    assert_eq!(kept.expose_secret(), expected);
                    assert!(parts.api_domain.is_some(), "a refresh keeps api_domain");
                }
                TokenGrant::ClientCredentials => assert!(parts.refresh_token.is_none()),
                TokenGrant::AuthorizationCode | TokenGrant::DeviceToken => {
                    let granted = parts.access_token.scopes();
                    for s in ["ZohoProjects.portals.READ", "ZohoProjects.tasks.DELETE", "ZohoProjects.tasks.READ"] {
                        assert!(granted.grants(s), "a Token<FuzzSet> without {s}: {granted}");
                    }
                }
            }
            // `Debug` of the token parts never shows the secrets.
            let shown = format!("{parts:?}");
            for secret in
                [Some(access), parts.refresh_token.as_ref().map(RefreshToken::expose_secret)].into_iter().flatten()
            {
                if token_like(secret) && text.matches(secret).count() == 1 {
                    assert_hidden(&shown, secret, "Debug of TokenParts");
                }
            }
            Verdict::Accepted
        }
        Err(e) => {
            let shown = format!("{e} {e:?}");
            // A token-shaped secret the answer carried once (not echoed into other fields) is
            // never shown in an error.
            for key in ["access_token", "refresh_token"] {
                if let Some(secret) = field(key)
                    && token_like(secret)
                    && text.matches(secret).count() == 1
                {
                    assert_hidden(&shown, secret, "an OAuth error");
                }
            }
            if let OAuthError::UnexpectedResponse { snippet, .. } = &e {
                assert!(snippet.chars().count() <= 200, "snippet too long");
                assert!(token_like_words(snippet).is_empty(), "unredacted snippet {snippet:?}");
            }
            Verdict::Refused
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Callbacks

/// A callback URL (or query) as the browser delivers it.
pub fn callback(data: &[u8]) -> Verdict {
    let text = String::from_utf8_lossy(data);
    let fields = __fuzz::callback_fields(&text);
    for (name, v) in [
        ("code", &fields.code),
        ("state", &fields.state),
        ("location", &fields.location),
        ("accounts-server", &fields.accounts_server),
        ("error", &fields.error),
        ("error_description", &fields.error_description),
    ] {
        assert!(v.as_deref() != Some(""), "empty {name} kept as Some");
    }
    let client = client();
    let result = __fuzz::check_callback(client, EXPECTED_STATE, &text);
    let state_ok = fields.state.as_deref() == Some(EXPECTED_STATE);
    match result {
        Ok((code, accounts, location)) => {
            assert!(state_ok, "accepted a callback whose state is {:?}", fields.state);
            assert!(fields.error.is_none(), "accepted a callback carrying an error");
            assert_eq!(Some(&code), fields.code.as_ref());
            assert_eq!(location, fields.location.as_ref().map(|l| l.to_ascii_lowercase()));
            // The code (and with it the client secret) only ever goes to a server this client
            // was configured with: a forged `accounts-server` cannot redirect it.
            let trusted = __fuzz::trusted_servers(client);
            assert!(trusted.contains(&accounts), "code would be sent to an unknown server {accounts}");
            Verdict::Accepted
        }
        Err(e) => {
            // A wrong or missing state is refused before anything else — except an error
            // redirect with no state and no code, which is reported as the error it carries
            // (it cannot lead to a token exchange).
            let stateless_error = fields.state.is_none() && fields.error.is_some() && fields.code.is_none();
            if !state_ok && !stateless_error {
                assert!(matches!(e, OAuthError::StateMismatch), "wrong state gave {e:?}");
            }
            // The state, when it came as the `state` parameter (and nowhere else: a value the
            // sender put in `error` is the sender's text), is not echoed in the error.
            if state_ok && text.matches(EXPECTED_STATE).count() == 1 {
                assert_hidden(&format!("{e} {e:?}"), EXPECTED_STATE, "a callback error");
            }
            Verdict::Refused
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Scopes

scope_set! {
    /// A narrow set.
    pub struct NarrowSet = ["ZohoProjects.tasks.READ"];
}

scope_set! {
    /// A wider set that grants every scope of `NarrowSet`.
    pub struct WideSet = ["ZohoProjects.tasks.ALL", "ZohoProjects.portals.READ"];
}

const OPS: [&str; 5] = ["READ", "CREATE", "UPDATE", "DELETE", "ALL"];

/// A run-time scope list (Zoho's `scope` field, a stored record, a user's configuration).
pub fn scopes(data: &[u8]) -> Verdict {
    let Some((&split, rest)) = data.split_first() else { return Verdict::Skipped };
    let text = String::from_utf8_lossy(rest);
    let pieces: Vec<&str> = text.split([',', ' ']).filter(|s| !s.is_empty()).collect();
    let mut probes: Vec<String> = pieces.iter().map(|s| (*s).to_owned()).collect();
    for p in &pieces {
        if let Ok(name) = p.parse::<ScopeName>() {
            // Display and parse are inverse; a scope grants itself.
            let shown = name.to_string();
            assert_eq!(shown.parse::<ScopeName>().as_ref(), Ok(&name), "{p:?} does not round-trip");
            assert!(name.grants(&name));
            let _ = name.is_catalogued();
            for op in OPS {
                let other = format!("{}.{}.{op}", name.service(), name.module());
                let other_name: ScopeName = other.parse().expect("a valid scope");
                if name.operation().as_str() == "ALL" {
                    assert!(name.grants(&other_name), "{name} does not grant {other}");
                }
                probes.push(other);
            }
        } else {
            assert!(!DynamicScopes::default().grants(p));
        }
    }
    let Ok(all) = DynamicScopes::parse_list(&text) else {
        return Verdict::Refused;
    };
    // Display round trip of the whole set.
    let again = DynamicScopes::parse_list(&all.to_string()).expect("a displayed set parses");
    assert_eq!(again, all);
    for s in all.iter() {
        assert!(all.grants(&s.to_string()));
        assert!(all.require(&s.to_string()).is_ok());
    }
    // Monotone: a subset grants nothing the whole set does not.
    let k = usize::from(split) % (pieces.len() + 1);
    let part = DynamicScopes::parse(&pieces[..k]).expect("a subset of a valid list is valid");
    for p in &probes {
        if part.grants(p) {
            assert!(all.grants(p), "{p} granted by the subset, not by the set");
        }
        if !all.grants(p) {
            assert!(all.require(p).is_err());
        }
    }
    if part.require_set::<WideSet>().is_ok() {
        assert!(all.require_set::<WideSet>().is_ok());
    }
    // Narrowing is transitive: a set that satisfies the wide set satisfies the narrow one.
    if all.require_set::<WideSet>().is_ok() {
        assert!(all.require_set::<NarrowSet>().is_ok(), "{all} grants WideSet but not NarrowSet");
    }
    Verdict::Accepted
}

// ---------------------------------------------------------------------------------------------
// Projects answers

/// The models the `projects` harness decodes with, by selector byte.
pub const MODELS: [&str; 19] = [
    "v3 projects",
    "v3 tasks",
    "v3 tasklists",
    "v3 milestones",
    "v3 issues",
    "v3 users",
    "v3 timelogs",
    "v3 tags",
    "v3 portals",
    "v3 comments",
    "v3 single project",
    "restapi portals",
    "restapi projects",
    "restapi tasklists",
    "restapi tasks",
    "restapi bugs",
    "restapi users",
    "restapi comments",
    "error",
];

fn page<T>(body: &[u8]) -> Verdict
where
    T: ListItem + serde::de::DeserializeOwned + serde::Serialize,
{
    let Ok(page) = serde_json::from_slice::<Page<T>>(body) else { return Verdict::Refused };
    for per_page in [0, 1, page.len(), 100, 200] {
        let next = page.has_next_page(per_page);
        if page.page_info.as_ref().and_then(|p| p.has_next()).is_none() {
            assert_eq!(next, per_page > 0 && page.len() >= per_page, "short-page rule");
        }
    }
    // What was read is written back, and reads again with the same rows.
    let written = serde_json::to_vec(&page).expect("a decoded page serializes");
    let again: Page<T> = serde_json::from_slice(&written).unwrap_or_else(|e| {
        panic!("a page written back does not read again: {e}: {}", String::from_utf8_lossy(&written))
    });
    assert_eq!(again.len(), page.len());
    Verdict::Accepted
}

fn single<T>(body: &[u8]) -> Verdict
where
    T: ListItem + serde::de::DeserializeOwned + serde::Serialize,
{
    match serde_json::from_slice::<Single<T>>(body) {
        Ok(one) => {
            let _ = serde_json::to_vec(&one);
            Verdict::Accepted
        }
        Err(_) => Verdict::Refused,
    }
}

fn error(status: u16, body: &[u8]) {
    let zoho = ZohoError::parse(body);
    if let ZohoError::Other(snippet) = &zoho {
        assert!(snippet.chars().count() <= 300, "snippet too long");
        assert!(token_like_words(snippet).is_empty(), "unredacted snippet {snippet:?}");
    }
    let e = ApiError::new(status, zoho, None);
    let _ = (e.to_string(), e.code(), e.meaning(), e.is_invalid_token(), e.is_missing_scope(), e.is_transient());
    if e.is_missing_scope() {
        assert!(!e.is_invalid_token() || e.code() != "INVALID_OAUTHSCOPE");
    }
}

/// A Projects API answer: model byte, body.
pub fn projects(data: &[u8]) -> Verdict {
    let Some((&sel, body)) = data.split_first() else { return Verdict::Skipped };
    let verdict = match usize::from(sel) % MODELS.len() {
        0 => page::<Project>(body),
        1 => page::<Task>(body),
        2 => page::<Tasklist>(body),
        3 => page::<Milestone>(body),
        4 => page::<Issue>(body),
        5 => page::<User>(body),
        6 => page::<TimeLogGroup>(body),
        7 => page::<Tag>(body),
        8 => page::<Portal>(body),
        9 => page::<Comment>(body),
        10 => single::<Project>(body),
        11 => page::<r::Portal>(body),
        12 => page::<r::Project>(body),
        13 => page::<r::Tasklist>(body),
        14 => page::<r::Task>(body),
        15 => page::<r::Bug>(body),
        16 => page::<r::ProjectUser>(body),
        17 => page::<r::Comment>(body),
        // The error model: a body Zoho's error shapes describe, or an unknown one.
        _ => match ZohoError::parse(body) {
            ZohoError::Other(_) => Verdict::Refused,
            _ => Verdict::Accepted,
        },
    };
    // Every body is also read as an error answer, with a status from the selector.
    error([400, 401, 403, 404, 429, 500, 502, 503][usize::from(sel) % 8], body);
    verdict
}
