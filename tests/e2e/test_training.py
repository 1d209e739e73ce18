"""Training in the browser: reset, a short run that must learn and its model file, stop and resume
(from the mouse and the keyboard), divergence (explained by the coach beside the charts), and Step
moving the model line through an epoch. Each test has a page of its own."""

from e2e_helpers import assert_run_does_not_go_on, attr, clear_and_draw, settle, wait_state


def set_fields(page, **values):
    for name, value in values.items():
        field = page.locator(f"[data-testid=field-{name}]")
        if field.evaluate("el => el.tagName") == "SELECT":
            field.select_option(str(value))
        else:
            field.fill(str(value))
        assert field.get_attribute("aria-invalid") != "true", f"{name}={value} was refused"


def chart_points(page, name):
    return int(page.get_attribute(f"[data-testid=chart-{name}]", "data-points"))


def progress(page):
    return page.eval_on_selector("#epoch-progress", "el => el.value")


def test_reset_gives_an_untrained_model(app_page):
    page = app_page()
    assert attr(page, "test-accuracy") != ""
    page.click("[data-testid=reset]")
    page.wait_for_selector("[data-testid=epoch][data-value='0']")
    assert attr(page, "test-accuracy") == ""
    assert "untrained" in page.text_content("#model-info")
    assert page.locator("[data-testid=confusion] table").count() == 0


def test_one_epoch_on_a_small_subset_learns_and_its_model_file_round_trips(app_page, tmp_path):
    page = app_page()
    page.select_option("[data-testid=recipe]", "default")
    set_fields(page, train_size=1000, epochs=1)
    page.click("[data-testid=train]")
    page.wait_for_selector("[data-testid=epoch][data-value='1']", timeout=120_000)
    wait_state(page, "ready", 60_000)
    accuracy = float(attr(page, "test-accuracy"))
    assert 0.5 < accuracy <= 1, accuracy  # chance is 0.1
    assert float(attr(page, "throughput")) > 0
    assert page.locator("[data-testid=throughput]").is_visible()
    page.wait_for_function("() => document.querySelector('[data-testid=chart-loss]').dataset.points > 1")
    for chart in ("loss", "accuracy", "grads", "lr"):
        assert chart_points(page, chart) >= 1, chart
    # The test point at the end of the epoch is on the accuracy chart.
    assert chart_points(page, "accuracy") > chart_points(page, "lr")
    page.wait_for_selector("[data-testid=confusion] table")
    page.wait_for_selector("[data-testid=mistakes] figure")
    cells = page.locator("[data-testid=confusion] tbody td:not(.row-acc)")
    assert cells.count() == 100
    assert sum(int(c) for c in cells.all_text_contents()) == 10000

    # The model just trained, saved to a file, a malformed file refused, and the file loaded back.
    settle(page)
    info = page.text_content("#model-info")
    with page.expect_download() as download:
        page.click("[data-testid=download]")
    saved = tmp_path / "model.npz"
    download.value.save_as(saved)
    assert saved.read_bytes()[:2] == b"PK"  # .npz files are zip archives

    page.set_input_files("[data-testid=load-file]", files=[
        {"name": "broken.npz", "mimeType": "application/octet-stream", "buffer": b"this is not a model"}])
    page.wait_for_selector("#notice:not([hidden])")
    assert "broken.npz" in page.text_content("#notice")
    assert page.text_content("#model-info") == info  # current model kept

    accuracy = attr(page, "test-accuracy")
    page.set_input_files("[data-testid=load-file]", str(saved))
    page.wait_for_function("() => document.querySelector('#model-info').textContent.includes('imported')")
    page.wait_for_function(f"() => document.querySelector('[data-testid=test-accuracy]').dataset.value === '{accuracy}'")


