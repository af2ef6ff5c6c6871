//! Decodes every TSC fixture in `tests/fixtures/tsc-assets` with
//! `tsc::model` and prints what it found. It exits non-zero if a fixture that should decode
//! does not (or if the one deliberately non-XML fixture is not reported as such).
//!
//! Shows `tsc::model` on its own (no I/O): the layer to depend on when you bring your own
//! HTTP stack.
//!
//! Run it from the workspace root: `cargo run --example decode_fixtures`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tsc::model::secrecy::ExposeSecret;
use tsc::model::{
    ApiError, Error, LegacyAuthInfo, PaginationItem, ServerInfoItem, SignInResponse,
    SiteAuthConfiguration, SiteItem, SiteList, UserList, ViewList, WorkbookItem, WorkbookList,
};

fn fixtures_dir() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/tsc-assets");
    dir.canonicalize().unwrap_or(dir)
}

fn page(p: &PaginationItem) -> String {
    format!(
        "page {} (size {}) of {} item(s) in total",
        p.page_number, p.page_size, p.total_available
    )
}

/// Decodes one fixture by its name; `Ok(summary)` or `Err(reason)`.
fn describe(name: &str, body: &[u8]) -> Result<String, String> {
    let show = |e: Error| e.to_string();
    let summary = match name {
        "auth_sign_in.xml" | "auth_sign_in_impersonate.xml" => {
            let r = SignInResponse::from_xml(body).map_err(show)?;
            let token = r.token.expose_secret();
            format!(
                "signed in: site {} (contentUrl {:?}), user {}, token of {} chars (not shown)",
                r.site.id,
                r.site.content_url,
                r.user.id,
                token.chars().count()
            )
        }
        "auth_sign_in_error.xml" | "server_info_404.xml" => {
            let e = ApiError::from_xml(body).map_err(show)?;
            format!("error document: {e}")
        }
        "server_info_get.xml" | "server_info_25.xml" => {
            let i = ServerInfoItem::from_xml(body).map_err(show)?;
            format!(
                "server {} (build {}) speaks REST API {}",
                i.product_version, i.build, i.rest_api_version
            )
        }
        "server_info_auth_info.xml" => {
            let i = LegacyAuthInfo::from_xml(body).map_err(show)?;
            format!(
                "legacy /auth answer: product {} -> REST API {}",
                i.product_version,
                i.rest_api_version()
            )
        }
        "server_info_wrong_site.html" => {
            return match ServerInfoItem::from_xml(body) {
                Err(e @ Error::NotXml { .. }) => Ok(format!("rejected as expected: {e}")),
                Err(e) => Err(format!("expected a not-XML error, got: {e}")),
                Ok(_) => Err("an HTML page decoded as server info".to_owned()),
            };
        }
        "site_get.xml" => {
            let l = SiteList::from_xml(body).map_err(show)?;
            let names: Vec<&str> = l.sites.iter().map(|s| s.name.as_str()).collect();
            format!(
                "{} site(s) {:?}, {}",
                l.sites.len(),
                names,
                page(&l.pagination)
            )
        }
        "site_auth_configurations.xml" => {
            let l = SiteAuthConfiguration::list_from_xml(body).map_err(show)?;
            let kinds: Vec<&str> = l.iter().map(|c| c.auth_setting.as_str()).collect();
            format!("{} auth configuration(s): {kinds:?}", l.len())
        }
        n if n.starts_with("site_") => {
            let s = SiteItem::from_xml(body).map_err(show)?;
            format!(
                "site {:?} (contentUrl {:?}), {}, admin mode {}, {} other attribute(s) kept",
                s.name,
                s.content_url,
                s.state
                    .as_ref()
                    .map_or("state unknown".into(), |s| s.to_string()),
                s.admin_mode.as_ref().map_or("?".into(), |m| m.to_string()),
                s.other_attributes.len()
            )
        }
        n if n.starts_with("workbook_get_by_id") => {
            let w = WorkbookItem::from_xml(body).map_err(show)?;
            format!(
                "workbook {:?} with {} view(s), tags {:?}",
                w.name,
                w.views.len(),
                w.tags
            )
        }
        n if n.starts_with("workbook_get") => {
            let l = WorkbookList::from_xml(body).map_err(show)?;
            let items: Vec<String> = l
                .workbooks
                .iter()
                .map(|w| {
                    let created = match &w.created_at {
                        Some(t) if t.date_time.is_some() => format!("created {}", t.raw),
                        Some(t) => format!("invalid date {:?} kept as text", t.raw),
                        None => "no date".to_owned(),
                    };
                    format!("{:?} ({created}, tags {:?})", w.name, w.tags)
                })
                .collect();
            format!(
                "{} workbook(s), {}{}{}",
                l.workbooks.len(),
                page(&l.pagination),
                if items.is_empty() { "" } else { ": " },
                items.join("; ")
            )
        }
        n if n.starts_with("request_option_") => {
            let l = ViewList::from_xml(body).map_err(show)?;
            format!("{} view(s), {}", l.views.len(), page(&l.pagination))
        }
        n if n.starts_with("user_get") => {
            let l = UserList::from_xml(body).map_err(show)?;
            let names: Vec<&str> = l.users.iter().map(|u| u.name.as_str()).collect();
            format!(
                "{} user(s) {names:?}, {}",
                l.users.len(),
                page(&l.pagination)
            )
        }
        _ => return Err("no decoder knows this fixture".to_owned()),
    };
    Ok(summary)
}

fn main() -> ExitCode {
    let dir = fixtures_dir();
    let mut names: Vec<String> = match std::fs::read_dir(&dir) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n != "README.md")
            .collect(),
        Err(e) => {
            eprintln!("cannot read {}: {e}", dir.display());
            return ExitCode::FAILURE;
        }
    };
    names.sort();
    println!(
        "Decoding {} Tableau REST fixtures from {} with tsc::model\n",
        names.len(),
        dir.display()
    );
    let mut failures = 0;
    for name in &names {
        let result = std::fs::read(dir.join(name))
            .map_err(|e| format!("cannot read: {e}"))
            .and_then(|body| describe(name, &body));
        match result {
            Ok(summary) => println!("  ok    {name:<45} {summary}"),
            Err(reason) => {
                failures += 1;
                println!("  FAIL  {name:<45} {reason}");
            }
        }
    }
    println!();
    if failures == 0 {
        println!("All {} fixtures decoded as expected.", names.len());
        ExitCode::SUCCESS
    } else {
        println!("{failures} of {} fixtures failed.", names.len());
        ExitCode::FAILURE
    }
}
