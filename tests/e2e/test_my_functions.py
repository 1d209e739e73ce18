"""Only the learner's functions that passed Check are switched in, and the learner sees and
changes which (issue 20): a function that failed Check, or a stub opened and left as it was, is
left out and Train with my code says why; one that passed is ticked, switched in, listed in
[data-testid=using-my-code] (one element per function, with data-function) and trained with at
once; the run history names it; its × puts the reference back; what passed is kept for the next
visit."""

from e2e_helpers import attr, write_code

SMALL = "train_size=1000&epochs=1&hidden_sizes=32"
WRONG = "import numpy as np\n\ndef relu_forward(z):\n    return z\n"
RIGHT = "import numpy as np\n\ndef relu_forward(z):\n    return np.maximum(z, 0)\n"


def check(page, code):
    write_code(page, code)
    page.click("[data-testid=check-code]")
    page.wait_for_selector("[data-testid=check-result]:not([data-passed=''])", timeout=60_000)
    return attr(page, "check-result", "data-passed") == "true"


def test_only_functions_that_passed_check_are_switched_in_and_trained_with(app_page):
    page = app_page(f"#exercise=relu_forward&{SMALL}")
    page.wait_for_selector("[data-testid=code-editor] .cm-content[contenteditable=true]")
    assert not check(page, WRONG)
    box = page.locator("[data-testid=my-functions] input[data-function=relu_forward]")
    assert box.is_disabled() and not box.is_checked()
    page.click("[data-testid=train-my-code]")
    page.wait_for_selector("#use-note:has-text('pass Check')")
    assert page.locator("[data-testid=using-my-code]").count() == 0

    assert check(page, RIGHT)
    assert box.is_enabled() and box.is_checked()
    # An exercise opened in Edit and left as its stub is not switched in.
    page.select_option("[data-testid=exercise]", "relu_backward")
    page.wait_for_selector("[data-testid=my-functions] input[data-function=relu_backward]:disabled")
    page.click("[data-testid=train-my-code]")
    page.wait_for_selector("[data-testid=using-my-code] [data-function=relu_forward]")
    in_use = page.eval_on_selector_all("[data-testid=using-my-code] [data-function]", "els => els.map(e => e.dataset.function)")
    assert in_use == ["relu_forward"]
    # It trains at once, and the run history names the code.
    page.wait_for_selector("#model-info[data-epochs='1']", timeout=180_000)
    page.wait_for_selector("[data-testid=run][data-code=relu_forward]", state="attached")

    # The learner changes which: × puts the reference back.
    page.click("[data-testid=using-my-code] [data-function=relu_forward] button")
    page.wait_for_selector("[data-testid=using-my-code]", state="detached", timeout=90_000)

    # What passed is kept for the next visit; a change since makes it wait for a new Check.
    page.reload()
    page.wait_for_selector("[data-testid=my-functions] input[data-function=relu_forward]:enabled", timeout=90_000)
    page.select_option("[data-testid=exercise]", "relu_forward")
    write_code(page, RIGHT + "# changed\n")
    page.wait_for_selector("[data-testid=my-functions] input[data-function=relu_forward]:disabled")
    assert "changed since it passed Check" in page.text_content("[data-testid=my-functions]")
