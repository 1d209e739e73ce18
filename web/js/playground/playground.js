// The 2-D playground panel's wiring: its settings (from Python's schema, read from and written to
// the URL hash under the pg_ prefix by the page's one codec), the runner, the boundary canvas, the
// hidden units' maps, the loss curve and the figures. The canvas carries the live figures as
// data-test-accuracy and data-fps (frames drawn per second while training).

import { createSettings, readSettings, settingsToHash } from "../state/settings.js";
import { createLineChart } from "../widgets/charts.js";
import { buildPlaygroundControls } from "./controls.js";
import { createBoundary, createRateMeter } from "./boundary.js";
import { createUnitMaps } from "./units.js";
import { createRunner } from "./runner.js";

const PREFIX = "pg_";
const $ = (id) => document.getElementById(id);
const percent = (v) => (v == null ? "–" : `${(100 * v).toFixed(1)}%`);
const loss = (v) => (v == null ? "–" : v.toFixed(3));

/**
 * Start the playground once the worker is up. notifyLink(text) reports what the URL asked and
 * was refused; notify(text) anything else the learner must read; report(err) failed calls.
 */
export async function startPlayground(client, { notifyLink, notify, report }) {
  const section = $("playground-section");
  const canvas = $("pg-boundary");
  const { schema, defaults } = await client.playgroundSchema();
  const fromUrl = readSettings(location.hash, schema, null, PREFIX);
  if (fromUrl.problems.length) notifyLink(fromUrl.problems.join(" "));
  const settings = createSettings(defaults);
  const meter = createRateMeter();
  let lastRun = 0;
  let lastStep = -1;
  let busy = 0; // actions asked for and not answered: the first frame counts as one
  let frames = 0; // frames drawn, for tests and benchmarks

  const controls = buildPlaygroundControls($("pg-fields"), schema, { onChange: changed, onCheck: () => updateButtons() });
  const boundary = createBoundary(canvas, {
    onPlace: place,
    placeClass: () => Number(document.querySelector("input[name=pg-class]:checked").value),
    announce: (text) => ($("pg-announcer").textContent = text),
  });
  const units = createUnitMaps($("pg-units"));
  const chart = createLineChart($("pg-chart"), {
    series: [{ label: "training loss" }, { label: "test loss" }], xLabel: "step",
    emptyText: "Press Train to see the loss fall.",
  });
  const runner = createRunner(client, { onReply: show, onState: showState, onError: failed });

  function writeHash() {
    const hash = settingsToHash(settings, defaults, null, { prefix: PREFIX, keep: location.hash });
    history.replaceState(null, "", hash || location.pathname + location.search);
  }

  // Answers are taken at once; the drawing waits for the next animation frame (the next chunk is
  // already training meanwhile), and draws only the newest frame if several came.
  let latest = null;
  function show(reply) {
    if (reply.ok === false && reply.errors) controls.showErrors(reply.errors);
    if (reply.ok === false && reply.error) notify(`${reply.error}.`);
    if (reply.points) boundary.setPoints(reply.points);
    if (!reply.frame) return;
    if (!latest) requestAnimationFrame(render);
    latest = reply;
  }

  function render() {
    const { frame, summary } = latest;
    latest = null;
    if (frame.run !== lastRun) {
      lastRun = frame.run;
      lastStep = -1;
      chart.clear();
    }
    boundary.setGrid(frame.boundary);
    units.draw(frame.units, frame.layers);
    if (frame.step !== lastStep) chart.append(frame.step, [frame.train_loss, frame.test_loss]);
    lastStep = frame.step;
    labelTrain();
    $("pg-epoch").textContent = String(frame.epoch);
    $("pg-steps").textContent = String(frame.step);
    $("pg-train-loss").textContent = loss(frame.train_loss);
    $("pg-test-loss").textContent = loss(frame.test_loss);
    $("pg-test-accuracy").textContent = percent(frame.test_accuracy);
    $("pg-counts").textContent = `${summary.train_count} training points (${summary.placed} placed), ` +
      `${summary.test_count} test points; network ${summary.architecture}.`;
    frames++;
    Object.assign(canvas.dataset, {
      testAccuracy: String(frame.test_accuracy), step: String(frame.step), run: String(frame.run), frames: String(frames),
      trainPoints: String(summary.train_count), placed: String(summary.placed), frameMs: frame.frame_ms.toFixed(1),
    });
    if (runner.playing()) {
      const fps = meter.tick();
      canvas.dataset.fps = fps.toFixed(1);
      $("pg-fps").textContent = fps ? fps.toFixed(0) : "–";
    }
    if (frame.diverged) notify(`${frame.diverged} Reset starts again from fresh weights.`);
  }

  // Train starts a run, Pause pauses it, Resume goes on with a paused one.
  function labelTrain() {
    const playing = runner.playing();
    $("pg-train").textContent = playing ? "Pause" : lastStep > 0 ? "Resume" : "Train";
  }

  function showState(playing) {
    meter.reset();
    labelTrain();
    section.dataset.playing = String(playing || runner.running()); // until the last chunk is answered
    if (!playing && !runner.running()) {
      $("pg-announcer").textContent = `Paused at step ${lastStep}: test accuracy ${$("pg-test-accuracy").textContent}.`;
    }
    updateButtons();
  }

  function updateButtons() {
    const invalid = Object.keys(controls.current().errors).length > 0;
    $("pg-train").disabled = !runner.playing() && (busy > 0 || invalid); // Pause always works
    $("pg-step").disabled = busy > 0 || invalid;
    $("pg-reset").disabled = busy > 0 || invalid;
    $("pg-form-error").textContent = invalid ? "Fix the highlighted settings to train." : "";
  }

  function failed(err) {
    report(err);
    updateButtons();
  }

  // Waits for an action, keeping the buttons off until it is answered.
  async function act(action) {
    busy++;
    updateButtons();
    try {
      return await action();
    } catch (err) {
      failed(err);
      return null;
    } finally {
      busy--;
      updateButtons();
    }
  }

  async function changed({ config, errors }) {
    updateButtons();
    if (Object.keys(errors).length) return;
    Object.assign(settings.config, config);
    writeHash();
    await act(() => runner.setup({ ...settings.config }));
  }

  function place(points) {
    return runner.place(points).catch(failed);
  }

  $("pg-train").addEventListener("click", () => (runner.playing() ? runner.pause() : runner.play()));
  $("pg-step").addEventListener("click", () => act(() => runner.step()));
  $("pg-reset").addEventListener("click", () => act(() => runner.reset()));
  $("pg-clear").addEventListener("click", () => act(() => runner.clearPlaced()));
  $("pg-show-test").addEventListener("change", (event) => boundary.showTest(event.target.checked));

  controls.set({ ...defaults, ...fromUrl.values });
  Object.assign(settings.config, controls.current().config);
  writeHash(); // refused values leave the address, as the main settings' do
  const reply = await act(() => runner.setup({ ...settings.config }));
  await new Promise(requestAnimationFrame); // its frame is drawn first
  controls.disable(false);
  section.dataset.ready = String(Boolean(reply?.ok));
  // A link typed or pasted into the open tab: its pg_ settings read as on opening (those it leaves
  // out at their defaults); the playground starts again only if they differ from its own.
  window.addEventListener("hashchange", () => {
    const link = readSettings(location.hash, schema, null, PREFIX);
    if (link.problems.length) notifyLink(link.problems.join(" "));
    const values = { ...defaults, ...link.values };
    if (Object.keys(values).every((name) => JSON.stringify(values[name]) === JSON.stringify(settings.config[name]))) return;
    controls.set(values);
    changed(controls.current());
  });
}
