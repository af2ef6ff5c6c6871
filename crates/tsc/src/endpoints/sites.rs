//! `server.sites()`.

use tsc_model::SiteItem;

use super::{api_uri, encode_component, get_ok};
use crate::{Error, Result, Server};

/// Site queries (TSC's `server.sites`).
#[derive(Debug, Clone, Copy)]
pub struct SitesEndpoint<'a> {
    server: &'a Server,
}

impl<'a> SitesEndpoint<'a> {
    pub(crate) fn new(server: &'a Server) -> Self {
        Self { server }
    }

    /// The site with this name (`GET sites/{name}?key=name`).
    pub async fn get_by_name(&self, name: &str) -> Result<SiteItem> {
        let name = check_site_key("site name", name)?;
        self.get_by_key(&encode_component(name), "name").await
    }

    /// The site with this content URL (`GET sites/{content-url}?key=contentUrl`).
    pub async fn get_by_content_url(&self, content_url: &str) -> Result<SiteItem> {
        check_site_key("site content URL", content_url)?;
        self.get_by_key(&encode_component(content_url), "contentUrl")
            .await
    }

    /// The site with this LUID. Like TSC, only the site you are signed in to can be read
    /// this way; asking for another is an error before any request is sent.
    pub async fn get_by_id(&self, site_id: &str) -> Result<SiteItem> {
        let current = self.server.site_id().ok_or(Error::NotSignedIn)?;
        if site_id.trim().is_empty() {
            return Err(Error::invalid("site id", "it is empty"));
        }
        if site_id != current {
            return Err(Error::invalid(
                "site id",
                format!(
                    "you can only retrieve the site you are signed in to ({current}); switch site first"
                ),
            ));
        }
        let uri = api_uri(self.server, &format!("sites/{}", encode_component(site_id)))?;
        let body = get_ok(self.server, uri).await?;
        Ok(SiteItem::from_xml(&body)?)
    }

    async fn get_by_key(&self, encoded: &str, key: &str) -> Result<SiteItem> {
        if !self.server.is_signed_in() {
            return Err(Error::NotSignedIn);
        }
        let uri = api_uri(self.server, &format!("sites/{encoded}?key={key}"))?;
        let body = get_ok(self.server, uri).await?;
        Ok(SiteItem::from_xml(&body)?)
    }
}

/// Site names and content URLs go into the URL path: refuse what would change the path.
fn check_site_key<'s>(what: &'static str, value: &'s str) -> Result<&'s str> {
    if value.trim().is_empty() {
        return Err(Error::invalid(what, "it is empty"));
    }
    if let Some(c) = value.chars().find(|c| matches!(c, '/' | '?' | '#' | '\\')) {
        return Err(Error::invalid(
            what,
            format!("`{value}` contains `{c}`, which Tableau site names cannot contain"),
        ));
    }
    Ok(value)
}

#[cfg(test)]
mod tests {
    #[test]
    fn site_keys_that_would_change_the_path_are_refused() {
        assert!(super::check_site_key("site name", "Finance").is_ok());
        for bad in ["", " ", "a/b", "a?b", "a#b"] {
            assert!(super::check_site_key("site name", bad).is_err(), "{bad:?}");
        }
    }
}
