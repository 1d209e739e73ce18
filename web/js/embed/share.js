// Sharing: "Copy link" (a link that reopens these settings) and "Copy embed code" (an <iframe>
// for a course page, with the optional script that fits its height). On the full page an
// instructor picks what the widget shows and whether its settings are locked; inside an embed the
// code reproduces the embed as it is. When the clipboard is out of reach (a frame without
// allow="clipboard-write"), the text is shown selected, ready to copy by hand.

import { PANELS } from "../state/view.js";
import { contentHeight, viewTitle } from "./embed.js";
import { createSettingPicker } from "./share-picker.js";

// Rough heights of the compact panels, for the iframe's starting height before it is fitted.
const PANEL_HEIGHT = { draw: 760, train: 1000, code: 800, eval: 700, inspect: 2400, weights: 420, playground: 1100 };
const EMBED_ONLY = { embed: false, host: "", id: "" };

const $ = (id) => document.getElementById(id);

/** The app's address without its hash. */
export function appAddress() {
  const url = new URL(location.href);
  url.hash = "";
  return url.href;
}

// Text for an HTML attribute value in double quotes.
const attribute = (text) => String(text).replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/** The HTML a course page pastes in: the iframe and, on its own line, the optional resize script. */
export function embedCode(src, { title, height, script }) {
  return `<iframe src="${attribute(src)}" title="${attribute(title)}" width="100%" height="${Math.round(height)}" ` +
    `style="border: 0; max-width: 100%;" allow="clipboard-write" loading="lazy" data-scratchnet></iframe>\n` +
    `<script src="${attribute(script)}" async></script>`;
}

/**
 * Wire the share controls. view: the page's view; hashFor(view) encodes the current settings
 * with a view; fields: the settings ([{name, label}]) for the lock and hide picker. Returns
 * update(): call it after the settings change.
 */
export function createSharePanel(view, hashFor, fields = []) {
  const output = $("share-output");
  const status = $("share-status");
  const options = $("embed-options");
  options.hidden = view.embed; // an embed reproduces itself; choosing is for the full page
  const refresh = () => {
    if (!output.hidden && output.value.startsWith("<iframe")) output.value = code();
  };
  const picker = createSettingPicker($("embed-settings"), fields, view, () => {}); // its boxes are inputs of the options below

  function embedView() {
    if (view.embed) return view;
    const panels = PANELS.filter((p) => options.querySelector(`input[value="${p}"]`).checked);
    const lock = $("embed-lock").checked ? ["all"] : [...new Set([...view.lock, ...picker.locked()])];
    const hide = [...new Set([...view.hide, ...picker.hidden()])];
    const layout = $("embed-compact").checked ? "compact" : view.layout;
    return { ...view, embed: true, panels: panels.length ? panels : ["draw"], lock, hide, layout };
  }

  const link = () => appAddress() + hashFor({ ...view, ...EMBED_ONLY });

  function code() {
    const chosen = embedView();
    const height = view.embed ? contentHeight() : 60 + chosen.panels.reduce((sum, p) => sum + PANEL_HEIGHT[p], 0);
    return embedCode(appAddress() + hashFor(chosen), {
      title: viewTitle(chosen.panels), height, script: new URL("embed-host.js", appAddress()).href,
    });
  }

  async function copy(text, what) {
    output.value = text;
    output.hidden = false;
    try {
      await navigator.clipboard.writeText(text);
      status.textContent = `${what} copied to the clipboard.`;
    } catch {
      output.focus();
      output.select();
      status.textContent = `This page may not use the clipboard, so the ${what.toLowerCase()} is selected below: press Ctrl+C (⌘C on a Mac) to copy it.`;
    }
  }

  $("copy-link").disabled = false;
  $("copy-embed").disabled = false;
  $("copy-link").addEventListener("click", () => copy(link(), "Link"));
  $("copy-embed").addEventListener("click", () => copy(code(), "Embed code"));
  for (const input of options.querySelectorAll("input")) input.addEventListener("change", refresh);
  for (const input of options.querySelectorAll("input[name=embed-panel]")) input.checked = view.panels.includes(input.value);

  const openFull = $("open-full");
  openFull.hidden = !view.embed;
  return function update() {
    openFull.href = link();
  };
}
