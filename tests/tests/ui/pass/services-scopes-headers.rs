// A crate outside the workspace wraps endpoints of other Zoho services (issue 16): a CRM call
// (a non-Projects module: the `api_domain` hosts by default), a Zoho Desk call on Desk's own
// hosts with a static header and one per call, and a Projects call that needs two scopes.
// Run against the sandbox, whose listener of each data centre stands in for that data centre's
// hosts: each call reaches its service's host in the data centre of the token (EU here), with
// its headers; the sandbox says which listener saw what.
use std::time::{Duration, SystemTime};
use zoho_projects::prelude::*;
use zoho_projects::{AccessToken, DynamicScopes, TokenParts};
use zoho_sandbox::{Dc, Sandbox};

/// Zoho Desk answers on `desk.zoho.<tld>`.
pub const DESK: Service = Service::new("ZohoDesk", HostFamily::Subdomain("desk"));

scope_module! {
    /// Zoho CRM records (the `api_domain` hosts: the default for another service's module).
    pub mod crm_modules = "ZohoCRM.modules" { READ }
}
scope_module! {
    /// Zoho Desk tickets, on Desk's hosts.
    #[zoho(service = DESK)]
    pub mod desk_tickets = "Desk.tickets" { READ }
}
scope_module! {
    /// Zoho's file store, which task attachments need besides the Projects scope.
    pub mod zohopc_files = "ZohoPC.files" { ALL }
}

scope_set! { struct Wrapper = [crm_modules::Read, desk_tickets::Read, "ZohoProjects.tasks.CREATE", zohopc_files::All]; }

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/crm/v8/{module}", scope = crm_modules::Read, response = serde_json::Value)]
struct ListRecords {
    #[zoho(path)]
    module: String,
}

#[derive(Endpoint)]
#[zoho(method = "GET", path = "/api/v1/tickets", scope = desk_tickets::Read, header("X-Wrapper" = "issue-16"),
       response = serde_json::Value)]
struct ListTickets {
    #[zoho(header = "orgId")]
    org: u64,
    #[zoho(query)]
    limit: Option<u32>,
}

/// The Projects scope first: the call goes to the Projects host.
#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments",
       scope = ["ZohoProjects.tasks.CREATE", zohopc_files::All], response = serde_json::Value)]
struct Attach {
    #[zoho(path)]
    portal: String,
    #[zoho(path)]
    project: String,
    #[zoho(path)]
    task: String,
}

fn main() {
    assert_eq!(<ListRecords as Endpoint>::SERVICE, Service::API_DOMAIN);
    assert_eq!(<ListTickets as Endpoint>::SERVICE, DESK);
    assert_eq!(<Attach as Endpoint>::SERVICE, Service::PROJECTS);
    assert_eq!(<<Attach as Endpoint>::Scope as zoho_projects::RequiredScopes>::OAUTH, ["ZohoProjects.tasks.CREATE", "ZohoPC.files.ALL"]);

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
    rt.block_on(async {
        let sb = Sandbox::builder().start().await.expect("sandbox");
        let eu = sb.add_user("lena@example.eu", Dc::Eu);
        let secret = sb.mint_access_token(&eu.email, &["ZohoProjects.tasks.CREATE"]).expect("token");
        let granted = DynamicScopes::parse(Wrapper::OAUTH).expect("scopes");
        let mut parts = TokenParts::new(AccessToken::new(secret, SystemTime::now() + Duration::from_secs(3600), granted));
        parts.location = Some("eu".into());
        let token = Token::<Wrapper>::from_parts(parts).expect("carries the set");

        // Each service's host in each data centre: the data centre's listener, under a prefix
        // that names the host family.
        let mut builder = Client::builder().no_rate_limit().retry(zoho_projects::RetryPolicy::never());
        for (region, dc) in [(Region::Us, Dc::Us), (Region::Eu, Dc::Eu), (Region::In, Dc::In)] {
            let api = sb.api_url(dc);
            builder = builder
                .region_base(region, Service::PROJECTS, api.clone())
                .region_base(region, Service::API_DOMAIN, api.join("zohoapis/").expect("url"))
                .region_base(region, DESK, api.join("desk/").expect("url"));
        }
        let client = builder.build(token).expect("client");

        let seen = |n: usize| sb.requests_seen().into_iter().rev().take(n).collect::<Vec<_>>();
        // The sandbox does not emulate CRM or Desk: what matters is where the calls went.
        let _ = client.send(ListRecords { module: "Leads".into() }).await;
        let _ = client.send(ListTickets { org: 6071, limit: Some(5) }).await;
        let _ = client.send(Attach { portal: "1".into(), project: "2".into(), task: "3".into() }).await;
        let last = seen(3);
        let (attach, tickets, records) = (&last[0], &last[1], &last[2]);
        assert!(last.iter().all(|r| r.dc == Dc::Eu), "every call reached the EU listener");
        assert_eq!(records.path_and_query, "/zohoapis/crm/v8/Leads");
        assert_eq!(tickets.path_and_query, "/desk/api/v1/tickets?limit=5");
        assert_eq!(attach.path_and_query, "/api/v3/portal/1/projects/2/tasks/3/attachments");
        let header = |name: &str| {
            tickets.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.clone())
        };
        assert_eq!(header("orgId").as_deref(), Some("6071"));
        assert_eq!(header("X-Wrapper").as_deref(), Some("issue-16"));
        assert!(records.headers.iter().all(|(k, _)| !k.eq_ignore_ascii_case("orgId")), "headers are per endpoint");
    });
}
