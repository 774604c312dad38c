//! Expansion snapshots of representative derives (expect-test + prettyplease).
//! Update with `UPDATE_EXPECT=1 cargo test -p zoho-scope-macros`.

use expect_test::{ExpectFile, expect_file};

fn check(input: proc_macro2::TokenStream, expected: ExpectFile) {
    let input: syn::DeriveInput = syn::parse2(input).expect("test input parses");
    let out = crate::endpoint(&input);
    let file: syn::File = syn::parse2(out).expect("expansion is a valid file");
    expected.assert_eq(&prettyplease::unparse(&file));
}

#[test]
fn get_with_path_and_query() {
    check(
        quote::quote! {
            #[zoho(method = "GET", path = "/api/v3/portal/{portal_id}/projects/{project_id}/tasks",
                   scope = "ZohoProjects.tasks.READ", response = TaskPage)]
            struct ListTasks {
                #[zoho(path)] portal_id: PortalId,
                #[zoho(path)] project_id: ProjectId,
                #[zoho(query)] page: Option<u32>,
                #[zoho(query = "per_page")] size: u32,
            }
        },
        expect_file!["snapshots/get_with_path_and_query.rs"],
    );
}

#[test]
fn post_with_json_body() {
    check(
        quote::quote! {
            #[zoho(method = "POST", path = "/api/v3/portal/{portal_id}/projects/{project_id}/tasks",
                   scope = "ZohoProjects.tasks.CREATE", response = Task)]
            struct CreateTask<'a> {
                #[zoho(path)] portal_id: &'a PortalId,
                #[zoho(path)] project_id: &'a ProjectId,
                #[zoho(body)] task: NewTask,
            }
        },
        expect_file!["snapshots/post_with_json_body.rs"],
    );
}

#[test]
fn custom_module_path_scope_and_crate() {
    check(
        quote::quote! {
            #[zoho(crate = ::zoho_oauth_core, method = "DELETE", path = "/crm/v8/Leads/{id}",
                   scope = crm::modules::Delete, response = ())]
            struct DeleteLead { #[zoho(path)] id: String, #[zoho(skip)] note: &'static str }
        },
        expect_file!["snapshots/custom_module_path_scope_and_crate.rs"],
    );
}

#[test]
fn two_scopes_a_service_and_headers() {
    check(
        quote::quote! {
            #[zoho(method = "POST", path = "/api/v1/tickets/{ticket}/attachments",
                   scope = ["ZohoProjects.tasks.CREATE", zohopc_files::All], service = desk::DESK,
                   header("orgId" = "6071"), header("X-Trace" = "on"), response = serde_json::Value)]
            struct Attach {
                #[zoho(path)] ticket: String,
                #[zoho(header = "X-Request-Id")] request: Option<u64>,
                #[zoho(header = "If-Match")] etag: String,
            }
        },
        expect_file!["snapshots/two_scopes_a_service_and_headers.rs"],
    );
}

#[test]
fn paginated_list() {
    check(
        quote::quote! {
            #[zoho(method = "GET", path = "/restapi/portal/{portal}/projects/", scope = "ZohoProjects.projects.READ",
                   response = Option<Page<Project>>, paginate(item = Project, style = "index"))]
            struct ListProjects {
                #[zoho(path)] portal: PortalId,
                #[zoho(query)] index: Option<u32>,
                #[zoho(query)] range: Option<u32>,
            }
        },
        expect_file!["snapshots/paginated_list.rs"],
    );
}

#[test]
fn paginated_list_with_a_cursor_field_and_split() {
    check(
        quote::quote! {
            #[zoho(method = "GET", path = "/api/v3/portal/{portal}/timelogs", scope = "ZohoProjects.timesheets.READ",
                   response = Option<Page<TimeLogGroup>>, paginate(item = TimeLog, cursor = paging, split = rows))]
            struct ListTimeLogs {
                #[zoho(path)] portal: PortalId,
                #[zoho(flatten)] paging: Paging,
            }
        },
        expect_file!["snapshots/paginated_list_with_a_cursor_field_and_split.rs"],
    );
}

#[test]
fn multipart_upload_and_streamed_download() {
    check(
        quote::quote! {
            #[zoho(method = "POST", path = "/api/v3/portal/{portal}/attachments", scope = "ZohoProjects.tasks.CREATE",
                   response = Download)]
            struct Upload {
                #[zoho(path)] portal: u64,
                #[zoho(multipart)] form: Multipart,
            }
        },
        expect_file!["snapshots/multipart_upload_and_streamed_download.rs"],
    );
}
