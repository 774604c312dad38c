#[automatically_derived]
#[allow(unused_qualifications)]
impl ::zoho_oauth_core::__private::Endpoint for DeleteLead {
    type Scope = crm::modules::Delete;
    type Response = ();
    const METHOD: ::zoho_oauth_core::__private::Method = ::zoho_oauth_core::__private::Method::Delete;
    const PATH: &'static str = "/crm/v8/Leads/{id}";
    fn path(&self) -> ::std::string::String {
        let mut __path = ::std::string::String::with_capacity(14usize + 24);
        __path.push_str("/crm/v8/Leads/");
        ::zoho_oauth_core::__private::push_segment(&mut __path, &self.id);
        __path
    }
    fn decode(
        __answer: ::zoho_oauth_core::__private::Answer,
    ) -> impl ::core::future::Future<
        Output = ::core::result::Result<
            Self::Response,
            ::zoho_oauth_core::__private::Error,
        >,
    > + ::core::marker::Send {
        #[allow(unused_imports)]
        use ::zoho_oauth_core::__private::read::{
            ReadJson as _, ReadStreamed as _, ReadWhole as _,
        };
        (&&&::zoho_oauth_core::__private::read::ReadAs::<()>::NEW).__zoho_read(__answer)
    }
}
