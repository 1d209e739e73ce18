// ScratchNet's optional helper for course pages that embed it in iframes. Include it once:
//   <script src="https://where-scratchnet-lives/embed-host.js" async></script>
// It fits each ScratchNet iframe's height to its content, and re-announces every message as a
// "scratchnet" DOM event on the iframe (it bubbles), so a lesson's own script can listen with
//   document.addEventListener("scratchnet", (e) => console.log(e.target, e.detail.type, e.detail));
// and it sends commands to a frame, addressed to that frame's own origin:
//   ScratchNetHost.send(iframe, { type: "set", settings: { learning_rate: 0.1 } });
//   ScratchNetHost.send(iframe, { type: "train" });   // also "stop", "reset", and "lesson"
// A message counts only if it comes from an iframe marked data-scratchnet on this page, from that
// iframe's own origin, and has the documented shape; anything else is ignored (other frames on a
// course page, say an ad or a quiz, may post whatever they like). A plain classic script with no
// dependencies, so it works on pages that cannot use modules.
(() => {
  
  if (window.ScratchNetHost) return; // included twice: one listener is enough

  var MAX_HEIGHT = 20000;
  var REASONS = ["finished", "diverged"];
  var EXERCISES = ["dense_forward", "dense_backward", "relu_forward", "relu_backward", "sigmoid_forward",
    "sigmoid_backward", "tanh_forward", "tanh_backward", "softmax_cross_entropy", "sgd_step", "momentum_step"];
  var NAME = /^[a-z][a-z0-9_]{0,39}$/;
  var LESSON = /^[a-z0-9][a-z0-9-]{0,39}$/;

  function isNumber(v) { return typeof v === "number" && Number.isFinite(v); }
  function isNumberOrNull(v) { return v === null || isNumber(v); }
  function isWhole(v, min, max) { return isNumber(v) && Math.floor(v) === v && v >= min && v <= max; }
  function isProbability(v) { return isNumber(v) && v >= 0 && v <= 1; }
  function isText(v, max) { return typeof v === "string" && v.length <= max; }
  function isSettingValue(v) {
    if (Array.isArray(v)) return v.length <= 16 && v.every((x) => isWhole(x, 0, 1e6));
    return isNumber(v) || isText(v, 200);
  }

  // A run's settings (a copy), or null when they are not settings by name.
  function settingsOf(v) {
    if (!v || typeof v !== "object" || Array.isArray(v)) return null;
    var keys = Object.keys(v);
    if (keys.length > 30) return null;
    var out = {};
    for (var i = 0; i < keys.length; i++) {
      if (!NAME.test(keys[i]) || !isSettingValue(v[keys[i]])) return null;
      out[keys[i]] = Array.isArray(v[keys[i]]) ? v[keys[i]].slice() : v[keys[i]];
    }
    return out;
  }

  // The settings and seed a training message may carry; false when they are malformed.
  function withRun(data, out) {
    if (data.settings === undefined && data.seed === undefined) return true;
    var settings = settingsOf(data.settings);
    if (!settings || !isWhole(data.seed, 0, 2147483647) || settings.seed !== data.seed) return false;
    out.settings = settings;
    out.seed = data.seed;
    return true;
  }

  // The validated fields of a message, copied (never the sender's object), or null.
  function check(data) {
    if (!data || typeof data !== "object" || data.source !== "scratchnet") return null;
    var out = { type: data.type };
    if (data.id !== undefined) {
      if (typeof data.id !== "string" || !/^[A-Za-z0-9_.:-]{1,64}$/.test(data.id)) return null;
      out.id = data.id;
    }
    switch (data.type) {
      case "ready":
        return out;
      case "resize":
        if (!isNumber(data.height) || data.height <= 0 || data.height > MAX_HEIGHT) return null;
        out.height = Math.ceil(data.height);
        return out;
      case "prediction":
        if (!isWhole(data.digit, 0, 9) || !Array.isArray(data.probabilities) || data.probabilities.length !== 10 ||
            !data.probabilities.every(isProbability)) return null;
        out.digit = data.digit;
        out.probabilities = data.probabilities.slice();
        return out;
      case "epoch":
        if (!isWhole(data.epoch, 1, 1e6) || !isWhole(data.epochs, 1, 1e6) || !isNumberOrNull(data.loss) ||
            !isNumberOrNull(data.testLoss) || !(data.testAccuracy === null || isProbability(data.testAccuracy))) return null;
        out.epoch = data.epoch;
        out.epochs = data.epochs;
        out.loss = data.loss;
        out.testLoss = data.testLoss;
        out.testAccuracy = data.testAccuracy;
        return withRun(data, out) ? out : null;
      case "trainingDone":
        if (REASONS.indexOf(data.reason) < 0 || !isWhole(data.epoch, 0, 1e6) ||
            !(data.testAccuracy === null || isProbability(data.testAccuracy))) return null;
        out.reason = data.reason;
        out.epoch = data.epoch;
        out.testAccuracy = data.testAccuracy;
        return withRun(data, out) ? out : null;
      case "lessonStep":
        if (!isText(data.lesson, 40) || !LESSON.test(data.lesson) || !isWhole(data.steps, 1, 100) ||
            !isWhole(data.step, 0, data.steps - 1) || !isText(data.title, 120)) return null;
        out.lesson = data.lesson;
        out.step = data.step;
        out.steps = data.steps;
        out.title = data.title;
        return out;
      case "goalReached":
        if (!isText(data.lesson, 40) || !LESSON.test(data.lesson) || !isWhole(data.step, 0, 99) ||
            !isText(data.goal, 200)) return null;
        out.lesson = data.lesson;
        out.step = data.step;
        out.goal = data.goal;
        return out;
      case "commandRefused":
        if (!isText(data.command, 40) || !isText(data.reason, 400)) return null;
        out.command = data.command;
        out.reason = data.reason;
        return out;
      case "exerciseChecked":
        if (EXERCISES.indexOf(data.exercise) < 0 || typeof data.passed !== "boolean" ||
            !(data.maxRelError === null || (isNumber(data.maxRelError) && data.maxRelError >= 0))) return null;
        out.exercise = data.exercise;
        out.passed = data.passed;
        out.maxRelError = data.maxRelError;
        return out;
      default:
        return null;
    }
  }

  function originOf(frame) {
    try {
      return new URL(frame.src, document.baseURI).origin;
    } catch {
      return null;
    }
  }

  // The ScratchNet iframe (marked data-scratchnet) on this page whose window sent the message, if any.
  function frameOf(source) {
    var frames = document.querySelectorAll("iframe[data-scratchnet]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === source) return frames[i];
    }
    return null;
  }

  window.addEventListener("message", (event) => {
    var frame = frameOf(event.source);
    if (!frame || event.origin !== originOf(frame)) return;
    var detail = check(event.data);
    if (!detail) return;
    if (detail.type === "resize") frame.style.height = `${detail.height}px`;
    frame.dispatchEvent(new CustomEvent("scratchnet", { bubbles: true, detail: detail }));
  });

  // Frames that started before this script arrived have sent their height already: ask again.
  // The request carries nothing private, so "*" is fine: a frame still loading just drops it.
  function hello() {
    var frames = document.querySelectorAll("iframe[data-scratchnet]");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow) frames[i].contentWindow.postMessage({ source: "scratchnet-host", type: "hello" }, "*");
    }
  }

  // Sends a command to a ScratchNet iframe, to that iframe's own origin only; the frame checks it
  // again and answers "commandRefused" if it cannot carry it out.
  function send(frame, command) {
    var origin = originOf(frame);
    if (!frame?.contentWindow || !origin || origin === "null") return false;
    var message = { source: "scratchnet-host" };
    for (var key in command) if (Object.hasOwn(command, key) && key !== "source") message[key] = command[key];
    frame.contentWindow.postMessage(message, origin);
    return true;
  }

  window.ScratchNetHost = { check: check, hello: hello, send: send };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", hello);
  else hello();
})();
