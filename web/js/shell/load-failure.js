// Why the app's own code did not start, in words a learner can act on. A file that did not
// download (no network, or a site without that file) is told apart from code that downloaded but
// failed to run, since browsers give both as one failed import(), and the advice differs.

const NETWORK_HINT = "Check your connection and reload the page. If it keeps failing, the site may be down.";
const MISSING_HINT = "The site does not have this file: if you built this site yourself, run `python3 build.py build` and reload. " +
  "Otherwise it may be only partly uploaded; try again later.";
const RUN_HINT = "Try reloading the page. If you built this site yourself, run `python3 build.py build` and reload; if it keeps " +
  "failing, this browser may be too old for ScratchNet: please use a recent Chrome, Edge, Firefox or Safari.";

const detail = (err) => String(err?.message ? err.message : err);
const shortPath = (url) => url.pathname.split("/").slice(-2).join("/");

// The modules `text` imports when it loads (dynamic imports come later, when they are used).
function staticImports(text, base) {
  const found = text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']|^\s*import\s*["']([^"']+)["']/gm);
  return [...found].map((m) => m[1] || m[2]).filter((s) => /^\.{1,2}\//.test(s)).map((s) => new URL(s, base));
}

// Fetches `url` anew: {text} if it downloaded, else {message, hint}.
async function download(url) {
  let response;
  try {
    response = await fetch(url, { cache: "no-store" });
  } catch (err) {
    return { message: `Part of the page's own code could not be loaded: ${shortPath(url)} did not download (${detail(err)}).`, hint: NETWORK_HINT };
  }
  if (!response.ok) {
    return {
      message: `Part of the page's own code could not be loaded: the site has no ${shortPath(url)} (the server answered ${response.status}).`,
      hint: MISSING_HINT,
    };
  }
  return { text: await response.text() };
}

/** {message, hint} for code of the page that ran and threw. */
export function failedToRun(err) {
  return { message: `Part of the page's own code failed to run (${detail(err)}).`, hint: RUN_HINT };
}

/** {message, hint} for a failed import() of the module at `entry` (a URL): downloads it and the
 * modules it imports again to find one that does not download; if they all do, its code failed. */
export async function explainImportFailure(err, entry) {
  if (err instanceof SyntaxError) return failedToRun(err);
  const got = await download(entry);
  if (!got.text) return got;
  for (const url of staticImports(got.text, entry)) {
    const dependency = await download(url);
    if (!dependency.text) return dependency;
  }
  return failedToRun(err);
}
