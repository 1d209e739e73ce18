"""The throughput benchmark's report: the medians of the measurements (summarise), the Markdown
tables with the ratios against the bars (table), and the lines saying how it was measured (describe).

Imported by bench_throughput.py, which puts py/ on sys.path first.
"""

import os
import platform
import statistics

from e2e_helpers import CHROMIUM_ARGS
from report_file import cpu_model
from throughput_engines import BATCH_SIZES, BATCHES_PER_RUN, TfjsBrowser

from scratchnet.training.settings import recipe


def kernel_name(kernel):
    if isinstance(kernel, dict):
        names = set(kernel.values())
        return names.pop() if len(names) == 1 else ", ".join(f"{k} {v}" for k, v in kernel.items())
    return str(kernel)


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
        f"Native: the same bridge.benchmark (scratchnet.app.throughput.step_throughput) on the same bundle, Python "
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
