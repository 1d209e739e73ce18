"""Training shared by two Python workers (the `workers` setting): the same run as one worker's up
to rounding, the count of workers shown, Stop honoured, and drawings answered while they train."""

from e2e_helpers import attr, draw, open_app, round_trips, wait_prediction, wait_state

RUN = "#recipe=cnn&train_size=600&epochs=1&batch_size=32&seed=7"
HELPER_BOOT_MS = 240_000  # a second Python worker, on a loaded machine without a snapshot


def wait_helpers(page, count):
    page.wait_for_function(f"() => (globalThis.scratchnetWorkers?.booted ?? 0) >= {count}", timeout=HELPER_BOOT_MS)


def one_epoch(browser, base_url, workers):
    """Test accuracy after one epoch of the small seeded CNN run with `workers`, and the workers shown."""
    page = open_app(browser, f"{base_url}{RUN}&workers={workers}")
    try:
        if workers > 1:
            wait_helpers(page, workers - 1)  # the setting starts its helpers before Train
        page.click("[data-testid=train]")
        page.wait_for_selector("#model-info[data-epochs='1']", timeout=300_000)
        wait_state(page, "ready", 120_000)
        return float(attr(page, "test-accuracy")), attr(page, "workers-in-use"), page.evaluate(
            "() => ({ ...scratchnetPython.calls })")
    finally:
        page.context.close()


def test_two_workers_train_the_same_run_as_one(browser, base_url):
    accuracy_one, shown_one, calls_one = one_epoch(browser, base_url, 1)
    accuracy_two, shown_two, calls_two = one_epoch(browser, base_url, 2)
    assert shown_one == "1" and shown_two == "2"
    assert "shard_train" not in calls_one and calls_two.get("shard_train", 0) > 0
    assert abs(accuracy_two - accuracy_one) <= 0.002, (accuracy_one, accuracy_two)
    assert accuracy_one > 0.3  # it learned (chance is 0.1)


def test_stop_ends_a_shared_run_and_drawings_are_answered_meanwhile(browser, base_url):
    page = open_app(browser, f"{base_url}#recipe=cnn&train_size=6000&epochs=2&workers=2")
    try:
        wait_helpers(page, 1)
        page.click("[data-testid=train]")
        page.wait_for_selector("[data-testid=workers-in-use][data-value='2']", timeout=120_000)
        page.wait_for_function("() => Number(document.querySelector('[data-testid=throughput]').dataset.value) > 0",
                               timeout=120_000)
        draw(page, [[(0.5, 0.15), (0.5, 0.85)]])
        assert wait_prediction(page) != ""  # answered while two workers train
        assert attr(page, "status", "data-state") == "training"
        page.click("[data-testid=stop]")
        wait_state(page, "ready", 120_000)
        page.wait_for_selector("[data-testid=status][data-busy=false]", timeout=120_000)
        steps = attr(page, "step-count")
        chunks = page.evaluate("() => [scratchnetPython.calls.shard_train, scratchnetPython.calls.train]")
        round_trips(page, 2)  # anything a running loop would ask for has been asked by now
        after = page.evaluate("() => [scratchnetPython.calls.shard_train, scratchnetPython.calls.train]")
        assert after == chunks, "the run went on"
        assert attr(page, "step-count") == steps
        assert page.text_content("[data-testid=train]").strip() == "Resume"
    finally:
        page.context.close()
