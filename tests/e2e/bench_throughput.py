"""Training-throughput benchmark: ScratchNet in the browser against TensorFlow.js and native NumPy
(not a test: pytest does not collect this file).

    .venv/bin/python tests/e2e/bench_throughput.py [--seconds 4] [--repeats 3] [--json FILE]

Measures samples/s of training steps of the default MLP (784-128-10, ReLU, softmax cross-entropy,
momentum, L2 weight decay, clipping at a global gradient norm, float32) at batch 32 and 128, in one
headless Chromium, one measurement at a time:

  * ScratchNet in the browser: the built page (dist/index.html) is opened and, once it is ready,
    a second worker is started from the page's own js/worker.js, the way js/worker-client.js
    starts the page's worker; bridge.benchmark(batch, seconds) runs there (py/scratchnet/benchmark.py);
  * TensorFlow.js 4.22 (from node_modules, served on 127.0.0.1) with the WASM backend, single-threaded
    SIMD and multi-threaded SIMD (the page is cross-origin isolated), and with the cpu backend: the same
    network, data and update, trained by a hand-written step (bench_pages/tfjs-bench.js);
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
data bundle in dist/ (copied at the start, so a rebuild during the run does not matter). Each engine and batch size is measured --repeats times, the engines taking
turns, and the median is reported; measurements during which other processes on the machine used
the CPU are retaken once. Prints how it was measured, then Markdown tables.
"""

import argparse
import functools
import http.server
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(1, ROOT)
sys.path.insert(2, os.path.join(ROOT, "py"))
os.environ.setdefault("SCRATCHNET_QUIET_SERVER", "1")

import numpy as np  # noqa: E402

import build  # noqa: E402  (make_server and the static handler with the right MIME types)
from e2e_helpers import CHROMIUM_ARGS, find_chromium  # noqa: E402
from scratchnet.benchmark import benchmark_run  # noqa: E402
from scratchnet.config import recipe  # noqa: E402
from scratchnet.data import load_bundle  # noqa: E402
from scratchnet.datasets import mnist_dataset  # noqa: E402

BATCH_SIZES = (32, 128)
BATCHES_PER_RUN = 64  # the bridge's benchmark cycles through at most 64 batches
TFJS_DIR = os.path.join(ROOT, "node_modules", "@tensorflow", "tfjs", "dist")
TFJS_WASM_DIR = os.path.join(ROOT, "node_modules", "@tensorflow", "tfjs-backend-wasm", "dist")
TFJS_FILES = [(TFJS_DIR, "tf.min.js"), (TFJS_WASM_DIR, "tf-backend-wasm.min.js"),
              (TFJS_WASM_DIR, "tfjs-backend-wasm.wasm"), (TFJS_WASM_DIR, "tfjs-backend-wasm-simd.wasm"),
              (TFJS_WASM_DIR, "tfjs-backend-wasm-threaded-simd.wasm")]
BOOT_TIMEOUT_MS = 120_000
MAX_RETRIES = 2  # measurements retaken because the machine was busy, at most (each costs 5-15 s)

# Starts a second ScratchNet worker in the built page, the way js/worker-client.js starts the
# page's own, and keeps its Comlink handle for later calls.
START_WORKER = """async () => {
  const Comlink = await import(new URL("vendor/comlink/comlink.mjs", location.href).href);
  const worker = new Worker(new URL("js/worker.js", location.href), { type: "module", name: "scratchnet-bench" });
  const died = new Promise((_, reject) => worker.addEventListener("error", (event) => {
    event.preventDefault();
    reject(new Error("the benchmark worker stopped: " + (event.message || "could not start")));
  }));
  died.catch(() => {});
  const remote = Comlink.wrap(worker);
  // bridge.dispatch's answer is JSON text (plus binary parts, none here).
  window.__benchCall = async (name, args) => JSON.parse((await Promise.race([remote.call(name, args), died])).text);
  const info = await Promise.race([remote.boot(location.href, Comlink.proxy(() => {})), died]);
  return { seconds: info.seconds, build: info.build };
}"""


