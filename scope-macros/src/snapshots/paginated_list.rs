#[automatically_derived]
impl ListProjects {
    ///Starts at this row (1-based; default 1). With pagination, the first row to read.
    #[must_use]
    pub fn index(mut self, __position: u32) -> Self {
        self.index = ::core::option::Option::Some(__position);
        self
    }
    ///Rows per page (Zoho accepts 1–200, default 100): the page-size knob.
    #[must_use]
    pub fn range(mut self, __size: u32) -> Self {
        self.range = ::core::option::Option::Some(__size);
        self
    }
}
#[automatically_derived]
#[allow(unused_qualifications)]
impl ::zoho_projects::__private::Paged for ListProjects {
    type Item = Project;
    const STYLE: ::zoho_projects::__private::PageStyle = ::zoho_projects::__private::PageStyle::Index;
    fn start(&self) -> u32 {
        self.index.unwrap_or(1)
    }
    fn size(&self) -> ::core::option::Option<u32> {
        self.range
    }
    fn set_page(&mut self, __position: u32, __size: u32) {
        self.index = ::core::option::Option::Some(__position);
        self.range = ::core::option::Option::Some(__size);
    }
    fn split(
        __response: <Self as ::zoho_projects::__private::Endpoint>::Response,
    ) -> ::zoho_projects::__private::PageParts<Project> {
        ::core::convert::Into::<
            ::zoho_projects::__private::PageParts<Project>,
        >::into(__response)
    }
}
#[automatically_derived]
#[allow(unused_qualifications)]
impl ::zoho_projects::__private::Endpoint for ListProjects {
    type Scope = ::zoho_projects::__private::scopes::projects::Read;
    type Response = Option<Page<Project>>;
    const METHOD: ::zoho_projects::__private::Method = ::zoho_projects::__private::Method::Get;
    const PATH: &'static str = "/restapi/portal/{portal}/projects/";
    fn path(&self) -> ::std::string::String {
        let mut __path = ::std::string::String::with_capacity(26usize + 24);
        __path.push_str("/restapi/portal/");
        ::zoho_projects::__private::push_segment(&mut __path, &self.portal);
        __path.push_str("/projects/");
        __path
    }
    fn query(&self) -> ::std::vec::Vec<(&'static str, ::std::string::String)> {
        #[allow(unused_imports)]
        use ::zoho_projects::__private::field::{Optional as _, Required as _};
        let mut __query = ::std::vec::Vec::with_capacity(2usize);
        if let ::core::option::Option::Some(__v) = (&&::zoho_projects::__private::field::Field(
            &self.index,
        ))
            .__zoho_field()
        {
            __query.push(("index", ::zoho_projects::__private::query_value(__v)));
        }
        if let ::core::option::Option::Some(__v) = (&&::zoho_projects::__private::field::Field(
            &self.range,
        ))
            .__zoho_field()
        {
            __query.push(("range", ::zoho_projects::__private::query_value(__v)));
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
        (&&&::zoho_projects::__private::read::ReadAs::<Option<Page<Project>>>::NEW)
            .__zoho_read(__answer)
    }
}
