// The settings panel: the controls built from the bridge's schema, filled from the URL hash (each
// refused value named in a notice, its default kept), written back to the hash as the learner
// changes them, shared through "Copy link" and the embed code, and checked by Python too.

import { buildControls } from "./controls.js";
import { createSharePanel } from "../embed/share.js";
import { createSettings, readSettings, settingsToHash } from "../state/settings.js";
import { checkViewNames } from "../state/view.js";
import { applyView } from "../embed/embed.js";

const $ = (id) => document.getElementById(id);

/**
 * info: the bridge's init() answer (schema, recipes, default_config). view: the page's view.
 * validate(config) asks Python ({ok, errors}); onChange() after every edit; notify(text) for
 * the URL's refused values. Returns {current() -> {config, errors, recipe}, showErrors(errors)}.
 */
export function createSettingsPanel(info, view, { validate, onChange, notify, extraParams = () => ({}) }) {
  const checked = checkViewNames(view, info.schema.map((f) => f.name));
  Object.assign(view, checked.view);
  applyView(view);
  const fromUrl = readSettings(location.hash, info.schema, info.recipes);
  const problems = [...checked.problems, ...fromUrl.problems];
  if (problems.length) notify(problems.join(" "));

  const settings = createSettings(info.default_config);
  // The hash also holds other panels' settings (the playground's pg_ keys): kept as they are.
  const hashFor = (v) => settingsToHash(settings, info.default_config, v, { keep: location.hash, extra: extraParams() });
  const updateShare = createSharePanel(view, hashFor, info.schema);
  let timer = 0;
  let seq = 0;

  function changed({ config, errors, recipe }) {
    settings.recipe = recipe;
    Object.assign(settings.config, config);
    if (!Object.keys(errors).length) {
      writeHash();
      // The Python side has the last word (it may know rules the schema cannot express).
      clearTimeout(timer);
      const mine = ++seq;
      timer = setTimeout(async () => {
        const result = await validate(config).catch(() => null);
        if (result && !result.ok && mine === seq) showErrors(result.errors);
      }, 250);
    }
    onChange();
  }

  function writeHash() {
    history.replaceState(null, "", hashFor(view) || location.pathname + location.search);
    updateShare();
  }

  // The link's locks come from the course page that embeds this one, or from the link itself.
  const lockedBy = window.parent !== window ? "the page this one is embedded in" : "this page's link";
  const controls = buildControls($("fields"), $("recipe"), info.schema, info.recipes, {
    onChange: changed, locked: view.lock, hidden: view.hide, lockedBy,
  });

  // Python's verdict on the settings: at each control, and anything else under the form.
  function showErrors(errors) {
    const general = controls.showErrors(errors || {});
    if (general.length) $("form-error").textContent = general.join(" ");
  }

  // The settings a link gives, over the defaults (or its recipe), or over the current ones (a
  // lesson's step, say) with `over`; returns what it refused.
  function useLink(hash, over = false) {
    const link = readSettings(hash, info.schema, info.recipes);
    if (link.recipe) controls.useRecipe(link.recipe);
    else if (!over) controls.set(info.default_config);
    if (Object.keys(link.values).length) controls.set(link.values);
    return link.problems;
  }

  useLink(location.hash); // its problems were noted above, with the view's
  return {
    current: () => controls.current(),
    showErrors,
    /** Write the URL hash again (after what extraParams() gives has changed). */
    refresh: () => {
      if (!Object.keys(controls.current().errors).length) writeHash();
    },
    /** Set settings (all of them, locked ones too: a lesson's or the host page's choice). */
    set: (values) => controls.set(values),
    /** A lesson step's settings and what it locks and hides, on top of the link's own locks. */
    applyStep({ values, lock = [], hide = [] }) {
      controls.setAccess({ locked: [...view.lock, ...lock], hidden: [...view.hide, ...hide], lesson: lock });
      controls.set(values);
    },
    /** Write the settings and the view (after the view changed) into the URL hash. */
    writeHash,
    /**
     * A link typed or pasted into the open tab: its hide= and lock= checked as on opening, its
     * settings used as on opening (those it leaves out at their defaults; with `over`, at their
     * current values: the open lesson's step's). Returns the problems.
     */
    applyLink(hash, { over = false } = {}) {
      const names = checkViewNames(view, info.schema.map((f) => f.name));
      Object.assign(view, names.view);
      controls.setAccess({ locked: view.lock, hidden: view.hide });
      return [...names.problems, ...useLink(hash, over)];
    },
  };
}
