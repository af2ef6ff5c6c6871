//! Workbooks: `GET sites/{site}/workbooks[/{id}]`.

use std::collections::BTreeMap;
use std::fmt;

use crate::Error;
use crate::common::{PaginationItem, Timestamp, decode_single, walk_ts_response};
use crate::xml::{Elem, Parser};

/// A workbook (`workbookType`) as listed or fetched, with TSC's fields typed and unknown
/// attributes kept in [`other_attributes`](Self::other_attributes).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WorkbookItem {
    /// Workbook LUID.
    pub id: String,
    /// Name (`""` when absent).
    pub name: String,
    /// `description`.
    pub description: Option<String>,
    /// `contentUrl` (`""` when absent).
    pub content_url: String,
    /// `webpageUrl`: the workbook's page in the web UI.
    pub webpage_url: Option<String>,
    /// `showTabs`.
    pub show_tabs: Option<bool>,
    /// `size` (MB).
    pub size: Option<u64>,
    /// `createdAt`.
    pub created_at: Option<Timestamp>,
    /// `updatedAt`.
    pub updated_at: Option<Timestamp>,
    /// `lastPublishedAt`.
    pub last_published_at: Option<Timestamp>,
    /// `sheetCount`.
    pub sheet_count: Option<u32>,
    /// `hasExtracts`.
    pub has_extracts: Option<bool>,
    /// `encryptExtracts` (text in the schema).
    pub encrypt_extracts: Option<String>,
    /// `defaultViewId`.
    pub default_view_id: Option<String>,
    /// `shareDescription`.
    pub share_description: Option<String>,
    /// `primaryContentUrl`.
    pub primary_content_url: Option<String>,
    /// `project` (absent for workbooks in a personal space).
    pub project: Option<ProjectRef>,
    /// `location` (newer servers).
    pub location: Option<LocationRef>,
    /// `owner`.
    pub owner: Option<OwnerRef>,
    /// `tags/tag/@label`, in document order.
    pub tags: Vec<String>,
    /// `views/view` (single-workbook responses).
    pub views: Vec<ViewRef>,
    /// `dataAccelerationConfig`.
    pub data_acceleration_config: Option<DataAccelerationConfig>,
    /// Every other attribute of `workbook`, by name, unescaped.
    pub other_attributes: BTreeMap<String, String>,
}

/// The project a workbook lives in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ProjectRef {
    /// Project LUID.
    pub id: String,
    /// Project name.
    pub name: Option<String>,
    /// Project description.
    pub description: Option<String>,
}

/// Where a workbook lives (`location`): a project or a personal space.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocationRef {
    /// Location LUID.
    pub id: Option<String>,
    /// `type`.
    pub kind: Option<LocationKind>,
    /// Location name.
    pub name: Option<String>,
}

/// `location/@type`. Unknown values are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LocationKind {
    /// `Project`.
    Project,
    /// `PersonalSpace`.
    PersonalSpace,
    /// Any other value, as sent.
    Other(String),
}

impl fmt::Display for LocationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            LocationKind::Project => "Project",
            LocationKind::PersonalSpace => "PersonalSpace",
            LocationKind::Other(s) => s,
        })
    }
}

/// A workbook's owner.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OwnerRef {
    /// User LUID.
    pub id: String,
    /// User name.
    pub name: Option<String>,
    /// Email.
    pub email: Option<String>,
    /// Full name.
    pub full_name: Option<String>,
    /// Site role.
    pub site_role: Option<String>,
    /// Last sign-in.
    pub last_login: Option<Timestamp>,
}

/// A view of a workbook.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ViewRef {
    /// View LUID.
    pub id: String,
    /// View name.
    pub name: Option<String>,
    /// `contentUrl`, e.g. `SafariSample/sheets/ENDANGEREDSAFARI`.
    pub content_url: Option<String>,
    /// `dataAccelerationConfig`.
    pub data_acceleration_config: Option<DataAccelerationConfig>,
}

/// `dataAccelerationConfig` of a workbook or view.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DataAccelerationConfig {
    /// `accelerationEnabled`.
    pub acceleration_enabled: Option<bool>,
    /// `accelerationStatus`, e.g. `Enabled`, `Suspended`.
    pub acceleration_status: Option<String>,
}

