//! Every response decoder of tsc-model on arbitrary bytes, XML and JSON (feature `json`):
//! the first byte picks the decoder, the rest is the body. No input may panic; whatever
//! decodes must also format with `Debug`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tsc_model::{
    ApiError, LegacyAuthInfo, ServerInfoItem, SignInRequest, SignInResponse, SiteAuthConfiguration,
    SiteItem, SiteList, UserList, ViewList, WorkbookItem, WorkbookList,
};

/// How many decoders the selector byte chooses from (the xtask seeds the corpus with every
/// fixture under every selector `0..DECODERS`).
pub const DECODERS: u8 = 17;

fn shown<T: std::fmt::Debug, E: std::fmt::Display>(r: Result<T, E>) {
    match r {
        Ok(v) => drop(format!("{v:?}")),
        Err(e) => drop(e.to_string()),
    }
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, body)) = data.split_first() else {
        return;
    };
    match selector % DECODERS {
        0 => shown(SignInResponse::from_xml(body)),
        1 => shown(ServerInfoItem::from_xml(body)),
        2 => shown(LegacyAuthInfo::from_xml(body)),
        3 => shown(SiteItem::from_xml(body)),
        4 => shown(SiteList::from_xml(body)),
        5 => shown(WorkbookItem::from_xml(body)),
        6 => shown(WorkbookList::from_xml(body)),
        7 => {
            shown(ApiError::from_xml(body));
            drop(format!("{:?}", ApiError::sniff(body)));
        }
        8 => shown(UserList::from_xml(body)),
        9 => shown(ViewList::from_xml(body)),
        10 => shown(SiteAuthConfiguration::list_from_xml(body)),
        11 => shown(SignInResponse::from_json(body)),
        12 => shown(ServerInfoItem::from_json(body)),
        13 => shown(ApiError::from_json(body)),
        14 => shown(WorkbookList::from_json(body)),
        15 => shown(WorkbookItem::from_json(body)),
        _ => shown(SignInRequest::from_json(body)),
    }
});
