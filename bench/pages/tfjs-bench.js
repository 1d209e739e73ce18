// TensorFlow.js side of the training-throughput benchmark (tests/e2e/bench_throughput.py).
//
// Trains the same network as ScratchNet's default recipe, 784-128-10 with ReLU and softmax
// cross-entropy in float32, with a hand-written training step that does the same work as
// ScratchNet's Trainer.train_step: forward, loss, backward, clipping by the global gradient norm,
// L2 weight decay on the weights (not the biases) and a momentum update. Every step reads the
// loss back with dataSync(), so each step's work is really finished before the next starts.
// The data are the images the Python side wrote to data/: float32 inputs already normalised
// exactly as ScratchNet normalises them, and uint8 labels.
//
// Two plainer steps answer "is TF.js slowed by the recipe's extras?" (settings.style):
//   "minimize": the plainest idiomatic step, optimizer.minimize(() => loss, true) with
//               tf.train.momentum, no clipping, no L2;
//   "layers":   a tf.layers.sequential model of the same shape (softmax output layer,
//               categoricalCrossentropy loss, the usual tutorial form) trained with
//               model.trainOnBatch, no clipping, no L2. trainOnBatch is async and reads the loss
//               back itself (await loss.data()).
//   "fused-sgd", "fused-momentum": TF.js's fastest idiomatic step: each dense layer is one
//               tf.fused.matMul with its bias (and ReLU) fused in, optimizer.minimize with plain
//               tf.train.sgd or tf.train.momentum, no clipping, no L2, and the loss read back once
//               per chunk of steps (every CHUNK_MS, as a UI showing progress would) instead of
//               every step.
// The default, "recipe", is the hand-written step above.
/* global tf */

