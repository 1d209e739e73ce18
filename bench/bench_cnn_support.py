"""The pieces of bench_cnn.py that are not driving the browser: the served folders, the images
TF.js trains on, and the Markdown report."""

import os
import shutil
import statistics
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "py"))

from scratchnet.app.throughput import benchmark_run  # noqa: E402
from scratchnet.data.datasets import mnist_dataset  # noqa: E402
from scratchnet.data.mnist import load_bundle  # noqa: E402
from scratchnet.training.settings import recipe  # noqa: E402

TFJS = os.path.join(ROOT, "node_modules", "@tensorflow")
TFJS_FILES = [("tfjs", "tf.min.js"), ("tfjs-backend-wasm", "tf-backend-wasm.min.js"),
              ("tfjs-backend-wasm", "tfjs-backend-wasm.wasm"), ("tfjs-backend-wasm", "tfjs-backend-wasm-simd.wasm"),
              ("tfjs-backend-wasm", "tfjs-backend-wasm-threaded-simd.wasm")]
# The TF.js folder's server: cross-origin isolated (as bench_throughput's), never cached.
TFJS_HEADERS = {"Cross-Origin-Opener-Policy": "same-origin", "Cross-Origin-Embedder-Policy": "require-corp",
                "Cache-Control": "no-store"}


def log(message):
    print(f"[bench_cnn] {message}", file=sys.stderr, flush=True)


def loadavg():
    return "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def bundled_dataset(dist, manifest):
    return mnist_dataset(load_bundle(os.path.join(dist, manifest["data"])))


def make_tfjs_folder(folder, dataset, batch_sizes):
    """The TF.js page, TF.js's files and, for each batch size, the standardised images and labels
    bridge.benchmark(batch, recipe="cnn") trains on (benchmark_run's trainer.x_train / y_train)."""
    os.makedirs(os.path.join(folder, "tfjs"))
    os.makedirs(os.path.join(folder, "data"))
    for name in ("tfjs-cnn.html", "tfjs-cnn.js"):
        shutil.copyfile(os.path.join(HERE, "pages", name), os.path.join(folder, name))
    for package, name in TFJS_FILES:
        source = os.path.join(TFJS, package, "dist", name)
        if not os.path.exists(source):
            sys.exit(f"{source} is missing: run `npm ci` (TF.js is a dev dependency)")
        shutil.copyfile(source, os.path.join(folder, "tfjs", name))
    for b in batch_sizes:
        trainer = benchmark_run(dataset, b, recipe("cnn", len(dataset), batch_size=b)).trainer
        np.ascontiguousarray(trainer.x_train, np.float32).tofile(os.path.join(folder, "data", f"cnn-x-{b}.f32"))
        trainer.y_train.astype(np.uint8).tofile(os.path.join(folder, "data", f"cnn-y-{b}.u8"))
    return folder


# --- the report -----------------------------------------------------------------------------------

def _pct(v):
    return f"{100 * v:.2f}%"


def training_section(t, target, limit_s):
    s = t["settings"]
    lines = [f"### Time to {_pct(target)} in the page",
             "",
             f"The page at `{t['hash']}` (fields as the page filled them: layers `{s['layers']}`, "
             f"{int(s['train_size']):,} training images, epochs {s['epochs']}, batch {s['batch_size']}, "
             f"{s['optimizer']} lr {s['learning_rate']}), ready {t['ready_s']:.1f} s after opening "
             f"(Python {t['python']}); Train pressed once the page's idle-time snapshot had settled "
             f"({t['snapshot']}). Test accuracy on the bundled official 10,000-image test set as the page "
             f"shows it after each epoch (`[data-testid=test-accuracy]`, when `#eval-when` names the epoch); "
             f"time from the click. Load average at the click {t['load_start']}, at the end {t['load_end']}.",
             "",
             "| epoch | since Train pressed | the epoch (page's own count) | test accuracy |",
             "|---:|---:|---:|---:|"]
    for e in t["epochs"]:
        lines.append(f"| {e['epoch']} | {e['seconds']:.1f} s | {e['epoch_seconds']:.1f} s | {_pct(e['accuracy'])} |")
    reached = next((e for e in t["epochs"] if e["accuracy"] >= target), None)
    if reached:
        verdict = "met" if reached["seconds"] <= limit_s else "**not met**"
        lines += ["", f"Reached {_pct(reached['accuracy'])} >= {_pct(target)} after epoch {reached['epoch']}, "
                      f"{reached['seconds']:.1f} s after pressing Train. Bar (>= {_pct(target)} within "
                      f"{limit_s:.0f} s): {verdict}."]
    else:
        best = max((e["accuracy"] for e in t["epochs"]), default=float("nan"))
        lines += ["", f"{_pct(target)} was not reached ({t['end']}; best {_pct(best)}). Bar (>= {_pct(target)} "
                      f"within {limit_s:.0f} s): **not met**."]
    return lines


