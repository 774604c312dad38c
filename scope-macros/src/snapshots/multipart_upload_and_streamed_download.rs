#[automatically_derived]
#[allow(unused_qualifications)]
impl ::zoho_projects::__private::Endpoint for Upload {
    type Scope = ::zoho_projects::__private::scopes::tasks::Create;
    type Response = Download;
    const METHOD: ::zoho_projects::__private::Method = ::zoho_projects::__private::Method::Post;
    const PATH: &'static str = "/api/v3/portal/{portal}/attachments";
    fn path(&self) -> ::std::string::String {
        let mut __path = ::std::string::String::with_capacity(27usize + 24);
        __path.push_str("/api/v3/portal/");
        ::zoho_projects::__private::push_segment(&mut __path, &self.portal);
        __path.push_str("/attachments");
        __path
    }
    fn body(
        &self,
    ) -> ::core::result::Result<
        ::core::option::Option<::zoho_projects::__private::Body>,
        ::zoho_projects::__private::BodyError,
    > {
        #[allow(unused_imports)]
        use ::zoho_projects::__private::field::{Optional as _, Required as _};
        match (&&::zoho_projects::__private::field::Field(&self.form)).__zoho_field() {
            ::core::option::Option::Some(__v) => {
                ::zoho_projects::__private::Body::multipart(__v)
                    .map(::core::option::Option::Some)
            }
            ::core::option::Option::None => {
                ::core::result::Result::Ok(::core::option::Option::None)
            }
        }
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
        (&&&::zoho_projects::__private::read::ReadAs::<Download>::NEW)
            .__zoho_read(__answer)
    }
}
