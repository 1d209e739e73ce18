"""Learner code that passes Check but hangs on one example (a batch of one, as the inspector and
the drawing use) or on the gradient check's mini-batch is stopped wherever it runs: in the
inspector's trace, in Apply one update, in the gradient check and while a drawing is read. Each
time the page is usable again within 15 s, says in the panel the learner used what happened, and
keeps the model, the settings, the run and the code (issue 20)."""

from e2e_helpers import BOOT_TIMEOUT_MS, draw, write_code

SETTINGS = "train_size=1000&epochs=1&hidden_sizes=32&batch_size=64&learning_rate=0.05"
RECOVERY_S = 15

# relu_forward that passes Check (it is checked on a 5x6 batch) and trains (batches of 64), but
# never returns for a batch of `n`.
RELU_HANGS_ON = '''import numpy as np

def relu_forward(z):
    while z.shape[0] == {n}:
        pass
    return np.maximum(z, 0)
'''
# sgd_step that passes Check and never returns for the update of one example (the last layer's dW
# from one example has rank one; a training batch's does not).
SGD_HANGS_ON_ONE_EXAMPLE = '''import numpy as np

def sgd_step(W, dW, learning_rate):
    while W.ndim == 2 and W.shape[1] == 10 and np.linalg.matrix_rank(dW) == 1:
        pass
    return W - learning_rate * dW
'''
ONE = [[(0.52, 0.15), (0.48, 0.85)]]

# Every state the status line passes through, with the time (ms) it was reached.
RECORD_STATES = """() => {
  const status = document.querySelector("[data-testid=status]");
  window.__states = [[status.dataset.state, performance.now()]];
  new MutationObserver(() => window.__states.push([status.dataset.state, performance.now()]))
    .observe(status, { attributes: true, attributeFilter: ["data-state"] });
}"""


def open_on(app_page, exercise, panels=""):
    page = app_page(f"#exercise={exercise}&{SETTINGS}{'&panels=' + panels if panels else ''}")
    page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
    page.evaluate(RECORD_STATES)
    return page


def train_with(page, code, to_the_end=True):
    """Writes `code`, checks it (it must pass) and trains with it: one epoch, to the end."""
    write_code(page, code)
    page.click("[data-testid=check-code]")
    page.wait_for_selector("[data-testid=check-result][data-passed=true]", timeout=60_000)
    page.click("[data-testid=train-my-code]")
    page.wait_for_selector("[data-testid=using-my-code]")
    if to_the_end:
        page.wait_for_selector("#model-info[data-epochs='1']", timeout=180_000)


def kept(page):
    """What must survive a restart: the model, its run, the settings and the code."""
    return {
        "model": page.get_attribute("#model-info", "data-model-id"),
        "epochs": page.get_attribute("#model-info", "data-epochs"),
        "step": page.get_attribute("#step-count", "data-value"),
        "learning_rate": page.input_value("[data-testid=field-learning_rate]"),
        "code": page.text_content("[data-testid=code-editor] .cm-content"),
    }


def recovered(page, where, started):
    """Waits for the note in panel `where` (the hang stopped and said where it happened), then for
    the restart's end; returns seconds from `started` (performance.now() in ms) to the note. The
    restart itself boots Python (a spare kept ready while the learner's code is in use, when it has
    booted by then), so its length follows the machine's load: it is waited for, not timed here."""
    note = page.wait_for_selector(f"[data-testid=code-stopped][data-where={where}]", timeout=RECOVERY_S * 1000)
    shown = page.evaluate("() => performance.now()")
    page.wait_for_selector("[data-testid=using-my-code]", state="detached", timeout=BOOT_TIMEOUT_MS)  # the reference runs
    page.wait_for_function("() => window.__states.some(([s]) => s === 'restarting') && window.__states.at(-1)[0] === 'ready'",
                           timeout=BOOT_TIMEOUT_MS)
    page.wait_for_selector("[data-testid=status][data-busy=false]", timeout=BOOT_TIMEOUT_MS)
    text = note.text_content()
    assert "too long" in text and "kept" in text, text
    return (shown - started) / 1000


def now(page):
    return page.evaluate("() => performance.now()")


def test_a_hang_in_the_inspectors_trace_is_recovered(app_page):
    page = open_on(app_page, "relu_forward")
    code = RELU_HANGS_ON.format(n=1)
    train_with(page, code, to_the_end=False)
    page.wait_for_selector("#step-count:not([data-value='']):not([data-value='0'])", timeout=120_000)
    model = page.get_attribute("#model-info", "data-model-id")
    # While it trains, the inspector follows the weights: a trace is a batch of one, which hangs.
    page.wait_for_selector("[data-testid=code-stopped][data-where=inspect]", timeout=120_000)
    recovered(page, "inspect", 0)
    after = kept(page)
    assert after["model"] == model and int(after["step"]) > 0  # the run so far, from its checkpoint
    assert after["learning_rate"] == "0.05" and "while z.shape[0] == 1" in after["code"]
    page.click("[data-testid=inspect-next]")  # the reference traces it
    page.wait_for_selector("[data-testid=inspector][data-source='test:1']:not([data-loss=''])")


def test_a_hang_in_apply_one_update_is_recovered(app_page):
    page = open_on(app_page, "sgd_step")
    train_with(page, SGD_HANGS_ON_ONE_EXAMPLE)
    page.wait_for_selector("[data-testid=inspector]:not([data-loss=''])")
    page.wait_for_selector("[data-testid=apply-update]:enabled")
    before = kept(page)
    started = now(page)
    page.click("[data-testid=apply-update]")
    assert recovered(page, "update", started) < RECOVERY_S
    assert kept(page) == before


def test_a_hang_in_the_gradient_check_is_recovered(app_page):
    page = open_on(app_page, "relu_forward")
    train_with(page, RELU_HANGS_ON.format(n=32))  # the check's mini-batch: 32 training digits
    page.wait_for_selector("[data-testid=run-gradcheck]:enabled")
    before = kept(page)
    started = now(page)
    page.click("[data-testid=run-gradcheck]")
    assert recovered(page, "gradcheck", started) < RECOVERY_S
    assert kept(page) == before
    page.click("[data-testid=run-gradcheck]")  # the reference's check runs
    page.wait_for_selector("[data-testid=gradcheck]:not([data-max-rel-error=''])", timeout=60_000)


def test_a_hang_while_a_drawing_is_read_is_recovered(app_page):
    # No inspector: the drawing is the only example of one.
    page = open_on(app_page, "relu_forward", panels="draw,train,code")
    train_with(page, RELU_HANGS_ON.format(n=1))
    before = kept(page)
    started = now(page)
    draw(page, ONE)
    assert recovered(page, "draw", started) < RECOVERY_S
    assert kept(page) == before
    page.wait_for_selector("[data-testid=prediction][data-pending=false]:not([data-digit=''])", timeout=30_000)
