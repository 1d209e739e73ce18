"""Training-throughput benchmark: ScratchNet in the browser against TensorFlow.js and native NumPy
(not a test: pytest does not collect this file).

    .venv/bin/python bench/bench_throughput.py [--seconds 4] [--repeats 3] [--json FILE]

Measures samples/s of training steps of the default MLP (784-128-10, ReLU, softmax cross-entropy,
momentum, L2 weight decay, clipping at a global gradient norm, float32) at batch 32 and 128, in one
headless Chromium, one measurement at a time:

  * ScratchNet in the browser: the built page (dist/index.html) is opened and, once it is ready,
    a second worker is started from the page's own js/worker.js, the way js/worker-client.js
    starts the page's worker; bridge.benchmark(batch, seconds) runs there (py/scratchnet/benchmark.py);
  * TensorFlow.js 4.22 (from node_modules, served on 127.0.0.1) with the WASM backend, single-threaded
    SIMD and multi-threaded SIMD (the page is cross-origin isolated), and with the cpu backend: the same
    network, data and update, trained by a hand-written step (bench/pages/tfjs-bench.js);
  * TF.js WASM single-threaded SIMD again, with two plainer steps that leave out the recipe's clipping
    and L2 (extra rows, --extra-repeats measurements each): the plainest idiomatic step,
    optimizer.minimize(() => loss, true) with tf.train.momentum, and a tf.layers.sequential model of
    the same shape trained with model.trainOnBatch;
  * TF.js's fastest idiomatic step (extra rows too): each layer one tf.fused.matMul with bias and
    ReLU fused, optimizer.minimize with plain tf.train.sgd or tf.train.momentum, the loss read back
    once per 80 ms chunk of steps as a UI would; single-threaded SIMD, and with momentum on the
    threaded build. ScratchNet's ratio against the fastest TF.js WASM row is reported with the bars
    (1.5x at batch 32, 1.2x at 128);
  * native NumPy: the same bridge.benchmark on the same data bundle and model, in a child process of
    this Python with one BLAS thread (--native-threads).

Every engine trains on the same images, the ones bridge.benchmark uses: the first 64 batches of the
data bundle in dist/ (copied at the start, so a rebuild during the run does not matter). Each engine and
batch size is measured --repeats times, the engines taking
turns, and the median is reported; measurements during which other processes on the machine used
the CPU are retaken once. Prints how it was measured, then Markdown tables.

The engines are in throughput_engines.py, the turn-taking and the load meter in
throughput_measuring.py, the summary and the tables in throughput_report.py. What it prints is
written, with how it was measured, to its section of docs/benchmarks.md ("throughput"; not with
--no-write).
"""

import argparse
import functools
import http.server
import json
import os
import shutil
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "tests", "e2e"))  # e2e_helpers
sys.path.insert(1, ROOT)
sys.path.insert(2, os.path.join(ROOT, "py"))
os.environ.setdefault("SCRATCHNET_QUIET_SERVER", "1")

import numpy as np  # noqa: E402
import report_file  # noqa: E402
from e2e_helpers import CHROMIUM_ARGS, copy_build, find_chromium  # noqa: E402
from throughput_engines import BATCH_SIZES, Native, ScratchNetBrowser, TfjsBrowser, dist_files, native_worker  # noqa: E402
from throughput_measuring import LoadMeter, log, measure_all  # noqa: E402
from throughput_report import THROUGHPUT_BARS, cpu_model, describe, fastest_tfjs, summarise, table  # noqa: E402

import build  # noqa: E402  (make_server and the static handler with the right MIME types)
from scratchnet.app.throughput import benchmark_run  # noqa: E402
from scratchnet.data.datasets import mnist_dataset  # noqa: E402
from scratchnet.data.mnist import load_bundle  # noqa: E402
from scratchnet.training.settings import recipe  # noqa: E402

