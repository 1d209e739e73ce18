// TensorFlow.js side of the convolutional-network benchmark (tests/e2e/bench_cnn.py).
//
// Trains the same network as ScratchNet's `cnn` recipe, in float32 on the WASM backend:
//   conv 16 5x5 valid -> max-pool 2 -> ReLU -> conv 32 3x3 valid -> max-pool 2 -> ReLU -> flatten
//   -> dropout 0.25 -> dense 10, softmax cross-entropy, Adam (lr 1.5e-3), He-normal weights.
// The images are the ones bridge.benchmark(batch, recipe="cnn") trains on, already standardised by
// the Python side (data/cnn-x-B.f32, N x 28 x 28 with one channel, which is NCHW and NHWC at once),
// with uint8 labels (data/cnn-y-B.u8).
//
// TF.js 4.22.0's WASM backend has no Conv2DBackpropFilter kernel: the gradient of a convolution's
// filter throws "Kernel 'Conv2DBackpropFilter' not registered for backend 'wasm'", so a conv layer
// cannot be trained on it as shipped. registerFilterGradient() adds one, made only of the backend's
// own kernels by the usual identity (stride 1, no padding):
//   dW[u, v, c, f] = sum over n, i, j of x[n, i + u, j + v, c] * dy[n, i, j, f]
//                  = conv2d(x as [C, H, W, N], dy as [OH, OW, N, F]) as [KH, KW, C, F]
// i.e. two Transposes, the backend's Conv2D (XNNPACK) and a Transpose back.
//
// Two steps (settings.style):
//   "minimize": tf.conv2d / tf.maxPool / tf.relu / tf.dropout / tf.fused.matMul with variables,
//               optimizer.minimize(loss, returnCost) with tf.train.adam, the loss read back once per
//               CHUNK_MS of steps (as a page showing progress would) and at the end. The autodiff
//               tape computes only the gradients it needs (none for the pixels).
//   "layers":   tf.sequential of the same layers (softmax output, categoricalCrossentropy), compiled
//               with tf.train.adam, trained with await model.trainOnBatch(x, y), which reads the loss
//               back every step.
/* global tf */