def test_training_is_started_from_the_keyboard_stopped_and_resumed(app_page):
    page = app_page()
    page.select_option("[data-testid=recipe]", "default")
    set_fields(page, train_size=20000, epochs=2)
    page.focus("[data-testid=train]")
    page.keyboard.press("Enter")
    # The Train button disables itself; focus must not fall back to the top of the page.
    assert page.evaluate("document.activeElement.dataset.testid") == "stop"
    page.wait_for_function("() => document.querySelector('#epoch-progress').value > 0.05", timeout=60_000)
    page.click("[data-testid=stop]")
    settle(page)
    assert page.text_content("[data-testid=train]").strip() == "Resume"
    paused_at = progress(page)
    points = chart_points(page, "loss")
    assert_run_does_not_go_on(page)  # really stopped
    assert progress(page) == paused_at

    page.click("[data-testid=train]")
    page.wait_for_function(f"() => document.querySelector('#epoch-progress').value > {paused_at} + 0.02",
                           timeout=60_000)
    assert chart_points(page, "loss") >= points  # the same run went on: history was kept
    page.click("[data-testid=stop]")
    settle(page)
    assert page.text_content("[data-testid=train]").strip() == "Resume"
    assert_run_does_not_go_on(page)


def test_stopping_a_run_from_the_keyboard_hands_focus_back_to_train(app_page):
    page = app_page("#train_size=20000&epochs=2")
    page.focus("[data-testid=train]")
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.dataset.testid") == "stop"
    page.wait_for_function("() => scratchnetPython.calls.train >= 2", timeout=60_000)  # running, past its set-up
    page.keyboard.press("Enter")
    settle(page)
    assert page.text_content("[data-testid=train]").strip() == "Resume"  # stopped, not finished
    assert page.evaluate("document.activeElement.dataset.testid") == "train"


def test_divergence_stops_with_an_explanation_and_keeps_a_usable_model(app_page):
    page = app_page()
    # Seeded and checked: plain SGD at learning rate 10 through four ReLU layers overflows in a few steps.
    page.select_option("[data-testid=recipe]", "default")
    set_fields(page, hidden_sizes="128,128,128,128", optimizer="sgd", learning_rate=10, clip_norm=0,
               lr_decay=1, train_size=1000, batch_size=32, epochs=1, seed=0)
    page.click("[data-testid=train]")
    # The explanation is the coach's, beside the charts; the time left stops counting.
    finding = page.wait_for_selector("[data-testid=health] [data-condition=diverged]", timeout=60_000)
    settle(page)
    assert "learning rate" in finding.text_content().lower()
    assert page.locator("#notice").is_hidden()
    assert page.text_content("#eta") == "stopped"
    assert_run_does_not_go_on(page)
    assert page.text_content("#eta") == "stopped"
    assert attr(page, "epoch") == "0"
    assert page.text_content("[data-testid=train]").strip() == "Train"  # nothing to resume
    # The weights from the last good step still give finite probabilities.
    assert clear_and_draw(page, [[(0.5, 0.15), (0.5, 0.85)]]) != ""
    total = sum(float(attr(page, f"prob-{d}")) for d in range(10))
    assert abs(total - 1) < 1e-3


def test_step_moves_the_model_line_through_an_epoch(app_page):
    # 300 images in batches of 100: three steps to an epoch.
    page = app_page("#hidden_sizes=16&train_size=300&batch_size=100&epochs=2&seed=3")

    def step_to(words):
        page.click("[data-testid=step]")
        page.wait_for_function("(words) => document.querySelector('#model-info').textContent.includes(words)",
                               arg=f"· trained {words} ·")

    step_to("1 step")
    step_to("2 steps")  # an answer that moved only the run's position
    step_to("1 epoch")  # the epoch's last batch ends it
    assert page.get_attribute("#model-info", "data-epochs") == "1"
    step_to("1 epoch and 1 step")  # from the batches per epoch the run reported
    assert page.get_attribute("#model-info", "data-epochs") == "1"
    assert attr(page, "step-count") == "4"
