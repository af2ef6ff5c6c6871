//! A small pull decoder over quick-xml's borrowed reader, with its own namespace scoping,
//! shared by every response and request type, plus the attribute escaper used to write request
//! bodies.
//!
//! Why hand-written rather than serde: quick-xml's serde layer matches elements by local name
//! whatever their namespace (so foreign-namespace elements would be taken for ours), cannot name
//! the attribute that failed in its errors, and costs several times a raw event scan. This
//! decoder checks every element's namespace, reports `element/@attribute` paths with a redacted
//! excerpt, and borrows from the input until a value is kept.

use std::borrow::Cow;
use std::collections::HashSet;

use quick_xml::XmlVersion;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::PrefixDeclaration;
use quick_xml::reader::Reader;

use crate::error::{BodyKind, Error, ValueError, excerpt, excerpt_start};
use crate::{LEGACY_TABLEAU_NAMESPACE, TABLEAU_NAMESPACE};

/// One element whose start tag has been read.
pub(crate) struct Elem<'a> {
    start: BytesStart<'a>,
    /// `<x/>`: there are no children and no end tag to consume.
    empty: bool,
    /// Byte offset just after the start tag, for excerpts.
    position: u64,
}

impl<'a> Elem<'a> {
    /// Byte offset just after the start tag.
    pub(crate) fn position(&self) -> u64 {
        self.position
    }

    /// The element's local name (prefix stripped).
    pub(crate) fn local_name(&self) -> &str {
        self.start.local_name().into_inner()
    }

    /// The element's attributes, in document order. Callers match the names they know;
    /// namespaced ones (`xmlns`, `xmlns:*`, `xsi:*`) never match a Tableau attribute name and
    /// are recognised by [`Attr::is_namespaced`] where unknown attributes are kept.
    ///
    /// A repeated attribute name is an error (XML well-formedness). The check is done here
    /// over a fixed-size array (quick-xml's own check allocates per element).
    pub(crate) fn attrs<'p>(
        &'p self,
        parser: &'p Parser<'a>,
        path: &'static str,
    ) -> AttrIter<'a, 'p> {
        let mut inner = self.start.attributes();
        inner.with_checks(false);
        AttrIter {
            inner,
            elem: self,
            parser,
            path,
            seen: [""; SEEN_INLINE],
            seen_len: 0,
            seen_overflow: None,
            failed: false,
        }
    }
}

/// Attribute names remembered inline for the duplicate check; more spill into a `HashSet`.
const SEEN_INLINE: usize = 32;

/// Iterator over an element's attributes with a non-allocating duplicate check.
pub(crate) struct AttrIter<'a, 'p> {
    inner: quick_xml::events::attributes::Attributes<'p>,
    elem: &'p Elem<'a>,
    parser: &'p Parser<'a>,
    path: &'static str,
    seen: [&'p str; SEEN_INLINE],
    seen_len: usize,
    /// Names past the inline window: a set, so thousands of attributes stay linear. Created
    /// on first use (building a hasher per element would cost more than the check).
    seen_overflow: Option<HashSet<&'p str>>,
    failed: bool,
}

impl<'a, 'p> Iterator for AttrIter<'a, 'p> {
    type Item = Result<Attr<'a, 'p>, Error>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        let attr = match self.inner.next()? {
            Ok(attr) => attr,
            Err(err) => {
                self.failed = true;
                return Some(Err(self.parser.decode_error(
                    format!("{} attributes", self.path),
                    self.elem.position,
                    ValueError::Attribute(err),
                )));
            }
        };
        let key: &'p str = attr.key.into_inner();
        let seen = &self.seen[..self.seen_len];
        if seen.contains(&key)
            || self
                .seen_overflow
                .as_ref()
                .is_some_and(|o| o.contains(&key))
        {
            self.failed = true;
            return Some(Err(self.parser.decode_error(
                format!("{}/@{}", self.path, shorten(key)),
                self.elem.position,
                ValueError::DuplicateAttribute,
            )));
        }
        if self.seen_len < SEEN_INLINE {
            self.seen[self.seen_len] = key;
            self.seen_len += 1;
        } else {
            self.seen_overflow
                .get_or_insert_with(HashSet::new)
                .insert(key);
        }
        Some(Ok(Attr {
            attr,
            path: self.path,
            parser: self.parser,
            position: self.elem.position,
        }))
    }
}

