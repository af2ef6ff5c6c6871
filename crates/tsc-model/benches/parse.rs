//! Decoding a generated 1000-workbook page (shaped like TSC's `workbook_get.xml`, with
//! escaped descriptions and 0–3 tags) with `tsc-model`, next to two floors measured in the same
//! run on the same bytes:
//!
//! * `raw_events`: a quick-xml event loop that only counts elements;
//! * `raw_events_attrs`: the same loop also walking every attribute (no unescaping, no
//!   allocation) — the least work any attribute-reading decoder must do.
//!
//! Criterion reports each; afterwards a summary prints time per workbook, MB/s and the ratio
//! of `tsc-model` to each floor. Timing never decides anything here: it is informative.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use quick_xml::Reader;
use quick_xml::events::Event;
use tsc_model::WorkbookList;

const WORKBOOKS: usize = 1000;

fn generate_page(count: usize) -> String {
    let mut out = String::with_capacity(count * 700);
    out.push_str(
        "<?xml version='1.0' encoding='UTF-8'?>\n<tsResponse xmlns=\"http://tableau.com/api\" \
         xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" \
         xsi:schemaLocation=\"http://tableau.com/api http://tableau.com/api/ts-api-2.3.xsd\">\n",
    );
    out.push_str(&format!(
        "    <pagination pageNumber=\"1\" pageSize=\"{count}\" totalAvailable=\"{}\" />\n    <workbooks>\n",
        count * 3
    ));
    for i in 0..count {
        let tags = match i % 4 {
            0 => "<tags />".to_owned(),
            n => {
                let mut t = String::from("<tags>");
                for k in 0..n {
                    t.push_str(&format!("<tag label=\"tag{k}\" />"));
                }
                t.push_str("</tags>");
                t
            }
        };
        out.push_str(&format!(
            "        <workbook id=\"6d13b0ca-043d-4d42-8c9d-{i:012x}\" name=\"Workbook {i}\" \
             description=\"Sales &amp; profit for region {i}\" contentUrl=\"Workbook{i}\" \
             webpageUrl=\"http://tableauserver/#/workbooks/{i}/views\" showTabs=\"{}\" size=\"{}\" \
             createdAt=\"2016-08-03T20:34:04Z\" updatedAt=\"2016-08-04T17:56:41Z\">\n\
             \x20           <project id=\"ee8c6e70-43b6-11e6-af4f-f7b0d8e20760\" name=\"default\" />\n\
             \x20           <owner id=\"5de011f8-5aa9-4d5b-b991-f462c8dd6bb7\" />\n\
             \x20           {tags}\n        </workbook>\n",
            i % 2 == 0,
            i % 97,
        ));
    }
    out.push_str("    </workbooks>\n</tsResponse>\n");
    out
}

/// Counts elements: the cheapest complete pass over the document.
fn raw_events(body: &[u8]) -> usize {
    let mut reader = Reader::from_reader(body);
    let mut elements = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_) | Event::Empty(_)) => elements += 1,
            Ok(Event::Eof) => return elements,
            Ok(_) => {}
            Err(e) => panic!("generated page is well-formed: {e}"),
        }
    }
}

/// Counts elements and attribute value bytes (attributes parsed, nothing unescaped or kept).
fn raw_events_attrs(body: &[u8]) -> usize {
    let mut reader = Reader::from_reader(body);
    let mut total = 0;
    loop {
        match reader.read_event() {
            Ok(Event::Start(e) | Event::Empty(e)) => {
                total += 1;
                for attr in e.attributes().flatten() {
                    total += attr.value.len();
                }
            }
            Ok(Event::Eof) => return total,
            Ok(_) => {}
            Err(e) => panic!("generated page is well-formed: {e}"),
        }
    }
}

fn decode(body: &[u8]) -> usize {
    match WorkbookList::from_xml(body) {
        Ok(list) => list.workbooks.len(),
        Err(e) => panic!("generated page decodes: {e}"),
    }
}

/// Seconds per call of `f`, averaged over one batch of `per_round` calls.
fn time_batch(per_round: usize, f: &dyn Fn() -> usize) -> f64 {
    let start = Instant::now();
    for _ in 0..per_round {
        black_box(f());
    }
    start.elapsed().as_secs_f64() / per_round as f64
}

fn median(mut samples: Vec<f64>) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let page = generate_page(WORKBOOKS);
    let body = page.as_bytes();
    assert_eq!(decode(body), WORKBOOKS);

    let mut criterion = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    {
        let mut group = criterion.benchmark_group("workbook_page_1000");
        group.throughput(Throughput::Bytes(body.len() as u64));
        group.bench_function("raw_events", |b| b.iter(|| raw_events(black_box(body))));
        group.bench_function("raw_events_attrs", |b| {
            b.iter(|| raw_events_attrs(black_box(body)))
        });
        group.bench_function("tsc_model_decode", |b| b.iter(|| decode(black_box(body))));
        group.finish();
    }
    criterion.final_summary();

    // `cargo bench` passes `--bench`; under `cargo test --benches` skip the summary.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    // Interleave the three in every round so that load from other processes hits them
    // alike, then take medians (of times, and of the per-round ratios).
    let rounds = 41;
    let per_round = 10;
    let (mut floor, mut floor_attrs, mut model) = (Vec::new(), Vec::new(), Vec::new());
    let (mut ratio, mut ratio_attrs) = (Vec::new(), Vec::new());
    for _ in 0..rounds {
        let f = time_batch(per_round, &|| raw_events(body));
        let fa = time_batch(per_round, &|| raw_events_attrs(body));
        let m = time_batch(per_round, &|| decode(body));
        ratio.push(m / f);
        ratio_attrs.push(m / fa);
        floor.push(f);
        floor_attrs.push(fa);
        model.push(m);
    }
    let (floor, floor_attrs, model) = (median(floor), median(floor_attrs), median(model));
    let mb = body.len() as f64 / 1e6;
    println!();
    println!(
        "summary: {WORKBOOKS}-workbook page, {:.1} kB, medians of {rounds} interleaved rounds of {per_round} runs",
        body.len() as f64 / 1e3
    );
    for (name, secs) in [
        ("raw quick-xml event scan", floor),
        ("raw scan + attributes", floor_attrs),
        ("tsc-model WorkbookList::from_xml", model),
    ] {
        println!(
            "  {name:<34} {:>9.1} µs/page  {:>7.0} ns/workbook  {:>7.1} MB/s",
            secs * 1e6,
            secs * 1e9 / WORKBOOKS as f64,
            mb / secs
        );
    }
    println!(
        "  ratio tsc-model / raw event scan: {:.2}x;  tsc-model / raw scan + attributes: {:.2}x \
         (medians of per-round ratios)",
        median(ratio),
        median(ratio_attrs)
    );
}
