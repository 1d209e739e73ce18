"""Benchmark of the convolutional network, the `cnn` recipe, in the browser (not a test: pytest
does not collect this file).

    OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/bench_cnn.py [--quick] [--out FILE] [--dist DIR]

Against the built site (dist/ or $SCRATCHNET_DIST or --dist, copied at the start so that a rebuild
changes nothing), in one headless Chromium:

 1. time to 98.5%: the app opened at #recipe=cnn (the page's own settings for it), Train pressed
    once the page is ready and idle, and every epoch's test accuracy on the bundled official test
    set recorded with its time since the click, until it reaches 98.5% (then Stop) or the recipe's
    epochs end; the bar is 98.5% within 3 minutes;
 2. throughput: samples/s of the CNN's training steps, ScratchNet through bridge.benchmark(batch,
    recipe="cnn") in a second worker started from the page's own js/worker.js, against the same
    CNN in TF.js 4.22.0 on its single-threaded SIMD WASM backend (bench/pages/tfjs-cnn.js: an
    optimizer.minimize step and a tf.layers model's trainOnBatch), on the same standardised
    images, at batch 16 and 64, median of --repeats measurements taken in turns;
 3. where the time goes: each layer's forward and backward, the loss and Adam's update inside real
    steps in the page's benchmark worker (cnn_layer_profile.py, and natively for comparison), and
    TF.js's kernels under tf.profile; and, during 1., where the page's worker spent its time (its
    bridge calls, steps and evaluations timed inside it) and which browser threads used the CPU.

Prints a Markdown report and writes it, with how it was measured, to its section of
docs/benchmarks.md ("cnn"; not with --quick or --no-write), and to --out if given; progress goes
to stderr.
"""

import argparse
import json
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))  # e2e_helpers
os.environ.setdefault("SCRATCHNET_QUIET_SERVER", "1")

import bench_cnn_support as support  # noqa: E402
import report_file  # noqa: E402
from bench_cnn_support import loadavg, log  # noqa: E402
from cnn_layer_profile import profile_layers  # noqa: E402
from cpu_usage import cpu_between, cpu_snapshot  # noqa: E402
from e2e_helpers import CHROMIUM_ARGS, DIST, SECOND_WORKER, PageLog, copy_build, launch_browser, open_app, serve_in_thread, wait_state  # noqa: E402

TARGET, LIMIT_S = 0.985, 180.0
with open(os.path.join(HERE, "cnn_layer_profile.py")) as _f:
    PROFILE_SOURCE = _f.read()  # run in the page's workers too
BATCH_SIZES = (16, 64)
FIELDS = ("layers", "train_size", "epochs", "batch_size", "optimizer", "learning_rate")

# Records the moment Train is clicked, then each epoch's test accuracy as the page shows it: the
# page writes "(after epoch N, which took X s)" into #eval-when and, in the same task, the accuracy.
WATCH = """() => {
  window.__cnn = { clicked: null, epochs: [] };
  document.addEventListener("click", (event) => {
    const train = event.target.closest("[data-testid=train]");
    if (train && window.__cnn.clicked === null) window.__cnn.clicked = performance.now();
  }, true);
  const when = document.getElementById("eval-when");
  const seen = new Set();
  new MutationObserver(() => {
    const match = /after epoch (\\d+), which took ([\\d.]+) s/.exec(when.textContent);
    if (!match || seen.has(match[1]) || window.__cnn.clicked === null) return;
    seen.add(match[1]);
    window.__cnn.epochs.push({ epoch: Number(match[1]), seconds: (performance.now() - window.__cnn.clicked) / 1000,
      epoch_seconds: Number(match[2]), accuracy: Number(document.getElementById("test-accuracy").dataset.value) });
  }).observe(when, { childList: true, characterData: true, subtree: true });
}"""

# In the app's worker: how Python started, and the idle-time snapshot's outcome (at most 120 s).
SNAPSHOT = """async () => {
  const s = self.scratchnetPython;
  const late = new Promise((resolve) => setTimeout(() => resolve("still being made after 120 s"), 120000));
  const made = s.snapshot ? await Promise.race([s.snapshot, late]) : null;
  return { how: s.how, snapshot: made };
}"""

# Runs cnn_layer_profile.py's source and then `call` in a fresh namespace of the worker's Python.
RUN_PYTHON = """([source, call]) => {
  const py = self.scratchnetPython.pyodide;
  const namespace = py.globals.get("dict")();
  try {
    py.runPython(source, { globals: namespace });
    return py.runPython(call, { globals: namespace });
  } finally {
    namespace.destroy();
  }
}"""


def worker_named(page, name, timeout=30):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for worker in page.workers:
            if worker.url.endswith("/js/worker.js") and worker.evaluate("() => self.name") == name:
                return worker
        time.sleep(0.2)
    raise RuntimeError(f"no worker named {name!r} in the page")


