//! The `with` block: sign in, work, and always sign out.
//!
//! ```python
//! with server.auth.sign_in(tableau_auth):
//!     all_workbooks, pagination_item = server.workbooks.get()
//! ```
//!
//! `cargo run --example with_block`

mod common;

use futures_util::TryStreamExt;
use tsc::{PersonalAccessTokenAuth, Server};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let target = common::target().await?;
    let (name, value) = target
        .pat
        .clone()
        .ok_or("set TSC_TOKEN_NAME and TSC_TOKEN_VALUE")?;
    let tableau_auth = PersonalAccessTokenAuth::new(name, value, target.site.clone());
    let server = Server::builder(&target.url)
        .verify(target.verify())
        .use_server_version(true)
        .build()
        .await?;

    let (count, total) = server
        .auth()
        .with_sign_in(&tableau_auth, async |server| -> tsc::Result<(usize, u64)> {
            let (_first, pagination) = server.workbooks().get().await?;
            let all: Vec<_> = server.workbooks().all().try_collect().await?;
            Ok((all.len(), pagination.total_available))
        })
        .await?;
    println!("listed {count} of {total} workbooks inside the block");
    println!("signed in after the block: {}", server.is_signed_in());

    // The block signs out even when the closure fails.
    let failed = server
        .auth()
        .with_sign_in(&tableau_auth, async |_server| -> tsc::Result<()> {
            Err(tsc::Error::InvalidArgument {
                what: "demo",
                why: "the work failed".into(),
            })
        })
        .await;
    println!(
        "a failing block returned {:?}; signed in afterwards: {}",
        failed.err().map(|e| e.to_string()),
        server.is_signed_in()
    );
    Ok(())
}
