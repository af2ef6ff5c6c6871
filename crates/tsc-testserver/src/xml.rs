//! A tiny response tree rendered either as Tableau XML or as Tableau-style JSON.
//!
//! Written independently of `tsc-model` on purpose: the emulator is the yardstick, so a
//! serialisation bug must not be shared with the client.

use serde_json::{Map, Value};

/// Tableau's XML namespace.
pub(crate) const NAMESPACE: &str = "http://tableau.com/api";
const XSI: &str = "http://www.w3.org/2001/XMLSchema-instance";

/// An element: attributes, optional text, children. `list` marks a plural wrapper whose
/// children become JSON arrays (`"workbooks": {"workbook": [...]}`).
#[derive(Clone, Debug, Default)]
pub(crate) struct El {
    name: &'static str,
    attrs: Vec<(&'static str, String)>,
    text: Option<String>,
    children: Vec<El>,
    list: bool,
}

impl El {
    pub(crate) fn new(name: &'static str) -> El {
        El {
            name,
            ..El::default()
        }
    }

    /// A plural wrapper (`<workbooks>`): its children are rendered as JSON arrays.
    pub(crate) fn list(name: &'static str) -> El {
        El {
            name,
            list: true,
            ..El::default()
        }
    }

    pub(crate) fn attr(mut self, name: &'static str, value: impl Into<String>) -> El {
        self.attrs.push((name, value.into()));
        self
    }

    pub(crate) fn text(mut self, text: impl Into<String>) -> El {
        self.text = Some(text.into());
        self
    }

    pub(crate) fn child(mut self, child: El) -> El {
        self.children.push(child);
        self
    }

    pub(crate) fn children(mut self, children: impl IntoIterator<Item = El>) -> El {
        self.children.extend(children);
        self
    }

    fn write_xml(&self, out: &mut String, depth: usize) {
        indent(out, depth);
        out.push('<');
        out.push_str(self.name);
        for (k, v) in &self.attrs {
            out.push(' ');
            out.push_str(k);
            out.push_str("=\"");
            escape(out, v, true);
            out.push('"');
        }
        match (&self.text, self.children.is_empty()) {
            (None, true) => out.push_str(" />\n"),
            (Some(t), true) => {
                out.push('>');
                escape(out, t, false);
                out.push_str("</");
                out.push_str(self.name);
                out.push_str(">\n");
            }
            (text, false) => {
                out.push_str(">\n");
                if let Some(t) = text {
                    indent(out, depth + 1);
                    escape(out, t, false);
                    out.push('\n');
                }
                for c in &self.children {
                    c.write_xml(out, depth + 1);
                }
                indent(out, depth);
                out.push_str("</");
                out.push_str(self.name);
                out.push_str(">\n");
            }
        }
    }

    fn to_json(&self) -> Value {
        if self.attrs.is_empty() && self.children.is_empty() && !self.list {
            return Value::String(self.text.clone().unwrap_or_default());
        }
        let mut map = Map::new();
        for (k, v) in &self.attrs {
            map.insert((*k).to_owned(), Value::String(v.clone()));
        }
        if let Some(t) = &self.text {
            map.insert("value".to_owned(), Value::String(t.clone()));
        }
        for c in &self.children {
            let v = c.to_json();
            if self.list {
                match map
                    .entry(c.name.to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    Value::Array(items) => items.push(v),
                    other => *other = Value::Array(vec![other.take(), v]),
                }
            } else {
                map.insert(c.name.to_owned(), v);
            }
        }
        Value::Object(map)
    }
}

fn indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str("  ");
    }
}

fn escape(out: &mut String, s: &str, attr: bool) {
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' if attr => out.push_str("&quot;"),
            '\n' if attr => out.push_str("&#10;"),
            c => out.push(c),
        }
    }
}

/// A `tsResponse` document: its children in order.
#[derive(Clone, Debug, Default)]
pub(crate) struct Doc {
    pub(crate) children: Vec<El>,
}

impl Doc {
    pub(crate) fn new(children: impl IntoIterator<Item = El>) -> Doc {
        Doc {
            children: children.into_iter().collect(),
        }
    }

    /// XML with declaration, default namespace and `xsi:schemaLocation` for `schema_version`
    /// (e.g. `3.27` → `ts-api_3_27.xsd`).
    pub(crate) fn to_xml(&self, schema_version: &str) -> String {
        let mut out = String::with_capacity(256);
        out.push_str("<?xml version='1.0' encoding='UTF-8'?>\n");
        out.push_str("<tsResponse xmlns=\"");
        out.push_str(NAMESPACE);
        out.push_str("\" xmlns:xsi=\"");
        out.push_str(XSI);
        out.push_str("\" xsi:schemaLocation=\"");
        out.push_str(NAMESPACE);
        out.push_str(" https://help.tableau.com/samples/en-us/rest_api/ts-api_");
        out.push_str(&schema_version.replace('.', "_"));
        out.push_str(".xsd\">\n");
        for c in &self.children {
            c.write_xml(&mut out, 1);
        }
        out.push_str("</tsResponse>\n");
        out
    }

    /// JSON: the `tsResponse` root is dropped, attributes become strings, text becomes
    /// `value`, list children become arrays under the singular name.
    pub(crate) fn to_json(&self) -> String {
        let mut map = Map::new();
        for c in &self.children {
            map.insert(c.name.to_owned(), c.to_json());
        }
        Value::Object(map).to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Doc {
        Doc::new([
            El::new("pagination")
                .attr("pageNumber", "1")
                .attr("pageSize", "100")
                .attr("totalAvailable", "2"),
            El::list("workbooks")
                .child(
                    El::new("workbook")
                        .attr("id", "a")
                        .attr("name", "Q&A <\"x\">")
                        .child(El::list("tags")),
                )
                .child(
                    El::new("workbook")
                        .attr("id", "b")
                        .attr("name", "B")
                        .child(El::list("tags").child(El::new("tag").attr("label", "t"))),
                ),
        ])
    }

    #[test]
    fn xml_has_declaration_namespace_and_escapes() {
        let xml = sample().to_xml("3.27");
        assert!(xml.starts_with(
            "<?xml version='1.0' encoding='UTF-8'?>\n<tsResponse xmlns=\"http://tableau.com/api\""
        ));
        assert!(xml.contains("xsi:schemaLocation=\"http://tableau.com/api https://help.tableau.com/samples/en-us/rest_api/ts-api_3_27.xsd\""));
        assert!(xml.contains("name=\"Q&amp;A &lt;&quot;x&quot;&gt;\""));
        assert!(xml.contains("<tags />"));
        assert!(xml.trim_end().ends_with("</tsResponse>"));
    }

    #[test]
    fn json_follows_tableau_mapping() {
        let v: Value = serde_json::from_str(&sample().to_json()).expect("json");
        assert_eq!(v["pagination"]["totalAvailable"], "2");
        assert_eq!(
            v["workbooks"]["workbook"][1]["tags"]["tag"][0]["label"],
            "t"
        );
        assert_eq!(v["workbooks"]["workbook"][0]["tags"], serde_json::json!({}));
        let info = Doc::new([El::new("serverInfo")
            .child(
                El::new("productVersion")
                    .attr("build", "b")
                    .text("2025.3.0"),
            )
            .child(El::new("restApiVersion").text("3.27"))]);
        let v: Value = serde_json::from_str(&info.to_json()).expect("json");
        assert_eq!(v["serverInfo"]["productVersion"]["value"], "2025.3.0");
        assert_eq!(v["serverInfo"]["restApiVersion"], "3.27");
    }
}
