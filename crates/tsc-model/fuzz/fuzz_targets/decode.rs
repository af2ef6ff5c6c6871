//! Every decoder on arbitrary bytes: none may panic; every error must render.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tsc_model::{
    ApiError, LegacyAuthInfo, ServerInfoItem, SignInRequest, SignInResponse, SiteAuthConfiguration,
    SiteItem, SiteList, SwitchSiteRequest, UserList, ViewList, WorkbookItem, WorkbookList,
};

fn render<T>(result: Result<T, tsc_model::Error>) {
    if let Err(err) = result {
        let _ = format!("{err} {err:?}");
    }
}

fuzz_target!(|body: &[u8]| {
    render(SignInResponse::from_xml(body));
    render(ServerInfoItem::from_xml(body));
    render(LegacyAuthInfo::from_xml(body));
    render(SiteItem::from_xml(body));
    render(SiteList::from_xml(body));
    render(SiteAuthConfiguration::list_from_xml(body));
    render(WorkbookItem::from_xml(body));
    render(WorkbookList::from_xml(body));
    render(ViewList::from_xml(body));
    render(UserList::from_xml(body));
    render(ApiError::from_xml(body));
    render(SignInRequest::from_xml(body));
    render(SwitchSiteRequest::from_xml(body));
    render(SignInResponse::from_json(body));
    render(SignInRequest::from_json(body));
    render(ServerInfoItem::from_json(body));
    render(ApiError::from_json(body));
    render(WorkbookList::from_json(body));
    render(WorkbookItem::from_json(body));
});
