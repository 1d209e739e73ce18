// The learner's drafts of the exercises, and code that arrives in a link. Drafts are kept in this
// browser (localStorage). A link carries code as #code=<base64url of JSON {exercise: source}>;
// that code is read here, checked, and handed back apart from the drafts, with what was wrong with
// the value in plain words: it is never saved as a draft here (the code panel does that only when
// the learner adopts it). It leaves out showing and running code (code-panel.js).

export const EXERCISES = [
  "dense_forward", "dense_backward", "relu_forward", "relu_backward", "sigmoid_forward", "sigmoid_backward",
  "tanh_forward", "tanh_backward", "softmax_cross_entropy", "sgd_step", "momentum_step",
];
const KEY = "scratchnet.code";
const MAX_CHARS = 20000; // per draft
// The whole code= value: every exercise at its limit, as UTF-8 (up to 3 bytes a character) in base64.
const MAX_PARAM_CHARS = Math.ceil((EXERCISES.length * (MAX_CHARS * 3 + 40) * 4) / 3);
const BASE64URL = /^[A-Za-z0-9_-]*$/;

const isText = (source) => typeof source === "string" && source.length <= MAX_CHARS;
const isObject = (value) => value !== null && typeof value === "object" && !Array.isArray(value);

// The entries of `object` that are drafts (a known exercise, text under the limit).
function valid(object) {
  if (!isObject(object)) return {};
  return Object.fromEntries(Object.entries(object).filter(([name, source]) => EXERCISES.includes(name) && isText(source)));
}

// base64url of UTF-8 text.
function encodeText(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

// {text} or {error}: which of base64url and UTF-8 the value is not.
function decodeBase64url(value) {
  if (!BASE64URL.test(value) || value.length % 4 === 1) return { error: "it is not base64url text" };
  let bytes;
  try {
    bytes = Uint8Array.from(atob(value.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  } catch {
    return { error: "it is not base64url text" };
  }
  try {
    return { text: new TextDecoder("utf-8", { fatal: true }).decode(bytes) };
  } catch {
    return { error: "it is not UTF-8 text" };
  }
}

const quote = (name) => JSON.stringify(String(name).slice(0, 40));

/**
 * The code a link carries: {code: {exercise: source}, problems: [sentence]}. Each problem says in
 * plain words what was left out and why; the rest of the link's code is kept.
 */
export function readLinkCode(hash) {
  const value = new URLSearchParams(String(hash).replace(/^#/, "")).get("code");
  if (!value) return { code: {}, problems: [] };
  const refuse = (why) => ({ code: {}, problems: [`The link's code was left out: ${why}.`] });
  if (value.length > MAX_PARAM_CHARS) return refuse(`it is longer than ${MAX_PARAM_CHARS} characters`);
  const decoded = decodeBase64url(value);
  if (decoded.error) return refuse(decoded.error);
  let object;
  try {
    object = JSON.parse(decoded.text);
  } catch {
    return refuse("it is not JSON");
  }
  if (!isObject(object)) return refuse("it is not a list of exercises with their code");
  const code = {};
  const problems = [];
  for (const [name, source] of Object.entries(object)) {
    if (!EXERCISES.includes(name)) problems.push(`The link has code for ${quote(name)}, which is not an exercise; it was left out.`);
    else if (typeof source !== "string") problems.push(`The link's code for ${name} is not text; it was left out.`);
    else if (source.length > MAX_CHARS) problems.push(`The link's code for ${name} is longer than ${MAX_CHARS} characters; it was left out.`);
    else code[name] = source;
  }
  return { code, problems };
}

export const drafts = {
  /** The drafts kept in this browser ({} when there are none or storage is out of reach). */
  load() {
    try {
      return valid(JSON.parse(localStorage.getItem(KEY) || "{}"));
    } catch {
      return {};
    }
  },
  save(all) {
    try {
      localStorage.setItem(KEY, JSON.stringify(valid(all)));
    } catch {
      // Storage may be full or refused (private windows): the drafts still live in the link.
    }
  },
  /** The URL parameter value for the drafts ("" when there are none). */
  param: (all) => (Object.keys(valid(all)).length ? encodeText(JSON.stringify(valid(all))) : ""),
};
