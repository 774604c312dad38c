use zoho_projects::prelude::*;

scope_set! {
    struct Reader = ["ZohoProjects.tasks.READ"];
    struct Editor = ["ZohoProjects.tasks.READ", "ZohoProjects.tasks.UPDATE"];
}

fn widen(client: &Client<Reader>) -> Client<Editor> {
    client.narrow::<Editor>()
}

fn main() {
    let _ = widen;
}
