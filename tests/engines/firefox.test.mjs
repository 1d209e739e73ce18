// The smoke story in Firefox (engine_story.py tells it), driven by Puppeteer over WebDriver BiDi:
// boot, the inspector, two drawn digits, Check on the learner's dense_backward, one seeded epoch
// against the native run, then a repeat visit that starts from the memory snapshot.
// Run by test_firefox.py, or alone: node --test tests/engines/firefox.test.mjs (after a build).
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import puppeteer from "puppeteer-core";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const DIST = resolve(process.env.SCRATCHNET_DIST || join(ROOT, "dist"));
const PYTHON = process.env.SCRATCHNET_PYTHON || join(ROOT, ".venv", "bin", "python");
const FIREFOX = process.env.SCRATCHNET_FIREFOX || "/usr/bin/firefox-esr";
const BOOT_MS = 240_000; // a loaded 2-core machine
const STEP_MS = 120_000;
const IDLE = "[data-testid=status][data-state=ready][data-busy=false]";

let server;
let browser;
let base;
let story;

function freePort() {
  return new Promise((done) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address();
      probe.close(() => done(port));
    });
  });
}

before(async () => {
  assert.ok(existsSync(join(DIST, "manifest.json")), `no build in ${DIST}: run python3 build.py build first`);
  assert.ok(existsSync(FIREFOX), `no Firefox at ${FIREFOX}: install Debian's firefox-esr`);
  story = JSON.parse(execFileSync(PYTHON, [join(ROOT, "tests", "engines", "engine_story.py"), DIST], { cwd: ROOT }));
  const port = await freePort();
  server = spawn(PYTHON, ["-m", "http.server", String(port), "--bind", "127.0.0.1", "--directory", DIST], {
    stdio: "ignore",
  });
  base = `http://127.0.0.1:${port}/`;
  for (let tries = 0; ; tries++) {
    try {
      if ((await fetch(`${base}manifest.json`)).ok) break;
    } catch {
      if (tries > 300) throw new Error("the static server did not start");
      await new Promise((wake) => setTimeout(wake, 100));
    }
  }
  // Generous limits: a loaded machine starts Firefox slowly, and making the snapshot takes a while.
  browser = await puppeteer.launch({
    browser: "firefox",
    executablePath: FIREFOX,
    headless: true,
    timeout: 180_000,
    protocolTimeout: 600_000,
  });
});

after(async () => {
  await browser?.close();
  server?.kill();
});

async function openPage(context, url) {
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_MS);
  await page.setViewport({ width: 1280, height: 1000 });
  page.errors = [];
  // Worker messages arrive here too (Puppeteer cannot evaluate in a worker under Firefox).
  page.on("console", (m) => m.type() === "error" && page.errors.push(m.text()));
  page.on("pageerror", (e) => page.errors.push(String(e)));
  await page.goto(url);
  await page.waitForSelector(
    "[data-testid=status][data-state=ready], [data-testid=status][data-state=error]",
    { timeout: BOOT_MS },
  );
  const state = await page.$eval("[data-testid=status]", (el) => el.dataset.state);
  assert.equal(state, "ready", await page.$eval("#fatal", (el) => el.textContent));
  return page;
}

const value = (page, testid, name = "value") =>
  page.$eval(`[data-testid=${testid}]`, (el, key) => el.dataset[key], name);

// The full page shows one view at a time: a control is clicked in its own view, opened as a learner
// opens it, with the navigation bar.
async function showView(page, name) {
  await page.click(`[data-testid=view-nav] [data-view=${name}]`);
  await page.waitForSelector(`[data-testid=view-nav][data-current=${name}]`);
}

