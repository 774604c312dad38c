//! `zoho api METHOD PATH`: a raw call with the stored token, its scope checked first.

use crate::error::{Class, CliError};
use crate::output;
use crate::session::Session;
use clap::Args;
use std::io::{IsTerminal, Read};
use std::time::Duration;
use url::Url;
use zoho_projects::{Dynamic, ScopeName, scopes};

#[derive(Debug, Args)]
pub(crate) struct ApiArgs {
    /// HTTP method: GET, POST, PUT, PATCH or DELETE.
    method: String,
    /// Path on the Projects API server, e.g. /api/v3/portals (no query: use --query).
    path: String,
    /// A query parameter, KEY=VALUE (repeatable).
    #[arg(long = "query", short = 'q', value_name = "KEY=VALUE")]
    query: Vec<String>,
    /// A JSON body: the JSON itself, @FILE to read it from a file, or @- from stdin.
    #[arg(long, value_name = "JSON|@FILE")]
    json: Option<String>,
    /// The scope the call needs, e.g. ZohoProjects.tasks.UPDATE [default: told from the method
    /// and the last module named in the path, e.g. GET …/tasks → ZohoProjects.tasks.READ].
    #[arg(long, value_name = "SCOPE")]
    scope: Option<String>,
}

pub(crate) async fn run(session: &Session, args: &ApiArgs) -> Result<(), CliError> {
    let method = parse_method(&args.method)?;
    check_path(&args.path)?;
    let query = args
        .query
        .iter()
        .map(|kv| {
            kv.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| CliError::usage(format!("--query {kv:?} is not KEY=VALUE")))
        })
        .collect::<Result<Vec<_>, _>>()?;
    let body = args.json.as_deref().map(read_body).transpose()?;
    let scope: ScopeName = match &args.scope {
        Some(s) => s.parse().map_err(|e| CliError::usage(format!("--scope: {e}")))?,
        None => required_scope(&method, &args.path).ok_or_else(|| {
            CliError::usage(format!("cannot tell which scope {} {} needs", method, args.path))
                .hint("name it with --scope, e.g. --scope ZohoProjects.tasks.READ")
        })?,
    };
    let scope = scope.to_string();

    // Checked against the stored token before anything is sent (no refresh, no call).
    let record = session.signed_in().await?;
    record.access_token.scopes().require(&scope).map_err(|m| CliError::missing_scope(&m))?;
    let token = session.manager::<Dynamic>()?.token().await?;
    token.scopes().require(&scope).map_err(|m| CliError::missing_scope(&m))?;

    let base = session.api_base(&record);
    let url = join(&base, &args.path, &query)?;
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| CliError::other(e.to_string()))?;
    let mut request = http
        .request(method.clone(), url)
        .header(reqwest::header::AUTHORIZATION, format!("Zoho-oauthtoken {}", token.expose_secret()))
        .header(reqwest::header::ACCEPT, "application/json");
    if let Some(body) = body {
        request = request.header(reqwest::header::CONTENT_TYPE, "application/json").body(body);
    }
    let response = request
        .send()
        .await
        .map_err(|e| CliError::new(Class::Unavailable, format!("could not reach the Projects API at {base}: {e}")))?;
    let status = response.status();
    let bytes = response
        .bytes()
        .await
        .map_err(|e| CliError::new(Class::Unavailable, format!("the answer was cut off: {e}")))?;
    print_body(&bytes)?;
    if status.is_success() {
        return Ok(());
    }
    let class = match status.as_u16() {
        401 => Class::Auth,
        429 | 500..=599 => Class::Unavailable,
        _ => Class::Api,
    };
    let err = CliError::new(class, format!("Zoho answered {method} {} with HTTP {status}", args.path));
    Err(if status.as_u16() == 401 { err.hint("the token was refused: zoho login") } else { err })
}

