//! The shape most V3 endpoints share — path values and at most a JSON body — written once:
//! [`endpoint!`] expands one line per endpoint into the struct (with the public
//! `#[derive(Endpoint)]`, exactly as a crate author writes it) and its `new`.

/// Writes a V3 endpoint whose request is its path values and at most a JSON `body`:
///
/// ```text
/// endpoint! {
///     /// `GET /api/v3/portal/{portal}/projects/{project}/tasks/{task}`.
///     "GET" GetTask(portal: PortalId, project: ProjectId, task: TaskId)
///         at "/api/v3/portal/{portal}/projects/{project}/tasks/{task}", scope "ZohoProjects.tasks.READ",
///         response Task; new "One task."
/// }
/// ```
///
/// Each path field is documented as "The <field>." and taken by `new` as `impl Into<Type>`,
/// in order, followed by the body (`; body: Type = "its doc"`).
macro_rules! endpoint {
    (
        $(#[$meta:meta])*
        $method:literal $Name:ident($($field:ident: $Field:ty),+ $(; body: $Body:ty = $body_doc:tt)?)
            at $path:tt, scope $scope:tt, response $Response:ty; new $new_doc:tt
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, $crate::Endpoint)]
        #[zoho(method = $method, path = $path, scope = $scope, response = $Response)]
        pub struct $Name {
            $(
                #[doc = concat!("The ", stringify!($field), ".")]
                #[zoho(path)]
                pub $field: $Field,
            )+
            $(
                #[doc = $body_doc]
                #[zoho(body)]
                pub body: $Body,
            )?
        }

        impl $Name {
            #[doc = $new_doc]
            pub fn new($($field: impl Into<$Field>,)+ $(body: $Body)?) -> Self {
                Self { $($field: $field.into(),)+ $(body: { let body: $Body = body; body })? }
            }
        }
    };
}

pub(crate) use endpoint;

/// Writes a pageable V3 list whose request is its path values and [`Paging`](crate::Paging)
/// (flattened into the query, and the cursor of `paginate`): as [`endpoint!`], with the row
/// type after `rows`.
macro_rules! list_endpoint {
    (
        $(#[$meta:meta])*
        $Name:ident($($field:ident: $Field:ty),+) rows $Item:ty;
            at $path:tt, scope $scope:tt, response $Response:ty; new $new_doc:tt
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, $crate::Endpoint)]
        #[zoho(method = "GET", path = $path, scope = $scope, response = $Response,
               paginate(item = $Item, cursor = paging))]
        pub struct $Name {
            $(
                #[doc = concat!("The ", stringify!($field), ".")]
                #[zoho(path)]
                pub $field: $Field,
            )+
            /// The page to ask for and its size (`page`, `per_page`).
            #[zoho(flatten)]
            pub paging: $crate::Paging,
        }

        impl $Name {
            #[doc = $new_doc]
            pub fn new($($field: impl Into<$Field>),+) -> Self {
                Self { $($field: $field.into(),)+ paging: $crate::Paging::default() }
            }
        }
    };
}

pub(crate) use list_endpoint;