async function drawDigit(page, strokes) {
  await showView(page, "draw");
  await page.click("[data-testid=clear]");
  assert.equal(await value(page, "prediction", "digit"), "");
  const canvas = await page.$("[data-testid=draw-canvas]");
  await canvas.scrollIntoView();
  const box = await canvas.boundingBox();
  const at = ([x, y]) => [box.x + x * box.width, box.y + y * box.height];
  for (const stroke of strokes) {
    await page.mouse.move(...at(stroke[0]));
    await page.mouse.down();
    for (const point of stroke.slice(1)) await page.mouse.move(...at(point), { steps: 4 });
    await page.mouse.up();
  }
  await page.waitForSelector("[data-testid=prediction][data-pending=false]");
  return value(page, "prediction", "digit");
}

test("Firefox: boot, inspect, draw, check code, train a seeded epoch, come back", { timeout: 900_000 }, async () => {
  const context = await browser.createBrowserContext();
  try {
    const page = await openPage(context, base + story.fragment);

    // The inspector shows the pretrained model's numbers for the test digit the link names.
    const { index, label, p } = story.inspect;
    await page.waitForSelector(`[data-testid=inspector][data-source='test:${index}']:not([data-prob=''])`);
    assert.equal(await value(page, "inspector", "label"), String(label));
    const shown = Number(await value(page, "inspector", "prob"));
    assert.ok(Math.abs(shown - p) <= 1e-5 * p + 1e-7, `inspector p ${shown}, natively ${p}`);
    const loss = Number(await value(page, "inspector", "loss"));
    assert.ok(Math.abs(loss + Math.log(shown)) <= 1e-6 * loss + 1e-9, `loss ${loss} for p ${shown}`);

    // Two drawn digits are recognised, their probabilities a distribution.
    for (const [digit, strokes] of Object.entries(story.digits)) {
      assert.equal(await drawDigit(page, strokes), digit);
      const probabilities = await page.$$eval("[data-testid^=prob-]", (els) => els.map((e) => Number(e.dataset.value)));
      assert.equal(probabilities.length, 10);
      assert.ok(Math.abs(probabilities.reduce((a, b) => a + b) - 1) < 1e-3, digit);
    }

    // The code from the link is adopted and passes Check.
    await page.waitForSelector("[data-testid=code-from-link]");
    await showView(page, "build");
    await page.click("[data-testid=adopt-link-code]");
    await page.waitForSelector("[data-testid=code-editor] >>> .cm-content[contenteditable=true]");
    // Pressed and read in one task: the result is cleared at once, so an old answer is never taken.
    const cleared = await page.evaluate(() => {
      document.querySelector("[data-testid=check-code]").click();
      const result = document.querySelector("[data-testid=check-result]").dataset;
      return [result.passed, result.maxRelError];
    });
    assert.deepEqual(cleared, ["", ""]);
    await page.waitForSelector("[data-testid=check-result]:not([data-passed=''])");
    assert.equal(await value(page, "check-result", "passed"), "true");
    assert.ok(Number(await value(page, "check-result", "maxRelError")) < 1e-6);

    // One seeded epoch gives the native run's test accuracy (up to the products' rounding).
    await showView(page, "train");
    await page.click("[data-testid=train]");
    await page.waitForFunction(() => document.querySelector("#eta").textContent === "done", { timeout: STEP_MS });
    await page.waitForSelector(IDLE);
    assert.equal(await value(page, "epoch"), "1");
    const accuracy = Number(await value(page, "test-accuracy"));
    assert.ok(Math.abs(accuracy - story.accuracy) <= story.accuracy_tolerance,
      `Firefox ${accuracy}, natively ${story.accuracy}`);
    assert.deepEqual(page.errors, []);

    // The first visit keeps a memory snapshot of Python; the second visit starts from it.
    const made = await page.evaluate(() => globalThis.scratchnetPython?.snapshot);
    assert.match(String(made), /^stored/);
    await page.close();
    const again = await openPage(context, base);
    assert.equal(await again.evaluate(() => globalThis.scratchnetPython?.how), "restored");
    assert.equal(await drawDigit(again, story.digits["1"]), "1");
    assert.deepEqual(again.errors, []);
  } finally {
    await context.close();
  }
});
