"""In the page: the health coach's findings appear beside the charts while a run trains (dead
ReLUs from plain SGD at 1.0, vanishing gradients and chance from a deep sigmoid network), the run
history lists every run with what changed and keeps it across visits (the learner's code in use
counting as a setting), earlier runs are drawn behind the current one, and the pretrained model
shows its own curves from epoch 0."""

import pytest
from e2e_helpers import IDLE, attr, calls, open_app, settle, wait_state, write_code

MY_DENSE_BACKWARD = '''import numpy as np

def dense_backward(dz, x, W):
    return dz @ W.T, x.T @ dz, dz.sum(axis=0)
'''


def hash_of(**settings):
    return "#" + "&".join(f"{k}={v}" for k, v in settings.items())


def train_to_the_end(page, button="train"):
    """Presses Train (or `button`) and waits until that run has finished: a chunk of it was asked
    for, the time left reads "done" (a new run's start clears it) and nothing runs any more."""
    asked = calls(page).get("train", 0)
    page.click(f"[data-testid={button}]")
    page.wait_for_function(f"""() => scratchnetPython.calls.train > {asked}
        && document.querySelector('#eta').textContent === 'done'
        && document.querySelector('{IDLE}') !== null""", timeout=120_000)
    settle(page, 60_000)


def findings(page):
    return page.eval_on_selector_all("[data-testid=health] [data-condition]", "els => els.map((e) => e.dataset.condition)")


def boxes_overlap_vertically(a, b):
    return a["y"] < b["y"] + b["height"] and b["y"] < a["y"] + a["height"]


@pytest.mark.parametrize("settings,expected", [
    ({"optimizer": "sgd", "learning_rate": 1, "clip_norm": 0, "lr_decay": 1, "train_size": 2000, "epochs": 2}, {"dead-relu"}),
    ({"hidden_sizes": "128,128,128,128", "activation": "sigmoid", "train_size": 2000, "epochs": 2}, {"vanishing", "chance"}),
], ids=["dead-relu", "deep-sigmoid"])
def test_findings_appear_beside_the_charts(browser, base_url, settings, expected):
    page = open_app(browser, base_url + hash_of(**settings))
    try:
        assert findings(page) == []
        train_to_the_end(page)
        assert expected <= set(findings(page)), findings(page)
        health = page.locator("[data-testid=health]")
        finding = health.locator(f"[data-condition={sorted(expected)[0]}]")
        assert finding.is_visible() and "Try:" in finding.text_content()
        # Beside the charts: in their grid, level with the loss chart.
        assert page.locator(".charts > [data-testid=health]").count() == 1
        assert boxes_overlap_vertically(health.bounding_box(), page.locator("[data-testid=chart-loss]").bounding_box())
        assert page.locator("#notice").is_hidden()
    finally:
        page.context.close()


def test_run_history_lists_runs_with_their_changes_and_keeps_them(browser, base_url):
    small = {"hidden_sizes": 16, "train_size": 300, "epochs": 1, "seed": 2}
    page = open_app(browser, base_url + hash_of(**small))
    context = page.context
    try:
        # The pretrained model's own curves, from its file, on axes that start at epoch 0.
        loss = page.locator("[data-testid=chart-loss]")
        page.wait_for_function("() => document.querySelector('[data-testid=chart-loss]').dataset.xMin !== undefined")
        assert int(loss.get_attribute("data-points")) == 15
        assert float(loss.get_attribute("data-x-min")) == 0
        accuracy = page.locator("[data-testid=chart-accuracy]")
        assert 0.8 < float(accuracy.get_attribute("data-y-min")) < 0.99  # zoomed to the data, not 0-100%
        assert page.locator("[data-testid=run]").count() == 0

        train_to_the_end(page)
        page.fill("[data-testid=field-learning_rate]", "0.05")
        train_to_the_end(page)
        runs = page.locator("[data-testid=run]")
        assert runs.count() == 2
        newest = runs.nth(0).text_content()
        assert "Run 2" in newest and "learning rate 0.02 → 0.05" in newest and "seed 2" in newest
        assert "finished" in newest and runs.nth(0).get_attribute("data-test-accuracy") == attr(page, "test-accuracy")
        assert "The first run" in runs.nth(1).text_content()
        assert int(loss.get_attribute("data-background")) == 2  # run 1's training and test curves, faint
        assert float(loss.get_attribute("data-x-min")) == 0
    finally:
        page.close()

    # A new visit in the same browser profile: the history is still there; Clear empties it for good.
    page = context.new_page()
    try:
        page.goto(base_url)
        wait_state(page, "ready", 90_000)
        page.wait_for_selector("[data-testid=run-history][data-count='2']", state="attached")
        page.click("[data-testid=clear-history]")
        page.wait_for_selector("[data-testid=run-history][data-count='0']", state="attached")
        page.reload()
        wait_state(page, "ready", 90_000)
        page.wait_for_selector("[data-testid=run-history][data-count='0']", state="attached")
    finally:
        context.close()