fn parse_method(m: &str) -> Result<reqwest::Method, CliError> {
    match m.to_ascii_uppercase().as_str() {
        "GET" => Ok(reqwest::Method::GET),
        "POST" => Ok(reqwest::Method::POST),
        "PUT" => Ok(reqwest::Method::PUT),
        "PATCH" => Ok(reqwest::Method::PATCH),
        "DELETE" => Ok(reqwest::Method::DELETE),
        _ => Err(CliError::usage(format!("unsupported method {m:?}: use GET, POST, PUT, PATCH or DELETE"))),
    }
}

/// A path on the API server: absolute, without query, fragment, backslash, control characters,
/// or a segment that is empty (but a trailing `/`), `.` or `..` in any percent-encoding.
fn check_path(path: &str) -> Result<(), CliError> {
    let bad = |why: &str| CliError::usage(format!("refused the path {path:?}: {why}; nothing was sent"));
    if !path.starts_with('/') {
        return Err(bad("it must start with `/`, e.g. /api/v3/portals"));
    }
    if path.contains(['?', '#']) {
        return Err(bad("give query parameters with --query KEY=VALUE"));
    }
    if path.chars().any(|c| c == '\\' || c.is_control() || c.is_whitespace()) {
        return Err(bad("it contains a backslash, a space or a control character"));
    }
    let segments: Vec<&str> = path[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        let decoded = percent_decode(seg);
        if (decoded.is_empty() && i != last) || decoded == "." || decoded == ".." {
            return Err(bad("empty, `.` and `..` segments are not allowed"));
        }
        if decoded.contains(['/', '\\', '?', '#']) {
            return Err(bad("an encoded `/`, `\\`, `?` or `#` is not allowed in a segment"));
        }
    }
    Ok(())
}

/// Decodes `%XX` repeatedly (so `%252e` is `.` too); invalid escapes stay as they are.
fn percent_decode(seg: &str) -> String {
    let mut s = seg.to_owned();
    for _ in 0..4 {
        let next = url::form_urlencoded::parse(format!("x={}", s.replace('+', "%2B")).as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
            .unwrap_or_default();
        if next == s {
            break;
        }
        s = next;
    }
    s
}

/// `base` + `path` + `query`, on `base`'s host only.
fn join(base: &Url, path: &str, query: &[(String, String)]) -> Result<Url, CliError> {
    let mut url = base.clone();
    url.set_path(&format!("{}{}", base.path().trim_end_matches('/'), path));
    url.set_query(None);
    url.set_fragment(None);
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
    }
    if url.origin() != base.origin() {
        return Err(CliError::usage(format!("refused the path {path:?}: it leaves {base}")));
    }
    Ok(url)
}

fn read_body(arg: &str) -> Result<Vec<u8>, CliError> {
    let text = match arg.strip_prefix('@') {
        Some("-") => {
            let mut s = String::new();
            std::io::stdin().read_to_string(&mut s).map_err(|e| CliError::usage(format!("reading stdin: {e}")))?;
            s
        }
        Some(file) => {
            std::fs::read_to_string(file).map_err(|e| CliError::usage(format!("reading --json @{file}: {e}")))?
        }
        None => arg.to_owned(),
    };
    serde_json::from_str::<serde_json::Value>(&text)
        .map_err(|e| CliError::usage(format!("the --json body is not JSON: {e}; nothing was sent")))?;
    Ok(text.into_bytes())
}

/// Pretty JSON on a terminal; the bytes as received when piped.
fn print_body(bytes: &[u8]) -> Result<(), CliError> {
    if bytes.is_empty() {
        return Ok(());
    }
    if std::io::stdout().is_terminal()
        && let Ok(value) = serde_json::from_slice::<serde_json::Value>(bytes)
    {
        return output::print_json(&value);
    }
    output::write_stdout(bytes)
}

