"""The engines of the training-throughput benchmark (bench_throughput.py), each with .setup() once,
then .measure(batch_size, seconds, run) -> result dict: ScratchNet in the built page, TF.js in the
benchmark pages (bench/pages/), and native NumPy in a child process of bench_throughput.py.

Imported by bench_throughput.py, which puts py/ on sys.path first.
"""

import json
import os
import platform
import subprocess
import sys
import time

from e2e_helpers import SECOND_WORKER

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "bench_throughput.py")  # run with --native-worker as Native's child process

BATCH_SIZES = (32, 128)
BATCHES_PER_RUN = 64  # the bridge's benchmark cycles through at most 64 batches
BOOT_TIMEOUT_MS = 120_000


def dist_files(dist):
    """(data bundle, pretrained model) paths of the build in `dist`."""
    with open(os.path.join(dist, "manifest.json")) as f:
        manifest = json.load(f)
    return os.path.join(dist, manifest["data"]), os.path.join(dist, manifest["model"])


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
        self.info = self.page.evaluate(SECOND_WORKER)
        self.info["page_ready_s"] = ready
        for batch_size in BATCH_SIZES:  # warm up: first calls, WebAssembly tiering
            self.page.evaluate("b => window.__benchCall('benchmark', { batch_size: b, seconds: 0.3 })", batch_size)
        return f"page ready in {ready:.1f} s, benchmark worker booted in {self.info['seconds']:.1f} s"

    def measure(self, batch_size, seconds, run):
        self.page.bring_to_front()
        return self.page.evaluate("([b, s]) => window.__benchCall('benchmark', { batch_size: b, seconds: s })", [batch_size, seconds])

    def outside_requests(self):
        return [u for u in self.requests if not u.startswith((self.base_url, "blob:", "data:"))]


# The TF.js steps (settings["style"] in bench/pages/tfjs-bench.js): what each leaves out or adds, for
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
        self.process = subprocess.Popen([sys.executable, SCRIPT, "--native-worker",
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

    from scratchnet.app import bridge

    bridge.init(*dist_files(dist))
    print(json.dumps({"numpy": numpy.__version__, "python": platform.python_version()}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        print(json.dumps(bridge.benchmark(request["batch_size"], request["seconds"])), flush=True)
    return 0
