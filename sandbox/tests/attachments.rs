//! V3 task and issue attachments and multipart tag creation (issue 16 item 10), from outside:
//! raw `multipart/form-data` bodies built byte by byte, what the sandbox answered and what it
//! stored. Scopes per V3.md line 368 (`ZohoPC.files.ALL`, `WorkDrive.files.READ` to download),
//! membership as on every project route, bad bodies refused in V3's error shape and nothing
//! stored, hostile file names and forged attachment ids.

mod common;

use common::*;
use reqwest::Method;
use serde_json::Value;
use sha2::{Digest, Sha256};
use zoho_sandbox::{Dc, Sandbox};

const FILES: &str = "ZohoPC.files.ALL,WorkDrive.files.READ";
/// Mixed case on purpose: a boundary is case-sensitive.
const BOUNDARY: &str = "SbxBoundary7MA4YWxkTrZu0gW";

fn title(v: &Value) -> &str {
    v["error"]["title"].as_str().unwrap_or("")
}

/// A token of the demo user with `scopes` (comma-separated).
fn token(sb: &Sandbox, scopes: &str) -> String {
    let scopes: Vec<&str> = scopes.split(',').collect();
    sb.mint_access_token(&sb.demo_user().email, &scopes).expect("token")
}

/// A token with every Projects scope plus the attachment scopes.
async fn files_token(sb: &Sandbox) -> String {
    token(sb, &format!("{ALL_SCOPES},{FILES}"))
}

/// One part: the `Content-Disposition` parameters after `form-data; `, an optional content type,
/// and the bytes.
struct P<'a>(&'a str, Option<&'a str>, &'a [u8]);

