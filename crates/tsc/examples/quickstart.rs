//! The quickstart — the README's main command: `cargo run --example quickstart`.
//!
//! With no configuration it starts the embedded emulated Tableau Server on loopback TLS
//! (with a CA generated for this run) and then, step by step:
//! asks the server version, signs in with a personal access token, shows site and user,
//! lists the first page and the total of workbooks, streams all of them, switches site by
//! name and signs out. Set `TSC_SERVER_URL`, `TSC_SITE`, `TSC_TOKEN_NAME` and
//! `TSC_TOKEN_VALUE` (and `TSC_CA_FILE` for an internal CA) to run it against a real server.

mod common;

use std::io::Write;
use std::time::Instant;

use futures_util::StreamExt;
use tsc::{PersonalAccessTokenAuth, Server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let started = Instant::now();
    let target = common::target().await?;
    if target.is_embedded() {
        step(&format!(
            "started the embedded emulated Tableau Server at {} (CA: {})",
            target.url,
            target
                .ca_file
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default()
        ));
    } else {
        step(&format!("using the server at {}", target.url));
    }

    // TSC: server = TSC.Server(url, use_server_version=True); server.add_http_options({'verify': ca})
    let server = Server::builder(&target.url)
        .verify(target.verify())
        .use_server_version(true)
        .build()
        .await?;
    let info = server.server_info().get().await?;
    step(&format!(
        "server {} (build {}), REST API {} — this client now speaks {}",
        info.product_version,
        info.build,
        info.rest_api_version,
        server.version()
    ));

    // TSC: tableau_auth = TSC.PersonalAccessTokenAuth(name, value, site_id=site)
    let (name, secret) = target
        .pat
        .clone()
        .ok_or("set TSC_TOKEN_NAME and TSC_TOKEN_VALUE")?;
    let auth = PersonalAccessTokenAuth::new(name.clone(), secret, target.site.clone());
    let session = server.auth().sign_in(&auth).await?;
    step(&format!(
        "signed in with personal access token `{name}`: site `{}` ({}), user {}",
        display_site(&server.site_url().unwrap_or_default()),
        server.site_id().unwrap_or_default(),
        server.user_id().unwrap_or_default()
    ));
    if let Some(expiry) = session.session().and_then(|s| s.pat_expiry().cloned()) {
        step(&format!("the token expires in about {}", describe(&expiry)));
    }

    // TSC: all_workbooks, pagination_item = server.workbooks.get()
    let (first_page, pagination) = server.workbooks().get().await?;
    step(&format!(
        "first page: {} workbook(s) of {} in total",
        first_page.len(),
        pagination.total_available
    ));
    for wb in first_page.iter().take(3) {
        println!(
            "      · {} (project {}, {} tag(s))",
            wb.name,
            wb.project
                .as_ref()
                .and_then(|p| p.name.as_deref())
                .unwrap_or("-"),
            wb.tags.len()
        );
    }

    // TSC: for wb in TSC.Pager(server.workbooks): ...
    let total = pagination.total_available;
    let mut stream = server.workbooks().pager().concurrency(4).stream();
    let mut seen = 0u64;
    while let Some(item) = stream.next().await {
        item?;
        seen += 1;
        if seen.is_multiple_of(25) || seen == total {
            print!(
                "\r  {} streaming all workbooks: {seen}/{total}",
                spinner(seen)
            );
            std::io::stdout().flush().ok();
        }
    }
    println!();
    if seen != total {
        return Err(format!("streamed {seen} workbooks but the server reported {total}").into());
    }
    step(&format!(
        "streamed all {seen} workbooks (4 pages in flight)"
    ));

    // TSC: site = server.sites.get_by_name('NEW_SITENAME'); server.auth.switch_site(site)
    if !target.new_site_name.is_empty() {
        let site = server.sites().get_by_name(&target.new_site_name).await?;
        server.auth().switch_site(&site).await?;
        let (_, pagination) = server.workbooks().get().await?;
        step(&format!(
            "switched to site `{}` ({}): {} workbook(s) there",
            site.name,
            server.site_id().unwrap_or_default(),
            pagination.total_available
        ));
    }

    // TSC: server.auth.sign_out()
    session.sign_out().await?;
    step(&format!(
        "signed out (signed in: {}) — done in {:.1?}",
        server.is_signed_in(),
        started.elapsed()
    ));
    Ok(())
}

fn step(text: &str) {
    println!("  ✓ {text}");
}

fn display_site(content_url: &str) -> &str {
    if content_url.is_empty() {
        "Default"
    } else {
        content_url
    }
}

fn spinner(n: u64) -> char {
    ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'][(n / 25 % 10) as usize]
}

/// "173 days, 21 h" from the sign-in answer's `estimatedTimeToExpiration`.
fn describe(expiry: &tsc::auth::PatExpiry) -> String {
    match expiry.remaining {
        Some(d) => format!(
            "{} days, {} h",
            d.as_secs() / 86_400,
            d.as_secs() % 86_400 / 3600
        ),
        None => format!("`{}` (unrecognised format)", expiry.raw),
    }
}