def throughput_section(results, labels, batch_sizes, seconds, repeats, load):
    lines = ["### Training throughput: ScratchNet against TF.js, the same CNN",
             "",
             f"Samples/s of training steps, median of {repeats} measurement(s) of {seconds:g} s each (range in "
             f"brackets), the engines taking turns, one at a time, in the same Chromium. Load average before "
             f"{load[0]}, after {load[1]}.",
             "",
             "| implementation | " + " | ".join(f"batch {b}: samples/s (range) | ms/step" for b in batch_sizes) + " |",
             "|---|" + "---:|---:|" * len(batch_sizes)]
    med = {k: {b: statistics.median(r["samples_per_sec"] for r in runs[b]) for b in batch_sizes}
           for k, runs in results.items()}
    for key, runs in results.items():
        cells = []
        for b in batch_sizes:
            v = [r["samples_per_sec"] for r in runs[b]]
            cells.append(f"{med[key][b]:,.0f} ({min(v):,.0f}–{max(v):,.0f}) | "
                         f"{statistics.median(r['step_ms'] for r in runs[b]):.1f}")
        lines.append(f"| {labels[key]} | " + " | ".join(cells) + " |")
    lines += ["", "| ScratchNet / TF.js | " + " | ".join(f"batch {b}" for b in batch_sizes) + " |",
              "|---|" + "---:|" * len(batch_sizes)]
    tfjs = [k for k in results if k != "scratchnet"]
    for key in tfjs:
        lines.append(f"| against {labels[key]} | " + " | ".join(
            f"{med['scratchnet'][b] / med[key][b]:.2f}" for b in batch_sizes) + " |")
    lines.append("| **against the faster TF.js step** | " + " | ".join(
        f"**{med['scratchnet'][b] / max(med[k][b] for k in tfjs):.2f}**" for b in batch_sizes) + " |")
    losses = [(r["first_loss"], r["last_loss"]) for k in tfjs for b in batch_sizes for r in results[k][b]]
    leaked = sum(r["leaked_tensors"] for k in tfjs for b in batch_sizes for r in results[k][b])
    lines += ["", f"Checks: the TF.js loss fell in {sum(1 for a, z in losses if z < a)} of {len(losses)} measurements "
                  f"(first step {statistics.median(a for a, _ in losses):.2f}, "
                  f"last {statistics.median(z for _, z in losses):.2f}, "
                  f"medians); tensors leaked: {leaked}."]
    return lines, med


def epoch_section(training, samples_per_sec, best_samples_per_sec, target):
    """The page's steps against the same steps with the page idle, and the least time the bar needs."""
    figures, epochs = training["figures"], training["epochs"]
    steps, evals = figures.get("steps", [0, 0.0]), figures.get("evaluations", [0, 0.0])
    if not epochs or not steps[0]:
        return []
    batch, images = int(training["settings"]["batch_size"]), int(training["settings"]["train_size"])
    page_ms, bench_ms = 1000 * steps[1] / steps[0], 1000 * batch / samples_per_sec
    eval_s = evals[1] / max(1, evals[0])
    lines = ["", f"Training steps took {page_ms:.1f} ms each in the page while it trained, against {bench_ms:.1f} ms "
                 f"each in bridge.benchmark (median above, batch {batch}, the page idle): {page_ms / bench_ms:.1f}x."]
    reached = next((e["epoch"] for e in epochs if e["accuracy"] >= target), None)
    if reached:
        floor = reached * (images / samples_per_sec + eval_s)
        best = reached * (images / best_samples_per_sec + eval_s)
        lines[-1] += (f" The run needed {reached} epoch(s) of {images:,} images to reach {100 * target:g}%; at "
                      f"bridge.benchmark's median speed and this run's evaluations ({eval_s:.1f} s each), with no "
                      f"other cost at all, that is {floor:.0f} s; at the fastest single measurement "
                      f"({best_samples_per_sec:,.0f} samples/s), {best:.0f} s.")
    return lines


