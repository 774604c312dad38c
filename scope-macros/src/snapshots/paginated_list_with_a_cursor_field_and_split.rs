#[automatically_derived]
impl ListTimeLogs {
    ///Asks for this page (1-based; default 1). With pagination, the first page to read.
    #[must_use]
    pub fn page(mut self, __position: u32) -> Self {
        ::zoho_projects::__private::PageCursor::set_position(
            &mut self.paging,
            __position,
        );
        self
    }
    ///Rows per page (Zoho accepts 1–200, default 100): the page-size knob.
    #[must_use]
    pub fn per_page(mut self, __size: u32) -> Self {
        ::zoho_projects::__private::PageCursor::set_size(&mut self.paging, __size);
        self
    }
}
#[automatically_derived]
#[allow(unused_qualifications)]
impl ::zoho_projects::__private::Paged for ListTimeLogs {
    type Item = TimeLog;
    const STYLE: ::zoho_projects::__private::PageStyle = ::zoho_projects::__private::PageStyle::PageNumber;
    fn start(&self) -> u32 {
        ::zoho_projects::__private::PageCursor::position(&self.paging).unwrap_or(1)
    }
    fn size(&self) -> ::core::option::Option<u32> {
        ::zoho_projects::__private::PageCursor::size(&self.paging)
    }
    fn set_page(&mut self, __position: u32, __size: u32) {
        ::zoho_projects::__private::PageCursor::set_position(
            &mut self.paging,
            __position,
        );
        ::zoho_projects::__private::PageCursor::set_size(&mut self.paging, __size);
    }
    fn split(
        __response: <Self as ::zoho_projects::__private::Endpoint>::Response,
    ) -> ::zoho_projects::__private::PageParts<TimeLog> {
        rows(__response)
    }
}
#[automatically_derived]
#[allow(unused_qualifications)]
impl ::zoho_projects::__private::Endpoint for ListTimeLogs {
    type Scope = ::zoho_projects::__private::scopes::timesheets::Read;
    type Response = Option<Page<TimeLogGroup>>;
    const METHOD: ::zoho_projects::__private::Method = ::zoho_projects::__private::Method::Get;
    const PATH: &'static str = "/api/v3/portal/{portal}/timelogs";
    fn path(&self) -> ::std::string::String {
        let mut __path = ::std::string::String::with_capacity(24usize + 24);
        __path.push_str("/api/v3/portal/");
        ::zoho_projects::__private::push_segment(&mut __path, &self.portal);
        __path.push_str("/timelogs");
        __path
    }
    fn query(&self) -> ::std::vec::Vec<(&'static str, ::std::string::String)> {
        let mut __query = ::std::vec::Vec::with_capacity(1usize);
        ::zoho_projects::__private::QueryParams::push_query(&self.paging, &mut __query);
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
        (&&&::zoho_projects::__private::read::ReadAs::<Option<Page<TimeLogGroup>>>::NEW)
            .__zoho_read(__answer)
    }
}