(() => {
  const CHUNK_MS = 80; // the fused steps read the loss back this often (ScratchNet trains in 80 ms chunks)
  const INPUT = 784;
  const HIDDEN = 128;
  const CLASSES = 10;
  const data = {}; // batch size -> {x: Float32Array, y: Uint8Array, count}

  async function fetchArray(url, Type) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
    return new Type(await response.arrayBuffer());
  }

  // The images bridge.benchmark(batchSize) trains on, as the Python side wrote them.
  async function loadData(batchSize) {
    const x = await fetchArray(`data/x-${batchSize}.f32`, Float32Array);
    const y = await fetchArray(`data/y-${batchSize}.u8`, Uint8Array);
    if (x.length !== y.length * INPUT) throw new Error(`data for batch ${batchSize}: ${x.length / INPUT} images, ${y.length} labels`);
    return { x, y, count: y.length };
  }

  // Glorot (Xavier) uniform, as ScratchNet's default initialiser.
  function xavier(fanIn, fanOut, seed) {
    const limit = Math.sqrt(6 / (fanIn + fanOut));
    return tf.randomUniform([fanIn, fanOut], -limit, limit, "float32", seed);
  }

  // A fresh network for each run (variable names must be unique within the page).
  function buildModel(run) {
    const variable = (name, initial) => {
      const v = tf.variable(initial, true, `run${run}/${name}`);
      initial.dispose();
      return v;
    };
    const W1 = variable("dense1/W", xavier(INPUT, HIDDEN, 1));
    const b1 = variable("dense1/b", tf.zeros([HIDDEN]));
    const W2 = variable("dense2/W", xavier(HIDDEN, CLASSES, 2));
    const b2 = variable("dense2/b", tf.zeros([CLASSES]));
    const params = Object.fromEntries([W1, b1, W2, b2].map((v) => [v.name, v]));
    return { params, W1, b1, W2, b2 };
  }

  // The batches a run cycles through, made before timing (ScratchNet slices its arrays up front too).
  function makeBatches(batchSize) {
    const { x: images, y: labels, count } = data[batchSize];
    const batches = [];
    for (let i = 0; i + batchSize <= count; i += batchSize) {
      const x = tf.tensor2d(images.subarray(i * INPUT, (i + batchSize) * INPUT), [batchSize, INPUT], "float32");
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels.subarray(i, i + batchSize), "int32"), CLASSES).toFloat());
      batches.push({ x, y });
    }
    return batches;
  }

  function makeStep(model, settings) {
    const { params, W1, b1, W2, b2 } = model;
    const variables = Object.values(params);
    const optimizer = tf.train.momentum(settings.learningRate, settings.momentum);
    const clip = tf.scalar(settings.clipNorm);
    const decay = tf.scalar(settings.weightDecay);
    const step = ({ x, y }) => {
      const loss = tf.tidy(() => {
        const { value, grads } = tf.variableGrads(() => {
          const hidden = tf.relu(tf.add(tf.matMul(x, W1), b1));
          const logits = tf.add(tf.matMul(hidden, W2), b2);
          return tf.losses.softmaxCrossEntropy(y, logits); // mean over the batch
        }, variables);
        const names = Object.keys(grads);
        let scale = null;
        if (settings.clipNorm > 0) {
          const norm = tf.sqrt(tf.addN(names.map((n) => tf.sum(tf.square(grads[n])))));
          scale = tf.div(clip, tf.maximum(norm, clip)); // 1 unless the norm exceeds the limit
        }
        const update = {};
        for (const n of names) {
          let g = scale ? tf.mul(grads[n], scale) : grads[n];
          if (settings.weightDecay > 0 && n.endsWith("/W")) g = tf.add(g, tf.mul(decay, params[n]));
          update[n] = g;
        }
        optimizer.applyGradients(update);
        return value;
      });
      const value = loss.dataSync()[0]; // waits for this step's work to finish
      loss.dispose();
      return value;
    };
    const dispose = () => {
      optimizer.dispose();
      clip.dispose();
      decay.dispose();
    };
    return { step, dispose };
  }

  // The plainest idiomatic step: minimize the loss of the same network, nothing else.
  function makeMinimizeStep(model, settings) {
    const { W1, b1, W2, b2 } = model;
    const optimizer = tf.train.momentum(settings.learningRate, settings.momentum);
    const step = ({ x, y }) => {
      const cost = optimizer.minimize(() => {
        const hidden = tf.relu(tf.add(tf.matMul(x, W1), b1));
        const logits = tf.add(tf.matMul(hidden, W2), b2);
        return tf.losses.softmaxCrossEntropy(y, logits);
      }, /* returnCost */ true);
      const value = cost.dataSync()[0]; // waits for this step's work to finish
      cost.dispose();
      return value;
    };
    return { step, dispose: () => optimizer.dispose() };
  }

  // A tf.layers model of the same shape, starting from the same weights, trained with trainOnBatch.
  function makeLayersStep(model, settings) {
    const layers = tf.sequential({
      layers: [
        tf.layers.dense({ inputShape: [INPUT], units: HIDDEN, activation: "relu" }),
        tf.layers.dense({ units: CLASSES, activation: "softmax" }),
      ],
    });
    layers.setWeights([model.W1, model.b1, model.W2, model.b2]); // copies them
    const optimizer = tf.train.momentum(settings.learningRate, settings.momentum);
    layers.compile({ optimizer, loss: "categoricalCrossentropy" });
    const step = async ({ x, y }) => layers.trainOnBatch(x, y);
    const dispose = () => {
      layers.dispose();
      optimizer.dispose();
    };
    return { step, dispose };
  }

  // The fastest idiomatic step: fused layers, minimize, the loss read once per chunk. `flush` reads
  // the newest loss, so the timed steps' work is finished when the clock stops.
  function makeFusedStep(model, settings, optimizerName) {
    const { W1, b1, W2, b2 } = model;
    const optimizer = optimizerName === "sgd" ? tf.train.sgd(settings.learningRate)
      : tf.train.momentum(settings.learningRate, settings.momentum);
    let cost = null;
    let value = NaN;
    let readAt = -Infinity;
    const flush = () => {
      value = cost.dataSync()[0];
      readAt = performance.now();
      return value;
    };
    const step = ({ x, y }) => {
      if (cost) cost.dispose();
      cost = optimizer.minimize(() => {
        const hidden = tf.fused.matMul({ a: x, b: W1, bias: b1, activation: "relu" });
        const logits = tf.fused.matMul({ a: hidden, b: W2, bias: b2 });
        return tf.losses.softmaxCrossEntropy(y, logits);
      }, /* returnCost */ true);
      return performance.now() - readAt >= CHUNK_MS ? flush() : value;
    };
    const dispose = () => {
      optimizer.dispose();
      if (cost) cost.dispose();
    };
    return { step, dispose, flush };
  }

  const STEPS = {
    recipe: makeStep, minimize: makeMinimizeStep, layers: makeLayersStep,
    "fused-sgd": (model, settings) => makeFusedStep(model, settings, "sgd"),
    "fused-momentum": (model, settings) => makeFusedStep(model, settings, "momentum"),
  };

  window.tfjsBench = {
    /** Picks the backend ("wasm" or "cpu"; for wasm, `threads` 0 = single-threaded) and loads the data. */
    async setup({ backend, threads, batchSizes }) {
      if (backend === "wasm") {
        tf.wasm.setWasmPaths(new URL("tfjs/", location.href).href);
        if (threads > 0) {
          // The threaded build caps its pool at hardwareConcurrency / 2 (it assumes two hardware
          // threads per core), which is 1 on a 2-core machine; raise what it sees so it may use
          // `threads` threads. Needs the page to be cross-origin isolated.
          const seen = Math.max(navigator.hardwareConcurrency, 2 * threads);
          Object.defineProperty(navigator, "hardwareConcurrency", { value: seen, configurable: true });
          tf.wasm.setThreadsCount(threads);
        } else {
          tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false); // the single-threaded SIMD build
        }
      }
      if (!(await tf.setBackend(backend))) throw new Error(`TF.js could not start its ${backend} backend`);
      await tf.ready();
      for (const b of batchSizes) data[b] = await loadData(b);
      const info = {
        backend: tf.getBackend(), tfjs: tf.version.tfjs,
        crossOriginIsolated: self.crossOriginIsolated === true,
      };
      if (backend === "wasm") {
        info.simd = await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT");
        info.multithread = await tf.env().getAsync("WASM_HAS_MULTITHREAD_SUPPORT");
        info.threads = tf.wasm.getThreadsCount();
      }
      document.getElementById("state").textContent = "ready";
      return info;
    },

    /** Times the matrix products of one step alone, `seconds` for each group: the forward products,
     * the gradient products as TF.js's autodiff computes them (matMul with transposeA / transposeB),
     * and the same gradient products with the operand transposed first. Milliseconds per group.
     * The wasm and cpu backends run each op synchronously, so nothing needs reading back. */
    products({ batchSize, seconds }) {
      const time = (fn) => {
        for (let i = 0; i < 3; i++) tf.dispose(fn());
        let calls = 0;
        const started = performance.now();
        while (calls < 3 || performance.now() - started < seconds * 1000) {
          tf.dispose(fn());
          calls++;
        }
        return (performance.now() - started) / calls;
      };
      const x = tf.tensor2d(data[batchSize].x.subarray(0, batchSize * INPUT), [batchSize, INPUT], "float32");
      const [W1, W2, h, dz1, dz2] = [[INPUT, HIDDEN], [HIDDEN, CLASSES], [batchSize, HIDDEN], [batchSize, HIDDEN],
        [batchSize, CLASSES]].map((shape, i) => tf.randomNormal(shape, 0, 1, "float32", i + 1));
      const result = {
        batch_size: batchSize,
        forward_ms: time(() => [tf.matMul(x, W1), tf.matMul(h, W2)]),
        gradient_ms: time(() => [tf.matMul(x, dz1, true, false), tf.matMul(h, dz2, true, false),
          tf.matMul(dz2, W2, false, true)]),
        gradient_transposed_first_ms: time(() => tf.tidy(() => [tf.matMul(tf.transpose(x), dz1),
          tf.matMul(tf.transpose(h), dz2), tf.matMul(dz2, tf.transpose(W2))])),
      };
      tf.dispose([x, W1, W2, h, dz1, dz2]);
      return result;
    },

    /** Times training steps at one batch size for `seconds` (at least 3 steps) after a warm-up.
     * settings.style picks the step ("recipe" when absent); only "layers" returns a promise. */
    run(options) {
      const { batchSize, seconds, warmupSeconds, run, settings } = options;
      const tensorsBefore = tf.memory().numTensors;
      const model = buildModel(run);
      const batches = makeBatches(batchSize);
      const style = settings.style || "recipe";
      if (!STEPS[style]) throw new Error(`unknown step style ${style}`);
      const { step, dispose, flush } = STEPS[style](model, settings);
      let position = 0;
      const next = () => step(batches[position++ % batches.length]);
      const timing = { steps: 0, lastLoss: NaN };

      const finish = () => {
        const elapsed = (performance.now() - timing.started) / 1000;
        const tensorsAfter = tf.memory().numTensors;
        dispose();
        for (const { x, y } of batches) tf.dispose([x, y]);
        tf.dispose(Object.values(model.params));
        const { steps } = timing;
        return {
          batch_size: batchSize, style, steps, seconds: elapsed, samples_per_sec: (steps * batchSize) / elapsed,
          step_ms: (elapsed / steps) * 1000, first_loss: timing.firstLoss, last_loss: timing.lastLoss,
          leaked_tensors: tensorsAfter - timing.tensorsWarm, tensors_left: tf.memory().numTensors - tensorsBefore,
        };
      };

      if (style === "layers") {
        // The same loop, awaiting each step (trainOnBatch is async).
        return (async () => {
          timing.firstLoss = await next();
          const started = performance.now();
          for (let i = 1; i < 3 || performance.now() - started < warmupSeconds * 1000; i++) await next();
          timing.tensorsWarm = tf.memory().numTensors;
          timing.started = performance.now();
          while (timing.steps < 3 || performance.now() - timing.started < seconds * 1000) {
            timing.lastLoss = await next();
            timing.steps++;
          }
          return finish();
        })();
      }

      timing.firstLoss = next();
      const started = performance.now();
      for (let i = 1; i < 3 || performance.now() - started < warmupSeconds * 1000; i++) next();
      timing.tensorsWarm = tf.memory().numTensors;
      timing.started = performance.now();
      while (timing.steps < 3 || performance.now() - timing.started < seconds * 1000) {
        timing.lastLoss = next();
        timing.steps++;
      }
      if (flush) timing.lastLoss = flush();
      return finish();
    },
  };
})();
