//! Parse: one generated page of `--workbooks` workbooks, shaped like the fixtures'
//! `workbook_get.xml` (namespaced root, pagination, escaped text, project, owner, 0–3 tags),
//! decoded by tsc-model next to two quick-xml floors on the same bytes, interleaved in every
//! run so that machine drift hits all three alike. The page is also written to `--out` for
//! the Python peer to time on identical bytes.

use std::hint::black_box;
use std::time::Instant;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::json;
use tsc_model::WorkbookList;

use crate::Options;

pub(crate) fn run(options: &Options) -> Result<String, String> {
    let workbooks = options.number("workbooks", 1000)?;
    let runs = options.number("runs", 5)?.max(1);
    // Decodes per timed batch: enough for ~50 ms batches at 1000 workbooks.
    let per_run = options.number("per-run", 30)?.max(1);
    let page = generate_page(workbooks);
    let body = page.as_bytes();
    if let Ok(out) = options.string("out") {
        std::fs::write(&out, body).map_err(|e| format!("writing {out}: {e}"))?;
    }
    let decoded = decode(body)?;
    if decoded != workbooks {
        return Err(format!(
            "decoded {decoded} workbooks, generated {workbooks}"
        ));
    }
    let per_wb = |seconds: f64| seconds * 1e9 / (per_run * workbooks.max(1)) as f64;
    let time = |f: &dyn Fn() -> Result<usize, String>| -> Result<f64, String> {
        let start = Instant::now();
        for _ in 0..per_run {
            black_box(f()?);
        }
        Ok(per_wb(start.elapsed().as_secs_f64()))
    };
    // Warm-up: caches, allocator, branch predictors.
    for _ in 0..3 {
        time(&|| decode(body))?;
        time(&|| raw_scan(body))?;
        time(&|| raw_scan_attrs(body))?;
    }
    let (mut model, mut scan, mut scan_attrs) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..runs {
        scan.push(time(&|| raw_scan(body))?);
        scan_attrs.push(time(&|| raw_scan_attrs(body))?);
        model.push(time(&|| decode(body))?);
    }
    Ok(json!({
        "workbooks": workbooks,
        "bytes": body.len(),
        "model_ns_per_workbook": model,
        "scan_ns_per_workbook": scan,
        "scan_attrs_ns_per_workbook": scan_attrs,
    })
    .to_string())
}

/// The page the parse benchmark decodes: page 1 of `count` workbooks.
pub(crate) fn generate_page(count: usize) -> String {
    render_page(0, count, 1, count, count * 2)
}

/// Workbooks `first..first + count` as page `number` of size `size` out of `total`.
pub(crate) fn render_page(
    first: usize,
    count: usize,
    number: usize,
    size: usize,
    total: usize,
) -> String {
    use std::fmt::Write;
    let mut out = String::with_capacity(count * 720 + 512);
    out.push_str(
        "<?xml version='1.0' encoding='UTF-8'?>\n<tsResponse xmlns=\"http://tableau.com/api\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://tableau.com/api http://tableau.com/api/ts-api-3.27.xsd\">\n",
    );
    let _ = write!(
        out,
        "  <pagination pageNumber=\"{number}\" pageSize=\"{size}\" totalAvailable=\"{total}\"/>\n  <workbooks>\n",
    );
    for i in first..first + count {
        let _ = write!(
            out,
            "    <workbook id=\"3cc6cd06-89ce-4fdc-b935-{i:012x}\" name=\"Superstore {i}\" \
             description=\"Q{} sales &amp; &quot;profit&quot; by region\" contentUrl=\"Superstore{i}\" \
             webpageUrl=\"https://tableau.example.com/#/workbooks/{i}\" showTabs=\"{}\" size=\"{}\" \
             createdAt=\"2016-07-26T20:34:56Z\" updatedAt=\"2016-07-26T20:35:05Z\" \
             encryptExtracts=\"false\" defaultViewId=\"9e4c1c2d-4f2f-4b39-a5ad-{i:012x}\">\n\
             \x20     <project id=\"ee8c6e70-43b6-11e6-af4f-f7b0d8e20760\" name=\"default\"/>\n\
             \x20     <owner id=\"5de011f8-5aa9-4d5b-b991-f462c8dd6bb7\"/>\n",
            i % 4 + 1,
            i % 2 == 0,
            i % 97 + 1,
        );
        match i % 4 {
            0 => out.push_str("      <tags/>\n"),
            n => {
                out.push_str("      <tags>");
                for k in 0..n {
                    let _ = write!(out, "<tag label=\"tag{k}\"/>");
                }
                out.push_str("</tags>\n");
            }
        }
        out.push_str("    </workbook>\n");
    }
    out.push_str("  </workbooks>\n</tsResponse>\n");
    out
}

fn decode(body: &[u8]) -> Result<usize, String> {
    WorkbookList::from_xml(body)
        .map(|list| list.workbooks.len())
        .map_err(|e| crate::chain(&e))
}

/// The floor: a quick-xml event loop that counts elements and nothing else.
fn raw_scan(body: &[u8]) -> Result<usize, String> {
    let mut reader = Reader::from_reader(body);
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_) | Event::Empty(_)) => elements += 1,
            Ok(Event::Eof) => return Ok(elements),
            Ok(_) => {}
            Err(e) => return Err(format!("raw scan: {e}")),
        }
    }
}

/// The floor that also walks every attribute (no unescaping, no UTF-8 check, no duplicate
/// check, no allocation): the least any attribute-reading decoder must do.
fn raw_scan_attrs(body: &[u8]) -> Result<usize, String> {
    let mut reader = Reader::from_reader(body);
    let mut total = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                total += 1;
                let mut attributes = e.attributes();
                // No duplicate check: a floor does the least work (tsc-model has its own check).
                attributes.with_checks(false);
                for attr in attributes {
                    let attr = attr.map_err(|e| format!("raw scan: {e}"))?;
                    total += attr.value.len();
                }
            }
            Ok(Event::Eof) => return Ok(total),
            Ok(_) => {}
            Err(e) => return Err(format!("raw scan: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn generated_page_decodes_to_every_workbook_with_its_fields() {
        let page = super::generate_page(8);
        let list = tsc_model::WorkbookList::from_xml(page.as_bytes()).expect("decodes");
        assert_eq!(list.workbooks.len(), 8);
        assert_eq!(list.pagination.total_available, 16);
        let third = &list.workbooks[3];
        assert_eq!(third.name, "Superstore 3");
        assert_eq!(third.tags.len(), 3);
        assert_eq!(super::raw_scan(page.as_bytes()), Ok(3 + 8 * 4 + 12));
    }
}
