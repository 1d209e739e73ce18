// Commands a course page may send to an embedded ScratchNet, checked for their exact shape before
// anything is done with them. embed.js takes them only from the parent window (and only from the
// host= origin when one is given); the wiring module carries them out. Values are checked again
// there, against the settings' own rules, exactly as a link's are.
//
//   {source: "scratchnet-host", type: "hello"}                        re-send the height
//   {source: "scratchnet-host", type: "set", settings: {name: value}}  change settings
//   {source: "scratchnet-host", type: "train" | "stop" | "reset"}
//   {source: "scratchnet-host", type: "lesson", name: "journey", step?: 0}    a lesson of this site
//   {source: "scratchnet-host", type: "lesson", lesson: {...}, name?, step?}  the course's own lesson

const NAME = /^[a-z][a-z0-9_]{0,39}$/;
const LESSON = /^[a-z0-9][a-z0-9-]{0,39}$/;
const MAX_SETTINGS = 30;
const MAX_LESSON_CHARS = 200_000;
const SHAPES = { hello: [], train: [], stop: [], reset: [], set: ["settings"], lesson: ["name", "lesson", "step"] };

const isPlainObject = (v) => v !== null && typeof v === "object" && Object.getPrototypeOf(v) === Object.prototype;
const isValue = (v) => typeof v === "string" ? v.length <= 200
  : typeof v === "number" ? Number.isFinite(v)
    : Array.isArray(v) && v.length <= 16 && v.every((x) => Number.isInteger(x));

/**
 * Read a message from the course page: null when it is not a command at all (someone else's
 * message), {error} when it is a malformed command, else {command: {type, ...}} (a copy).
 */
export function readCommand(data) {
  if (!isPlainObject(data) || data.source !== "scratchnet-host") return null;
  const type = data.type;
  if (!Object.hasOwn(SHAPES, type)) return { error: `"${String(type).slice(0, 40)}" is not a command (use ${Object.keys(SHAPES).join(", ")})` };
  const extra = Object.keys(data).filter((k) => k !== "source" && k !== "type" && !SHAPES[type].includes(k));
  if (extra.length) return { error: `a "${type}" command has no "${extra[0].slice(0, 40)}"` };
  if (type === "set") {
    const settings = data.settings;
    if (!isPlainObject(settings) || !Object.keys(settings).length || Object.keys(settings).length > MAX_SETTINGS) {
      return { error: `"set" needs settings: an object of 1 to ${MAX_SETTINGS} settings by name` };
    }
    for (const [name, value] of Object.entries(settings)) {
      // Names are checked against the settings themselves where they are carried out (course-hooks.js).
      if (!NAME.test(name)) return { error: `${JSON.stringify(name.slice(0, 40))} is not a setting` };
      if (!isValue(value)) return { error: `${name} must be a number, text (up to 200 characters) or a list of up to 16 whole numbers` };
    }
    return { command: { type, settings: { ...settings } } };
  }
  if (type === "lesson") {
    const step = data.step === undefined ? 0 : data.step;
    if (!Number.isInteger(step) || step < 0 || step > 99) return { error: `"lesson" step must be a whole number from 0` };
    if (data.name !== undefined && (typeof data.name !== "string" || !LESSON.test(data.name))) {
      return { error: `"lesson" name must be a lesson's name (lowercase letters, digits, dashes)` };
    }
    if (data.lesson === undefined) {
      if (data.name === undefined) return { error: `"lesson" needs a name, or a lesson document` };
      return { command: { type, name: data.name, step } };
    }
    let text;
    try {
      text = JSON.stringify(data.lesson);
    } catch {
      text = null;
    }
    if (!isPlainObject(data.lesson) || !text || text.length > MAX_LESSON_CHARS) {
      return { error: `"lesson" lesson must be a lesson document (JSON, at most ${MAX_LESSON_CHARS} characters)` };
    }
    return { command: { type, lesson: JSON.parse(text), name: data.name || "course-lesson", step } };
  }
  return { command: { type } };
}
