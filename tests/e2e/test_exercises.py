"""Writing the backward pass yourself, in the page: Check, hints, errors with their line, training
with your code, an endless loop that costs a restart but nothing else, links with code and exercises."""

import pytest
from e2e_helpers import attr, open_app, wait_state, write_code

RIGHT = '''import numpy as np

def dense_backward(dz, x, W):
    dx = dz @ W.T
    dW = x.T @ dz
    db = dz.sum(axis=0)
    return dx, dW, db
'''
MISSING_TRANSPOSE = RIGHT.replace("dW = x.T @ dz", "dW = x @ dz")


@pytest.fixture
def page(browser, base_url):
    page = open_app(browser, base_url + "#exercise=dense_backward&train_size=1000&epochs=1&hidden_sizes=32")
    page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
    yield page
    page.context.close()


def check(page):
    # Pressed, and read in the same task: cleared at once, so the last answer is never taken for this one's.
    assert page.evaluate("""() => {
        document.querySelector('[data-testid=check-code]').click();
        const result = document.querySelector('[data-testid=check-result]');
        return [result.dataset.passed, result.dataset.maxRelError];
    }""") == ["", ""]
    page.wait_for_function("() => document.querySelector('[data-testid=check-result]').dataset.passed !== ''", timeout=20_000)
    return page.locator("[data-testid=check-result]")


def test_an_exercise_link_opens_with_its_stub(page):
    assert page.locator("[data-testid=exercise]").input_value() == "dense_backward"
    text = page.text_content("[data-testid=code-editor] .cm-content")
    assert "def dense_backward(dz, x, W):" in text and "dW = x^T dz" in text and "not written yet" in text
    values = page.eval_on_selector_all("[data-testid=exercise] option", "os => os.map(o => o.value)")
    assert values == ["dense_forward", "dense_backward", "relu_forward", "relu_backward", "sigmoid_forward",
                      "sigmoid_backward", "tanh_forward", "tanh_backward", "softmax_cross_entropy", "sgd_step",
                      "momentum_step"]


def test_a_missing_transpose_fails_with_the_shape_hint_and_the_right_code_passes(page):
    write_code(page, MISSING_TRANSPOSE)
    result = check(page)
    assert result.get_attribute("data-passed") == "false"
    assert "shapes do not fit" in result.text_content() and "x.T" in result.text_content()
    assert "line 5" in result.text_content()
    write_code(page, RIGHT)
    result = check(page)
    assert result.get_attribute("data-passed") == "true"
    assert float(result.get_attribute("data-max-rel-error")) < 1e-6


def test_a_syntax_error_shows_its_line(page):
    write_code(page, RIGHT.replace("db = dz.sum(axis=0)", "db = dz.sum(axis=0"))
    result = check(page)
    assert result.get_attribute("data-passed") == "false"
    assert "SyntaxError" in result.text_content() and "line" in result.text_content()


def test_training_with_my_code_reaches_the_references_accuracy(page):
    page.click("[data-testid=train]")
    page.wait_for_selector("#model-info[data-epochs='1']", timeout=60_000)
    wait_state(page, "ready", 60_000)
    reference = float(attr(page, "test-accuracy"))

    write_code(page, RIGHT)
    assert check(page).get_attribute("data-passed") == "true"
    page.click("[data-testid=train-my-code]")
    page.wait_for_selector("[data-testid=using-my-code]")
    page.click("[data-testid=reset]")
    page.wait_for_selector("#model-info[data-epochs='0']")
    page.click("[data-testid=train]")
    page.wait_for_selector("#model-info[data-epochs='1']", timeout=60_000)
    wait_state(page, "ready", 60_000)
    mine = float(attr(page, "test-accuracy"))
    assert abs(mine - reference) < 0.005, (mine, reference)
    assert page.locator("[data-testid=using-my-code]").count() == 1
    page.click("[data-testid=reference-code]")
    page.wait_for_selector("[data-testid=using-my-code]", state="detached")


def test_an_endless_loop_recovers_with_model_and_settings_intact(page):
    page.fill("[data-testid=field-learning_rate]", "0.03")
    info = page.text_content("#model-info")
    write_code(page, RIGHT.replace("    dx = dz @ W.T\n", "    while True:\n        pass\n"))
    page.click("[data-testid=check-code]")
    # How fast it recovers is measured by tests/e2e/bench_exercises.py; here, that it does.
    page.wait_for_function("() => document.querySelector('[data-testid=check-result]').dataset.passed === 'false'",
                           timeout=30_000)
    wait_state(page, "ready", 90_000)
    page.wait_for_selector("[data-testid=status][data-busy=false]")
    assert "more than 5 s" in page.text_content("[data-testid=check-result]")
    assert page.text_content("#model-info").split(" · ")[1:] == info.split(" · ")[1:]
    assert page.input_value("[data-testid=field-learning_rate]") == "0.03"
    assert "while True" in page.text_content("[data-testid=code-editor] .cm-content")  # the draft is kept
    write_code(page, RIGHT)
    assert check(page).get_attribute("data-passed") == "true"  # Python answers again


def test_my_code_survives_a_reload_and_travels_in_the_link_without_running(page, browser):
    write_code(page, RIGHT.replace("db = dz.sum(axis=0)", "db = dz.sum(axis=0)  # mine"))
    page.wait_for_function("() => location.hash.includes('code=')")
    link = page.url
    page.reload()
    wait_state(page, "ready", 90_000)
    page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
    assert "# mine" in page.text_content("[data-testid=code-editor] .cm-content")

    other = browser.new_context(viewport={"width": 1280, "height": 1000})
    fresh = other.new_page()
    fresh.goto(link)
    wait_state(fresh, "ready", 90_000)
    # In another browser the link's code is shown apart, read-only, until it is adopted.
    fresh.wait_for_selector("[data-testid=code-from-link]")
    assert "# mine" in fresh.text_content("[data-testid=code-editor] .cm-content")
    assert "runs only when you press" in fresh.text_content("#code-note")
    assert fresh.get_attribute("[data-testid=check-result]", "data-passed") == ""  # not run on opening
    assert fresh.locator("[data-testid=using-my-code]").count() == 0
    fresh.click("[data-testid=adopt-link-code]")
    fresh.wait_for_selector("[data-testid=code-from-link]", state="detached")
    fresh.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
    assert "# mine" in fresh.text_content("[data-testid=code-editor] .cm-content")
    other.close()