/// One attribute of an [`Elem`], with what is needed to decode it and to report failures.
pub(crate) struct Attr<'a, 'p> {
    attr: Attribute<'p>,
    path: &'static str,
    parser: &'p Parser<'a>,
    position: u64,
}

impl Attr<'_, '_> {
    /// The attribute's name as written (with its prefix, if any).
    pub(crate) fn name(&self) -> &str {
        self.attr.key.as_ref()
    }

    /// `xmlns`, `xmlns:*` or any other prefixed (`xsi:schemaLocation`) attribute: namespace
    /// machinery, not Tableau data (Tableau's own attributes are never prefixed).
    pub(crate) fn is_namespaced(&self) -> bool {
        let name = self.name();
        name == "xmlns" || name.contains(':')
    }

    /// Byte offset of this attribute's name in the body (the names borrow from it), so an
    /// excerpt shows the attribute itself even in a long start tag; the element's position if
    /// the name is not a slice of the body.
    fn offset(&self) -> u64 {
        let body = self.parser.body.as_ptr() as usize;
        let key = self.attr.key.into_inner().as_ptr() as usize;
        if key >= body && key < body + self.parser.body.len() {
            (key - body) as u64
        } else {
            self.position
        }
    }

    fn what(&self) -> String {
        format!("{}/@{}", self.path, shorten(self.name()))
    }

    /// The unescaped value (borrowed when there was nothing to unescape).
    pub(crate) fn cow(&self) -> Result<Cow<'_, str>, Error> {
        // Fast path for the common case; quick-xml's general normalizer costs more than the
        // whole check on short values.
        let raw: &str = &self.attr.value;
        if !needs_normalizing(raw) {
            return Ok(Cow::Borrowed(raw));
        }
        self.attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map_err(|err| {
                let source = match err {
                    quick_xml::Error::Escape(e) => ValueError::Escape(e),
                    other => ValueError::Xml(other),
                };
                self.parser.decode_error(self.what(), self.offset(), source)
            })
    }

    /// The unescaped value as an owned string.
    pub(crate) fn string(&self) -> Result<String, Error> {
        self.cow().map(Cow::into_owned)
    }

    /// The unescaped value of a secret: any failure is reported without details.
    pub(crate) fn secret(&self) -> Result<String, Error> {
        let raw: &str = &self.attr.value;
        if !needs_normalizing(raw) {
            return Ok(raw.to_owned());
        }
        self.attr
            .normalized_value(XmlVersion::Implicit1_0)
            .map(Cow::into_owned)
            .map_err(|_| {
                self.parser
                    .decode_error(self.what(), self.offset(), ValueError::Secret)
            })
    }

    /// A decimal integer.
    pub(crate) fn int<T: std::str::FromStr<Err = std::num::ParseIntError>>(
        &self,
    ) -> Result<T, Error> {
        let value = self.cow()?;
        value.trim().parse::<T>().map_err(|err| {
            self.parser
                .decode_error(self.what(), self.offset(), ValueError::Integer(err))
        })
    }

    /// A boolean the way TSC reads one: case-insensitive `true` is true, anything else false.
    pub(crate) fn boolean(&self) -> Result<bool, Error> {
        Ok(self.cow()?.trim().eq_ignore_ascii_case("true"))
    }
}

/// Does an attribute value need XML attribute-value normalization (references, or whitespace
/// characters that normalize to spaces)?
#[inline]
fn needs_normalizing(raw: &str) -> bool {
    raw.bytes()
        .any(|b| matches!(b, b'&' | b'\t' | b'\n' | b'\r'))
}

