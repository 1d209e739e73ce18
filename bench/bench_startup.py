"""Start-up benchmark: how soon the app is ready, against a bare Pyodide + NumPy boot (not a test:
pytest does not collect this file).

    python bench/bench_startup.py [--visits 3] [--mbps 20 --rtt-ms 40] [--json FILE]

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
round trip), so downloads count as they would for a learner. The server is in startup_server.py.
Writes what it printed, with how it was measured, to its section of docs/benchmarks.md ("startup";
not with --no-write).
"""

import argparse
import contextlib
import json
import os
import re
import statistics
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))  # e2e_helpers
import report_file  # noqa: E402
from e2e_helpers import BOOT_TIMEOUT_MS, CHROMIUM_ARGS, DIST, find_chromium, wait_state  # noqa: E402
from startup_server import serve, start_server  # noqa: E402

BARS = {"first": 1.2, "repeat": 0.35}
STATUS = "() => { const s = self.scratchnetPython; return s && { how: s.how, errors: s.errors, timings: s.timings }; }"
# The stored snapshot's memory (snapshot-store.js's layout), gzipped by the browser: what a site would
# have to ship if it made the snapshot at build time.
SHIPPED_SIZE = """async () => {
  const cache = await caches.open("scratchnet-python-snapshot");
  const [request] = (await cache.keys()).filter((r) => /python-snapshot\\?key=[^&]*$/.test(r.url));
  const bytes = new Uint8Array(await (await cache.match(request)).arrayBuffer());
  const headerLength = new DataView(bytes.buffer).getUint32(0, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + headerLength)));
  const start = Math.ceil((4 + headerLength) / 16) * 16;
  const memory = bytes.subarray(start, start + header.memory);
  const gzip = new Blob([memory]).stream().pipeThrough(new CompressionStream("gzip"));
  return { memory: memory.length, gzip: (await new Response(gzip).arrayBuffer()).byteLength };
}"""


# --- measuring ---------------------------------------------------------------------------------------

@contextlib.contextmanager
def fresh_profile(playwright):
    """A browser with a new, empty profile on disk (its HTTP cache and Cache Storage as a learner's
    browser keeps them: a Playwright context without a profile holds only a small cache in memory)."""
    with tempfile.TemporaryDirectory(prefix="scratchnet-profile-") as folder:
        context = playwright.chromium.launch_persistent_context(
            folder, executable_path=find_chromium(), args=CHROMIUM_ARGS, headless=True)
        try:
            yield context
        finally:
            context.close()


def app_worker(page):
    """The app's own worker (not the snapshot worker it may start)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for worker in page.workers:
            if worker.url.endswith("/js/worker.js"):
                return worker
        page.wait_for_timeout(50)
    raise RuntimeError("the app's worker was not found")


def served(base_url):
    """Response bytes the server has sent so far."""
    with urllib.request.urlopen(base_url + "__bytes__", timeout=10) as response:
        return int(response.read())


def timed_visit(context, url, ready):
    """(seconds from navigation until `ready(page)` returns, bytes downloaded, the open page)."""
    base_url = url.split("__bare__")[0]
    page = context.new_page()
    before = served(base_url)
    started = time.perf_counter()
    page.goto(url)
    ready(page)
    return time.perf_counter() - started, served(base_url) - before, page


def bare_done(page):
    page.wait_for_selector("body[data-done=yes]", state="attached", timeout=BOOT_TIMEOUT_MS)


def app_ready(page):
    wait_state(page, "ready", BOOT_TIMEOUT_MS)


def measure_round(playwright, base_url, shipped_size=False):
    """One round, each part in a fresh profile: the bare page twice (cold, then warm: HTTP cache
    filled), the app twice (first visit, then, once the snapshot is stored, the repeat visit).
    With `shipped_size`, also the gzipped size of the snapshot's memory."""
    result = {}
    with fresh_profile(playwright) as context:
        for visit in ("bare", "bare_warm"):
            result[visit], result[f"{visit}_bytes"], page = timed_visit(context, base_url + "__bare__/index.html",
                                                                        bare_done)
            page.close()
    with fresh_profile(playwright) as context:
        result["first"], result["first_bytes"], page = timed_visit(context, base_url, app_ready)
        result["first_status"] = app_worker(page).evaluate(STATUS)
        made = app_worker(page).evaluate("() => self.scratchnetPython.snapshot")
        if not (made or "").startswith("stored"):
            raise RuntimeError(f"the first visit made no snapshot: {made} ({result['first_status']})")
        # "stored: {...}", perhaps "(after N restarts)"; "stored already" if a stopped maker had just stored it.
        result["made"] = json.loads(made[made.index("{"):made.rindex("}") + 1]) if "{" in made else {"seconds": None}
        result["made"]["restarts"] = int(re.search(r"after (\d+) restart", made).group(1)) if "restart" in made else 0
        if shipped_size:
            result["shipped"] = page.evaluate(SHIPPED_SIZE)
        page.close()
        result["repeat"], result["repeat_bytes"], page = timed_visit(context, base_url, app_ready)
        result["repeat_status"] = app_worker(page).evaluate(STATUS)
        if result["repeat_status"]["how"] != "restored":
            raise RuntimeError(f"the repeat visit did not restore the snapshot: {result['repeat_status']}")
        page.close()
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
    report_file.add_no_write(parser)
    args = parser.parse_args()
    if args.serve:
        return serve(args.serve, args.port, args.mbps, args.rtt_ms)
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")

    from playwright.sync_api import sync_playwright

    process, base_url = start_server(args.dist, args.mbps, args.rtt_ms)
    section = report_file.Report("startup", "Start-up")
    rounds = []
    try:
        with sync_playwright() as playwright:
            for i in range(args.visits):
                rounds.append(measure_round(playwright, base_url, shipped_size=i == 0))
                r = rounds[-1]
                section.say(f"round {i + 1}: bare {r['bare']:.2f} s (warm {r['bare_warm']:.2f} s), first visit "
                            f"{r['first']:.2f} s, repeat visit {r['repeat']:.2f} s (snapshot made in "
                            f"{r['made']['seconds'] or 0:.1f} s by a fresh worker, {r['made']['restarts']} restarts)")
            with fresh_profile(playwright) as context:
                chromium = context.browser.version if context.browser else "?"
    finally:
        process.terminate()
    bare = report(args, rounds, chromium, section.say)
    how = (f"Medians of {args.visits} rounds, each part in a fresh browser profile, taking turns: a bare Pyodide + "
           f"NumPy boot with an empty cache and again with a warm one; the app's first visit until ready (a fresh "
           f"boot); then, once the first visit has been idle and a fresh worker has made its memory snapshot of "
           f"Python with NumPy and the `scratchnet` package imported, a repeat visit until ready (the snapshot "
           f"restored). The downloads are the bytes the server sent.")
    baseline = f"the bare Pyodide + NumPy boot with an empty cache, {bare:.2f} s, to which every time is a ratio"
    section.finish(how, baseline, write=not args.no_write)
    return 0


