//! Task and issue attachments and multipart tag creation (issue 16 item 10) against the strict
//! sandbox: what the sandbox saw (method, path, host, content type), the bytes it stored (their
//! hash), the downloaded bytes, and the attacks: forged attachment ids, hostile file names, a
//! non-member's download, an upload after an ambiguous failure, a 0-byte file.

#[path = "../../tests/tests/common/console.rs"]
mod console;
use console::console_token;

use std::time::Duration;

use sha2::{Digest, Sha256};
use zoho_projects::model::Page;
use zoho_projects::multipart::Part;
use zoho_projects::prelude::*;
use zoho_projects::v3::attachments::{
    DeleteIssueAttachment, DeleteTaskAttachment, DownloadIssueAttachment, DownloadTaskAttachment, ListIssueAttachments,
    ListTaskAttachments, UploadIssueAttachments, UploadTaskAttachments, workdrive_files, zohopc_files,
};
use zoho_projects::v3::tags::{CreateTags, ListTags, NewTag};
use zoho_projects::{Download, Error, RetryPolicy, Token, ZohoError};
use zoho_sandbox::{Dc, Fault, Route, Sandbox, SeenRequest, Service};

scope_set! {
    struct Files = ["ZohoProjects.tasks.ALL", "ZohoProjects.bugs.ALL", "ZohoProjects.tags.ALL", zohopc_files::All, workdrive_files::Read];
}

const GRANTED: [&str; 5] = [
    "ZohoProjects.tasks.ALL",
    "ZohoProjects.bugs.ALL",
    "ZohoProjects.tags.ALL",
    "ZohoPC.files.ALL",
    "WorkDrive.files.READ",
];

struct Ids {
    portal: String,
    project: String,
    task: String,
    issue: String,
}

async fn client_for(sb: &Sandbox, access: &str) -> Client<Files> {
    let token = Token::<Files>::from_console(access, &GRANTED.join(","), Duration::from_secs(3600)).expect("token");
    // Retries without waiting (no wall-clock sleeps in tests).
    Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(RetryPolicy::default().sleeper(|_| async {}))
        .build(token)
        .expect("client")
}

async fn setup() -> (Sandbox, Client<Files>, Ids) {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let access = console_token(&sb, &GRANTED).await;
    let client = client_for(&sb, &access).await;
    let z = sb.demo_portal(Dc::Us);
    let p = &z.projects[0];
    let ids = Ids { portal: z.id.clone(), project: p.id.clone(), task: p.tasks[0].clone(), issue: p.issues[0].clone() };
    (sb, client, ids)
}

fn sha(b: &[u8]) -> [u8; 32] {
    Sha256::digest(b).into()
}

fn header<'a>(r: &'a SeenRequest, name: &str) -> Option<&'a str> {
    r.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
}

/// The requests whose path starts with `prefix`.
fn seen_under(sb: &Sandbox, prefix: &str) -> Vec<SeenRequest> {
    sb.requests_seen().into_iter().filter(|r| r.path_and_query.starts_with(prefix)).collect()
}

async fn read_all(mut d: Download) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(c) = d.chunk().await.expect("chunk") {
        out.extend_from_slice(&c);
    }
    out
}

fn api_status(e: &Error) -> Option<(u16, String)> {
    match e {
        Error::Api(a) => match &a.zoho {
            ZohoError::V3 { title, .. } => Some((a.status, title.clone())),
            other => Some((a.status, format!("{other:?}"))),
        },
        _ => None,
    }
}

