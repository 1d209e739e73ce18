// The lessons' Markdown (web/js/course/markdown.js): a small, safe subset, as plain data.

import assert from "node:assert/strict";
import { test } from "node:test";

import { parseInline, parseMarkdown } from "../../web/js/course/markdown.js";

test("paragraphs and lists become blocks", () => {
  const blocks = parseMarkdown("One line.\n\n- a\n- b");
  assert.equal(blocks.length, 2);
  assert.equal(blocks[0].type, "p");
  assert.equal(blocks[1].type, "ul");
  assert.equal(blocks[1].items.length, 2);
});

test("markup and links that are not plain http(s) stay text", () => {
  const html = JSON.stringify(parseInline("<img src=x onerror=alert(1)> [x](javascript:alert(1))"));
  assert.doesNotMatch(html, /"type":"a".*javascript/);
  assert.match(html, /<img src=x/); // kept as text, never as markup
});
