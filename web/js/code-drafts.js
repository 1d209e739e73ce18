// The learner's drafts of the exercises: kept in this browser (localStorage) and carried by the
// link as #code=<base64url of JSON {exercise: source}>. Only known exercise names and text under
// a size limit are taken; anything else in a link is ignored with the rest of the drafts kept.

export const EXERCISES = [
  "dense_forward", "dense_backward", "relu_forward", "relu_backward", "sigmoid_forward", "sigmoid_backward",
  "tanh_forward", "tanh_backward", "softmax_cross_entropy", "sgd_step", "momentum_step",
];
const KEY = "scratchnet.code";
const MAX_CHARS = 20000; // per draft

function valid(object) {
  if (!object || typeof object !== "object" || Array.isArray(object)) return {};
  return Object.fromEntries(Object.entries(object)
    .filter(([name, source]) => EXERCISES.includes(name) && typeof source === "string" && source.length <= MAX_CHARS));
}

/** base64url of UTF-8 text, and back (null when it is not). */
export function encodeText(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function decodeText(text) {
  try {
    const binary = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
  } catch {
    return null;
  }
}

function linked(hash) {
  const value = new URLSearchParams(String(hash).replace(/^#/, "")).get("code");
  if (!value) return {};
  const text = decodeText(value);
  try {
    return text == null ? {} : valid(JSON.parse(text));
  } catch {
    return {};
  }
}

export const drafts = {
  /** The drafts: this browser's, with the link's on top. */
  load(hash) {
    let stored = {};
    try {
      stored = valid(JSON.parse(localStorage.getItem(KEY) || "{}"));
    } catch {
      stored = {};
    }
    return { ...stored, ...linked(hash) };
  },
  /** The exercises whose code came in the link. */
  fromLink: (hash) => Object.keys(linked(hash)),
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