/// The pull decoder.
pub(crate) struct Parser<'a> {
    reader: Reader<&'a [u8]>,
    body: &'a [u8],
    /// Depth of the innermost open element (root = 1).
    depth: u32,
    /// Namespace declarations in scope, innermost last. Empty for almost every document
    /// besides the root's own declaration, so lookups are a short scan.
    bindings: Vec<Binding>,
}

/// Most namespace declarations in scope at once before a document is refused.
const MAX_NAMESPACE_BINDINGS: usize = 64;

/// One `xmlns` / `xmlns:p` declaration.
struct Binding {
    /// Depth of the element that declared it.
    depth: u32,
    /// `None` for the default namespace.
    prefix: Option<String>,
    uri: String,
}

/// Is `uri` one of the namespaces whose elements we read? `""` is no namespace.
fn is_our_uri(uri: &str) -> bool {
    uri.is_empty() || uri == TABLEAU_NAMESPACE || uri == LEGACY_TABLEAU_NAMESPACE
}

/// Classifies a body that cannot be XML, before the XML reader sees it.
fn sniff_not_xml(body: &[u8]) -> Option<BodyKind> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace())?;
    let rest = &body[start..];
    let starts_with_ci =
        |p: &[u8]| rest.len() >= p.len() && rest[..p.len()].eq_ignore_ascii_case(p);
    match rest[0] {
        b'{' | b'[' => Some(BodyKind::Json),
        b'<' if starts_with_ci(b"<!doctype html") || starts_with_ci(b"<html") => {
            Some(BodyKind::Html)
        }
        b'<' => None,
        _ => Some(BodyKind::Text),
    }
}

impl<'a> Parser<'a> {
    /// Opens `body`, reads up to the root element and checks its name and namespace.
    pub(crate) fn open(body: &'a [u8], root: &'static str) -> Result<(Self, Elem<'a>), Error> {
        let is_blank = body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(body)
            .iter()
            .all(u8::is_ascii_whitespace);
        if is_blank {
            return Err(Error::NotXml {
                kind: BodyKind::Empty,
                excerpt: String::new(),
            });
        }
        if let Some(kind) = sniff_not_xml(body) {
            return Err(Error::NotXml {
                kind,
                excerpt: excerpt_start(body),
            });
        }
        let mut reader = Reader::from_reader(body);
        // No `trim_text`: it would trim each text run around an entity reference
        // (`Bad &amp; Bad` → `Bad&Bad`). Whole values are trimmed in `text()` instead.
        reader.config_mut().check_end_names = true;
        let mut parser = Parser {
            reader,
            body,
            depth: 0,
            bindings: Vec::new(),
        };
        loop {
            let position = parser.reader.buffer_position();
            let event = parser
                .reader
                .read_event()
                .map_err(|e| parser.xml_error(e))?;
            let (start, empty) = match event {
                Event::Start(start) => (start, false),
                Event::Empty(start) => (start, true),
                Event::Eof => {
                    return Err(Error::MissingElement {
                        name: root,
                        parent: "document",
                    });
                }
                Event::Text(t) if t.trim().is_empty() => continue,
                Event::Text(_) => {
                    return Err(Error::NotXml {
                        kind: BodyKind::Text,
                        excerpt: excerpt(body, position as usize),
                    });
                }
                _ => continue,
            };
            // The root's declarations stay in scope for the whole document.
            parser.depth = 1;
            parser.declare(&start, 1)?;
            let name = start.name().into_inner();
            if let Some(namespace) = parser.foreign_namespace(&start) {
                return Err(Error::UnknownNamespace {
                    namespace,
                    element: shorten(name),
                });
            }
            if start.local_name().into_inner() != root {
                return Err(Error::UnexpectedRoot {
                    expected: root,
                    found: shorten(name),
                });
            }
            let position = parser.reader.buffer_position();
            return Ok((
                parser,
                Elem {
                    start,
                    empty,
                    position,
                },
            ));
        }
    }

