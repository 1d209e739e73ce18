// The page's reading of settings from links and controls (web/js/state/settings.js), against the table of
// cases that tests/test_config.py also runs through Python's validate_config.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import { parseField, readSettings, settingsToHash } from "../../web/js/state/settings.js";

const table = JSON.parse(readFileSync(new URL("../settings_cases.json", import.meta.url)));
const schema = JSON.parse(readFileSync(process.env.SCRATCHNET_SCHEMA ?? new URL("../../.cache/settings-schema.json", import.meta.url)));
const field = (name) => schema.find((f) => f.name === name);

for (const { setting, text, value } of table.cases) {
  test(`${setting} = ${JSON.stringify(text)} ${value === null ? "is refused" : `reads as ${JSON.stringify(value)}`}`, () => {
    const read = parseField(field(setting), text);
    if (value === null) {
      assert.ok("error" in read, JSON.stringify(read));
      assert.match(read.error, /\S/);
    } else {
      assert.deepEqual(read, { value });
    }
  });
}

test("a link's settings are read strictly: good ones kept, each bad one named, unknown keys reported", () => {
  const { values, problems } = readSettings("#learning_rate=0.5&epochs=zero&constructor=1", schema, null);
  assert.deepEqual(values, { learning_rate: 0.5 });
  assert.equal(problems.length, 2);
  assert.match(problems[0], /Epochs/);
  assert.match(problems[1], /"constructor", which is not a setting/);
});

test("settings go into a link and come back the same", () => {
  const defaults = Object.fromEntries(schema.map((f) => [f.name, f.default]));
  const settings = { recipe: "", config: { ...defaults, learning_rate: 0.05, hidden_sizes: [64, 32] } };
  const hash = settingsToHash(settings, defaults);
  assert.deepEqual(readSettings(hash, schema, null).values, { learning_rate: 0.05, hidden_sizes: [64, 32] });
});
