#[automatically_derived]
#[allow(unused_qualifications)]
impl ::zoho_projects::__private::Endpoint for ListTasks {
    type Scope = ::zoho_projects::__private::scopes::tasks::Read;
    type Response = TaskPage;
    const METHOD: ::zoho_projects::__private::Method = ::zoho_projects::__private::Method::Get;
    const PATH: &'static str = "/api/v3/portal/{portal_id}/projects/{project_id}/tasks";
    fn path(&self) -> ::std::string::String {
        let mut __path = ::std::string::String::with_capacity(31usize + 24);
        __path.push_str("/api/v3/portal/");
        ::zoho_projects::__private::push_segment(&mut __path, &self.portal_id);
        __path.push_str("/projects/");
        ::zoho_projects::__private::push_segment(&mut __path, &self.project_id);
        __path.push_str("/tasks");
        __path
    }
    fn query(&self) -> ::std::vec::Vec<(&'static str, ::std::string::String)> {
        #[allow(unused_imports)]
        use ::zoho_projects::__private::field::{Optional as _, Required as _};
        let mut __query = ::std::vec::Vec::with_capacity(2usize);
        if let ::core::option::Option::Some(__v) = (&&::zoho_projects::__private::field::Field(
            &self.page,
        ))
            .__zoho_field()
        {
            __query.push(("page", ::zoho_projects::__private::query_value(__v)));
        }
        if let ::core::option::Option::Some(__v) = (&&::zoho_projects::__private::field::Field(
            &self.size,
        ))
            .__zoho_field()
        {
            __query.push(("per_page", ::zoho_projects::__private::query_value(__v)));
        }
        __query
    }
    fn decode(
        __answer: ::zoho_projects::__private::Answer,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            Self::Response,
            ::zoho_projects::__private::Error,
        >,
    > + ::core::marker::Send {
        #[allow(unused_imports)]
        use ::zoho_projects::__private::read::{
            ReadJson as _, ReadStreamed as _, ReadWhole as _,
        };
        (&&&::zoho_projects::__private::read::ReadAs::<TaskPage>::NEW)
            .__zoho_read(__answer)
    }
}