/// A page of workbooks (`GET sites/{site}/workbooks`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkbookList {
    /// Where this page sits (synthesised by [`PaginationItem::whole_list`] when absent).
    pub pagination: PaginationItem,
    /// The workbooks on this page.
    pub workbooks: Vec<WorkbookItem>,
}

impl WorkbookList {
    /// Decodes a workbook list page.
    ///
    /// ```
    /// use tsc_model::WorkbookList;
    /// let body = br#"<tsResponse xmlns="http://tableau.com/api">
    ///   <pagination pageNumber="1" pageSize="100" totalAvailable="1"/>
    ///   <workbooks><workbook id="w1" name="Superstore" createdAt="2016-08-03T20:34:04Z">
    ///     <tags><tag label="Sample"/></tags></workbook></workbooks></tsResponse>"#;
    /// let page = WorkbookList::from_xml(body)?;
    /// assert_eq!(page.workbooks[0].tags, ["Sample"]);
    /// assert!(!page.pagination.has_next_page());
    /// # Ok::<(), tsc_model::Error>(())
    /// ```
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        let (mut pagination, mut workbooks, mut seen_list) = (None, Vec::new(), false);
        walk_ts_response(body, "a workbook list", |parser, child| {
            match child.local_name() {
                "pagination" if pagination.is_none() => {
                    pagination = Some(PaginationItem::decode(
                        parser,
                        child,
                        "tsResponse/pagination",
                    )?);
                    Ok(())
                }
                "workbooks" if !seen_list => {
                    // Pagination precedes the list: reserve what it announces (capped at the
                    // server's maximum page size) instead of growing a Vec of large items.
                    if let Some(p) = &pagination {
                        workbooks.reserve(p.page_size.min(1000) as usize);
                    }
                    seen_list = true;
                    while let Some(item) = parser.next_child(&child)? {
                        if item.local_name() == "workbook" {
                            workbooks.push(WorkbookItem::decode(
                                parser,
                                item,
                                "tsResponse/workbooks/workbook",
                            )?);
                        } else {
                            parser.skip(item)?;
                        }
                    }
                    Ok(())
                }
                _ => parser.skip(child),
            }
        })?;
        if !seen_list {
            return Err(Error::MissingElement {
                name: "workbooks",
                parent: "tsResponse",
            });
        }
        let pagination = pagination.unwrap_or_else(|| PaginationItem::whole_list(workbooks.len()));
        Ok(WorkbookList {
            pagination,
            workbooks,
        })
    }
}

impl WorkbookItem {
    /// Decodes a single-workbook response (`GET sites/{site}/workbooks/{id}`).
    pub fn from_xml(body: &[u8]) -> Result<Self, Error> {
        decode_single(body, "a workbook response", "workbook", |parser, child| {
            WorkbookItem::decode(parser, child, "tsResponse/workbook")
        })
    }