def report(args, rounds, chromium, say=print):
    """Says the table (and writes --json); returns the median bare boot, in seconds."""
    keys = ("bare", "bare_warm", "first", "repeat")
    median = {k: statistics.median(r[k] for r in rounds) for k in keys}
    megabytes = {k: statistics.median(r[f"{k}_bytes"] for r in rounds) / 1e6 for k in keys}
    shipped = rounds[0]["shipped"]
    results = {
        "chromium": chromium, "visits": args.visits, "mbps": args.mbps or None, "rtt_ms": args.rtt_ms or None,
        "seconds": {k: round(v, 2) for k, v in median.items()},
        "over_bare": {k: round(v / median["bare"], 2) for k, v in median.items()},
        "over_warm_bare": {k: round(v / median["bare_warm"], 2) for k, v in median.items()},
        "downloaded_mb": {k: round(v, 1) for k, v in megabytes.items()},
        "snapshot_mb": round(shipped["memory"] / 1e6, 1), "snapshot_gzip_mb": round(shipped["gzip"] / 1e6, 1),
        "snapshot_made_s": round(statistics.median(r["made"]["seconds"] for r in rounds if r["made"]["seconds"]), 1),
        "snapshot_maker_restarts": sum(r["made"]["restarts"] for r in rounds),
        "rounds": rounds,
    }
    network = f"{args.mbps:g} Mbit/s shared, +{args.rtt_ms:g} ms per response" if args.mbps or args.rtt_ms \
        else "unthrottled"
    say(f"\nStart-up, medians of {args.visits} rounds (the parts taking turns, each in a fresh profile), "
        f"Chromium {chromium} headless, served from 127.0.0.1 ({network}):\n")
    say("| what | seconds | / bare boot | / warm bare boot | downloaded | bar |\n|---|---:|---:|---:|---:|---|")
    labels = {"bare": "bare Pyodide + NumPy boot, empty cache (the floor)",
              "bare_warm": "bare boot again, HTTP cache warm",
              "first": "app first visit, ready (fresh boot)",
              "repeat": "app repeat visit, ready (snapshot restored)"}
    for key, label in labels.items():
        bar = BARS.get(key)
        ratio = median[key] / median["bare"]
        verdict = f"<= {bar}x the bare boot: {'met' if ratio <= bar else '**not met**'}" if bar else ""
        say(f"| {label} | {median[key]:.2f} | {ratio:.2f} | {median[key] / median['bare_warm']:.2f} | "
            f"{megabytes[key]:.1f} MB | {verdict} |")
    say(f"\nThe snapshot: {results['snapshot_mb']} MB of memory (plus NumPy's unpacked files), made in "
        f"{results['snapshot_made_s']} s (median) by a fresh worker once the first visit was idle (stopped and started "
        f"again {results['snapshot_maker_restarts']} times in all, when the app's worker got busy); "
        f"{shipped['gzip'] / 1e6:.1f} MB gzipped (by the browser's CompressionStream), which is what a first "
        f"visit would download on top if the snapshot shipped with the site.")
    if args.mbps:
        floor = (megabytes["first"] * 1e6 + shipped["gzip"]) * 8 / (args.mbps * 1e6)
        results["shipped_first_visit_at_least_s"] = round(floor, 2)
        say(f"On this link such a first visit would need at least {floor:.2f} s for its downloads alone "
            f"({floor / median['bare']:.2f}x the bare boot), against {median['first']:.2f} s measured here "
            f"without a shipped snapshot.")
    say("Last repeat visit, ms since startPython: " + ", ".join(
        f"{k} {v}" for k, v in rounds[-1]["repeat_status"]["timings"].items()))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return median["bare"]


if __name__ == "__main__":
    sys.exit(main())