    /// Records the namespace declarations of `start` (an element at `depth`).
    fn declare(&mut self, start: &BytesStart<'_>, depth: u32) -> Result<(), Error> {
        // Fast path: almost no element below the root declares anything.
        if !start.attributes_raw().contains("xmlns") {
            return Ok(());
        }
        for attr in start.attributes().with_checks(false).flatten() {
            let prefix = match attr.key.as_namespace_binding() {
                Some(PrefixDeclaration::Default) => None,
                Some(PrefixDeclaration::Named(prefix)) => Some(prefix.to_owned()),
                None => continue,
            };
            let uri = attr
                .normalized_value(XmlVersion::Implicit1_0)
                .map(Cow::into_owned)
                .unwrap_or_else(|_| attr.value.clone().into_owned());
            if self.bindings.len() >= MAX_NAMESPACE_BINDINGS {
                // Lookups scan the bindings in scope; real responses have one to three.
                return Err(Error::LimitExceeded {
                    what: "namespace declarations in scope",
                    limit: MAX_NAMESPACE_BINDINGS,
                });
            }
            self.bindings.push(Binding { depth, prefix, uri });
        }
        Ok(())
    }

    /// `None` when `start` is in one of our namespaces (or none); otherwise the namespace it
    /// is in, or a description of its undeclared prefix.
    fn foreign_namespace(&self, start: &BytesStart<'_>) -> Option<String> {
        let prefix = start.name().prefix().map(|p| p.into_inner());
        let binding = self
            .bindings
            .iter()
            .rev()
            .find(|b| b.prefix.as_deref() == prefix);
        match (binding, prefix) {
            (Some(b), _) if is_our_uri(&b.uri) => None,
            (Some(b), _) => Some(shorten(&b.uri)),
            (None, None) => None,
            (None, Some(p)) => Some(format!("(undeclared prefix `{}:`)", shorten(p))),
        }
    }

    /// Leaves the element at the current depth: drops its declarations.
    fn leave(&mut self) {
        while self.bindings.last().is_some_and(|b| b.depth >= self.depth) {
            self.bindings.pop();
        }
        self.depth = self.depth.saturating_sub(1);
    }

    /// A [`Error::Decode`] at `position`.
    pub(crate) fn decode_error(&self, what: String, position: u64, source: ValueError) -> Error {
        Error::Decode {
            what,
            excerpt: excerpt(self.body, position as usize),
            source,
        }
    }

    fn xml_error(&self, err: quick_xml::Error) -> Error {
        xml_error(self.body, self.reader.error_position(), err)
    }