def log(message):
    print(f"[bench] {message}", file=sys.stderr, flush=True)


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


def dist_files(dist):
    """(data bundle, pretrained model) paths of the build in `dist`."""
    with open(os.path.join(dist, "manifest.json")) as f:
        manifest = json.load(f)
    return os.path.join(dist, manifest["data"]), os.path.join(dist, manifest["model"])


def snapshot_dist(dist, target, attempts=10):
    """Copies the build to `target`, so that a rebuild of dist/ during the run changes nothing;
    waits out a rebuild in progress (manifest.json or a file it names missing)."""
    for _ in range(attempts):
        try:
            shutil.copytree(dist, target)
            with open(os.path.join(target, "manifest.json")) as f:
                manifest = json.load(f)
            if all(os.path.exists(os.path.join(target, manifest[k])) for k in ("package", "data", "model")):
                return target
        except (OSError, ValueError, KeyError, shutil.Error):
            pass
        shutil.rmtree(target, ignore_errors=True)
        time.sleep(2)
    sys.exit(f"could not copy a complete build from {dist} (is it being rebuilt?)")


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
    """bench_pages/ plus the TF.js files it loads and the data, in `folder`."""
    shutil.copytree(os.path.join(HERE, "bench_pages"), folder)
    os.makedirs(os.path.join(folder, "tfjs"))
    for source, name in TFJS_FILES:
        if not os.path.exists(os.path.join(source, name)):
            sys.exit(f"{os.path.join(source, name)} is missing: run `npm ci` (TF.js is a dev dependency)")
        shutil.copyfile(os.path.join(source, name), os.path.join(folder, "tfjs", name))
    os.makedirs(os.path.join(folder, "data"))
    for batch_size, (x, y) in data.items():
        np.ascontiguousarray(x, np.float32).tofile(os.path.join(folder, "data", f"x-{batch_size}.f32"))
        y.tofile(os.path.join(folder, "data", f"y-{batch_size}.u8"))


def kernel_name(kernel):
    if isinstance(kernel, dict):
        names = set(kernel.values())
        return names.pop() if len(names) == 1 else ", ".join(f"{k} {v}" for k, v in kernel.items())
    return str(kernel)


# --- the engines: each has .setup() once, then .measure(batch_size, seconds, run) -> result dict ----

class ScratchNetBrowser:
    label = "ScratchNet in the browser (Pyodide)"

    def __init__(self, browser, base_url):
        self.browser, self.base_url = browser, base_url

    def setup(self):
        self.context = self.browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(BOOT_TIMEOUT_MS)
        self.requests, self.errors = [], []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        started = time.perf_counter()
        self.page.goto(self.base_url)
        self.page.wait_for_selector("[data-testid=status][data-state=ready], [data-testid=status][data-state=error]")
        if self.page.get_attribute("[data-testid=status]", "data-state") != "ready":
            raise RuntimeError(f"the page failed to load: {self.page.text_content('#fatal')}")
        ready = time.perf_counter() - started
        self.info = self.page.evaluate(START_WORKER)
        self.info["page_ready_s"] = ready
        for batch_size in BATCH_SIZES:  # warm up: first calls, WebAssembly tiering
            self.page.evaluate("b => window.__benchCall('benchmark', { batch_size: b, seconds: 0.3 })", batch_size)
        return f"page ready in {ready:.1f} s, benchmark worker booted in {self.info['seconds']:.1f} s"

    def measure(self, batch_size, seconds, run):
        self.page.bring_to_front()
        return self.page.evaluate("([b, s]) => window.__benchCall('benchmark', { batch_size: b, seconds: s })", [batch_size, seconds])

    def outside_requests(self):
        return [u for u in self.requests if not u.startswith((self.base_url, "blob:", "data:"))]