(() => {
  const CHUNK_MS = 80;
  const SIDE = 28;
  const CLASSES = 10;
  const data = {}; // batch size -> {x: Float32Array, y: Uint8Array, count}

  async function fetchArray(url, Type) {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`${url}: ${response.status} ${response.statusText}`);
    return new Type(await response.arrayBuffer());
  }

  function registerFilterGradient() {
    if (tf.getKernel("Conv2DBackpropFilter", "wasm")) return false;
    const conv = tf.getKernel("Conv2D", "wasm").kernelFunc;
    const transpose = tf.getKernel("Transpose", "wasm").kernelFunc;
    const ones = (v) => (Array.isArray(v) ? v.every((s) => s === 1) : v === 1);
    tf.registerKernel({
      kernelName: "Conv2DBackpropFilter",
      backendName: "wasm",
      kernelFunc: ({ inputs, backend, attrs }) => {
        const { x, dy } = inputs;
        const { strides, pad, dataFormat } = attrs;
        if (!ones(strides) || pad !== "valid" || (dataFormat && dataFormat !== "NHWC")) {
          throw new Error("this Conv2DBackpropFilter handles stride 1, 'valid' padding, NHWC only");
        }
        const xT = transpose({ inputs: { x }, backend, attrs: { perm: [3, 1, 2, 0] } });
        const dyT = transpose({ inputs: { x: dy }, backend, attrs: { perm: [1, 2, 0, 3] } });
        const out = conv({
          inputs: { x: xT, filter: dyT }, backend,
          attrs: { strides: 1, pad: "valid", dilations: 1, dataFormat: "NHWC" },
        });
        const dW = transpose({ inputs: { x: out }, backend, attrs: { perm: [1, 2, 0, 3] } });
        for (const t of [xT, dyT, out]) backend.disposeData(t.dataId);
        return dW;
      },
    });
    return true;
  }

  function heNormal(shape, fanIn, seed) {
    return tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), "float32", seed);
  }

  function makeBatches(batchSize) {
    const { x: images, y: labels, count } = data[batchSize];
    const batches = [];
    for (let i = 0; i + batchSize <= count; i += batchSize) {
      const x = tf.tensor4d(images.subarray(i * SIDE * SIDE, (i + batchSize) * SIDE * SIDE),
        [batchSize, SIDE, SIDE, 1], "float32");
      const y = tf.tidy(() => tf.oneHot(tf.tensor1d(labels.subarray(i, i + batchSize), "int32"), CLASSES).toFloat());
      batches.push({ x, y });
    }
    return batches;
  }

  function makeMinimizeStep(run, settings) {
    const variable = (name, initial) => {
      const v = tf.variable(initial, true, `run${run}/${name}`);
      initial.dispose();
      return v;
    };
    const W1 = variable("conv1/W", heNormal([5, 5, 1, 16], 25, 1));
    const b1 = variable("conv1/b", tf.zeros([16]));
    const W2 = variable("conv2/W", heNormal([3, 3, 16, 32], 144, 2));
    const b2 = variable("conv2/b", tf.zeros([32]));
    const W3 = variable("dense1/W", heNormal([800, CLASSES], 800, 3));
    const b3 = variable("dense1/b", tf.zeros([CLASSES]));
    const optimizer = tf.train.adam(settings.learningRate);
    const loss = ({ x, y }) => {
      const h1 = tf.relu(tf.maxPool(tf.add(tf.conv2d(x, W1, 1, "valid"), b1), 2, 2, "valid"));
      const h2 = tf.relu(tf.maxPool(tf.add(tf.conv2d(h1, W2, 1, "valid"), b2), 2, 2, "valid"));
      const flat = tf.dropout(tf.reshape(h2, [x.shape[0], 800]), settings.dropout);
      return tf.losses.softmaxCrossEntropy(y, tf.fused.matMul({ a: flat, b: W3, bias: b3 }));
    };
    let cost = null;
    let value = NaN;
    let readAt = -Infinity;
    const flush = () => {
      value = cost.dataSync()[0];
      readAt = performance.now();
      return value;
    };
    const step = (batch) => {
      if (cost) cost.dispose();
      cost = optimizer.minimize(() => loss(batch), true);
      return performance.now() - readAt >= CHUNK_MS ? flush() : value;
    };
    const dispose = () => {
      if (cost) cost.dispose();
      optimizer.dispose();
      tf.dispose([W1, b1, W2, b2, W3, b3]);
    };
    return { step, flush, dispose, profileStep: (batch) => tf.dispose(optimizer.minimize(() => loss(batch), true)) };
  }

  function makeLayersStep(run, settings) {
    const he = (seed) => tf.initializers.heNormal({ seed });
    const model = tf.sequential({
      layers: [
        tf.layers.conv2d({ inputShape: [SIDE, SIDE, 1], filters: 16, kernelSize: 5, padding: "valid", kernelInitializer: he(1) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.activation({ activation: "relu" }),
        tf.layers.conv2d({ filters: 32, kernelSize: 3, padding: "valid", kernelInitializer: he(2) }),
        tf.layers.maxPooling2d({ poolSize: 2 }),
        tf.layers.activation({ activation: "relu" }),
        tf.layers.flatten(),
        tf.layers.dropout({ rate: settings.dropout }),
        tf.layers.dense({ units: CLASSES, activation: "softmax", kernelInitializer: he(3) }),
      ],
    });
    const optimizer = tf.train.adam(settings.learningRate);
    model.compile({ optimizer, loss: "categoricalCrossentropy" });
    return {
      step: async ({ x, y }) => model.trainOnBatch(x, y),
      dispose: () => {
        model.dispose();
        optimizer.dispose();
      },
    };
  }

  const STEPS = { minimize: makeMinimizeStep, layers: makeLayersStep };

  window.tfjsCnnBench = {
    /** The single-threaded SIMD WASM backend, the filter gradient, and the images. */
    async setup({ batchSizes }) {
      tf.wasm.setWasmPaths(new URL("tfjs/", location.href).href);
      tf.env().set("WASM_HAS_MULTITHREAD_SUPPORT", false);
      if (!(await tf.setBackend("wasm"))) throw new Error("TF.js could not start its wasm backend");
      await tf.ready();
      const registered = registerFilterGradient();
      for (const b of batchSizes) {
        const x = await fetchArray(`data/cnn-x-${b}.f32`, Float32Array);
        const y = await fetchArray(`data/cnn-y-${b}.u8`, Uint8Array);
        if (x.length !== y.length * SIDE * SIDE) throw new Error(`data for batch ${b}: sizes disagree`);
        data[b] = { x, y, count: y.length };
      }
      document.getElementById("state").textContent = "ready";
      return {
        backend: tf.getBackend(), tfjs: tf.version.tfjs, registered_filter_gradient: registered,
        simd: await tf.env().getAsync("WASM_HAS_SIMD_SUPPORT"), threads: tf.wasm.getThreadsCount(),
      };
    },

    /** Steps at one batch size for `seconds` (at least 3) after `warmupSeconds` of untimed ones. */
    async run({ batchSize, seconds, warmupSeconds, run, settings }) {
      const batches = makeBatches(batchSize);
      const { step, flush, dispose } = STEPS[settings.style](run, settings);
      let position = 0;
      const next = () => step(batches[position++ % batches.length]);
      const firstLoss = await next();
      const warm = performance.now();
      for (let i = 1; i < 3 || performance.now() - warm < warmupSeconds * 1000; i++) await next();
      const tensorsWarm = tf.memory().numTensors;
      let steps = 0;
      let lastLoss = NaN;
      const started = performance.now();
      while (steps < 3 || performance.now() - started < seconds * 1000) {
        lastLoss = await next();
        steps++;
      }
      if (flush) lastLoss = flush();
      const elapsed = (performance.now() - started) / 1000;
      const leaked = tf.memory().numTensors - tensorsWarm;
      dispose();
      tf.dispose(batches.flatMap(({ x, y }) => [x, y]));
      return {
        batch_size: batchSize, style: settings.style, steps, seconds: elapsed,
        samples_per_sec: (steps * batchSize) / elapsed, step_ms: (1000 * elapsed) / steps,
        first_loss: firstLoss, last_loss: lastLoss, leaked_tensors: leaked,
      };
    },

    /** tf.profile of `steps` minimize steps: milliseconds per step by kernel, and in all. */
    async profile({ batchSize, steps, settings }) {
      const batches = makeBatches(batchSize);
      const { profileStep, dispose } = makeMinimizeStep(-1, settings);
      for (let i = 0; i < 3; i++) profileStep(batches[i % batches.length]);
      const started = performance.now();
      const info = await tf.profile(() => {
        for (let i = 0; i < steps; i++) profileStep(batches[i % batches.length]);
      });
      const wall = (performance.now() - started) / steps;
      const kernels = {};
      for (const k of info.kernels) kernels[k.name] = (kernels[k.name] || 0) + k.kernelTimeMs / steps;
      dispose();
      tf.dispose(batches.flatMap(({ x, y }) => [x, y]));
      return { batch_size: batchSize, steps, wall_ms: wall, kernels_ms: kernels };
    },
  };
})();
