"""Learner code that hangs, ends Python or bends the package never freezes the page nor loses the
learner's work (issue 18): every call that can run it has a time limit, a worker whose Python
exited is replaced, the status says "restarting" meanwhile, the restart brings back the model
without re-running the code that hung, and Back to the reference returns to an interpreter that
code never touched."""

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, attr, clear_and_draw, open_app, wait_prediction, wait_state, write_code

RELU = '''import numpy as np

def relu_forward(z):
    return np.maximum(z, 0)
'''
ONE = [[(0.52, 0.15), (0.48, 0.85)]]  # a stroke that reads as 1


@pytest.fixture
def page(browser, base_url):
    page = open_app(browser, base_url + "#exercise=relu_forward&train_size=1000&epochs=1&hidden_sizes=32")
    page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
    page.evaluate(RECORD_STATES)
    yield page
    page.context.close()


# Every state the status line passes through, recorded as it happens (a restart is brief).
RECORD_STATES = """() => {
  const status = document.querySelector("[data-testid=status]");
  window.__states = [status.dataset.state];
  new MutationObserver(() => window.__states.push(status.dataset.state))
    .observe(status, { attributes: true, attributeFilter: ["data-state"] });
}"""


def train_with(page, code):
    write_code(page, code)
    page.click("[data-testid=train-my-code]")


def wait_restarted(page):
    """Waits for a restart to have begun and ended; returns the notice shown."""
    page.wait_for_function("() => window.__states.includes('restarting')", timeout=60_000)
    page.wait_for_function("() => window.__states.at(-1) === 'ready'", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_selector("[data-testid=status][data-busy=false]")
    return page.text_content("#notice-text")


def assert_works(page):
    clear_and_draw(page, ONE)
    assert wait_prediction(page) == "1"


def test_an_endless_loop_at_the_top_of_my_code_is_stopped_and_python_restarts(page):
    page.fill("[data-testid=field-learning_rate]", "0.03")
    train_with(page, "while True:\n    pass\n" + RELU)
    notice = wait_restarted(page)
    assert "longer than" in notice and "restarted" in notice
    assert page.input_value("[data-testid=field-learning_rate]") == "0.03"  # settings kept
    assert "while True" in page.text_content("[data-testid=code-editor] .cm-content")  # the draft kept
    assert page.locator("[data-testid=using-my-code]").count() == 0  # the reference runs
    assert_works(page)


def test_a_function_that_hangs_in_training_is_not_run_again_by_the_restart(page):
    # Passes on small batches, hangs on the training batch: the restart must not re-run it.
    hangs = RELU.replace("    return np.maximum(z, 0)", "    while z.shape[0] > 8:\n        pass\n    return np.maximum(z, 0)")
    train_with(page, hangs)
    page.wait_for_selector("[data-testid=using-my-code]")
    page.click("[data-testid=train]")
    notice = wait_restarted(page)
    assert "restarted" in notice and "reference code again" in notice
    assert page.locator("[data-testid=using-my-code]").count() == 0
    assert_works(page)
    page.click("[data-testid=train]")  # the reference trains
    page.wait_for_selector("#model-info[data-epochs='1']", timeout=120_000)


def test_python_that_exits_is_replaced(page):
    train_with(page, "import os\nos._exit(0)\n" + RELU)
    wait_restarted(page)
    assert_works(page)


def test_a_worker_that_closes_itself_is_replaced(page):
    code = "import js\nfrom pyodide.ffi import create_proxy\njs.setTimeout(create_proxy(lambda: js.close()), 200)\n" + RELU
    train_with(page, code)
    page.wait_for_selector("[data-testid=using-my-code]")
    page.click("[data-testid=train]")  # no answer comes: the time limit finds it out
    wait_restarted(page)
    assert_works(page)


def test_back_to_the_reference_undoes_a_monkeypatched_package(page):
    # Every prediction bent to a constant, from the top of the learner's module.
    bent = ("import numpy as np\nfrom scratchnet.nn import layers\n"
            "layers.Dense.forward = lambda self, x, *a, **k: np.tile(np.eye(1, self.params['W'].shape[1], 3), (x.shape[0], 1))\n") + RELU
    clear_and_draw(page, ONE)
    assert wait_prediction(page) == "1"
    train_with(page, bent)
    page.wait_for_selector("[data-testid=using-my-code]")
    page.click("[data-testid=reference-code]")
    page.wait_for_selector("[data-testid=using-my-code]", state="detached", timeout=BOOT_TIMEOUT_MS)
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    assert_works(page)
    assert attr(page, "status", "data-state") == "ready"


def test_a_worker_that_grew_past_the_memory_limit_is_replaced(page):
    # 1.6 GB kept alive by the learner's module: WebAssembly memory never shrinks, so the worker
    # is replaced, which gives the memory back.
    train_with(page, RELU + "\n_kept = np.empty(1_600_000_000, dtype=np.uint8)\n")
    notice = wait_restarted(page)
    assert "GB of memory" in notice, notice
    assert_works(page)
