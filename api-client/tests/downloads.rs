//! `response = Bytes` and `response = Download` against the sandbox (the bytes, type, length
//! and file name the client read from a real HTTP answer), and against a hostile server: a
//! `Content-Disposition` file name that climbs out of its folder, carries quotes or line breaks,
//! and a `Content-Length` that promises more than the body holds.

#[path = "../../tests/tests/common/console.rs"]
mod console;
use console::console_token;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use zoho_projects::bytes::Bytes;
use zoho_projects::prelude::*;
use zoho_projects::{Download, Error, Token};
use zoho_sandbox::{Dc, Fault, Route, Sandbox};

scope_set! {
    struct Reader = ["ZohoProjects.documents.READ"];
}

/// A file of one's own endpoint, read whole.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/files/{file}", scope = "ZohoProjects.documents.READ",
       response = Bytes)]
struct FileBytes {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    file: String,
}

/// The same file, streamed.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "GET", path = "/api/v3/portal/{portal}/files/{file}", scope = "ZohoProjects.documents.READ",
       response = Download)]
struct FileDownload {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    file: String,
}

async fn setup() -> (Sandbox, Client<Reader>) {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let granted = ["ZohoProjects.documents.READ"];
    let access = console_token(&sb, &granted).await;
    let token = Token::<Reader>::from_console(&access, &granted.join(","), Duration::from_secs(3600)).expect("token");
    let client = Client::builder().api_base(sb.api_url(Dc::Us)).build(token).expect("client");
    (sb, client)
}

/// Serves the next file request with `body` as `content_type` and `Content-Disposition: disposition`.
fn serve(sb: &Sandbox, body: &str, content_type: &str, disposition: &str) {
    sb.inject(
        Fault::respond(200, content_type, body)
            .header("content-disposition", disposition)
            .on(Route::Path("/api/v3/portal/*/files/*".into()))
            .times(1),
    );
}

async fn read_all(mut d: Download) -> Result<Vec<u8>, Error> {
    let mut out = Vec::new();
    while let Some(chunk) = d.chunk().await? {
        out.extend_from_slice(&chunk);
    }
    Ok(out)
}

#[tokio::test]
async fn bytes_and_streamed_downloads_carry_the_body_its_type_length_and_name() {
    let (sb, client) = setup().await;
    let body = "id,name\n1,Zürich\n".repeat(1_000);

    serve(&sb, &body, "text/csv", "attachment; filename=\"report.csv\"");
    let whole = client.send(FileBytes { portal: "1".into(), file: "9".into() }).await.expect("bytes");
    assert_eq!(whole, body.as_bytes());

    serve(&sb, &body, "text/csv", "attachment; filename=\"fallback.csv\"; filename*=UTF-8''Z%C3%BCrich%20report.csv");
    let d = client.send(FileDownload { portal: "1".into(), file: "9".into() }).await.expect("download");
    assert_eq!(d.content_type(), Some("text/csv"));
    assert_eq!(d.content_length(), Some(body.len() as u64));
    assert_eq!(d.file_name(), Some("Zürich report.csv"), "filename* wins over filename");
    assert_eq!(read_all(d).await.expect("body"), body.as_bytes());

    // Written to a file: the bytes on disk.
    serve(&sb, &body, "text/csv", "attachment; filename=report.csv");
    let mut d = client.send(FileDownload { portal: "1".into(), file: "9".into() }).await.expect("download");
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().join(d.file_name().expect("a safe name"));
    let mut file = tokio::fs::File::create(&path).await.expect("file");
    assert_eq!(d.write_to(&mut file).await.expect("written"), body.len() as u64);
    assert_eq!(std::fs::read(&path).expect("read"), body.as_bytes());

    let seen = sb.requests_seen();
    let files: Vec<_> = seen.iter().filter(|r| r.path_and_query == "/api/v3/portal/1/files/9").collect();
    assert_eq!(files.len(), 3, "one request per call");
    sb.shutdown().await;
}

#[tokio::test]
async fn a_hostile_file_name_is_refused_and_the_body_still_reads() {
    let (sb, client) = setup().await;
    for hostile in [
        "attachment; filename=\"../../.ssh/authorized_keys\"",
        "attachment; filename=\"..\"",
        "attachment; filename=\"/etc/passwd\"",
        "attachment; filename=\"C:\\\\Windows\\\\evil.exe\"",
        "attachment; filename=\"a\\\"b.txt\"",
        "attachment; filename*=UTF-8''..%2F..%2Fx",
        "attachment; filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x",
        "attachment; filename*=UTF-8''%00.txt",
        "attachment; filename=\"\"",
    ] {
        serve(&sb, "payload", "application/octet-stream", hostile);
        let d = client.send(FileDownload { portal: "1".into(), file: "9".into() }).await.expect("download");
        assert_eq!(d.file_name(), None, "{hostile}");
        assert_eq!(read_all(d).await.expect("body"), b"payload", "{hostile}");
    }
    sb.shutdown().await;
}

/// A server whose `Content-Length` promises `claimed` bytes and sends `sent` before closing.
async fn lying_server(claimed: usize, sent: usize) -> (zoho_projects::reqwest::Url, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let url =
        zoho_projects::reqwest::Url::parse(&format!("http://{}/", listener.local_addr().expect("addr"))).expect("url");
    let task = tokio::spawn(async move {
        let (mut conn, _) = listener.accept().await.expect("accept");
        let mut buf = vec![0u8; 8192];
        let _ = conn.read(&mut buf).await;
        let head = format!(
            "HTTP/1.1 200 OK\r\ncontent-type: application/octet-stream\r\ncontent-length: {claimed}\r\n\
             content-disposition: attachment; filename=\"x.bin\"\r\n\r\n"
        );
        conn.write_all(head.as_bytes()).await.expect("head");
        conn.write_all(&vec![b'x'; sent]).await.expect("body");
        conn.shutdown().await.expect("close");
    });
    (url, task)
}

#[tokio::test]
async fn a_content_length_longer_than_the_body_is_an_error_not_a_short_file() {
    let (url, server) = lying_server(1_000_000, 10_000).await;
    let token =
        Token::<Reader>::from_console("1000.lying.server", "ZohoProjects.documents.READ", Duration::from_secs(60))
            .expect("token");
    let client = Client::builder().api_base(url).no_rate_limit().build(token).expect("client");
    let mut d = client.send(FileDownload { portal: "1".into(), file: "9".into() }).await.expect("head arrives");
    assert_eq!(d.content_length(), Some(1_000_000), "what the server claimed");
    let dir = tempfile::tempdir().expect("dir");
    let mut file = tokio::fs::File::create(dir.path().join("x.bin")).await.expect("file");
    let err = d.write_to(&mut file).await.expect_err("a cut-off body is not a complete file");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    server.await.expect("server");

    // The whole-body form refuses it the same way.
    let (url, server) = lying_server(50_000, 100).await;
    let token =
        Token::<Reader>::from_console("1000.lying.server", "ZohoProjects.documents.READ", Duration::from_secs(60))
            .expect("token");
    let client = Client::builder()
        .api_base(url)
        .no_rate_limit()
        .retry(zoho_projects::RetryPolicy::never())
        .build(token)
        .expect("client");
    let err = client.send(FileBytes { portal: "1".into(), file: "9".into() }).await.expect_err("cut off");
    assert!(matches!(err, Error::Transport(_)), "{err:?}");
    server.await.expect("server");
}
