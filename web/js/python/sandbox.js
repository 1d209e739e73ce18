// One Python worker in a sandbox of its own: a hidden sandboxed <iframe> (see
// sandbox.html) starts the worker from the code the page hands it, and gives it one end of a
// MessageChannel; the page keeps the other. Removing the frame ends the worker and frees its memory.

import { inOtherOriginsFrame } from "../shell/offline.js";

const READY_LIMIT_MS = 30000; // the frame said nothing this long after it loaded: it cannot start

/**
 * Starts `source` (the worker's code, as text) in a new sandbox frame. Returns {port, failed,
 * close}: `port` talks to the worker; `failed` is a promise that rejects (with an Error) if the
 * sandbox or the worker cannot start or the worker throws at top level; close() ends it all.
 */
export function openSandbox(source, name) {
  const frame = document.createElement("iframe");
  // Browsers let no service worker serve a frame sandboxed by its attribute, so offline it could
  // not load. A page served by the offline worker (sw.js) gets the frame from that worker, which
  // sandboxes it by its header, `Content-Security-Policy: sandbox allow-scripts`, just the same
  // (and sandbox.html refuses to run anywhere but in an opaque origin).
  if (!navigator.serviceWorker?.controller || inOtherOriginsFrame()) frame.setAttribute("sandbox", "allow-scripts");
  frame.hidden = true;
  frame.title = "Python sandbox";
  frame.setAttribute("aria-hidden", "true");
  frame.tabIndex = -1;
  frame.dataset.sandbox = name;
  const channel = new MessageChannel();
  let fail;
  const failed = new Promise((_, reject) => (fail = reject));
  failed.catch(() => {}); // observed by whoever uses the port
  let timer = 0;
  let ready = false;

  function onMessage(event) {
    if (event.source !== frame.contentWindow || !event.data || typeof event.data !== "object") return;
    const { scratchnet, message, why } = event.data;
    if (scratchnet === "sandbox-ready" && !ready) {
      ready = true;
      clearTimeout(timer);
      frame.contentWindow.postMessage({ scratchnet: "start", source, port: channel.port2, name }, "*", [channel.port2]);
    } else if (scratchnet === "worker-error") {
      fail(new Error(`the Python worker stopped (${String(message).slice(0, 200)})`));
    } else if (scratchnet === "sandbox-refused") {
      fail(new Error(`the Python sandbox refused to start (${String(why).slice(0, 200)})`));
    }
  }
  addEventListener("message", onMessage);
  // The frame's script says it is ready before its load event: a frame that loaded and said
  // nothing did not get its script (say, a host's policy blocked it).
  frame.addEventListener("load", () => {
    if (!ready) timer = setTimeout(() => fail(new Error("the Python sandbox (sandbox.html) could not be loaded")), READY_LIMIT_MS);
  });
  const url = new URL("sandbox.html", document.baseURI);
  // The build this page was served from (shell/offline.js): the offline worker serves the frame from it too.
  const build = globalThis.scratchnetOffline?.version;
  if (build && navigator.serviceWorker?.controller) url.searchParams.set("build", build);
  frame.src = url.href;
  document.body.append(frame);

  return {
    port: channel.port1,
    failed,
    close() {
      clearTimeout(timer);
      removeEventListener("message", onMessage);
      channel.port1.close();
      frame.remove();
    },
  };
}
