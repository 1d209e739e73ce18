// Model files: "Download model" saves the current model as .npz; "Load model…" replaces it with
// one from a file, through the run controller (a running loop stops first). A file that cannot be
// used is refused with Python's reason, and the current model is kept.

import { saveFile } from "../widgets/save-file.js";

const $ = (id) => document.getElementById(id);

async function download({ client, current, report }) {
  try {
    const bytes = await client.exportModel();
    const model = current();
    saveFile(bytes, `scratchnet-${model.name}-${model.layers.join("-")}.npz`);
  } catch (err) {
    report(err);
  }
}

async function loadFile(event, { controller, notify, clearNotice, report, progress }) {
  const file = event.target.files[0];
  event.target.value = ""; // choosing the same file again still fires "change"
  if (!file) return;
  try {
    const reply = await controller.loadModel(new Uint8Array(await file.arrayBuffer()));
    if (!reply.ok) {
      const reason = String(reply.error).trim();
      notify(`Could not load "${file.name}": ${reason}${/[.!?]$/.test(reason) ? "" : "."} The current model is kept.`);
      return;
    }
    clearNotice();
    progress.reset();
  } catch (err) {
    report(err);
  }
}

/** Wire the download and load buttons; deps: {client, controller, current, notify, clearNotice, report, progress}. */
export function wireModelFiles(deps) {
  $("download").addEventListener("click", () => download(deps));
  $("load").addEventListener("click", () => $("load-file").click());
  $("load-file").addEventListener("change", (event) => loadFile(event, deps));
}