#[tokio::test]
async fn task_files_upload_list_download_and_delete_as_the_sandbox_saw_them() {
    let (sb, client, ids) = setup().await;
    let big: Vec<u8> = (0..300_000u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
    let dir = tempfile::tempdir().expect("dir");
    let on_disk = dir.path().join("notes.txt");
    std::fs::write(&on_disk, "from a file\n").expect("write");

    let sent = client
        .send(
            UploadTaskAttachments::new(&*ids.portal, &*ids.project, &*ids.task)
                .file(Part::bytes(big.clone()).file_name("spec.pdf").content_type("application/pdf"))
                .file(Part::file(&on_disk)),
        )
        .await
        .expect("upload");
    assert_eq!(sent.len(), 2);
    assert_eq!((sent.items[0].name.as_str(), sent.items[0].size), ("spec.pdf", Some(300_000)));
    assert_eq!(sent.items[1].name, "notes.txt");

    // What left the process: one POST to the Projects host of the US DC, multipart, and the
    // bytes the sandbox stored.
    let base = format!("/api/v3/portal/{}/projects/{}/tasks/{}/attachments", ids.portal, ids.project, ids.task);
    let posts = seen_under(&sb, &base);
    assert_eq!(posts.len(), 1, "{posts:?}");
    assert_eq!((posts[0].method.as_str(), posts[0].path_and_query.as_str()), ("POST", base.as_str()));
    assert_eq!((posts[0].dc, posts[0].service), (Dc::Us, Service::Projects));
    assert!(header(&posts[0], "content-type").is_some_and(|v| v.starts_with("multipart/form-data; boundary=")));
    let stored = sb.attachment(Dc::Us, sent.items[0].id.as_str()).expect("stored");
    assert_eq!(sha(&stored.data), sha(&big));
    assert_eq!((stored.content_type.as_str(), stored.owner_id.as_str()), ("application/pdf", ids.task.as_str()));
    assert_eq!(sb.attachment(Dc::Us, sent.items[1].id.as_str()).expect("stored").data, b"from a file\n");

    let listed = client.send(ListTaskAttachments::new(&*ids.portal, &*ids.project, &*ids.task)).await.expect("list");
    assert_eq!(
        listed.iter().map(|a| a.id.clone()).collect::<Vec<_>>(),
        [sent.items[0].id.clone(), sent.items[1].id.clone()]
    );
    assert!(listed.items[0].third_party_file_id.is_some());

    let d = client
        .send(DownloadTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, sent.items[0].id.clone()))
        .await
        .expect("download");
    assert_eq!(
        (d.content_type(), d.content_length(), d.file_name()),
        (Some("application/pdf"), Some(300_000), Some("spec.pdf"))
    );
    assert_eq!(sha(&read_all(d).await), sha(&big));
    // Written to disk under its own (safe) name.
    let mut d = client
        .send(DownloadTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, sent.items[1].id.clone()))
        .await
        .expect("download");
    let out = dir.path().join(d.file_name().expect("a name"));
    let mut f = tokio::fs::File::create(&out).await.expect("create");
    assert_eq!(d.write_to(&mut f).await.expect("write"), 12);
    assert_eq!(std::fs::read(&out).expect("read"), b"from a file\n");

    for a in &sent.items {
        client
            .send(DeleteTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, a.id.clone()))
            .await
            .expect("delete");
    }
    let after: Page<_> =
        client.send(ListTaskAttachments::new(&*ids.portal, &*ids.project, &*ids.task)).await.expect("204");
    assert!(after.is_empty());
    assert_eq!(sb.attachment_count(Dc::Us), 0);
    let seen: Vec<(String, String)> =
        seen_under(&sb, &base).into_iter().map(|r| (r.method, r.path_and_query.replace(&base, ""))).collect();
    let want: Vec<(String, String)> = [
        ("POST", String::new()),
        ("GET", String::new()),
        ("GET", format!("/{}/download", sent.items[0].id)),
        ("GET", format!("/{}/download", sent.items[1].id)),
        ("DELETE", format!("/{}", sent.items[0].id)),
        ("DELETE", format!("/{}", sent.items[1].id)),
        ("GET", String::new()),
    ]
    .into_iter()
    .map(|(m, p)| (m.to_owned(), p))
    .collect();
    assert_eq!(seen, want);
    sb.shutdown().await;
}

#[tokio::test]
async fn issue_files_and_a_zero_byte_file_round_trip() {
    let (sb, client, ids) = setup().await;
    let sent = client
        .send(
            UploadIssueAttachments::new(&*ids.portal, &*ids.project, &*ids.issue)
                .file(Part::bytes(Vec::new()).file_name("empty.log").content_type("text/plain")),
        )
        .await
        .expect("upload");
    let id = sent.items[0].id.clone();
    assert_eq!(sent.items[0].size, Some(0));
    assert_eq!(sb.attachment(Dc::Us, id.as_str()).expect("stored").data, b"");
    let listed = client.send(ListIssueAttachments::new(&*ids.portal, &*ids.project, &*ids.issue)).await.expect("list");
    assert_eq!(listed.len(), 1);
    let d = client
        .send(DownloadIssueAttachment::new(&*ids.portal, &*ids.project, &*ids.issue, id.clone()))
        .await
        .expect("download");
    assert_eq!((d.content_length(), d.file_name()), (Some(0), Some("empty.log")));
    assert!(read_all(d).await.is_empty());
    // The issue's file is not the task's.
    let err = client
        .send(DownloadTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, id.clone()))
        .await
        .expect_err("not the task's");
    assert_eq!(api_status(&err), Some((400, "INVALID_PARAMETER_VALUE".to_owned())), "{err:?}");
    client.send(DeleteIssueAttachment::new(&*ids.portal, &*ids.project, &*ids.issue, id)).await.expect("delete");
    assert_eq!(sb.attachment_count(Dc::Us), 0);
    let posts: Vec<_> = sb.requests_seen().into_iter().filter(|r| r.path_and_query.contains("/issues/")).collect();
    assert!(posts.iter().all(|r| (r.dc, r.service) == (Dc::Us, Service::Projects)));
    sb.shutdown().await;
}