def train_to_target(page, url_hash, timeout_s):
    """Presses Train and waits for TARGET or the recipe's last epoch; returns what it saw."""
    settings = {name: page.input_value(f"[data-testid=field-{name}]") for name in FIELDS}
    page.evaluate(WATCH)
    app_worker = worker_named(page, "scratchnet")
    python = app_worker.evaluate(SNAPSHOT)
    app_worker.evaluate(RUN_PYTHON, [PROFILE_SOURCE, "instrument_page()"])
    epochs_wanted = int(settings["epochs"])
    load_start, cpu_start = loadavg(), cpu_snapshot()
    log(f"pressing Train ({settings}); load average {load_start}")
    page.click("[data-testid=train]")
    deadline, shown, end = time.monotonic() + timeout_s, 0, "the recipe's epochs ended"
    while True:
        epochs = page.evaluate("() => window.__cnn.epochs")
        for e in epochs[shown:]:
            log(f"epoch {e['epoch']}: {100 * e['accuracy']:.2f}% at {e['seconds']:.1f} s "
                f"(the epoch: {e['epoch_seconds']:.1f} s)")
        shown = len(epochs)
        if epochs and epochs[-1]["accuracy"] >= TARGET:
            end = f"reached {100 * TARGET:g}%"
            break
        if len(epochs) >= epochs_wanted:
            break
        if page.get_attribute("[data-testid=status]", "data-state") == "error":
            raise RuntimeError(f"the page failed while training: {page.text_content('#fatal')}")
        if time.monotonic() > deadline:
            end = f"stopped after {timeout_s:.0f} s"
            break
        time.sleep(0.5)
    figures = json.loads(app_worker.evaluate(RUN_PYTHON, [PROFILE_SOURCE, "import json\njson.dumps(page_figures())"]))
    cpu = cpu_between(cpu_start, cpu_snapshot())
    if not page.is_disabled("[data-testid=stop]"):
        page.click("[data-testid=stop]")
    wait_state(page, "ready", 120_000)
    return {"settings": settings, "epochs": epochs, "end": end, "hash": url_hash, "load_start": load_start,
            "load_end": loadavg(), "figures": figures, "cpu": cpu, "python": python["how"],
            "snapshot": python["snapshot"] or "none to make"}


