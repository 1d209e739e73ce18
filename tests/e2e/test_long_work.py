"""Long work never blocks drawing or Stop: with the largest network the settings allow, a drawing is
read while the test set is still being evaluated, and Stop ends a run in the middle of a huge batch
(both come in pieces of a few tens of milliseconds)."""

import numpy as np
import pytest
from e2e_helpers import assert_run_does_not_go_on, attr, draw, open_app, settle, wait_prediction

from scratchnet import Network, recipe, save_model

LARGEST = {"hidden_sizes": [1024, 1024, 1024, 1024]}


@pytest.fixture(scope="module")
def largest_model(tmp_path_factory):
    path = tmp_path_factory.mktemp("long") / "largest.npz"
    network = Network.build(recipe("default", **LARGEST), np.random.default_rng(0), 0.13, 0.31, (28, 28), 10)
    save_model(network, str(path))
    return str(path)


def test_a_drawing_is_read_while_the_largest_network_is_evaluated(browser, base_url, largest_model):
    page = open_app(browser, base_url)
    try:
        page.set_input_files("[data-testid=load-file]", largest_model)
        page.wait_for_function("() => document.querySelector('#model-info').textContent.includes('784-1024-1024-1024-1024-10')")
        draw(page, [[(0.5, 0.15), (0.5, 0.85)]])
        assert wait_prediction(page) != ""
        # The 10,000 test images through 4 million weights take far longer than one piece of work:
        # the drawing was answered in between, not after.
        assert page.locator("[data-testid=confusion] table").count() == 0
        assert page.get_attribute("[data-testid=prediction]", "data-model-id") == \
            page.get_attribute("#model-info", "data-model-id")
    finally:
        page.context.close()


def test_stop_ends_a_run_in_the_middle_of_a_huge_batch(browser, base_url):
    page = open_app(browser, base_url + "#hidden_sizes=1024,1024,1024,1024&batch_size=30000&train_size=30000&epochs=1")
    try:
        page.click("[data-testid=train]")
        # A chunk of the huge first batch answered and the next asked for: the run is in that batch.
        page.wait_for_function("() => scratchnetPython.calls.train >= 2", timeout=60_000)
        page.click("[data-testid=stop]")
        settle(page, 60_000)
        assert page.text_content("[data-testid=train]").strip() == "Resume"
        assert attr(page, "epoch") == "0"
        assert page.eval_on_selector("#batch-progress", "el => el.value") == 0  # stopped inside the first batch
        assert_run_does_not_go_on(page)
        draw(page, [[(0.5, 0.15), (0.5, 0.85)]])
        assert wait_prediction(page) != ""
    finally:
        page.context.close()


# A second worker of the page, started as js/worker-client.js starts its own, whose calls are sent
# at once and answered in whatever order the worker runs them; each answer is logged as it arrives.
ORDER = """async () => {
  const { createWorkerClient } = await import(new URL("js/python/client.js", location.href).href);
  const client = createWorkerClient(() => {}, { name: "scratchnet-order", main: false });
  await client.boot();
  const answered = [];
  const call = (label, name, args, data) => client.call(name, args, data).then(() => answered.push(label));
  const slow = { batch_size: 32, seconds: 0.5 };
  await Promise.all([call("benchmark 1", "benchmark", slow), call("benchmark 2", "benchmark", slow),
                     call("drawing", "classify", { width: 28, height: 28 }, new Uint8Array(28 * 28))]);
  return answered;
}"""


def test_a_drawing_goes_before_the_work_queued_ahead_of_it(browser, base_url):
    page = open_app(browser, base_url)
    try:
        # Sent last, the drawing is answered before the work queued ahead of it (the first
        # benchmark may already be under way when it arrives: Python cannot be interrupted).
        answered = page.evaluate(ORDER)
        assert sorted(answered) == ["benchmark 1", "benchmark 2", "drawing"]
        assert answered.index("drawing") < answered.index("benchmark 2")
    finally:
        page.context.close()