#[tokio::test]
async fn forged_attachment_ids_never_reach_another_route() {
    let (sb, client, ids) = setup().await;
    let base = format!("/api/v3/portal/{}/projects/{}/tasks/{}/attachments/", ids.portal, ids.project, ids.task);
    // Dot segments are refused before sending: nothing leaves the process.
    for forged in ["..", "."] {
        let before = sb.requests_seen().len();
        let err = client
            .send(DownloadTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, forged))
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::Path(_)), "{forged}: {err:?}");
        let err = client
            .send(DeleteTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, forged))
            .await
            .expect_err("refused");
        assert!(matches!(err, Error::Path(_)), "{forged}: {err:?}");
        assert_eq!(sb.requests_seen().len(), before, "{forged}: nothing sent");
    }
    // Anything else is one escaped segment of the attachments route, refused as an unknown id.
    for forged in ["%2e%2e", "%2E%2E", "/", "../comments", "a/../../..", "..\\..", "?x=1#y"] {
        let before = sb.requests_seen().len();
        let err = client
            .send(DownloadTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, forged))
            .await
            .expect_err("unknown id");
        assert_eq!(api_status(&err), Some((400, "INVALID_PARAMETER_VALUE".to_owned())), "{forged}: {err:?}");
        let seen = &sb.requests_seen()[before..];
        assert_eq!(seen.len(), 1, "{forged}");
        let path = &seen[0].path_and_query;
        assert!(path.starts_with(&base) && path.ends_with("/download"), "{forged}: {path}");
        let segment = &path[base.len()..path.len() - "/download".len()];
        assert!(!segment.contains('/') && !segment.contains('?') && !segment.contains('#'), "{forged}: {path}");
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn hostile_upload_file_names_are_escaped_or_refused() {
    let (sb, client, ids) = setup().await;
    let upload = |name: &str| {
        UploadTaskAttachments::new(&*ids.portal, &*ids.project, &*ids.task)
            .file(Part::bytes(&b"x"[..]).file_name(name).content_type("text/plain"))
    };
    // CR or LF in a file name: refused before sending (reqwest would write them raw into the
    // part's header, and a lax server would read the injected lines).
    for name in ["a\r\nContent-Type: text/html\r\n\r\nx", "a\nb", "a\rb", "a\0b"] {
        let before = sb.requests_seen().len();
        let err = client.send(upload(name)).await.expect_err("refused");
        assert!(matches!(err, Error::Body(_)), "{name:?}: {err:?}");
        assert_eq!(sb.requests_seen().len(), before, "{name:?}: nothing sent");
    }
    for name in ["../../etc/passwd", "a\"b.txt", "C:\\evil.exe", "Zürich report.pdf"] {
        match client.send(upload(name)).await {
            Ok(sent) => {
                let stored = sb.attachment(Dc::Us, sent.items[0].id.as_str()).expect("stored");
                // One part with one name: no header injected, no path separator kept.
                assert!(!stored.name.contains(['/', '\\', '\r', '\n']), "{name:?} stored as {:?}", stored.name);
                assert_eq!(stored.data, b"x", "{name:?}");
                assert_eq!(stored.content_type, "text/plain", "{name:?}");
                let d = client
                    .send(DownloadTaskAttachment::new(
                        &*ids.portal,
                        &*ids.project,
                        &*ids.task,
                        sent.items[0].id.clone(),
                    ))
                    .await
                    .expect("download");
                let safe = d.file_name().map(str::to_owned);
                assert!(safe.as_deref().is_none_or(|n| !n.contains(['/', '\\'])), "{name:?}: {safe:?}");
                eprintln!("{name:?} -> stored {:?}, downloaded as {safe:?}", stored.name);
            }
            Err(e) => {
                assert_eq!(api_status(&e).map(|s| s.0), Some(400), "{name:?}: {e:?}");
                eprintln!("{name:?} -> refused {e:?}");
            }
        }
    }
    // A 10 KB name: refused by the sandbox (255 bytes at most), nothing stored.
    let before = sb.attachment_count(Dc::Us);
    let err = client.send(upload(&"n".repeat(10 * 1024))).await.expect_err("too long");
    assert_eq!(api_status(&err), Some((400, "INVALID_PARAMETER_VALUE".to_owned())), "{err:?}");
    assert_eq!(sb.attachment_count(Dc::Us), before);
    sb.shutdown().await;
}