def profile_section(browser, native, tfjs):
    lines = ["### Where the time goes",
             "",
             f"ScratchNet: a clock around each layer's forward and backward, the loss and the optimiser's update "
             f"inside real training steps (bench/cnn_layer_profile.py) at batch {browser['batch_size']}, "
             f"in the page's benchmark worker (Pyodide, {browser['steps']} steps; convolution products "
             f"{', '.join(f'{k} {v}' for k, v in browser['formulations'].items())}) and natively for comparison "
             f"(this Python, {native['steps']} steps, "
             f"{', '.join(f'{k} {v}' for k, v in native['formulations'].items())}). "
             f"Milliseconds per step.",
             "",
             "| part | browser forward | browser backward | browser share of the step "
             "| native forward + backward | native share |",
             "|---|---:|---:|---:|---:|---:|"]
    shares = []
    for p, q in zip(browser["parts"], native["parts"]):
        own, theirs = p["forward_ms"] + p["backward_ms"], q["forward_ms"] + q["backward_ms"]
        shares.append((own / browser["step_ms"], p["name"]))
        back = f"{p['backward_ms']:.2f}" if p["name"] not in ("loss", "update") else ""
        lines.append(f"| {p['name']} ({p['kind']}) | {p['forward_ms']:.2f} | {back} | {own / browser['step_ms']:.1%} | "
                     f"{theirs:.2f} | {theirs / native['step_ms']:.1%} |")
    lines.append(f"| other (gradient norms, health statistics, accuracy, the loop) | {browser['other_ms']:.2f} | | "
                 f"{browser['other_ms'] / browser['step_ms']:.1%} | {native['other_ms']:.2f} | "
                 f"{native['other_ms'] / native['step_ms']:.1%} |")
    lines.append(f"| **whole step** | **{browser['step_ms']:.2f}** | | 100% | **{native['step_ms']:.2f}** | 100% |")
    shares.sort(reverse=True)
    lines += ["", f"Biggest in the browser: {shares[0][1]} ({shares[0][0]:.0%} of the step), then {shares[1][1]} "
                  f"({shares[1][0]:.0%}) and {shares[2][1]} ({shares[2][0]:.0%}). Evaluation (forward only, in the "
                  f"trainer's chunks): {browser['eval_ms_per_image']:.2f} ms per test image in the browser, "
                  f"{native['eval_ms_per_image']:.2f} ms natively."]
    kernels = {k: v for k, v in tfjs["kernels_ms"].items() if not k.endswith("__op")}  # wrappers hold other kernels
    total = sum(kernels.values())
    top = sorted(kernels.items(), key=lambda kv: -kv[1])[:8]
    lines += ["", f"TF.js (the minimize step, batch {tfjs['batch_size']}): `tf.profile` of {tfjs['steps']} steps, each "
                  f"kernel's time per step ({total:.1f} ms of kernels per step; {tfjs['wall_ms']:.1f} ms per step "
                  f"under the profiler):",
              "", "| TF.js kernel | ms per step | share of kernel time |", "|---|---:|---:|"]
    lines += [f"| {name} | {ms:.2f} | {ms / total:.1%} |" for name, ms in top]
    return lines


def page_time_section(t):
    """Where the page's worker spent the training, from cnn_layer_profile.instrument_page()."""
    figures, wall = t["figures"], t["epochs"][-1]["seconds"] if t["epochs"] else float("nan")
    calls = {k[5:]: v for k, v in figures.items() if k.startswith("call ")}
    steps, evals = figures.get("steps", [0, 0.0]), figures.get("evaluations", [0, 0.0])
    train = calls.pop("train", [0, 0.0])
    code = calls.pop("code_view", [0, 0.0])
    others = [sum(v[0] for v in calls.values()), sum(v[1] for v in calls.values())]
    python = train[1] + code[1] + others[1]
    rows = [(f"training steps ({steps[0]:,}, {1000 * steps[1] / max(1, steps[0]):.1f} ms each)", steps[1]),
            (f"evaluating the test set after each epoch ({evals[0]})", evals[1]),
            (f"the rest of the {train[0]:,} `train` calls (events, the model summary)", train[1] - steps[1] - evals[1]),
            (f"`code_view`: the code panel reading what the network runs ({code[0]:,} calls)", code[1]),
            (f"other bridge calls ({others[0]:,}: {', '.join(sorted(calls))})", others[1]),
            ("the worker waiting between calls (messages, the page handling each chunk)", wall - python)]
    lines = ["", f"Where the page's worker spent those {wall:.0f} s (its bridge calls and the trainer timed inside "
                 f"it by bench/cnn_layer_profile.py's instrument_page):", "",
             "| in the page's worker | seconds | share |", "|---|---:|---:|"]
    lines += [f"| {label} | {seconds:.1f} | {seconds / wall:.1%} |" for label, seconds in rows]
    if t["cpu"]:
        lines += ["", "CPU used meanwhile, in cores on average (the machine has "
                      f"{os.cpu_count()}): " + "; ".join(f"{label} {cores:.2f}" for label, cores in t["cpu"].items()
                                                         if cores >= 0.01) + "."]
    return lines