/// The scope a raw call needs, told from its method and the last module its path names
/// (`GET /api/v3/portal/1/projects/2/tasks` → `ZohoProjects.tasks.READ`); `None` when the path
/// names no module.
fn required_scope(method: &reqwest::Method, path: &str) -> Option<ScopeName> {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    let rest = match segments.as_slice() {
        ["api", "v3", rest @ ..] => rest,
        ["restapi", rest @ ..] => rest,
        _ => return None,
    };
    let module = rest.iter().rev().find_map(|s| module_of(s))?;
    let op = match *method {
        reqwest::Method::GET => "READ",
        reqwest::Method::POST => "CREATE",
        reqwest::Method::PUT | reqwest::Method::PATCH => "UPDATE",
        reqwest::Method::DELETE => "DELETE",
        _ => return None,
    };
    format!("{}.{module}.{op}", scopes::SERVICE).parse().ok()
}

/// The scope module a path segment names: a module of the catalogue, or one of the V3 and
/// restapi spellings of one.
fn module_of(segment: &str) -> Option<&'static str> {
    let alias = match segment {
        "portal" => Some("portals"),
        "project" => Some("projects"),
        "task" | "mytasks" | "subtasks" => Some("tasks"),
        "tasklist" | "all-tasklists" => Some("tasklists"),
        "issues" | "issue" | "bug" => Some("bugs"),
        "phases" | "milestone" => Some("milestones"),
        "timelogs" | "log" | "logs" => Some("timesheets"),
        "user" => Some("users"),
        _ => None,
    };
    alias.or_else(|| scopes::CATALOGUE.iter().map(|(m, _)| *m).find(|m| *m == segment))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_are_told_from_the_method_and_the_last_module() {
        let s = |m: reqwest::Method, p: &str| required_scope(&m, p).map(|s| s.to_string());
        assert_eq!(s(reqwest::Method::GET, "/api/v3/portals").as_deref(), Some("ZohoProjects.portals.READ"));
        assert_eq!(
            s(reqwest::Method::DELETE, "/api/v3/portal/1/projects/2/tasks/3").as_deref(),
            Some("ZohoProjects.tasks.DELETE")
        );
        assert_eq!(
            s(reqwest::Method::POST, "/api/v3/portal/1/projects/2/tasks/3/comments").as_deref(),
            Some("ZohoProjects.tasks.CREATE")
        );
        assert_eq!(
            s(reqwest::Method::GET, "/api/v3/portal/1/projects/2/issues").as_deref(),
            Some("ZohoProjects.bugs.READ")
        );
        assert_eq!(
            s(reqwest::Method::GET, "/restapi/portal/1/projects/").as_deref(),
            Some("ZohoProjects.projects.READ")
        );
        assert_eq!(s(reqwest::Method::GET, "/something/else"), None);
        assert_eq!(s(reqwest::Method::GET, "/api/v3/nothing"), None);
    }

    #[test]
    fn paths_that_climb_or_smuggle_are_refused() {
        for bad in [
            "api/v3/portals",
            "/api/v3/../oauth",
            "/api/v3/%2e%2e/x",
            "/api/v3/%252e%252E/x",
            "/api/v3/./portals",
            "/api//portals",
            "/api/v3/portals?x=1",
            "/api/v3/portals#x",
            "/api/v3/a%2Fb",
            "/api/v3/a\\b",
            "/api/v3/a b",
        ] {
            assert!(check_path(bad).is_err(), "{bad}");
        }
        for good in ["/api/v3/portals", "/restapi/portal/1/projects/", "/api/v3/portal/1/projects/2/tasks"] {
            assert!(check_path(good).is_ok(), "{good}");
        }
    }

    #[test]
    fn the_url_keeps_the_base_and_encodes_the_query() {
        let base = Url::parse("http://127.0.0.1:9/").expect("url");
        let url = join(&base, "/api/v3/portals", &[("a b".into(), "c&d".into())]).expect("joined");
        assert_eq!(url.as_str(), "http://127.0.0.1:9/api/v3/portals?a+b=c%26d");
    }
}
