// Reading a URL hash strictly: its parameters (a key given twice is refused), lists of names, and
// the problems found, each quoted back shortened and never interpreted, capped so that a hostile
// link stays one line.

const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const SHOWN_MAX = 40; // longest piece of a refused value quoted back in a notice
const SHOWN_PROBLEMS = 5; // problems a notice lists before "and N more": a hostile link stays one line

// A piece of the URL quoted back to the reader: shortened, never interpreted.
export function quote(text) {
  const s = String(text);
  return JSON.stringify(s.length > SHOWN_MAX ? `${s.slice(0, SHOWN_MAX)}…` : s);
}

// At most SHOWN_PROBLEMS problems, then one line counting the rest.
export function capped(problems) {
  if (problems.length <= SHOWN_PROBLEMS) return problems;
  const more = problems.length - SHOWN_PROBLEMS;
  return [...problems.slice(0, SHOWN_PROBLEMS), `…and ${more} more ${more === 1 ? "problem" : "problems"} with the link, refused the same way.`];
}

// The hash's parameters, with keys given more than once refused (which one would be meant?).
export function readParams(hash, problems) {
  const params = new URLSearchParams(String(hash).replace(/^#/, ""));
  const values = new Map();
  const repeated = new Set();
  for (const [key, value] of params) {
    if (values.has(key)) repeated.add(key);
    values.set(key, value);
  }
  for (const key of repeated) {
    problems.push(`The link gives ${quote(key)} more than once; none of its values is used.`);
    values.delete(key);
  }
  return values;
}

// A comma-separated list of names; null when any item is not a plain name.
export function nameList(text) {
  const items = text.split(",").map((s) => s.trim()).filter((s) => s !== "");
  return items.every((s) => NAME.test(s)) ? [...new Set(items)] : null;
}
