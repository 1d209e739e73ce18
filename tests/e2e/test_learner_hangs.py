"""Learner code that hangs, ends Python or bends the package never freezes the page nor loses the
learner's work (issue 18): every call that can run it has a time limit, a worker whose Python
exited is replaced, the status says "restarting" meanwhile, the restart brings back the model
without re-running the code that hung, and Back to the reference returns to an interpreter that
code never touched. Only code that passed Check is switched in (issue 20): code that hangs or
ends Python as it loads never passes, so it never reaches the network's worker."""

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, attr, clear_and_draw, open_app, wait_prediction, wait_state, write_code

RELU = '''import numpy as np

def relu_forward(z):
    return np.maximum(z, 0)
'''
ONE = [[(0.52, 0.15), (0.48, 0.85)]]  # a stroke that reads as 1
ZERO = [[(0.5, 0.15), (0.75, 0.5), (0.5, 0.85), (0.25, 0.5), (0.5, 0.15)]]


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


def check(page, code):
    """Writes `code` and checks it; returns whether it passed."""
    write_code(page, code)
    page.click("[data-testid=check-code]")
    page.wait_for_selector("[data-testid=check-result]:not([data-passed=''])", timeout=60_000)
    return attr(page, "check-result", "data-passed") == "true"


def train_with(page, code):
    """Checks `code` (it must pass), then trains with it."""
    assert check(page, code)
    page.click("[data-testid=train-my-code]")


def refused(page, code):
    """Checks `code`, which must not pass, and Train with my code then leaves it out."""
    assert not check(page, code)
    page.click("[data-testid=train-my-code]")
    page.wait_for_selector("#use-note:has-text('pass Check')")
    assert page.locator("[data-testid=using-my-code]").count() == 0


def wait_restarted(page):
    """Waits for a restart to have begun and ended; returns the notice shown."""
    page.wait_for_function("() => window.__states.includes('restarting')", timeout=60_000)
    page.wait_for_function("() => window.__states.at(-1) === 'ready'", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_selector("[data-testid=status][data-busy=false]")
    return page.text_content("#notice-text")


def assert_works(page):
    clear_and_draw(page, ONE)
    assert wait_prediction(page) == "1"


def assert_reads(page):
    """A drawing is read (by a model trained only briefly: which digit it says may vary)."""
    clear_and_draw(page, ONE)
    assert wait_prediction(page) in list("0123456789")


def test_an_endless_loop_at_the_top_of_my_code_is_stopped_by_check_and_never_used(page):
    page.fill("[data-testid=field-learning_rate]", "0.03")
    refused(page, "while True:\n    pass\n" + RELU)
    assert "more than 5 s" in page.text_content("[data-testid=check-result]")
    assert page.input_value("[data-testid=field-learning_rate]") == "0.03"  # settings kept
    assert "while True" in page.text_content("[data-testid=code-editor] .cm-content")  # the draft kept
    assert page.locator("[data-testid=using-my-code]").count() == 0  # the reference runs
    assert_works(page)


def test_a_function_that_hangs_in_training_is_not_run_again_by_the_restart(page):
    # Passes on small batches, hangs on the training batch: the restart must not re-run it.
    hangs = RELU.replace("    return np.maximum(z, 0)", "    while z.shape[0] > 8:\n        pass\n    return np.maximum(z, 0)")
    train_with(page, hangs)  # it trains at once
    notice = wait_restarted(page)
    assert "restarted" in notice and "reference code again" in notice
    assert page.locator("[data-testid=using-my-code]").count() == 0
    assert_reads(page)
    page.click("[data-testid=train]")  # the reference trains
    page.wait_for_selector("#model-info[data-epochs='1']", timeout=120_000)


def test_python_that_exits_is_stopped_by_check_and_never_used(page):
    refused(page, "import os\nos._exit(0)\n" + RELU)
    assert_works(page)


def test_a_worker_that_closes_itself_is_replaced(page):
    # It passes Check (the checker closes after answering), then closes the network's worker.
    code = "import js\nfrom pyodide.ffi import create_proxy\njs.setTimeout(create_proxy(lambda: js.close()), 1000)\n" + RELU
    train_with(page, code)  # it trains at once: no answer comes, and the time limit finds it out
    wait_restarted(page)
    assert_reads(page)


def test_back_to_the_reference_undoes_a_monkeypatched_package(page):
    # Every prediction bent to a constant, from the top of the learner's module.
    bent = ("import numpy as np\nfrom scratchnet.nn import layers\n"
            "layers.Dense.forward = lambda self, x, *a, **k: np.tile(np.eye(1, self.params['W'].shape[1], 3), (x.shape[0], 1))\n") + RELU
    clear_and_draw(page, ONE)
    assert wait_prediction(page) == "1"
    train_with(page, bent)
    page.wait_for_selector("[data-testid=using-my-code]")
    page.click("[data-testid=stop]")
    page.click("[data-testid=reference-code]")
    page.wait_for_selector("[data-testid=using-my-code]", state="detached", timeout=BOOT_TIMEOUT_MS)
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    # The model trained briefly may say any digit, but no longer the same for every drawing.
    clear_and_draw(page, ONE)
    one = page.text_content("#probs")
    clear_and_draw(page, ZERO)
    assert page.text_content("#probs") != one
    assert attr(page, "status", "data-state") == "ready"


def test_a_worker_that_grew_past_the_memory_limit_is_replaced(page):
    # 1.6 GB kept alive by the learner's module: it passes Check (the checker is replaced after
    # answering); WebAssembly memory never shrinks, so the network's worker is replaced too.
    train_with(page, RELU + "\n_kept = np.empty(1_600_000_000, dtype=np.uint8)\n")
    notice = wait_restarted(page)
    assert "GB of memory" in notice, notice
    assert_reads(page)