def measure_throughput(page, tfjs, args):
    """{engine: {batch: [result, ...]}}: the engines in turns, --repeats times."""
    settings = {"learningRate": 0.0015, "dropout": 0.25}

    def scratchnet(b, seconds, run):
        page.bring_to_front()
        return page.evaluate("([b, s]) => window.__benchCall('benchmark', { batch_size: b, seconds: s, recipe: 'cnn' })",
                             [b, seconds])

    def tfjs_step(style):
        def measure(b, seconds, run):
            tfjs.bring_to_front()
            return tfjs.evaluate("o => window.tfjsCnnBench.run(o)", {
                "batchSize": b, "seconds": seconds, "warmupSeconds": args.warmup, "run": run,
                "settings": dict(settings, style=style)})
        return measure

    engines = {"scratchnet": scratchnet, "tfjs_minimize": tfjs_step("minimize"), "tfjs_layers": tfjs_step("layers")}
    for b in BATCH_SIZES:  # warm up: first calls, WebAssembly tiering, the JIT
        for measure in engines.values():
            measure(b, 0.5, -b)
    results = {key: {b: [] for b in BATCH_SIZES} for key in engines}
    for run in range(args.repeats):
        for b in BATCH_SIZES:
            for key, measure in engines.items():
                result = measure(b, args.seconds, run * 1000 + b)
                results[key][b].append(result)
                log(f"run {run + 1}/{args.repeats} {key} batch {b}: {result['samples_per_sec']:,.0f} samples/s")
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1 epoch on 2,000 images, short measurements "
                        "(docs/benchmarks.md is not written)")
    parser.add_argument("--out", help="also write the report to this file")
    parser.add_argument("--seconds", type=float, default=4.0, help="timed training per throughput measurement")
    parser.add_argument("--repeats", type=int, default=3, help="throughput measurements per engine and batch (median)")
    parser.add_argument("--warmup", type=float, default=0.5, help="untimed TF.js steps before each measurement, s")
    parser.add_argument("--timeout", type=float, default=2400, help="longest wait for the training, s")
    parser.add_argument("--dist", default=DIST)
    report_file.add_no_write(parser)
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.repeats = 1.0, 1
    url_hash = "#recipe=cnn&epochs=1&train_size=2000" if args.quick else "#recipe=cnn"
    profile_seconds, profile_rounds = (0.5, 1) if args.quick else (2.0, 3)
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")
    from playwright.sync_api import sync_playwright

    started, load_before = time.perf_counter(), loadavg()
    section = report_file.Report("cnn", "The convolutional network")
    log(f"load average {load_before}")
    with tempfile.TemporaryDirectory(prefix="scratchnet-bench-cnn-") as temp:
        dist, manifest = copy_build(args.dist, os.path.join(temp, "dist"))
        dataset = support.bundled_dataset(dist, manifest)
        folder = support.make_tfjs_folder(os.path.join(temp, "tfjs"), dataset, BATCH_SIZES)
        servers = [serve_in_thread(dist), serve_in_thread(folder, headers=support.TFJS_HEADERS)]
        (_, dist_url), (_, tfjs_url) = servers
        try:
            with sync_playwright() as playwright:
                browser = launch_browser(playwright)
                opened = time.perf_counter()
                page = open_app(browser, dist_url + url_hash)
                page.set_default_timeout(120_000)
                ready_s = time.perf_counter() - opened
                training = train_to_target(page, url_hash, args.timeout)
                training["ready_s"] = ready_s

                log("starting the benchmark worker and the TF.js page")
                worker_info = page.evaluate(SECOND_WORKER)
                context = browser.new_context()
                tfjs = context.new_page()
                tfjs.set_default_timeout(120_000)
                tfjs.log = PageLog(context, tfjs)
                tfjs.goto(tfjs_url + "tfjs-cnn.html")
                tfjs_info = tfjs.evaluate("o => window.tfjsCnnBench.setup(o)", {"batchSizes": list(BATCH_SIZES)})
                load_throughput = loadavg()
                results = measure_throughput(page, tfjs, args)
                load = (load_throughput, loadavg())

                log("profiling the layers (browser, native) and TF.js's kernels")
                page.bring_to_front()
                call = ("import json\nfrom scratchnet.app import bridge\njson.dumps(profile_layers("
                        f"bridge._current().dataset, 16, {profile_seconds}, {profile_rounds}))")
                bench_worker = worker_named(page, "scratchnet-bench")
                in_browser = json.loads(bench_worker.evaluate(RUN_PYTHON, [PROFILE_SOURCE, call]))
                native = profile_layers(dataset, 16, profile_seconds, profile_rounds)
                tfjs.bring_to_front()
                tfjs_profile = tfjs.evaluate("o => window.tfjsCnnBench.profile(o)", {
                    "batchSize": 16, "steps": 10 if args.quick else 40,
                    "settings": {"learningRate": 0.0015, "dropout": 0.25}})
                chromium = browser.version
                pages = (page, tfjs)
                outside = [u for p in pages for u in p.log.requests
                           if not u.startswith(("http://127.0.0.1", "blob:", "data:"))]
                errors = [e for p in pages for e in p.log.errors]
                browser.close()
        finally:
            for server, _ in servers:
                server.shutdown()
                server.server_close()
    if outside or errors:
        sys.exit(f"requests beyond 127.0.0.1: {outside}; errors in the pages: {errors}")

    labels = {"scratchnet": "ScratchNet in the browser (Pyodide, bridge.benchmark)",
              "tfjs_minimize": "TF.js WASM (SIMD, 1 thread), `optimizer.minimize`, loss read per 80 ms",
              "tfjs_layers": "TF.js WASM (SIMD, 1 thread), `tf.layers` `model.trainOnBatch`"}
    throughput, medians = support.throughput_section(results, labels, BATCH_SIZES, args.seconds, args.repeats,
                                                     load)
    how = ("A smoke run (--quick). " if args.quick else "") + (
        f"Chromium {chromium} headless ({' '.join(CHROMIUM_ARGS)}); build {manifest['build']}, data "
        f"{manifest['data']}; TF.js {tfjs_info['tfjs']} on `{tfjs_info['backend']}` (SIMD {tfjs_info['simd']}, "
        f"{tfjs_info['threads']} thread; its missing Conv2DBackpropFilter kernel registered by the page: "
        f"{tfjs_info['registered_filter_gradient']}); benchmark worker booted in {worker_info['seconds']:.1f} s. "
        f"The machine is shared, so timings carry up to ~2x noise. Each part below says how it was measured.")
    lines = support.training_section(training, TARGET, LIMIT_S) + support.page_time_section(training)
    lines += [""] + throughput + [""]
    lines += support.profile_section(in_browser, native, tfjs_profile)
    batch = int(training["settings"]["batch_size"])
    if batch in BATCH_SIZES:
        fastest = max(r["samples_per_sec"] for r in results["scratchnet"][batch])
        lines += support.epoch_section(training, medians["scratchnet"][batch], fastest, TARGET)
    lines += ["", f"({time.perf_counter() - started:.0f} s in all)"]
    section.say("\n".join(lines))
    faster = {b: max(medians[k][b] for k in medians if k != "scratchnet") for b in BATCH_SIZES}
    baseline = ("TF.js training the same network in the same browser, taking turns with ScratchNet: ScratchNet / the "
                "faster TF.js step " + ", ".join(f"{medians['scratchnet'][b] / faster[b]:.2f} at batch {b}" for b in BATCH_SIZES)
                + "; and the page's training steps against the same steps in bridge.benchmark with the page idle")
    report = section.finish(how, baseline, write=not (args.no_write or args.quick))
    if args.out:
        with open(args.out, "w") as f:
            f.write(report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