fn body(parts: &[P<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    for P(disposition, ct, data) in parts {
        out.extend_from_slice(format!("--{BOUNDARY}\r\nContent-Disposition: form-data; {disposition}\r\n").as_bytes());
        if let Some(ct) = ct {
            out.extend_from_slice(format!("Content-Type: {ct}\r\n").as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

async fn post_form(sb: &Sandbox, token: &str, path: &str, bytes: Vec<u8>) -> (u16, Value) {
    let rb = api(sb, token, Method::POST, path)
        .await
        .header("Content-Type", format!("multipart/form-data; boundary={BOUNDARY}"))
        .body(bytes);
    status_and_json(rb).await
}

struct Paths {
    task: String,
    issue: String,
}

fn paths(sb: &Sandbox) -> Paths {
    let z = sb.demo_portal(Dc::Us);
    let p = &z.projects[0];
    Paths {
        task: format!("/api/v3/portal/{}/projects/{}/tasks/{}/attachments", z.id, p.id, p.tasks[0]),
        issue: format!("/api/v3/portal/{}/projects/{}/issues/{}/attachments", z.id, p.id, p.issues[0]),
    }
}

fn sha(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

#[tokio::test]
async fn task_and_issue_files_upload_list_download_and_delete() {
    let sb = start().await;
    let at = files_token(&sb).await;
    let ps = paths(&sb);
    let pdf: Vec<u8> = (0..70_000u32).map(|i| (i * 7 % 251) as u8).collect();

    // Two files in one upload, and a 0-byte file.
    let (s, b) = post_form(
        &sb,
        &at,
        &ps.task,
        body(&[
            P("name=\"upload_file\"; filename=\"spec.pdf\"", Some("application/pdf"), &pdf),
            P("name=\"upload_file\"; filename=\"notes.txt\"", Some("text/plain"), b"hello"),
            P("name=\"upload_file\"; filename=\"empty.bin\"", None, b""),
        ]),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let items = b["attachment"].as_array().expect("the singular key");
    assert_eq!(items.len(), 3);
    assert_eq!(
        (&items[0]["name"], &items[0]["type"], &items[0]["size"]),
        (&"spec.pdf".into(), &"application/pdf".into(), &"70000".into())
    );
    let ids: Vec<String> = items.iter().map(|i| i["id"].as_str().unwrap().to_owned()).collect();
    let stored = sb.attachment(Dc::Us, &ids[0]).expect("stored");
    assert_eq!(sha(&stored.data), sha(&pdf));
    assert_eq!((stored.name.as_str(), stored.content_type.as_str()), ("spec.pdf", "application/pdf"));
    assert_eq!(sb.attachment(Dc::Us, &ids[2]).expect("stored").content_type, "application/octet-stream");
    assert!(sb.attachment(Dc::Eu, &ids[0]).is_none(), "stored per DC");
    assert_eq!(sb.attachment_count(Dc::Us), 3);

    let (s, b) = api_get(&sb, &at, &ps.task).await;
    assert_eq!((s, b["attachment"].as_array().map(Vec::len)), (200, Some(3)), "{b}");
    assert!(b["attachment"][0]["third_party_file_id"].is_string());

    // Download: the exact bytes with type, length and file name.
    let r = api(&sb, &at, Method::GET, &format!("{}/{}/download", ps.task, ids[0])).await.send().await.unwrap();
    assert_eq!(r.status(), 200);
    let h = r.headers().clone();
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(h["content-length"], "70000");
    assert_eq!(h["content-disposition"], "attachment; filename=\"spec.pdf\"; filename*=UTF-8''spec%2Epdf");
    assert_eq!(sha(&r.bytes().await.unwrap()), sha(&pdf));
    let r = api(&sb, &at, Method::GET, &format!("{}/{}/download", ps.task, ids[2])).await.send().await.unwrap();
    assert_eq!((r.status().as_u16(), r.headers()["content-length"].to_str().unwrap()), (200, "0"));
    assert!(r.bytes().await.unwrap().is_empty());

    // A file of the task is not one of the issue (same project).
    let (s, b) = api_get(&sb, &at, &format!("{}/{}/download", ps.issue, ids[0])).await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{b}");
    assert_eq!(b["error"]["details"][0]["field_name"], "attachment_id");

    // Issues: none yet is 204, then one.
    let r = api(&sb, &at, Method::GET, &ps.issue).await.send().await.unwrap();
    assert_eq!(r.status(), 204);
    let (s, b) = post_form(
        &sb,
        &at,
        &ps.issue,
        body(&[P("name=\"upload_file\"; filename=\"trace.log\"", Some("text/plain"), b"boom\n")]),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    let issue_file = b["attachment"][0]["id"].as_str().unwrap().to_owned();
    let r = api(&sb, &at, Method::GET, &format!("{}/{issue_file}/download", ps.issue)).await.send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"boom\n");

    // Delete: 204, gone from the list, the download and the store.
    for id in &ids {
        let (s, _) = api_send(&sb, &at, Method::DELETE, &format!("{}/{id}", ps.task), None).await;
        assert_eq!(s, 204);
    }
    let r = api(&sb, &at, Method::GET, &ps.task).await.send().await.unwrap();
    assert_eq!(r.status(), 204, "no file left");
    let (s, b) = api_send(&sb, &at, Method::DELETE, &format!("{}/{}", ps.task, ids[0]), None).await;
    assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "deleted twice");
    assert!(sb.attachment(Dc::Us, &ids[0]).is_none());
    assert_eq!(sb.attachment_count(Dc::Us), 1, "the issue's file stays");
    // A wrong verb on a known path.
    let (s, b) = api_send(&sb, &at, Method::PATCH, &ps.task, None).await;
    assert_eq!((s, title(&b)), (405, "INVALID_METHOD"));
    sb.shutdown().await;
}

#[tokio::test]
async fn every_call_needs_zohopc_files_all_and_a_download_workdrive_files_read() {
    let sb = start().await;
    let ps = paths(&sb);
    let full = files_token(&sb).await;
    let file = body(&[P("name=\"upload_file\"; filename=\"a.txt\"", None, b"a")]);
    let (s, b) = post_form(&sb, &full, &ps.task, file.clone()).await;
    assert_eq!(s, 201, "{b}");
    let id = b["attachment"][0]["id"].as_str().unwrap().to_owned();
    let download = format!("{}/{id}/download", ps.task);
    let item = format!("{}/{id}", ps.task);

    let refused = |v: &Value| title(v) == "INVALID_OAUTHSCOPE";
    for scopes in [ALL_SCOPES.to_owned(), format!("{ALL_SCOPES},ZohoPC.files.READ,WorkDrive.files.READ")] {
        let at = token(&sb, &scopes);
        let (s, b) = post_form(&sb, &at, &ps.task, file.clone()).await;
        assert!(s == 403 && refused(&b), "{scopes}: {b}");
        let (s, b) = api_get(&sb, &at, &ps.task).await;
        assert!(s == 403 && refused(&b), "{scopes}: {b}");
        let (s, b) = api_get(&sb, &at, &download).await;
        assert!(s == 403 && refused(&b), "{scopes}: {b}");
        let (s, b) = api_send(&sb, &at, Method::DELETE, &item, None).await;
        assert!(s == 403 && refused(&b), "{scopes}: {b}");
    }
    // ZohoPC.files.ALL without WorkDrive: everything but the download.
    let at = token(&sb, &format!("{ALL_SCOPES},ZohoPC.files.ALL"));
    let (s, _) = api_get(&sb, &at, &ps.task).await;
    assert_eq!(s, 200);
    let (s, b) = api_get(&sb, &at, &download).await;
    assert!(s == 403 && refused(&b), "{b}");
    // The files scopes without the task's Projects scope.
    let at = token(&sb, &format!("ZohoProjects.portals.READ,ZohoProjects.bugs.ALL,{FILES}"));
    let (s, b) = api_get(&sb, &at, &download).await;
    assert!(s == 403 && refused(&b), "{b}");
    let (s, b) = post_form(&sb, &at, &ps.task, file.clone()).await;
    assert!(s == 403 && refused(&b), "{b}");
    assert_eq!(sb.attachment_count(Dc::Us), 1, "only the first upload stored");
    sb.shutdown().await;
}

#[tokio::test]
async fn another_user_who_is_not_a_project_member_cannot_touch_the_files() {
    let sb = start().await;
    let ps = paths(&sb);
    let at = files_token(&sb).await;
    let (_, b) =
        post_form(&sb, &at, &ps.task, body(&[P("name=\"upload_file\"; filename=\"a.txt\"", None, b"secret")])).await;
    let id = b["attachment"][0]["id"].as_str().unwrap().to_owned();

    let other = sb.other_user();
    let scopes = format!("{ALL_SCOPES},{FILES}");
    let theirs = sb.mint_access_token(&other.email, &scopes.split(',').collect::<Vec<_>>()).expect("token");
    let no = |s: u16, b: &Value| s == 403 && title(b) == "NO_PERMISSION";
    let (s, b) = api_get(&sb, &theirs, &format!("{}/{id}/download", ps.task)).await;
    assert!(no(s, &b), "{b}");
    let (s, b) = api_get(&sb, &theirs, &ps.task).await;
    assert!(no(s, &b), "{b}");
    let (s, b) =
        post_form(&sb, &theirs, &ps.task, body(&[P("name=\"upload_file\"; filename=\"x\"", None, b"x")])).await;
    assert!(no(s, &b), "{b}");
    let (s, b) = api_send(&sb, &theirs, Method::DELETE, &format!("{}/{id}", ps.task), None).await;
    assert!(no(s, &b), "{b}");
    assert_eq!(sb.attachment(Dc::Us, &id).expect("still there").data, b"secret");
    assert_eq!(sb.attachment_count(Dc::Us), 1);

    // A member of that project may.
    let z = sb.demo_portal(Dc::Us);
    sb.add_project_member(Dc::Us, &z.projects[0].id, &other.email).expect("member");
    let r = api(&sb, &theirs, Method::GET, &format!("{}/{id}/download", ps.task)).await.send().await.unwrap();
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"secret");
    sb.shutdown().await;
}

#[tokio::test]
async fn bad_multipart_bodies_are_refused_in_v3_shape_and_nothing_is_stored() {
    let sb = start().await;
    let at = files_token(&sb).await;
    let ps = paths(&sb);
    let file = |n: &str| format!("name=\"upload_file\"; filename=\"{n}.txt\"");
    let (f1, f2) = (file("a"), file("b"));
    let eleven: Vec<String> = (0..11).map(|i| file(&i.to_string())).collect();
    let cases: Vec<(&str, Vec<u8>, &str, Option<&str>)> = vec![
        ("no part at all", format!("--{BOUNDARY}--\r\n").into_bytes(), "LESS_THAN_MIN_OCCURANCE", Some("upload_file")),
        (
            "a text part under the file field",
            body(&[P("name=\"upload_file\"", None, b"not a file")]),
            "INVALID_PARAMETER_VALUE",
            Some("upload_file"),
        ),
        (
            "a wrong field name",
            body(&[P("name=\"file\"; filename=\"a.txt\"", None, b"a")]),
            "EXTRA_KEY_FOUND_IN_JSON",
            Some("file"),
        ),
        (
            "a good file and a wrong field",
            body(&[P(&f1, None, b"a"), P("name=\"x\"", None, b"1")]),
            "EXTRA_KEY_FOUND_IN_JSON",
            Some("x"),
        ),
        (
            "eleven files",
            body(&eleven.iter().map(|d| P(d, None, b"x")).collect::<Vec<_>>()),
            "INVALID_PARAMETER_VALUE",
            Some("upload_file"),
        ),
        (
            "no closing boundary",
            format!("--{BOUNDARY}\r\nContent-Disposition: form-data; {f2}\r\n\r\nabc").into_bytes(),
            "JSON_PARSE_ERROR",
            None,
        ),
        ("garbage", b"\x00\xff garbage".to_vec(), "JSON_PARSE_ERROR", None),
    ];
    for (what, bytes, want, field) in cases {
        let (s, b) = post_form(&sb, &at, &ps.task, bytes).await;
        assert_eq!((s, title(&b)), (400, want), "{what}: {b}");
        assert_eq!(b["error"]["details"][0]["field_name"].as_str(), field, "{what}");
        assert_eq!(b["error"]["error_type"], "FIELDS_VALIDATION_ERROR", "{what}");
    }
    // Not multipart at all: JSON, a form, a multipart type without a boundary.
    let (s, b) = api_send(&sb, &at, Method::POST, &ps.task, Some(serde_json::json!({"upload_file": "x"}))).await;
    assert_eq!((s, title(&b)), (400, "LESS_THAN_MIN_OCCURANCE"), "{b}");
    let rb = api(&sb, &at, Method::POST, &ps.task).await.header("Content-Type", "multipart/form-data").body("x");
    let (s, b) = status_and_json(rb).await;
    assert_eq!((s, title(&b)), (400, "JSON_PARSE_ERROR"), "{b}");
    assert_eq!(sb.attachment_count(Dc::Us), 0);

    // Over the body limit: 413 in V3's shape (read in full first, so the answer is not lost).
    let url = sb.api_url(Dc::Us).join(ps.task.trim_start_matches('/')).unwrap();
    let auth = format!("Zoho-oauthtoken {at}");
    let ct = format!("multipart/form-data; boundary={BOUNDARY}");
    let (s, b) = oversized_post(&url, &[("Authorization", &auth), ("Content-Type", &ct)], 3 << 20, (1 << 20) + 1).await;
    assert_eq!(s, 413, "{b}");
    assert!(b.contains("REQUEST_BODY_TOO_LARGE"), "{b}");
    assert_eq!(sb.attachment_count(Dc::Us), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn hostile_file_names_are_refused_and_odd_ones_come_back_safely() {
    let sb = start().await;
    let at = files_token(&sb).await;
    let ps = paths(&sb);
    let long = "a".repeat(10 * 1024);
    for name in [
        "filename=\"../../etc/passwd\"",
        "filename=\"..\"",
        "filename=\".\"",
        "filename=\"a/b.txt\"",
        "filename*=UTF-8''..%2F..%2Fx",
        "filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x",
        "filename*=UTF-8''a%00b",
        "filename=\"\"",
        &format!("filename=\"{long}\""),
    ] {
        let (s, b) =
            post_form(&sb, &at, &ps.task, body(&[P(&format!("name=\"upload_file\"; {name}"), None, b"x")])).await;
        assert!(s == 400, "{}: {b}", &name[..name.len().min(60)]);
        assert_eq!(b["error"]["error_type"], "FIELDS_VALIDATION_ERROR");
    }
    // A raw CR/LF inside the part's header line breaks the header: a parse error, not a 500.
    let mut raw = format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"upload_file\"; filename=\"a\r\nb\"\r\n\r\nx\r\n--{BOUNDARY}--\r\n").into_bytes();
    let (s, b) = post_form(&sb, &at, &ps.task, std::mem::take(&mut raw)).await;
    assert_eq!(s, 400, "{b}");
    assert_eq!(sb.attachment_count(Dc::Us), 0);

    // Quotes, spaces and non-ASCII are kept, and the download's header stays one safe line.
    let (s, b) = post_form(
        &sb,
        &at,
        &ps.task,
        body(&[P("name=\"upload_file\"; filename=\"\\\"Zürich\\\" ; x.txt\"", None, b"z")]),
    )
    .await;
    assert_eq!(s, 201, "{b}");
    assert_eq!(b["attachment"][0]["name"], "\"Zürich\" ; x.txt");
    let id = b["attachment"][0]["id"].as_str().unwrap().to_owned();
    let r = api(&sb, &at, Method::GET, &format!("{}/{id}/download", ps.task)).await.send().await.unwrap();
    assert_eq!(
        r.headers()["content-disposition"],
        "attachment; filename=\"_Z_rich_ ; x.txt\"; filename*=UTF-8''%22Z%C3%BCrich%22%20%3B%20x%2Etxt"
    );
    sb.shutdown().await;
}

#[tokio::test]
async fn forged_attachment_ids_reach_no_other_route() {
    let sb = start().await;
    let at = files_token(&sb).await;
    let ps = paths(&sb);
    let (_, b) = post_form(&sb, &at, &ps.task, body(&[P("name=\"upload_file\"; filename=\"a\"", None, b"a")])).await;
    let id = b["attachment"][0]["id"].as_str().unwrap().to_owned();
    // (`%2e%2e` alone is resolved as `..` by the URL parser of the client, before sending: the
    // client's own tests cover it.)
    for forged in ["%2E%2E%2F%2E%2E", "%2F", "..%2Fcomments", " 1", &format!("{id}%2F..")] {
        let (s, b) = api_get(&sb, &at, &format!("{}/{forged}/download", ps.task)).await;
        assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{forged}: {b}");
        assert_eq!(b["error"]["details"][0]["field_name"], "attachment_id", "{forged}");
        let (s, b) = api_send(&sb, &at, Method::DELETE, &format!("{}/{forged}", ps.task), None).await;
        assert_eq!((s, title(&b)), (400, "INVALID_PARAMETER_VALUE"), "{forged}: {b}");
    }
    assert_eq!(sb.attachment(Dc::Us, &id).expect("untouched").data, b"a");
    sb.shutdown().await;
}

#[tokio::test]
async fn tags_are_created_by_the_documented_multipart_form() {
    let sb = start().await;
    let at = files_token(&sb).await;
    let z = sb.demo_portal(Dc::Us);
    let path = format!("/api/v3/portal/{}/tags", z.id);
    let tags = br#"[{"name":"urgent-mp","color_class":"bg-tag3"},{"name":"later-mp"}]"#;
    let (s, b) = post_form(&sb, &at, &path, body(&[P("name=\"tags\"", None, tags)])).await;
    assert_eq!(s, 201, "{b}");
    let names: Vec<&str> = b["tags"].as_array().unwrap().iter().map(|t| t["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["urgent-mp", "later-mp"]);
    let (_, b) = api_get(&sb, &at, &format!("{path}?name=-mp")).await;
    assert_eq!(b["tags"].as_array().map(Vec::len), Some(2), "{b}");

    let one = br#"[{"name":"never"}]"#;
    for (what, bytes, want) in [
        ("no part", format!("--{BOUNDARY}--\r\n").into_bytes(), "LESS_THAN_MIN_OCCURANCE"),
        ("a wrong field", body(&[P("name=\"tag\"", None, one)]), "EXTRA_KEY_FOUND_IN_JSON"),
        (
            "two tags parts",
            body(&[P("name=\"tags\"", None, one), P("name=\"tags\"", None, one)]),
            "INVALID_PARAMETER_VALUE",
        ),
        ("a file part", body(&[P("name=\"tags\"; filename=\"t.json\"", None, one)]), "INVALID_PARAMETER_VALUE"),
        ("not JSON", body(&[P("name=\"tags\"", None, b"never")]), "JSON_PARSE_ERROR"),
    ] {
        let (s, b) = post_form(&sb, &at, &path, bytes).await;
        assert_eq!((s, title(&b)), (400, want), "{what}: {b}");
    }
    let (_, b) = api_get(&sb, &at, &format!("{path}?name=never")).await;
    assert_eq!(b, Value::Null, "nothing created (204)");
    sb.shutdown().await;
}
