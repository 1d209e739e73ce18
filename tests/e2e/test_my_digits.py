"""Teach it my handwriting, in the page: a drawing given its right label joins the learner's own
set, which outlives a reload; fine-tuning on it reports before and after; the set is saved to a
file and loaded back, a bad file is refused in words with the set kept, and Clear empties it."""

import math

from e2e_helpers import attr, clear_and_draw, wait_state

ZERO = [[(0.5 + 0.3 * math.sin(2 * math.pi * t / 24), 0.5 - 0.2 * math.cos(2 * math.pi * t / 24))
         for t in range(25)]]  # a wide, flat 0
SET = "[data-testid=my-digits]"


def count(page):
    return int(attr(page, "my-digits", "data-count"))


def wait_count(page, n, timeout=30_000):
    page.wait_for_selector(f'{SET}[data-count="{n}"]', timeout=timeout)


def test_my_digits_are_kept_fine_tuned_on_saved_loaded_and_cleared(app_page, tmp_path):
    page = app_page()
    wait_count(page, 0)
    predicted = clear_and_draw(page, ZERO)
    assert predicted != ""
    # The label follows the prediction until the learner corrects it.
    page.wait_for_function("(d) => document.querySelector('[data-testid=correct-label]').value === d", arg=predicted)
    page.select_option("[data-testid=correct-label]", "0")
    page.click("[data-testid=add-to-my-digits]")
    wait_count(page, 1)
    assert page.locator(f"{SET} figure").count() == 1
    assert page.text_content(f"{SET} figcaption") == "0"

    # The set is kept in the browser: a reload brings it back.
    page.reload()
    wait_state(page, "ready", 90_000)
    wait_count(page, 1)

    # Fine-tuning reports the learner's set before and after, and the test set after.
    page.click("[data-testid=fine-tune]")
    page.wait_for_selector("[data-testid=fine-tune-result][data-test-after]", timeout=180_000)
    values = [float(attr(page, "fine-tune-result", f"data-{key}")) for key in ("mine-before", "mine-after", "test-after")]
    assert all(0 <= value <= 1 for value in values), values
    assert values[2] > 0.9, "fine-tuning on one digit must not wreck the model"
    words = page.text_content("[data-testid=fine-tune-result]")
    assert "1 digit" in words and f"{100 * values[2]:.1f}%" in words
    # The fine-tuned model is the current model now.
    page.wait_for_function("() => document.querySelector('#model-info').textContent.startsWith('Model: fine-tuned')")

    # Saved to a file, cleared, loaded back: the same digit with the same label.
    with page.expect_download() as download:
        page.click("[data-testid=export-my-digits]")
    saved = tmp_path / "my-digits.npz"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"
    page.click("[data-testid=clear-my-digits]")
    wait_count(page, 0)
    page.set_input_files("[data-testid=import-my-digits-file]", str(saved))
    wait_count(page, 1)
    assert page.text_content(f"{SET} figcaption") == "0"

    # A bad file is refused in plain words, and the set is kept.
    page.set_input_files("[data-testid=import-my-digits-file]",
                         files=[{"name": "broken.npz", "mimeType": "application/octet-stream", "buffer": b"PK\x03\x04 not really"}])
    page.wait_for_function("() => document.querySelector('[data-testid=my-digits-note]').textContent.includes('broken.npz')")
    note = page.text_content("[data-testid=my-digits-note]")
    assert "Could not load" in note and "kept" in note
    assert count(page) == 1

    # Clear empties it, for good.
    page.click("[data-testid=clear-my-digits]")
    wait_count(page, 0)
    page.reload()
    wait_state(page, "ready", 90_000)
    wait_count(page, 0)
    assert page.log.errors == []
