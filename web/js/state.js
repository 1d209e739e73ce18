// The one settings object: every training setting (seed included) and the chosen recipe.
// It knows nothing of the page or the worker, and round-trips through the URL hash so a
// configuration can be bookmarked or shared ("#recipe=default&learning_rate=0.01").

/** Create the settings object from the bridge's default config. */
export function createSettings(defaultConfig, recipe = "") {
  return { recipe, config: structuredClone(defaultConfig) };
}

/** Write a value the way a person would type it into its control ("256,128", "0.001"). */
export function formatValue(value) {
  if (Array.isArray(value)) return value.join(",");
  return String(value);
}

/** Encode settings as a URL hash, listing only what differs from the defaults. */
export function settingsToHash(settings, defaultConfig) {
  const params = new URLSearchParams();
  if (settings.recipe) params.set("recipe", settings.recipe);
  for (const [name, value] of Object.entries(settings.config)) {
    if (formatValue(value) !== formatValue(defaultConfig[name])) params.set(name, formatValue(value));
  }
  const text = params.toString();
  return text ? "#" + text : "";
}

/** Read a URL hash into {recipe, texts}: raw typed-in strings per field, for the controls to check. */
export function settingsFromHash(hash, fieldNames) {
  const params = new URLSearchParams(hash.replace(/^#/, ""));
  const texts = {};
  for (const name of fieldNames) {
    if (params.has(name)) texts[name] = params.get(name);
  }
  return { recipe: params.get("recipe") || "", texts };
}