#[tokio::test]
async fn a_user_who_is_not_a_project_member_cannot_download() {
    let (sb, client, ids) = setup().await;
    let sent = client
        .send(
            UploadTaskAttachments::new(&*ids.portal, &*ids.project, &*ids.task)
                .file(Part::bytes(&b"private"[..]).file_name("p.txt")),
        )
        .await
        .expect("upload");
    let other = sb.other_user();
    let access = sb.mint_access_token(&other.email, &GRANTED).expect("token");
    let theirs = client_for(&sb, &access).await;
    let err = theirs
        .send(DownloadTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, sent.items[0].id.clone()))
        .await
        .expect_err("not a member");
    assert_eq!(api_status(&err), Some((403, "NO_PERMISSION".to_owned())), "{err:?}");
    let err = theirs
        .send(DeleteTaskAttachment::new(&*ids.portal, &*ids.project, &*ids.task, sent.items[0].id.clone()))
        .await
        .expect_err("not a member");
    assert_eq!(api_status(&err), Some((403, "NO_PERMISSION".to_owned())), "{err:?}");
    assert_eq!(sb.attachment(Dc::Us, sent.items[0].id.as_str()).expect("kept").data, b"private");
    sb.shutdown().await;
}

#[tokio::test]
async fn an_upload_is_not_sent_again_after_an_ambiguous_failure() {
    let (sb, client, ids) = setup().await;
    let base = format!("/api/v3/portal/{}/projects/{}/tasks/{}/attachments", ids.portal, ids.project, ids.task);
    let route = || Route::Path("/api/v3/portal/*/projects/*/tasks/*/attachments".into());
    for fault in [Fault::drop_connection(), Fault::status(503)] {
        let before = seen_under(&sb, &base).len();
        sb.inject(fault.on(route()).always());
        let err = client
            .send(
                UploadTaskAttachments::new(&*ids.portal, &*ids.project, &*ids.task)
                    .file(Part::bytes(&b"once"[..]).file_name("once.txt")),
            )
            .await
            .expect_err("fails");
        assert!(matches!(err, Error::Transport(_) | Error::Api(_)), "{err:?}");
        assert_eq!(seen_under(&sb, &base).len() - before, 1, "sent once");
        sb.clear_faults();
    }
    // The control: the list (a GET) is retried through the same faults (1 + 3 retries).
    sb.inject(Fault::status(503).on(route()).always());
    let before = seen_under(&sb, &base).len();
    client.send(ListTaskAttachments::new(&*ids.portal, &*ids.project, &*ids.task)).await.expect_err("503");
    assert_eq!(seen_under(&sb, &base).len() - before, 4);
    assert_eq!(sb.attachment_count(Dc::Us), 0);
    sb.shutdown().await;
}

#[tokio::test]
async fn tags_are_created_by_the_documented_multipart_form() {
    let (sb, client, ids) = setup().await;
    let created = client
        .send(CreateTags::new(&*ids.portal, [NewTag::new("mp-one").color_class("bg-tag4"), NewTag::new("mp \"two\"")]))
        .await
        .expect("created");
    assert_eq!(created.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(), ["mp-one", "mp \"two\""]);
    let path = format!("/api/v3/portal/{}/tags", ids.portal);
    let posts: Vec<_> =
        sb.requests_seen().into_iter().filter(|r| r.path_and_query == path && r.method == "POST").collect();
    assert_eq!(posts.len(), 1);
    assert!(header(&posts[0], "content-type").is_some_and(|v| v.starts_with("multipart/form-data; boundary=")));
    let found = client.send(ListTags::new(&*ids.portal).name("mp")).await.expect("list");
    assert_eq!(found.len(), 2);
    assert_eq!(found.items.iter().find(|t| t.name == "mp-one").and_then(|t| t.color_class.as_deref()), Some("bg-tag4"));
    sb.shutdown().await;
}
