//! Task and issue attachments: upload (`multipart/form-data`, one `upload_file` part per file,
//! 1–10 files), list (`{attachment: [...]}`; HTTP 204 when there is none, an empty page), download
//! (the file's bytes as a [`Download`], streamed, with its content type, length and a safe file
//! name) and delete (204).
//!
//! Scopes, all checked at compile time: the Projects scope of the owner (`tasks.*` or `bugs.*`:
//! `CREATE` to upload, `READ` to list and download, `DELETE` to delete) and
//! [`zohopc_files::All`] on every call, plus [`workdrive_files::Read`] to download (V3.md §15:
//! "Attachments need `ZohoPC.files.ALL` (+ `WorkDrive.files.READ` to download)"). Name the two
//! modules in the client's scope set and request them when authorizing. The upload's field name
//! (`upload_file`) and the download path (`…/attachments/{A}/download`) are inferred, not
//! documented.
//!
//! An upload is never repeated after an ambiguous failure (a timeout, a reset, a 5xx): a file Zoho
//! may have stored is not sent twice.
//!
//! ```no_run
//! use zoho_projects::multipart::Part;
//! use zoho_projects::prelude::*;
//! use zoho_projects::v3::attachments::{DownloadTaskAttachment, UploadTaskAttachments, workdrive_files, zohopc_files};
//!
//! scope_set! {
//!     struct Files = ["ZohoProjects.tasks.ALL", zohopc_files::All, workdrive_files::Read];
//! }
//!
//! # async fn run(client: Client<Files>) -> Result<(), zoho_projects::Error> {
//! let (portal, project, task) = ("815392601", "2447529000000057032", "2447529000000057100");
//! let pdf = Part::bytes(&b"%PDF-1.7 ..."[..]).file_name("spec.pdf").content_type("application/pdf");
//! let sent = client.send(UploadTaskAttachments::new(portal, project, task).file(pdf)).await?;
//! let file = client.send(DownloadTaskAttachment::new(portal, project, task, sent.items[0].id.clone())).await?;
//! let mut file = file;
//! let mut out = tokio::fs::File::create(file.file_name().unwrap_or("download")).await.map_err(zoho_projects::Error::Io)?;
//! file.write_to(&mut out).await?;
//! # Ok(()) }
//! ```

use super::shape::endpoint;
use crate::ids::{AttachmentId, IssueId, PortalId, ProjectId, TaskId};
use crate::model::{Attachment, Page};
use crate::multipart::{Multipart, Part};
use crate::response::Download;

crate::scope_module! {
    /// `ZohoPC.files`: Zoho's file store, which every attachment call needs besides the Projects
    /// scope (V3.md §15).
    pub mod zohopc_files = "ZohoPC.files" { ALL }
}

crate::scope_module! {
    /// `WorkDrive.files`: WorkDrive, where Zoho keeps attachments; downloading one needs `READ`.
    pub mod workdrive_files = "WorkDrive.files" { READ, ALL }
}

/// The multipart field each file is sent under.
pub const UPLOAD_FIELD: &str = "upload_file";

/// An upload endpoint: the owner's path values and a multipart body of [`UPLOAD_FIELD`] files.
macro_rules! upload {
    ($(#[$meta:meta])* $Name:ident($owner:ident: $Owner:ty) at $path:literal, scope $scope:tt) => {
        $(#[$meta])*
        #[derive(Debug, Clone, crate::Endpoint)]
        #[zoho(method = "POST", path = $path, scope = $scope, response = Page<Attachment>)]
        pub struct $Name {
            /// The portal.
            #[zoho(path)]
            pub portal: PortalId,
            /// The project.
            #[zoho(path)]
            pub project: ProjectId,
            #[doc = concat!("The ", stringify!($owner), ".")]
            #[zoho(path)]
            pub $owner: $Owner,
            /// The files, one [`UPLOAD_FIELD`] part each.
            #[zoho(multipart)]
            pub form: Multipart,
        }

        impl $Name {
            #[doc = concat!("An upload to `", stringify!($owner), "`; add files with [`file`](Self::file).")]
            pub fn new(portal: impl Into<PortalId>, project: impl Into<ProjectId>, $owner: impl Into<$Owner>) -> Self {
                Self { portal: portal.into(), project: project.into(), $owner: $owner.into(), form: Multipart::new() }
            }

            /// Adds a file (give it a file name unless it comes from a path).
            #[must_use]
            pub fn file(mut self, part: Part) -> Self {
                self.form = self.form.part(UPLOAD_FIELD, part);
                self
            }
        }
    };
}

endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments` (an empty page:
    /// no file).
    "GET" ListTaskAttachments(portal: PortalId, project: ProjectId, task: TaskId)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments",
        scope ["ZohoProjects.tasks.READ", zohopc_files::All], response Page<Attachment>;
        new "The files of `task`."
}

upload! {
    /// `POST /api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments` (201 with the
    /// stored files). Never repeated after an ambiguous failure.
    UploadTaskAttachments(task: TaskId)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments",
        scope ["ZohoProjects.tasks.CREATE", zohopc_files::All]
}

endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download`:
    /// the file, streamed.
    "GET" DownloadTaskAttachment(portal: PortalId, project: ProjectId, task: TaskId, attachment: AttachmentId)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}/download",
        scope ["ZohoProjects.tasks.READ", zohopc_files::All, workdrive_files::Read], response Download;
        new "The file `attachment` of `task`."
}

endpoint! {
    /// `DELETE /api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}` (204).
    "DELETE" DeleteTaskAttachment(portal: PortalId, project: ProjectId, task: TaskId, attachment: AttachmentId)
        at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}/attachments/{attachment}",
        scope ["ZohoProjects.tasks.DELETE", zohopc_files::All], response ();
        new "Deletes the file `attachment` of `task`."
}

endpoint! {
    /// `GET /api/v3/portal/{portal}/projects/{project}/issues/{issue}/attachments` (an empty page:
    /// no file).
    "GET" ListIssueAttachments(portal: PortalId, project: ProjectId, issue: IssueId)
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/attachments",
        scope ["ZohoProjects.bugs.READ", zohopc_files::All], response Page<Attachment>;
        new "The files of `issue`."
}

upload! {
    /// `POST /api/v3/portal/{portal}/projects/{project}/issues/{issue}/attachments` (201 with the
    /// stored files). Never repeated after an ambiguous failure.
    UploadIssueAttachments(issue: IssueId)
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/attachments",
        scope ["ZohoProjects.bugs.CREATE", zohopc_files::All]
}

endpoint! {
    /// `GET …/issues/{issue}/attachments/{attachment}/download`: the file, streamed.
    "GET" DownloadIssueAttachment(portal: PortalId, project: ProjectId, issue: IssueId, attachment: AttachmentId)
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/attachments/{attachment}/download",
        scope ["ZohoProjects.bugs.READ", zohopc_files::All, workdrive_files::Read], response Download;
        new "The file `attachment` of `issue`."
}

endpoint! {
    /// `DELETE …/issues/{issue}/attachments/{attachment}` (204).
    "DELETE" DeleteIssueAttachment(portal: PortalId, project: ProjectId, issue: IssueId, attachment: AttachmentId)
        at "/api/v3/portal/{portal}/projects/{project}/issues/{issue}/attachments/{attachment}",
        scope ["ZohoProjects.bugs.DELETE", zohopc_files::All], response ();
        new "Deletes the file `attachment` of `issue`."
}
