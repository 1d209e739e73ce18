"""Augmentation as a setting in the page: a link sets it (made canonical), the control refuses a
bad value in place, the preview shows images of the next batch as they are and augmented, and a
run trains with it."""

from e2e_helpers import attr, wait_state

RUN = "#train_size=1000&epochs=1&seed=3"


def test_a_link_turns_augmentation_on_the_preview_shows_it_and_a_run_learns_with_it(app_page):
    page = app_page(RUN + "&augment=rotate:10,shift:2")
    control = page.locator("[data-testid=augment]")
    assert control.input_value() == "shift:2,rotate:10"  # the names in their fixed order
    preview = page.locator("[data-testid=augment-preview]")
    page.wait_for_selector("[data-testid=augment-preview][data-augment='shift:2,rotate:10']")
    assert preview.is_visible() and preview.get_attribute("data-count") == "6"
    assert preview.locator("canvas").count() == 12  # each image as it is, and augmented

    control.fill("shift:2,rotate:10,thickness:0.5")
    page.wait_for_selector("[data-testid=augment-preview][data-augment='shift:2,rotate:10,thickness:0.5']")
    page.wait_for_function("() => new URLSearchParams(location.hash.slice(1)).get('augment')"
                           " === 'shift:2,rotate:10,thickness:0.5'")  # the link follows the control

    page.click("[data-testid=train]")
    page.wait_for_selector("[data-testid=epoch][data-value='1']", timeout=180_000)
    wait_state(page, "ready", 60_000)
    assert 0.5 < float(attr(page, "test-accuracy")) <= 1  # chance is 0.1
    assert page.log.errors == []

    control.fill("none")
    page.wait_for_selector("[data-testid=augment-preview]", state="hidden")


def test_a_bad_augmentation_is_refused_where_it_was_given(app_page):
    page = app_page(RUN + "&augment=flip:1")
    notice = page.locator("[data-testid=notice]")
    assert notice.is_visible() and "Augmentation" in notice.text_content()
    control = page.locator("[data-testid=augment]")
    assert control.input_value() == "none"  # the default kept
    assert page.locator("[data-testid=augment-preview]").is_hidden()

    control.fill("shift:9")
    error = page.locator("[data-testid=augment-error]")
    error.wait_for()
    assert "shift up to 4" in error.text_content() and control.get_attribute("aria-invalid") == "true"
    assert page.locator("[data-testid=train]").is_disabled()
    control.fill("shift:1")
    page.wait_for_selector("[data-testid=augment-error]", state="hidden")
    assert page.locator("[data-testid=train]").is_enabled()
