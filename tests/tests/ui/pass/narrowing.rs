use zoho_projects::prelude::*;

scope_set! {
    struct Admin = ["ZohoProjects.portals.READ", "ZohoProjects.projects.ALL", "ZohoProjects.tasks.ALL"];
    struct Planner = ["ZohoProjects.projects.READ", "ZohoProjects.tasks.CREATE", "ZohoProjects.tasks.UPDATE"];
    struct Viewer = ["ZohoProjects.tasks.UPDATE"];
}

#[derive(Endpoint)]
#[zoho(method = "POST", path = "/api/v3/portal/{p}/projects/{q}/tasks", scope = "ZohoProjects.tasks.CREATE", response = ())]
struct CreateTask {
    #[zoho(path)]
    p: u64,
    #[zoho(path)]
    q: u64,
}

fn hand_out(admin: &Client<Admin>) -> Client<Viewer> {
    let planner: Client<Planner> = admin.narrow();
    let _ = planner.send(CreateTask { p: 1, q: 2 });
    // Narrowing is transitive: Admin ⊇ Planner ⊇ Viewer.
    let direct: Client<Viewer> = admin.narrow();
    let _ = direct;
    planner.narrow::<Viewer>()
}

fn main() {
    let _ = hand_out;
    assert_eq!(std::mem::size_of::<Client<Admin>>(), std::mem::size_of::<Client<Viewer>>());
    assert_eq!(std::mem::size_of::<Admin>(), 0);
}
