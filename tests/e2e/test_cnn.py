"""The convolutional recipe in the page: it is a recipe like the others, it trains, and a drawing
shows each filter's feature map."""

from e2e_helpers import attr, draw, open_app, wait_prediction, wait_state


def test_the_cnn_recipe_trains_in_the_page_and_shows_feature_maps(browser, base_url):
    page = open_app(browser, base_url + "#recipe=cnn&train_size=1000&epochs=1")
    try:
        assert page.input_value("[data-testid=field-layers]").startswith("conv:16:5,maxpool:2,relu")
        page.click("[data-testid=train]")
        page.wait_for_selector("#model-info[data-epochs='1']", timeout=300_000)
        wait_state(page, "ready", 120_000)
        assert "Conv2D(conv1: 1x28x28 -> 16x24x24, 5x5)" in page.text_content("#model-info")
        assert float(attr(page, "test-accuracy")) > 0.6  # one epoch on 1,000 images; chance is 0.1
        draw(page, [[(0.5, 0.15), (0.5, 0.85)]])
        assert wait_prediction(page) != ""
        captions = page.locator("#hidden-layers figcaption").all_text_contents()
        assert captions[0].startswith("Layer 1: 16 feature maps of 12×12")
        assert captions[1].startswith("Layer 2: 32 feature maps of 5×5")
    finally:
        page.context.close()
