"""Start-up benchmark: how soon the app is ready, against a bare Pyodide + NumPy boot (not a test:
pytest does not collect this file).

    python tests/e2e/bench_startup.py [--visits 3] [--mbps 20 --rtt-ms 40] [--json FILE]

Serves dist/ (with build.py's caching headers) from a child process and, in one headless Chromium,
takes turns, --visits rounds of:
  * bare boot: a page that only starts Pyodide in a worker and imports NumPy (bench_browser.py's
    bare page), in a fresh browser context: the floor for any Pyodide page;
  * first visit: the app in a fresh context, from navigation until the status says "ready"; then,
    untimed, the wait until the worker has made its memory snapshot at idle (the time a fresh
    worker took to make it is reported);
  * repeat visit: the app again in the same context (HTTP cache warm, snapshot stored), until ready;
    it must have restored the snapshot.
Reports the medians, each as a ratio to the median bare boot, against the bars: repeat visit
<= 0.35x the bare boot, first visit <= 1.2x. --mbps and --rtt-ms make the server behave like a
real network (one shared downlink of that many megabits per second, each response delayed by the
round trip), so downloads count as they would for a learner.
"""

import argparse
import functools
import http.server
import json
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from bench_browser import measure_bare_boot  # noqa: E402
from e2e_helpers import BOOT_TIMEOUT_MS, DIST, ROOT, free_port, launch_browser, wait_state  # noqa: E402

BARS = {"first": 1.2, "repeat": 0.35}
STATUS = "() => { const s = self.scratchnetPython; return s && { how: s.how, errors: s.errors, timings: s.timings }; }"


# --- the server (a child process, so that serving never competes with this script) -----------------

class Link:
    """One downlink shared by every response: at most `mbps` megabits per second in all."""

    def __init__(self, mbps):
        self.bytes_per_s = mbps * 1e6 / 8
        self.lock = threading.Lock()
        self.free_at = time.monotonic()

    def send(self, write, data, chunk=16384):
        for i in range(0, len(data), chunk):
            piece = data[i:i + chunk]
            with self.lock:
                start = max(self.free_at, time.monotonic())
                self.free_at = start + len(piece) / self.bytes_per_s
            delay = self.free_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            write(piece)


def serve(directory, port, mbps, rtt_ms):
    sys.path.insert(0, ROOT)
    import build

    link = Link(mbps) if mbps else None

    class Handler(build.StaticHandler):
        def send_head(self):
            if rtt_ms:
                time.sleep(rtt_ms / 1000)  # the request's way there and the first byte's way back
            return super().send_head()

        def copyfile(self, source, outputfile):
            if link is None:
                return super().copyfile(source, outputfile)
            link.send(outputfile.write, source.read())

    os.environ["SCRATCHNET_QUIET_SERVER"] = "1"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=directory))
    server.serve_forever()


def start_server(directory, mbps, rtt_ms):
    port = free_port()
    process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--serve", directory, "--port", str(port),
                                "--mbps", str(mbps or 0), "--rtt-ms", str(rtt_ms or 0)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "manifest.json", timeout=5):
                return process, base
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                raise RuntimeError("the benchmark server did not start")
            time.sleep(0.1)


# --- measuring ---------------------------------------------------------------------------------------

def app_worker(page):
    """The app's own worker (not the snapshot worker it may start)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for worker in page.workers:
            if worker.url.endswith("/js/worker.js"):
                return worker
        page.wait_for_timeout(50)
    raise RuntimeError("the app's worker was not found")


def visit(page, base_url):
    """Seconds from navigation to ready, and how Python started."""
    started = time.perf_counter()
    page.goto(base_url)
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    seconds = time.perf_counter() - started
    return seconds, app_worker(page).evaluate(STATUS)


def measure_round(browser, base_url):
    """One round: {bare, first, repeat, made, first_status, repeat_status}."""
    result = {"bare": measure_bare_boot(browser, base_url)}
    context = browser.new_context()
    try:
        page = context.new_page()
        result["first"], result["first_status"] = visit(page, base_url)
        made = app_worker(page).evaluate("() => self.scratchnetPython.snapshot")
        if not (made or "").startswith("stored"):
            raise RuntimeError(f"the first visit made no snapshot: {made}")
        result["made"] = json.loads(made.split(": ", 1)[1])
        page.close()
        page = context.new_page()
        result["repeat"], result["repeat_status"] = visit(page, base_url)
        if result["repeat_status"]["how"] != "restored":
            raise RuntimeError(f"the repeat visit did not restore the snapshot: {result['repeat_status']}")
    finally:
        context.close()
    return result


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", default=DIST)
    parser.add_argument("--visits", type=int, default=3, help="rounds to take the medians of")
    parser.add_argument("--mbps", type=float, default=0, help="downlink in megabits per second (0: unthrottled)")
    parser.add_argument("--rtt-ms", type=float, default=0, help="added round-trip time per response")
    parser.add_argument("--json", help="also write the results to this file")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.port, args.mbps, args.rtt_ms)
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")

    from playwright.sync_api import sync_playwright

    process, base_url = start_server(args.dist, args.mbps, args.rtt_ms)
    rounds = []
    try:
        with sync_playwright() as playwright:
            browser = launch_browser(playwright)
            for i in range(args.visits):
                rounds.append(measure_round(browser, base_url))
                r = rounds[-1]
                print(f"round {i + 1}: bare {r['bare']:.2f} s, first visit {r['first']:.2f} s, repeat visit "
                      f"{r['repeat']:.2f} s (snapshot made in {r['made']['seconds']:.1f} s by a fresh worker)",
                      flush=True)
            chromium = browser.version
            browser.close()
    finally:
        process.terminate()

    median = {k: statistics.median(r[k] for r in rounds) for k in ("bare", "first", "repeat")}
    results = {
        "chromium": chromium, "visits": args.visits, "mbps": args.mbps or None, "rtt_ms": args.rtt_ms or None,
        "bare_boot_s": round(median["bare"], 2), "first_visit_s": round(median["first"], 2),
        "repeat_visit_s": round(median["repeat"], 2),
        "first_over_bare": round(median["first"] / median["bare"], 2),
        "repeat_over_bare": round(median["repeat"] / median["bare"], 2),
        "snapshot_made_s": round(statistics.median(r["made"]["seconds"] for r in rounds), 1),
        "snapshot_mb": rounds[-1]["made"]["megabytes"],
        "rounds": rounds,
    }
    network = f"{args.mbps:g} Mbit/s, +{args.rtt_ms:g} ms per response" if args.mbps or args.rtt_ms else "unthrottled"
    print(f"\nStart-up, medians of {args.visits} rounds taking turns, Chromium {chromium} headless, "
          f"127.0.0.1 ({network}):\n")
    print("| what | seconds | / bare boot | bar |\n|---|---:|---:|---|")
    print(f"| bare Pyodide + NumPy boot (the floor) | {median['bare']:.2f} | 1.00 | |")
    for key, label in (("first", "app first visit (plain boot)"), ("repeat", "app repeat visit (snapshot restored)")):
        ratio = median[key] / median["bare"]
        verdict = "met" if ratio <= BARS[key] else "**not met**"
        print(f"| {label} | {median[key]:.2f} | {ratio:.2f} | <= {BARS[key]}x: {verdict} |")
    print(f"\nSnapshot: {results['snapshot_mb']} MB, made in {results['snapshot_made_s']} s (median) by a fresh worker "
          f"after the first visit went idle.")
    print("Last repeat visit, ms since startPython: " + ", ".join(
        f"{k} {v}" for k, v in rounds[-1]["repeat_status"]["timings"].items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
