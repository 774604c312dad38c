//! Multipart bodies leave as one `multipart/form-data` request and are never sent twice after an
//! ambiguous failure (a dropped connection, a 5xx), whatever the method or `idempotent` says;
//! the same call with a JSON body is repeated (the control that shows the faults do cause
//! retries). The escape hatch's multipart builder follows the same rules and refuses a body on
//! `GET` before sending.

#[path = "../../tests/tests/common/console.rs"]
mod console;
use console::console_token;

use std::time::Duration;

use zoho_projects::multipart::{Multipart, Part};
use zoho_projects::prelude::*;
use zoho_projects::{Error, Method, RetryPolicy, Token, scopes};
use zoho_sandbox::{Dc, Fault, Route, Sandbox};

scope_set! {
    struct Writer = ["ZohoProjects.tasks.ALL"];
}

/// An upload declared idempotent: the multipart rule still wins.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PUT", path = "/api/v3/portal/{portal}/uploads", scope = "ZohoProjects.tasks.UPDATE",
       response = serde_json::Value, idempotent)]
struct PutUpload {
    #[zoho(path)]
    portal: String,
    #[zoho(multipart)]
    form: Multipart,
}

/// The same call with a JSON body.
#[derive(Debug, Clone, Endpoint)]
#[zoho(method = "PUT", path = "/api/v3/portal/{portal}/uploads", scope = "ZohoProjects.tasks.UPDATE",
       response = serde_json::Value, idempotent)]
struct PutJson {
    #[zoho(path)]
    portal: String,
    #[zoho(body)]
    body: serde_json::Value,
}

async fn setup() -> (Sandbox, Client<Writer>) {
    let sb = Sandbox::builder().start().await.expect("sandbox");
    let granted = ["ZohoProjects.tasks.ALL"];
    let access = console_token(&sb, &granted).await;
    let token = Token::<Writer>::from_console(&access, &granted.join(","), Duration::from_secs(3600)).expect("token");
    // Retries without waiting: the sleeper returns at once (no wall-clock sleeps in tests).
    let client = Client::builder()
        .api_base(sb.api_url(Dc::Us))
        .retry(RetryPolicy::default().sleeper(|_| async {}))
        .build(token)
        .expect("client");
    (sb, client)
}

fn uploads_seen(sb: &Sandbox) -> Vec<zoho_sandbox::SeenRequest> {
    sb.requests_seen().into_iter().filter(|r| r.path_and_query.ends_with("/uploads")).collect()
}

fn form() -> Multipart {
    Multipart::new()
        .part("upload_file", Part::bytes(&b"%PDF-1.7 not twice"[..]).file_name("a.pdf").content_type("application/pdf"))
        .text("comment", "v2")
}

#[tokio::test]
async fn a_multipart_call_is_never_repeated_after_an_ambiguous_failure() {
    let (sb, client) = setup().await;
    let route = || Route::Path("/api/v3/portal/*/uploads".into());

    for fault in [Fault::drop_connection(), Fault::status(503)] {
        let before = uploads_seen(&sb).len();
        sb.inject(fault.on(route()).always());
        let err = client.send(PutUpload { portal: "1".into(), form: form() }).await.expect_err("fails");
        assert!(matches!(err, Error::Transport(_) | Error::Api(_)), "{err:?}");
        let seen = &uploads_seen(&sb)[before..];
        assert_eq!(seen.len(), 1, "the upload left once: {seen:?}");
        let ct = seen[0].headers.iter().find(|(k, _)| k == "content-type").map(|(_, v)| v.as_str());
        assert!(ct.is_some_and(|v| v.starts_with("multipart/form-data; boundary=")), "{ct:?}");

        // The control: the same idempotent call with a JSON body is repeated (1 + 3 retries).
        let before = uploads_seen(&sb).len();
        let err =
            client.send(PutJson { portal: "1".into(), body: serde_json::json!({"a": 1}) }).await.expect_err("fails");
        assert!(matches!(err, Error::Transport(_) | Error::Api(_)), "{err:?}");
        assert_eq!(uploads_seen(&sb).len() - before, 4, "a JSON PUT is retried");
        sb.clear_faults();
    }
    sb.shutdown().await;
}

#[tokio::test]
async fn a_streamed_part_is_read_once_and_a_refused_slot_is_not_a_second_send() {
    let (sb, client) = setup().await;
    // 429 is "not processed": a replayable multipart is repeated after it, a stream part is not
    // (it was consumed by the first attempt).
    sb.inject(Fault::status(429).on(Route::Path("/api/v3/portal/*/uploads".into())).times(1));
    let chunks: Vec<std::io::Result<zoho_projects::bytes::Bytes>> = vec![Ok("streamed".into())];
    let streamed = Multipart::new().part("upload_file", Part::stream(futures::stream::iter(chunks), None));
    let err = client.send(PutUpload { portal: "1".into(), form: streamed }).await.expect_err("429");
    assert!(matches!(&err, Error::Api(api) if api.status == 429), "{err:?}");
    assert_eq!(uploads_seen(&sb).len(), 1);
    sb.shutdown().await;
}

#[tokio::test]
async fn the_escape_hatch_sends_multipart_once_and_refuses_it_on_get() {
    let (sb, client) = setup().await;
    let before = sb.requests_seen().len();
    let err = client
        .request::<scopes::tasks::Read>(Method::Get, "/api/v3/portal/{portal}/uploads")
        .param("portal", 1)
        .multipart(form())
        .send_json()
        .await
        .expect_err("no body on GET");
    assert!(matches!(err, Error::Body(_)), "{err:?}");
    assert_eq!(sb.requests_seen().len(), before, "nothing was sent");

    sb.inject(Fault::status(500).on(Route::Path("/api/v3/portal/*/uploads".into())).always());
    let err = client
        .request::<scopes::tasks::Create>(Method::Post, "/api/v3/portal/{portal}/uploads")
        .param("portal", 1)
        .multipart(form())
        .idempotent(true)
        .send_json()
        .await
        .expect_err("500");
    assert!(matches!(&err, Error::Api(api) if api.status == 500), "{err:?}");
    let seen = uploads_seen(&sb);
    assert_eq!(seen.len(), 1, "sent once although marked idempotent");
    assert_eq!(seen[0].method, "POST");
    sb.shutdown().await;
}