# The TF.js steps (settings["style"] in bench_pages/tfjs-bench.js): what each leaves out or adds, for
# the label. "recipe" is ScratchNet's default recipe, step for step.
TFJS_STYLES = {
    "recipe": "",
    "minimize": ", plain minimize, no clipping/L2",
    "layers": ", tf.layers model.trainOnBatch, no clipping/L2",
    "fused-sgd": ", fused matMul+bias+ReLU, minimize with tf.train.sgd, loss read per chunk",
    "fused-momentum": ", fused matMul+bias+ReLU, minimize with tf.train.momentum, loss read per chunk",
}


class TfjsBrowser:
    def __init__(self, browser, base_url, backend, threads, warmup_seconds, settings, style="recipe", repeats=None):
        self.browser, self.base_url = browser, base_url
        self.backend, self.threads = backend, threads
        self.style, self.repeats = style, repeats  # repeats: None = --repeats
        self.label = f"TF.js {backend} backend{TFJS_STYLES[style]}"
        self.warmup_seconds, self.settings = warmup_seconds, dict(settings, style=style)

    def setup(self):
        self.context = self.browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(60_000)
        self.requests, self.errors = [], []
        self.context.on("request", lambda request: self.requests.append(request.url))
        self.page.on("pageerror", lambda error: self.errors.append(str(error)))
        self.page.goto(self.base_url + "tfjs.html")
        self.info = self.page.evaluate("o => window.tfjsBench.setup(o)",
                                       {"backend": self.backend, "threads": self.threads,
                                        "batchSizes": list(BATCH_SIZES)})
        for batch_size in BATCH_SIZES:  # warm up: first calls, WebAssembly tiering, JIT
            self.measure(batch_size, 0.3, -1 - batch_size)
        wasm = [u.rsplit("/", 1)[-1] for u in self.requests if u.endswith(".wasm")]
        self.info["wasm_files"] = wasm
        if self.backend == "wasm":
            flavour = {"tfjs-backend-wasm-threaded-simd.wasm": "SIMD + threads",
                       "tfjs-backend-wasm-simd.wasm": "SIMD", "tfjs-backend-wasm.wasm": "plain"}
            threads = self.info["threads"]
            self.info["flavour"] = f"{', '.join(flavour.get(w, w) for w in wasm) or 'unknown'}, " \
                                   f"{threads} thread{'s' if threads != 1 else ''}"
            self.label = f"TF.js WASM ({self.info['flavour']}){TFJS_STYLES[self.style]}"
            return f"backend wasm: {', '.join(wasm)}, {threads} thread(s), " \
                   f"cross-origin isolated: {self.info['crossOriginIsolated']}"
        return f"backend {self.info['backend']}"

    def measure(self, batch_size, seconds, run):
        self.page.bring_to_front()
        return self.page.evaluate("o => window.tfjsBench.run(o)", {
            "batchSize": batch_size, "seconds": seconds, "warmupSeconds": self.warmup_seconds,
            "run": run, "settings": self.settings})

    def time_products(self, seconds=0.2):
        """The products of one step alone, after the measurements (so with a warm JIT)."""
        self.page.bring_to_front()
        self.info["products"] = [self.page.evaluate("o => window.tfjsBench.products(o)",
                                                    {"batchSize": b, "seconds": seconds}) for b in BATCH_SIZES]

    def outside_requests(self):
        return [u for u in self.requests if not u.startswith((self.base_url, "blob:", "data:"))]


