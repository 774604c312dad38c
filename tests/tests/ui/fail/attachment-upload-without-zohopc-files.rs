// The crate's own task attachment upload needs `ZohoPC.files.ALL` besides the Projects scope
// (V3.md §15): a client whose set grants only the tasks scope cannot compile the upload, and the
// error names the missing scope.
use zoho_projects::multipart::Part;
use zoho_projects::prelude::*;
use zoho_projects::v3::attachments::UploadTaskAttachments;

scope_set! { struct TasksOnly = ["ZohoProjects.tasks.ALL"]; }

async fn upload(client: Client<TasksOnly>) {
    let call = UploadTaskAttachments::new("1", "2", "3").file(Part::bytes(&b"x"[..]).file_name("x.txt"));
    let _ = client.send(call).await;
}

fn main() {
    let _ = upload;
}
