"""The convolutional recipe in the page: it is a recipe like the others, it trains, and a drawing
shows each filter's feature map; inside a step, its maps are square images in a grid and its
filters are described as filters."""

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
        # Inside a step: feature maps as square images in a grid, one per channel; filters as filters.
        page.click("[data-testid=inspect-next]")
        z1 = page.locator("[data-testid=inspect-z1] .heatmap.tiled")
        z1.wait_for()
        assert z1.get_attribute("data-tiles") == "16x24x24"
        box = z1.locator("canvas").bounding_box()
        assert 0.9 < box["width"] / box["height"] < 1.1, box  # 4 by 4 squares, not 16 stripes
        assert page.locator("[data-testid=inspect-dW1] .heatmap.tiled").get_attribute("data-tiles") == "16x5x5"
        about = page.text_content("#weights-about")
        assert "5×5 weights" in about and "filter" in about and "784" not in about
    finally:
        page.context.close()