    pub(crate) fn decode<'a>(
        parser: &mut Parser<'a>,
        elem: Elem<'a>,
        path: &'static str,
    ) -> Result<Self, Error> {
        let mut wb = WorkbookItem::default();
        let mut id = None;
        for attr in elem.attrs(parser, path) {
            let attr = attr?;
            match attr.name() {
                "id" => id = Some(attr.string()?),
                "name" => wb.name = attr.string()?,
                "description" => wb.description = Some(attr.string()?),
                "contentUrl" => wb.content_url = attr.string()?,
                "webpageUrl" => wb.webpage_url = Some(attr.string()?),
                "showTabs" => wb.show_tabs = Some(attr.boolean()?),
                "size" => wb.size = Some(attr.int()?),
                "createdAt" => wb.created_at = Some(Timestamp::parse(attr.string()?)),
                "updatedAt" => wb.updated_at = Some(Timestamp::parse(attr.string()?)),
                "lastPublishedAt" => {
                    wb.last_published_at = Some(Timestamp::parse(attr.string()?));
                }
                "sheetCount" => wb.sheet_count = Some(attr.int()?),
                "hasExtracts" => wb.has_extracts = Some(attr.boolean()?),
                "encryptExtracts" => wb.encrypt_extracts = Some(attr.string()?),
                "defaultViewId" => wb.default_view_id = Some(attr.string()?),
                "shareDescription" => wb.share_description = Some(attr.string()?),
                "primaryContentUrl" => wb.primary_content_url = Some(attr.string()?),
                _ if attr.is_namespaced() => {}
                other => {
                    let name = other.to_owned();
                    wb.other_attributes.insert(name, attr.string()?);
                }
            }
        }
        wb.id = id.ok_or(Error::MissingAttribute {
            element: path,
            attribute: "id",
        })?;
        while let Some(child) = parser.next_child(&elem)? {
            match child.local_name() {
                "project" => {
                    let mut project = ProjectRef::default();
                    for attr in child.attrs(parser, "workbook/project") {
                        let attr = attr?;
                        match attr.name() {
                            "id" => project.id = attr.string()?,
                            "name" => project.name = Some(attr.string()?),
                            "description" => project.description = Some(attr.string()?),
                            _ => {}
                        }
                    }
                    wb.project = Some(project);
                    parser.skip(child)?;
                }
                "location" => {
                    let mut location = LocationRef::default();
                    for attr in child.attrs(parser, "workbook/location") {
                        let attr = attr?;
                        match attr.name() {
                            "id" => location.id = Some(attr.string()?),
                            "name" => location.name = Some(attr.string()?),
                            "type" => {
                                let text = attr.string()?;
                                location.kind = Some(match text.as_str() {
                                    "Project" => LocationKind::Project,
                                    "PersonalSpace" => LocationKind::PersonalSpace,
                                    _ => LocationKind::Other(text),
                                });
                            }
                            _ => {}
                        }
                    }
                    wb.location = Some(location);
                    parser.skip(child)?;
                }
                "owner" => {
                    let mut owner = OwnerRef::default();
                    for attr in child.attrs(parser, "workbook/owner") {
                        let attr = attr?;
                        match attr.name() {
                            "id" => owner.id = attr.string()?,
                            "name" => owner.name = Some(attr.string()?),
                            "email" => owner.email = Some(attr.string()?),
                            "fullName" => owner.full_name = Some(attr.string()?),
                            "siteRole" => owner.site_role = Some(attr.string()?),
                            "lastLogin" => {
                                owner.last_login = Some(Timestamp::parse(attr.string()?));
                            }
                            _ => {}
                        }
                    }
                    wb.owner = Some(owner);
                    parser.skip(child)?;
                }
                "tags" => {
                    while let Some(tag) = parser.next_child(&child)? {
                        if tag.local_name() == "tag" {
                            for attr in tag.attrs(parser, "workbook/tags/tag") {
                                let attr = attr?;
                                if attr.name() == "label" {
                                    wb.tags.push(attr.string()?);
                                }
                            }
                        }
                        parser.skip(tag)?;
                    }
                }
                "views" => {
                    while let Some(view) = parser.next_child(&child)? {
                        if view.local_name() == "view" {
                            wb.views.push(decode_view_ref(parser, view)?);
                        } else {
                            parser.skip(view)?;
                        }
                    }
                }
                "dataAccelerationConfig" => {
                    wb.data_acceleration_config = Some(decode_acceleration(
                        parser,
                        child,
                        "workbook/dataAccelerationConfig",
                    )?);
                }
                _ => parser.skip(child)?,
            }
        }
        Ok(wb)
    }
}

fn decode_view_ref<'a>(parser: &mut Parser<'a>, elem: Elem<'a>) -> Result<ViewRef, Error> {
    let mut view = ViewRef::default();
    for attr in elem.attrs(parser, "workbook/views/view") {
        let attr = attr?;
        match attr.name() {
            "id" => view.id = attr.string()?,
            "name" => view.name = Some(attr.string()?),
            "contentUrl" => view.content_url = Some(attr.string()?),
            _ => {}
        }
    }
    while let Some(child) = parser.next_child(&elem)? {
        if child.local_name() == "dataAccelerationConfig" {
            view.data_acceleration_config = Some(decode_acceleration(
                parser,
                child,
                "workbook/views/view/dataAccelerationConfig",
            )?);
        } else {
            parser.skip(child)?;
        }
    }
    Ok(view)
}

fn decode_acceleration<'a>(
    parser: &mut Parser<'a>,
    elem: Elem<'a>,
    path: &'static str,
) -> Result<DataAccelerationConfig, Error> {
    let mut config = DataAccelerationConfig::default();
    for attr in elem.attrs(parser, path) {
        let attr = attr?;
        match attr.name() {
            "accelerationEnabled" => config.acceleration_enabled = Some(attr.boolean()?),
            "accelerationStatus" => config.acceleration_status = Some(attr.string()?),
            _ => {}
        }
    }
    parser.skip(elem)?;
    Ok(config)
}
