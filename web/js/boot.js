// Entry point: checks that this browser can run ScratchNet, then loads the app.
// Any failure to load the app's own files ends in a plain-words message, never a blank page, which
// tells a file that did not download from code that failed to run (shell/load-failure.js).

import { showFatal } from "./shell/fatal.js";
import { explainImportFailure, failedToRun } from "./shell/load-failure.js";

function missingFeature() {
  if (typeof WebAssembly !== "object" || typeof WebAssembly.instantiate !== "function") {
    return "This browser cannot run WebAssembly, which ScratchNet needs to run Python. " +
      "Please use a recent Chrome, Edge, Firefox or Safari, and check that WebAssembly is not switched off.";
  }
  try {
    new WebAssembly.Module(new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0])); // the smallest valid module
  } catch {
    // A Content-Security-Policy without 'wasm-unsafe-eval' forbids compiling; Pyodide would hang.
    return "This site's Content-Security-Policy does not allow WebAssembly, which ScratchNet needs to run Python. " +
      "Whoever runs the site can allow it by adding 'wasm-unsafe-eval' to script-src (see \"Embedding in a course page\" in ScratchNet's README).";
  }
  if (typeof Worker !== "function") {
    return "This browser cannot run background workers (Web Workers), which ScratchNet needs. " +
      "Please use a recent Chrome, Edge, Firefox or Safari.";
  }
  return null;
}

async function loadApp() {
  const entry = new URL("./main.js", import.meta.url);
  let app;
  try {
    app = await import(entry.href);
  } catch (err) {
    const { message, hint } = await explainImportFailure(err, entry);
    showFatal(message, hint);
    return;
  }
  try {
    await app.start();
  } catch (err) {
    const { message, hint } = failedToRun(err);
    showFatal(message, hint);
  }
}

const problem = missingFeature();
if (problem) showFatal(problem);
else loadApp();