def test_run_history_marks_the_runs_that_used_the_learners_code(browser, base_url):
    small = {"hidden_sizes": 16, "train_size": 300, "epochs": 1, "seed": 2, "exercise": "dense_backward"}
    page = open_app(browser, base_url + hash_of(**small))
    try:
        page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
        runs = page.locator("[data-testid=run]")
        # Run 1 starts on the reference code, and goes on with the learner's once it is switched on.
        page.click("[data-testid=step]")
        page.wait_for_selector("[data-testid=run-history][data-count='1']", state="attached")
        settle(page)
        assert runs.nth(0).get_attribute("data-code") == ""
        write_code(page, MY_DENSE_BACKWARD)
        page.click("[data-testid=check-code]")  # only code that passed Check is switched in
        page.wait_for_selector("[data-testid=check-result][data-passed=true]", timeout=60_000)
        train_to_the_end(page, "train-my-code")  # it switches the code in, then trains
        page.wait_for_selector("[data-testid=using-my-code] [data-function=dense_backward]")
        assert runs.count() == 1 and runs.nth(0).get_attribute("data-code") == "dense_backward"
        assert "your code: dense_backward" in runs.nth(0).text_content()
        # Run 2, the same settings on the reference code: a change, not "the same settings as run 1".
        page.click("[data-testid=reference-code]")
        page.wait_for_selector("[data-testid=using-my-code]", state="detached")
        train_to_the_end(page)
        assert runs.count() == 2
        assert "Changed from run 1: your code dense_backward → none." in runs.nth(0).text_content()
        assert runs.nth(0).get_attribute("data-code") == "" and "your code" not in runs.nth(0).locator("span").first.text_content()

        # Read back on the next visit, the code with it.
        page.reload()
        wait_state(page, "ready", 90_000)
        page.wait_for_selector("[data-testid=run-history][data-count='2']", state="attached")
        assert runs.nth(1).get_attribute("data-code") == "dense_backward"
        assert "Changed from run 1: your code dense_backward → none." in runs.nth(0).text_content()
    finally:
        page.context.close()


def test_the_train_button_never_reads_resume_while_a_run_goes(browser, base_url):
    page = open_app(browser, base_url + hash_of(hidden_sizes=16, train_size=1000, epochs=2))
    try:
        page.evaluate("""() => {
            window.__labels = [];
            const train = document.querySelector('[data-testid=train]');
            new MutationObserver(() => window.__labels.push([train.textContent,
                document.querySelector('[data-testid=status]').dataset.busy]))
                .observe(train, { childList: true, characterData: true, subtree: true });
        }""")
        page.click("[data-testid=step]")
        settle(page)
        assert page.text_content("[data-testid=train]") == "Resume"  # a paused run, nothing going
        train_to_the_end(page)
        labels = page.evaluate("window.__labels")
        assert all(text != "Resume" for text, busy in labels if busy == "true"), labels
    finally:
        page.context.close()


def test_momentum_is_greyed_out_when_the_optimiser_ignores_it(browser, base_url):
    page = open_app(browser, base_url)
    try:
        momentum = page.locator("[data-testid=field-momentum]")
        assert momentum.get_attribute("readonly") is None
        page.select_option("[data-testid=field-optimizer]", "adam")
        assert momentum.get_attribute("readonly") is not None
        assert "only momentum uses it" in page.text_content("#field-momentum-locked")
        page.select_option("[data-testid=field-optimizer]", "momentum")
        assert momentum.get_attribute("readonly") is None and page.locator("#field-momentum-locked").is_hidden()
    finally:
        page.context.close()
