use zoho_projects::prelude::*;

// The caller would pick the scope of a DELETE: `Del::<scopes::tasks::Read>` on a read-only client.
#[derive(Endpoint)]
#[zoho(method = "DELETE", path = "/api/v3/portal/{p}/projects/{q}/tasks/{t}", scope = S, response = ())]
struct Del<S: Scope> {
    #[zoho(path)]
    p: u64,
    #[zoho(path)]
    q: u64,
    #[zoho(path)]
    t: u64,
    #[zoho(skip)]
    _scope: std::marker::PhantomData<S>,
}

fn main() {}