    /// The next child element of `parent` in one of our namespaces, or `None` once `parent`'s
    /// end tag has been consumed. Text, comments and processing instructions are skipped, and so
    /// are elements in foreign namespaces (extensions we do not know).
    pub(crate) fn next_child(&mut self, parent: &Elem<'a>) -> Result<Option<Elem<'a>>, Error> {
        if parent.empty {
            return Ok(None);
        }
        loop {
            let event = self.reader.read_event().map_err(|e| self.xml_error(e))?;
            match event {
                Event::Start(start) => {
                    self.depth += 1;
                    self.declare(&start, self.depth)?;
                    if self.foreign_namespace(&start).is_none() {
                        let position = self.reader.buffer_position();
                        return Ok(Some(Elem {
                            start,
                            empty: false,
                            position,
                        }));
                    }
                    let end = start.to_end().into_owned();
                    self.reader
                        .read_to_end(end.name())
                        .map_err(|e| self.xml_error(e))?;
                    self.leave();
                }
                Event::Empty(start) => {
                    self.depth += 1;
                    self.declare(&start, self.depth)?;
                    let ours = self.foreign_namespace(&start).is_none();
                    self.leave();
                    if ours {
                        let position = self.reader.buffer_position();
                        return Ok(Some(Elem {
                            start,
                            empty: true,
                            position,
                        }));
                    }
                }
                Event::End(_) => {
                    self.leave();
                    return Ok(None);
                }
                Event::Eof => return Err(self.truncated()),
                _ => {}
            }
        }
    }

    fn truncated(&self) -> Error {
        let position = self.body.len() as u64;
        Error::Xml {
            position,
            excerpt: excerpt(self.body, self.body.len()),
            source: quick_xml::Error::IllFormed(quick_xml::errors::IllFormedError::MissingEndTag(
                "(document ended inside an element)".to_owned(),
            )),
        }
    }

    /// Consumes `elem` and everything inside it.
    pub(crate) fn skip(&mut self, elem: Elem<'a>) -> Result<(), Error> {
        if elem.empty {
            return Ok(());
        }
        let end = elem.start.to_end().into_owned();
        self.reader
            .read_to_end(end.name())
            .map_err(|e| self.xml_error(e))?;
        self.leave();
        Ok(())
    }

    /// Consumes `elem` and returns its text content (entity and character references resolved,
    /// surrounding whitespace trimmed, child elements ignored).
    pub(crate) fn text(&mut self, elem: Elem<'a>, path: &'static str) -> Result<String, Error> {
        let mut text = String::new();
        if elem.empty {
            return Ok(text);
        }
        let mut depth = 0usize;
        loop {
            let event = self.reader.read_event().map_err(|e| self.xml_error(e))?;
            match event {
                Event::Text(t) if depth == 0 => text.push_str(&t.xml10_content()),
                Event::CData(t) if depth == 0 => text.push_str(&t.into_inner()),
                Event::GeneralRef(r) if depth == 0 => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c),
                        Ok(None) => {
                            quick_xml::escape::resolve_predefined_entity(&r).and_then(|s| {
                                let mut chars = s.chars();
                                chars.next().filter(|_| chars.next().is_none())
                            })
                        }
                        Err(_) => None,
                    };
                    match resolved {
                        Some(c) => text.push(c),
                        None => {
                            let name = format!("&{};", shorten(&r));
                            return Err(self.decode_error(
                                path.to_owned(),
                                self.reader.buffer_position(),
                                ValueError::Escape(
                                    quick_xml::escape::EscapeError::UnrecognizedEntity(
                                        0..name.len(),
                                        name,
                                    ),
                                ),
                            ));
                        }
                    }
                }
                Event::Start(_) => depth += 1,
                Event::End(_) if depth == 0 => break,
                Event::End(_) => depth -= 1,
                Event::Eof => return Err(self.truncated()),
                _ => {}
            }
        }
        self.leave();
        let trimmed = text.trim();
        if trimmed.len() != text.len() {
            text = trimmed.to_owned();
        }
        Ok(text)
    }

    /// After the root's end tag: only whitespace, comments and processing instructions may
    /// follow.
    pub(crate) fn finish(mut self) -> Result<(), Error> {
        loop {
            let position = self.reader.buffer_position();
            match self.reader.read_event().map_err(|e| self.xml_error(e))? {
                Event::Eof => return Ok(()),
                Event::Comment(_) | Event::PI(_) => {}
                Event::Text(t) if t.trim().is_empty() => {}
                _ => {
                    return Err(Error::Xml {
                        position,
                        excerpt: excerpt(self.body, position as usize),
                        source: quick_xml::Error::IllFormed(
                            quick_xml::errors::IllFormedError::UnmatchedEndTag(
                                "(content after the root element)".to_owned(),
                            ),
                        ),
                    });
                }
            }
        }
    }
}

fn shorten(s: &str) -> String {
    const MAX: usize = 80;
    if s.chars().count() <= MAX {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(MAX).collect();
        out.push('…');
        out
    }
}

fn xml_error(body: &[u8], position: u64, source: quick_xml::Error) -> Error {
    Error::Xml {
        position,
        excerpt: excerpt(body, position as usize),
        source,
    }
}

/// Appends `value` to `out` escaped for a double-quoted XML attribute.
///
/// Besides `& < > " '`, tab, newline and carriage return are written as character references:
/// a literal one would be turned into a space by attribute-value normalization on the server.
pub(crate) fn push_attr_escaped(out: &mut String, value: &str) {
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

/// Appends ` name="value"` to `out`.
pub(crate) fn push_attr(out: &mut String, name: &str, value: &str) {
    out.push(' ');
    out.push_str(name);
    out.push_str("=\"");
    push_attr_escaped(out, value);
    out.push('"');
}