class Native:
    """The same py/ code in this Python, in a child process so that its BLAS thread count can be
    set (OpenBLAS reads it at start-up) and nothing else of this script runs beside it."""

    def __init__(self, dist, threads):
        self.dist, self.threads = dist, threads
        self.label = "native NumPy (same py/ code" + (f", {threads} BLAS thread{'s' if threads != 1 else ''})"
                                                      if threads else ", all BLAS threads)")

    def setup(self):
        env = dict(os.environ)
        if self.threads:
            for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                env[name] = str(self.threads)
        self.process = subprocess.Popen([sys.executable, os.path.abspath(__file__), "--native-worker",
                                         "--dist", self.dist], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env)
        self.info = self._answer()
        return f"NumPy {self.info['numpy']}, BLAS threads: {self.threads or 'default'}"

    def _answer(self):
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"the native benchmark process stopped (exit code {self.process.wait()})")
        return json.loads(line)

    def measure(self, batch_size, seconds, run):
        self.process.stdin.write(json.dumps({"batch_size": batch_size, "seconds": seconds}) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=30)


def native_worker(dist):
    """The child process of Native: the bridge, natively, on the same data bundle and model as the
    page; answers each request line with bridge.benchmark's result."""
    import numpy
    from scratchnet import bridge

    bridge.init(*dist_files(dist))
    print(json.dumps({"numpy": numpy.__version__, "python": platform.python_version()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(bridge.benchmark(request["batch_size"], request["seconds"])), flush=True)
    return 0


class LoadMeter:
    """How much CPU the rest of the machine used while something was measured: all busy time
    (/proc/stat) minus this script's own processes and their descendants (the browser, the native
    child). Linux only; elsewhere it measures nothing."""

    def __init__(self):
        self.works = os.path.exists("/proc/stat")
        self.ticks = os.sysconf("SC_CLK_TCK") if self.works else 100

    def _processes(self):
        """{pid: (parent pid, CPU seconds)}"""
        table = {}
        for name in os.listdir("/proc"):
            if not name.isdigit():
                continue
            try:
                with open(f"/proc/{name}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except (OSError, IndexError):
                continue
            table[int(name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / self.ticks)
        return table

    def snapshot(self):
        if not self.works:
            return None
        with open("/proc/stat") as f:
            cpu = [int(v) for v in f.readline().split()[1:]]
        busy = sum(cpu[:3]) + sum(cpu[5:7])  # user, nice, system, irq, softirq
        steal = cpu[7] if len(cpu) > 7 else 0
        processes = self._processes()
        children = {}
        for pid, (parent, _) in processes.items():
            children.setdefault(parent, []).append(pid)
        own, todo = {}, [os.getpid()]
        while todo:
            pid = todo.pop()
            if pid in processes:
                own[pid] = processes[pid][1]
            todo.extend(children.get(pid, []))
        return time.monotonic(), busy / self.ticks, steal / self.ticks, own

    def wait_quiet(self, threshold, longest=8.0, window=0.5):
        """Waits (at most `longest` seconds) until other processes use at most `threshold` cores."""
        deadline = time.monotonic() + longest
        while time.monotonic() < deadline:
            before = self.snapshot()
            time.sleep(window)
            if self.between(before, self.snapshot()).get("other_cores", 0.0) <= threshold:
                return True
        return False

    @staticmethod
    def between(before, after):
        """{"own_cores", "other_cores", "steal_cores"}: average cores used by this script's processes,
        by all others, and taken by the hypervisor."""
        if before is None or after is None:
            return {}
        wall = after[0] - before[0]
        own = sum(t - before[3].get(pid, 0.0) for pid, t in after[3].items())
        return {"own_cores": own / wall, "other_cores": max(0.0, (after[1] - before[1] - own) / wall),
                "steal_cores": (after[2] - before[2]) / wall}


# --- reporting ----------------------------------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def summarise(results):
    """{engine: {batch: {"median": samples/s, "min", "max", "step_ms", "matmul_ms", "overhead_ratio"}}}"""
    summary = {}
    for key, by_batch in results.items():
        summary[key] = {}
        for batch_size, runs in by_batch.items():
            speeds = [r["samples_per_sec"] for r in runs]
            entry = {"samples_per_sec": statistics.median(speeds), "min": min(speeds), "max": max(speeds),
                     "step_ms": statistics.median(r["step_ms"] for r in runs)}
            if "matmul_ms" in runs[0]:
                entry["matmul_ms"] = statistics.median(r["matmul_ms"] for r in runs)
                entry["overhead_ratio"] = statistics.median(r["overhead_ratio"] for r in runs)
                names = [kernel_name(r["products"]) for r in runs]
                common = max(set(names), key=names.count)
                entry["kernels"] = common + (f" ({names.count(common)} of {len(names)} runs)"
                                             if names.count(common) < len(names) else "")
            summary[key][batch_size] = entry
    return summary


def table(engines, summary):
    ours = summary["scratchnet"]
    head = " | ".join(f"batch {b}: samples/s (range)" for b in BATCH_SIZES)
    ratio_head = " | ".join(f"ScratchNet-in-browser / it, batch {b}" for b in BATCH_SIZES)
    lines = [f"| implementation | {head} | {ratio_head} |", "|---" + "|---:" * (2 * len(BATCH_SIZES)) + "|"]
    for key, engine in engines.items():
        speeds = " | ".join(f"{summary[key][b]['samples_per_sec']:,.0f} ({summary[key][b]['min']:,.0f}–"
                            f"{summary[key][b]['max']:,.0f})" for b in BATCH_SIZES)
        ratios = " | ".join(f"{ours[b]['samples_per_sec'] / summary[key][b]['samples_per_sec']:.2f}"
                            for b in BATCH_SIZES)
        lines.append(f"| {engine.label} | {speeds} | {ratios} |")
    lines += ["", "| ScratchNet step time / matmul time | batch | step | its matmuls alone | ratio | kernels |",
              "|---|---:|---:|---:|---:|---|"]
    for key in ("scratchnet", "native"):
        for b in BATCH_SIZES:
            s = summary[key][b]
            lines.append(f"| {engines[key].label} | {b} | {s['step_ms']:.2f} ms | {s['matmul_ms']:.2f} ms "
                         f"| {s['overhead_ratio']:.2f} | {s['kernels']} |")
    lines += ["", "| TF.js: where a step's time goes | batch | step | forward products | gradient products, as its "
              "autodiff calls them (matMul transposeA/B) | the same, operand transposed first |",
              "|---|---:|---:|---:|---:|---:|"]
    for key, engine in engines.items():
        for products in engine.info.get("products", []):
            b = products["batch_size"]
            lines.append(f"| {engine.label} | {b} | {summary[key][b]['step_ms']:.2f} ms | "
                         f"{products['forward_ms']:.2f} ms | {products['gradient_ms']:.2f} ms | "
                         f"{products['gradient_transposed_first_ms']:.2f} ms |")
    best = fastest_tfjs(engines, summary)
    lines += ["", "| against the fastest TF.js row | batch | fastest TF.js row | its samples/s | ScratchNet / it | bar |",
              "|---|---:|---|---:|---:|---|"]
    for b in BATCH_SIZES:
        key, ratio = best[b]
        bar = THROUGHPUT_BARS[b]
        lines.append(f"| ScratchNet in the browser | {b} | {engines[key].label} | "
                     f"{summary[key][b]['samples_per_sec']:,.0f} | {ratio:.2f} | >= {bar}x: "
                     f"{'met' if ratio >= bar else '**not met**'} |")
    return "\n".join(lines)


THROUGHPUT_BARS = {32: 1.5, 128: 1.2}  # ScratchNet in the browser / the fastest TF.js WASM row


def fastest_tfjs(engines, summary):
    """{batch: (key of the fastest TF.js WASM row, ScratchNet's samples/s over its samples/s)}"""
    best = {}
    for b in BATCH_SIZES:
        key = max((k for k, e in engines.items() if isinstance(e, TfjsBrowser) and e.backend == "wasm"),
                  key=lambda k: summary[k][b]["samples_per_sec"])
        best[b] = (key, summary["scratchnet"][b]["samples_per_sec"] / summary[key][b]["samples_per_sec"])
    return best


def measure_all(engines, args, meter):
    """Every engine at every batch size, --repeats times, the engines taking turns so that a slow
    spell of the machine does not fall on one alone. A measurement during which other processes used
    more than --retry-load cores is taken once more when the machine is quiet again (at most
    MAX_RETRIES times in all), keeping the less disturbed of the two."""
    results = {key: {b: [] for b in BATCH_SIZES} for key in engines}
    retried = 0
    for run in range(args.repeats):
        for key, engine in engines.items():
            repeats = getattr(engine, "repeats", None) or args.repeats
            if run >= repeats:
                continue
            for batch_size in BATCH_SIZES:
                attempts = []
                while True:
                    before = meter.snapshot()
                    result = engine.measure(batch_size, args.seconds, run)
                    result.update(meter.between(before, meter.snapshot()))
                    attempts.append(result)
                    other = result.get("other_cores", 0.0)
                    log(f"run {run + 1}/{repeats} {key} batch {batch_size}: {result['samples_per_sec']:,.0f} "
                        f"samples/s" + (f" (other load {other:.2f} cores)" if "other_cores" in result else ""))
                    if len(attempts) > 1 or not args.retry_load or other <= args.retry_load or \
                            retried >= MAX_RETRIES:
                        break
                    retried += 1
                    meter.wait_quiet(args.retry_load)
                results[key][batch_size].append(min(attempts, key=lambda r: r.get("other_cores", 0.0)))
    return results, retried


def describe(args, engines, chromium_version, bundle, results, retried):
    """The lines printed above the table: what was measured, and how."""
    default = recipe("default")
    cores = os.cpu_count() or 1
    scratchnet, native = engines["scratchnet"].info, engines["native"].info
    wasm, threads = engines["tfjs_wasm"].info, engines["tfjs_wasm_threads"].info
    lines = [
        f"Training throughput of the default MLP (784-128-10, ReLU, softmax cross-entropy, momentum "
        f"{default['momentum']:g}, L2 {default['weight_decay']:g}, clipping at global norm {default['clip_norm']:g}, "
        f"float32) in samples/s: median of {args.repeats} measurements of {args.seconds:g} s each, the engines "
        f"taking turns, one at a time.",
        f"Machine: {cores} cores ({cpu_model()}), {platform.system()} {platform.machine()}; Chromium "
        f"{chromium_version} headless ({' '.join(CHROMIUM_ARGS)}).",
        f"Data: the first {BATCHES_PER_RUN} batches of dist/data/{bundle}, standardised as bridge.benchmark "
        f"does; TF.js gets the same float32 inputs.",
        f"ScratchNet in the browser: dist/index.html (build {scratchnet['build']}), once ready, starts a second "
        f"worker from its own js/worker.js and calls bridge.benchmark(batch, {args.seconds:g}) there (Pyodide). "
        f"Native: the same bridge.benchmark (scratchnet.benchmark.step_throughput) on the same bundle, Python "
        f"{native['python']}, NumPy {native['numpy']}, BLAS threads: {args.native_threads or 'default'}.",
        f"TF.js {wasm['tfjs']} from node_modules, same network and data, a hand-written step in tf.tidy "
        f"(tf.variableGrads, the same clipping and L2, tf.train.momentum), the loss read with dataSync() every "
        f"step, {args.warmup:g} s of warm-up before each measurement. WASM flavours: {wasm['flavour']}; "
        f"{threads['flavour']} (page cross-origin isolated: {threads['crossOriginIsolated']}; TF.js by itself "
        f"would use hardwareConcurrency / 2 = {max(1, cores // 2)} thread here).",
    ]
    extras = {key: e for key, e in engines.items() if isinstance(e, TfjsBrowser) and e.style != "recipe"}
    if extras:
        repeats = sorted({e.repeats or args.repeats for e in extras.values()})
        lines.append(
            f"Extra rows, to show whether the recipe's extras slow TF.js and what its fastest idiomatic step does: "
            f"the same WASM SIMD backend (single-threaded unless the label says threads), "
            f"network, data, float32 and learning rate {default['learning_rate']:g}, tf.train.momentum "
            f"{default['momentum']:g} unless the label says sgd, no clipping and no L2, in pages of their own: "
            f"\"plain minimize\" is optimizer.minimize(() => softmaxCrossEntropy loss, returnCost true) with the loss "
            f"read with dataSync() every step; \"tf.layers model.trainOnBatch\" is tf.sequential([dense 128 relu, "
            f"dense 10 softmax]) compiled with categoricalCrossentropy, starting from the same weights, trained with "
            f"await model.trainOnBatch(x, y) (which reads the loss back itself); \"fused\" is the same minimize with "
            f"each layer one tf.fused.matMul({{a, b, bias, activation: 'relu'}}) (the output layer without "
            f"activation) and the loss read back with dataSync() once per 80 ms chunk of steps, as a page showing "
            f"progress would, and once at the end. Median of "
            f"{' or '.join(str(r) for r in repeats)} measurements of {args.seconds:g} s each "
            + ("(fewer than the other rows, to keep the whole run under about 4 minutes), "
               if repeats != [args.repeats] else "")
            + "taking turns with the other engines.")

    def check(label, runs):
        losses = [(r["first_loss"], r["last_loss"]) for r in runs]
        leaked = sum(r["leaked_tensors"] for r in runs)
        return (f"{label}: in {sum(1 for a, b in losses if b < a)} of {len(losses)} TF.js measurements the loss fell "
                f"(first step {statistics.median(a for a, _ in losses):.2f}, last "
                f"{statistics.median(b for _, b in losses):.2f}, medians); tensors leaked per measurement: {leaked}.")

    recipe_runs = [r for key, by in results.items() if key.startswith("tfjs") and key not in extras
                   for runs in by.values() for r in runs]
    lines.append(check("Checks", recipe_runs))
    for key, engine in extras.items():
        lines.append(check(f"Checks, {engine.label}", [r for runs in results[key].values() for r in runs]))
    loads = [r["other_cores"] for by in results.values() for runs in by.values() for r in runs if "other_cores" in r]
    if loads:
        steal = max(r.get("steal_cores", 0.0) for by in results.values() for runs in by.values() for r in runs)
        busy = sum(1 for v in loads if v > args.retry_load) if args.retry_load else 0
        lines.append(f"Other processes on the machine used median {statistics.median(loads):.2f}, at most "
                     f"{max(loads):.2f} cores during the measurements (hypervisor steal at most {steal:.2f}); "
                     f"{retried} measurement(s) retaken because of it"
                     + (f", {busy} still disturbed (> {args.retry_load:g} cores)." if busy else "."))
    return "\n".join(lines)


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
    args = parser.parse_args()
    if not os.path.exists(os.path.join(args.dist, "manifest.json")):
        sys.exit(f"{args.dist} has no manifest.json: run `python3 build.py build` first")
    if args.native_worker:
        return native_worker(args.dist)

    from playwright.sync_api import sync_playwright

    started = time.perf_counter()
    default = recipe("default")
    settings = {"learningRate": default["learning_rate"], "momentum": default["momentum"],
                "clipNorm": default["clip_norm"], "weightDecay": default["weight_decay"]}
    cores = os.cpu_count() or 1
    with tempfile.TemporaryDirectory(prefix="scratchnet-bench-") as temp:
        dist = snapshot_dist(args.dist, os.path.join(temp, "dist"))
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
    print(describe(args, engines, chromium_version, bundle, results, retried))
    print()
    print(table(engines, summary))
    print(f"\n({time.perf_counter() - started:.0f} s in all)")

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
