"""The peer: Python tableauserverclient (TSC), timed the way tsc-bench times tsc.

Run by `cargo xtask bench` in the virtual environment it prepares (TSC pinned there).
Prints ONE JSON line on stdout with the raw samples; the xtask computes medians and ratios.

    python peer.py parse --file page.xml --runs 5
    python peer.py e2e --url URL --ca CA_FILE --items 10000 --page-size 100 --runs 5 --warmup 1
"""

import argparse
import importlib.metadata
import itertools
import json
import time

import tableauserverclient as TSC
from tableauserverclient.models import WorkbookItem

NS = {"t": "http://tableau.com/api"}
# The emulator's well-known test token (public test values, not credentials).
PAT_NAME = "quickstart"
PAT_SECRET = "quickstart-secret"
API_VERSION = "3.27"


def parse(args):
    with open(args.file, "rb") as f:
        body = f.read()
    workbooks = len(WorkbookItem.from_response(body, NS))
    per_run = args.per_run
    # Warm-up, as on the Rust side.
    WorkbookItem.from_response(body, NS)
    samples = []
    for _ in range(args.runs):
        start = time.perf_counter()
        for _ in range(per_run):
            WorkbookItem.from_response(body, NS)
        samples.append((time.perf_counter() - start) * 1e9 / (per_run * workbooks))
    return {"workbooks": workbooks, "bytes": len(body), "peer_ns_per_workbook": samples}


def e2e_once(args):
    # The client is built before the clock starts (as tsc-bench does); each run has a fresh
    # one, so each run opens its own connection and TLS session.
    server = TSC.Server(args.url, use_server_version=False, http_options={"verify": args.ca})
    server.version = API_VERSION
    auth = TSC.PersonalAccessTokenAuth(PAT_NAME, PAT_SECRET, site_id="")
    cpu0, start = time.process_time(), time.perf_counter()
    server.auth.sign_in(auth)
    options = TSC.RequestOptions(pagesize=args.page_size)
    count = 0
    for _ in itertools.islice(TSC.Pager(server.workbooks, options), args.items):
        count += 1
    server.auth.sign_out()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu0
    if count != args.items:
        raise SystemExit(f"listed {count} workbooks, expected {args.items}")
    return wall, cpu


def e2e(args):
    wall, cpu = [], []
    for i in range(args.warmup + args.runs):
        w, c = e2e_once(args)
        if i >= args.warmup:
            wall.append(w)
            cpu.append(c)
    return {"client": "python-tsc", "items": args.items, "wall_s": wall, "cpu_s": cpu}


def main():
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("parse")
    p.add_argument("--file", required=True)
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--per-run", type=int, default=3)
    e = sub.add_parser("e2e")
    e.add_argument("--url", required=True)
    e.add_argument("--ca", required=True)
    e.add_argument("--items", type=int, default=10000)
    e.add_argument("--page-size", type=int, default=100)
    e.add_argument("--runs", type=int, default=5)
    e.add_argument("--warmup", type=int, default=1)
    args = parser.parse_args()
    result = parse(args) if args.command == "parse" else e2e(args)
    result["tsc_version"] = importlib.metadata.version("tableauserverclient")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
