//! Other paged lists found in TSC's fixtures: views and users.

use crate::Error;
use crate::common::{PaginationItem, Timestamp, walk_ts_response};
use crate::xml::{Elem, Parser};

/// A view as listed by `GET sites/{site}/views`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ViewItem {
    /// View LUID.
    pub id: String,
    /// View name.
    pub name: String,
    /// `contentUrl`.
    pub content_url: Option<String>,
    /// `workbook/@id`.
    pub workbook_id: Option<String>,
    /// `owner/@id`.
    pub owner_id: Option<String>,
}

/// A page of views.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ViewList {
    /// Where this page sits (synthesised by [`PaginationItem::whole_list`] when absent).
    pub pagination: PaginationItem,
    /// The views on this page.
    pub views: Vec<ViewItem>,
}

/// A user as listed by `GET sites/{site}/users`.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UserItem {
    /// User LUID.
    pub id: String,
    /// Sign-in name.
    pub name: String,
    /// `siteRole`, e.g. `Publisher`.
    pub site_role: Option<String>,
    /// `lastLogin`.
    pub last_login: Option<Timestamp>,
    /// `externalAuthUserId`.
    pub external_auth_user_id: Option<String>,
    /// `fullName`.
    pub full_name: Option<String>,
    /// `email`.
    pub email: Option<String>,
}

/// A page of users.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserList {
    /// Where this page sits (synthesised by [`PaginationItem::whole_list`] when absent).
    pub pagination: PaginationItem,
    /// The users on this page.
    pub users: Vec<UserItem>,
}

/// Walks `<tsResponse><pagination/><{list}><{item}/>…</{list}></tsResponse>`.
fn decode_paged<'a, T>(
    body: &'a [u8],
    expected: &'static str,
    list: &'static str,
    item: &'static str,
    mut decode: impl FnMut(&mut Parser<'a>, Elem<'a>) -> Result<T, Error>,
) -> Result<(PaginationItem, Vec<T>), Error> {
    let (mut pagination, mut items, mut seen) = (None, Vec::new(), false);
    walk_ts_response(body, expected, |parser, child| {
        let name = child.local_name();
        if name == "pagination" && pagination.is_none() {
            pagination = Some(PaginationItem::decode(
                parser,
                child,
                "tsResponse/pagination",
            )?);
        } else if name == list && !seen {
            seen = true;
            while let Some(entry) = parser.next_child(&child)? {
                if entry.local_name() == item {
                    items.push(decode(parser, entry)?);
                } else {
                    parser.skip(entry)?;
                }
            }
        } else {
            parser.skip(child)?;
        }
        Ok(())
    })?;
    if !seen {
        return Err(Error::MissingElement {
            name: list,
            parent: "tsResponse",
        });
    }
    let pagination = pagination.unwrap_or_else(|| PaginationItem::whole_list(items.len()));
    Ok((pagination, items))
}

impl ViewList {
    /// Decodes a view list page.
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        const PATH: &str = "tsResponse/views/view";
        let (pagination, views) =
            decode_paged(body, "a view list", "views", "view", |parser, elem| {
                let mut view = ViewItem::default();
                let mut id = None;
                for attr in elem.attrs(parser, PATH) {
                    let attr = attr?;
                    match attr.name() {
                        "id" => id = Some(attr.string()?),
                        "name" => view.name = attr.string()?,
                        "contentUrl" => view.content_url = Some(attr.string()?),
                        _ => {}
                    }
                }
                view.id = id.ok_or(Error::MissingAttribute {
                    element: PATH,
                    attribute: "id",
                })?;
                while let Some(child) = parser.next_child(&elem)? {
                    let target = match child.local_name() {
                        "workbook" => Some(&mut view.workbook_id),
                        "owner" => Some(&mut view.owner_id),
                        _ => None,
                    };
                    if let Some(target) = target {
                        for attr in child.attrs(parser, PATH) {
                            let attr = attr?;
                            if attr.name() == "id" {
                                *target = Some(attr.string()?);
                            }
                        }
                    }
                    parser.skip(child)?;
                }
                Ok(view)
            })?;
        Ok(ViewList { pagination, views })
    }
}

impl UserList {
    /// Decodes a user list page.
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        const PATH: &str = "tsResponse/users/user";
        let (pagination, users) =
            decode_paged(body, "a user list", "users", "user", |parser, elem| {
                let mut user = UserItem::default();
                let mut id = None;
                for attr in elem.attrs(parser, PATH) {
                    let attr = attr?;
                    match attr.name() {
                        "id" => id = Some(attr.string()?),
                        "name" => user.name = attr.string()?,
                        "siteRole" => user.site_role = Some(attr.string()?),
                        "lastLogin" => user.last_login = Some(Timestamp::parse(attr.string()?)),
                        "externalAuthUserId" => {
                            user.external_auth_user_id = Some(attr.string()?);
                        }
                        "fullName" => user.full_name = Some(attr.string()?),
                        "email" => user.email = Some(attr.string()?),
                        _ => {}
                    }
                }
                user.id = id.ok_or(Error::MissingAttribute {
                    element: PATH,
                    attribute: "id",
                })?;
                parser.skip(elem)?;
                Ok(user)
            })?;
        Ok(UserList { pagination, users })
    }
}
