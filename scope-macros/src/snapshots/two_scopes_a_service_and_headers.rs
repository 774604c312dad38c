#[automatically_derived]
#[allow(unused_qualifications)]
impl ::zoho_projects::__private::Endpoint for Attach {
    type Scope = (::zoho_projects::__private::scopes::tasks::Create, zohopc_files::All);
    type Response = serde_json::Value;
    const METHOD: ::zoho_projects::__private::Method = ::zoho_projects::__private::Method::Post;
    const PATH: &'static str = "/api/v1/tickets/{ticket}/attachments";
    const SERVICE: ::zoho_projects::__private::Service = desk::DESK;
    fn path(&self) -> ::std::string::String {
        let mut __path = ::std::string::String::with_capacity(28usize + 24);
        __path.push_str("/api/v1/tickets/");
        ::zoho_projects::__private::push_segment(&mut __path, &self.ticket);
        __path.push_str("/attachments");
        __path
    }
    fn headers(&self) -> ::std::vec::Vec<(&'static str, ::std::string::String)> {
        #[allow(unused_imports)]
        use ::zoho_projects::__private::field::{Optional as _, Required as _};
        let mut __headers = ::std::vec::Vec::with_capacity(4usize);
        __headers.push(("orgId", ::std::string::String::from("6071")));
        __headers.push(("X-Trace", ::std::string::String::from("on")));
        if let ::core::option::Option::Some(__v) = (&&::zoho_projects::__private::field::Field(
            &self.request,
        ))
            .__zoho_field()
        {
            __headers
                .push(("X-Request-Id", ::zoho_projects::__private::query_value(__v)));
        }
        if let ::core::option::Option::Some(__v) = (&&::zoho_projects::__private::field::Field(
            &self.etag,
        ))
            .__zoho_field()
        {
            __headers.push(("If-Match", ::zoho_projects::__private::query_value(__v)));
        }
        __headers
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
        (&&&::zoho_projects::__private::read::ReadAs::<serde_json::Value>::NEW)
            .__zoho_read(__answer)
    }
}