TFJS_DIR = os.path.join(ROOT, "node_modules", "@tensorflow", "tfjs", "dist")
TFJS_WASM_DIR = os.path.join(ROOT, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist")
TFJS_FILES = [(TFJS_DIR, "tf.min.js"), (TFJS_WASM_DIR, "tf-backend-wasm.min.js"),
              (TFJS_WASM_DIR, "tfjs-backend-wasm.wasm"), (TFJS_WASM_DIR, "tfjs-backend-wasm-simd.wasm"),
              (TFJS_WASM_DIR, "tfjs-backend-wasm-threaded-simd.wasm")]


class IsolatedHandler(build.StaticHandler):
    """The benchmark folder's server: cross-origin isolated (so the threaded WASM backend can run)
    and never cached."""

    def end_headers(self):
        self.send_header("Cross-Origin-Opener-Policy", "same-origin")
        self.send_header("Cross-Origin-Embedder-Policy", "require-corp")
        self.send_header("Cache-Control", "no-store")
        super().end_headers()


def serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return f"http://{host}:{port}/"

def benchmark_data(dist):
    """{batch size: (x float32 (N, 784), y uint8 (N,))}: the images bridge.benchmark(batch size, ...)
    trains on (benchmark.benchmark_run's), normalised the same way."""
    dataset = mnist_dataset(load_bundle(dist_files(dist)[0]))
    data = {}
    for batch_size in BATCH_SIZES:
        trainer = benchmark_run(dataset, batch_size).trainer
        data[batch_size] = (trainer.x_train, trainer.y_train.astype(np.uint8))
    return data


def make_bench_folder(folder, data):
    """bench/pages/ plus the TF.js files it loads and the data, in `folder`."""
    shutil.copytree(os.path.join(HERE, "pages"), folder)
    os.makedirs(os.path.join(folder, "tfjs"))
    for source, name in TFJS_FILES:
        if not os.path.exists(os.path.join(source, name)):
            sys.exit(f"{os.path.join(source, name)} is missing: run `npm ci` (TF.js is a dev dependency)")
        shutil.copyfile(os.path.join(source, name), os.path.join(folder, "tfjs", name))
    os.makedirs(os.path.join(folder, "data"))
    for batch_size, (x, y) in data.items():
        np.ascontiguousarray(x, np.float32).tofile(os.path.join(folder, "data", f"x-{batch_size}.f32"))
        y.tofile(os.path.join(folder, "data", f"y-{batch_size}.u8"))

def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="timed training per measurement (ScratchNet then times its matmuls for half as long)")
    parser.add_argument("--repeats", type=int, default=3, help="measurements per engine and batch size (median)")
    parser.add_argument("--extra-repeats", type=int, default=2,
                        help="measurements per batch size for the extra TF.js rows (plain minimize, trainOnBatch)")
    parser.add_argument("--warmup", type=float, default=0.3, help="seconds of untimed TF.js steps before timing")
    parser.add_argument("--native-threads", type=int, default=1,
                        help="BLAS threads for native NumPy (0 = the library's default, all cores)")
    parser.add_argument("--retry-load", type=float, default=0.25,
                        help="retake a measurement once if other processes used more cores than this (0 = never)")
    parser.add_argument("--dist", default=build.DIST)
    parser.add_argument("--json", help="also write everything measured to this file")
    parser.add_argument("--native-worker", action="store_true", help=argparse.SUPPRESS)
    report_file.add_no_write(parser)
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")
    if args.native_worker:
        return native_worker(args.dist)

    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    section = report_file.Report("throughput", "Training throughput against TensorFlow.js")
    default = recipe("default")
    settings = {"learningRate": default["learning_rate"], "momentum": default["momentum"],
                "clipNorm": default["clip_norm"], "weightDecay": default["weight_decay"]}
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="scratchnet-bench-") as temp:
        dist, _ = copy_build(args.dist, os.path.join(temp, "dist"))
        folder = os.path.join(temp, "bench")
        data = benchmark_data(dist)
        bundle = os.path.basename(dist_files(dist)[0])
        make_bench_folder(folder, data)
        dist_server = build.make_server(dist, port=0)
        bench_server = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(IsolatedHandler, directory=folder))
        dist_url, bench_url = serve(dist_server), serve(bench_server)
        native = Native(dist, args.native_threads)
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
                engines = {
                    "scratchnet": ScratchNetBrowser(browser, dist_url),
                    "tfjs_wasm": TfjsBrowser(browser, bench_url, "wasm", 0, args.warmup, settings),
                    "tfjs_wasm_minimize": TfjsBrowser(browser, bench_url, "wasm", 0, args.warmup, settings,
                                                      "minimize", min(args.extra_repeats, args.repeats)),
                    "tfjs_wasm_layers": TfjsBrowser(browser, bench_url, "wasm", 0, args.warmup, settings,
                                                    "layers", min(args.extra_repeats, args.repeats)),
                    "tfjs_wasm_fused_sgd": TfjsBrowser(browser, bench_url, "wasm", 0, args.warmup, settings,
                                                       "fused-sgd", min(args.extra_repeats, args.repeats)),
                    "tfjs_wasm_fused_momentum": TfjsBrowser(browser, bench_url, "wasm", 0, args.warmup, settings,
                                                            "fused-momentum", min(args.extra_repeats, args.repeats)),
                    "tfjs_wasm_threads": TfjsBrowser(browser, bench_url, "wasm", cores, args.warmup, settings),
                    "tfjs_wasm_threads_fused_momentum": TfjsBrowser(
                        browser, bench_url, "wasm", cores, args.warmup, settings, "fused-momentum",
                        min(args.extra_repeats, args.repeats)),
                    "tfjs_cpu": TfjsBrowser(browser, bench_url, "cpu", 0, args.warmup, settings),
                    "native": native,
                }
                for key, engine in engines.items():
                    log(f"{key}: {engine.setup()}")
                results, retried = measure_all(engines, args, LoadMeter())
                for engine in engines.values():
                    if isinstance(engine, TfjsBrowser) and engine.style == "recipe":
                        engine.time_products()  # the same products whatever the step
                chromium_version = browser.version
                outside = {k: e.outside_requests() for k, e in engines.items() if hasattr(e, "outside_requests")}
                errors = {k: e.errors for k, e in engines.items() if getattr(e, "errors", None)}
                browser.close()
        finally:
            if getattr(native, "process", None):
                native.close()
            for server in (dist_server, bench_server):
                server.shutdown()
                server.server_close()

    if any(outside.values()):
        sys.exit(f"the pages made requests beyond 127.0.0.1: {outside}")
    if errors:
        sys.exit(f"errors in the pages: {errors}")
    summary = summarise(results)
    how = describe(args, engines, chromium_version, bundle, results, retried)
    print(how + "\n")
    section.say(table(engines, summary))
    section.say(f"\n({time.perf_counter() - started:.0f} s in all)")
    ours = summary["scratchnet"]
    baseline = ("ScratchNet in the browser, " + " and ".join(f"{ours[b]['samples_per_sec']:,.0f}" for b in BATCH_SIZES)
                + " samples/s at batch " + " and ".join(str(b) for b in BATCH_SIZES)
                + ", to which every row is a ratio (ScratchNet / it); and, for its step, its matrix products alone")
    section.finish(how, baseline, write=not args.no_write)

    if args.json:
        report = {
            "seconds": args.seconds, "repeats": args.repeats, "extra_repeats": min(args.extra_repeats, args.repeats),
            "warmup_s": args.warmup,
            "native_threads": args.native_threads, "chromium": chromium_version, "cores": cores,
            "cpu": cpu_model(), "data": bundle, "batch_sizes": list(BATCH_SIZES), "retried": retried,
            "engines": {key: {"label": e.label, "info": e.info, "repeats": getattr(e, "repeats", None) or args.repeats}
                        for key, e in engines.items()},
            "summary": {key: {str(b): v for b, v in by.items()} for key, by in summary.items()},
            "ratios": {key: {str(b): summary["scratchnet"][b]["samples_per_sec"] / summary[key][b]["samples_per_sec"]
                             for b in BATCH_SIZES} for key in engines},
            "fastest_tfjs": {str(b): {"engine": key, "label": engines[key].label, "scratchnet_over_it": ratio,
                                      "bar": THROUGHPUT_BARS[b]}
                             for b, (key, ratio) in fastest_tfjs(engines, summary).items()},
            "runs": {key: {str(b): runs for b, runs in by.items()} for key, by in results.items()},
        }
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
