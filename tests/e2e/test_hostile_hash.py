"""A hostile link (issue 14, item 4): a URL hash with 5,000 unknown keys, hundreds of repeated
ones and a hide= list of thousands of names gives a notice of a few lines, not 300,000
characters; every listed problem is quoted short, the rest counted; the page still works."""

from e2e_helpers import attr, clear_and_draw, open_app

ONE = [[(0.52, 0.15), (0.48, 0.85)]]


def test_a_hash_with_thousands_of_bad_keys_gives_a_short_notice(browser, base_url):
    unknown = "&".join(f"no_such_setting_{i}=1" for i in range(5000))
    repeated = "&".join(f"dup{i}=1&dup{i}=2" for i in range(300))
    hide = ",".join(f"part{i}" for i in range(3000))
    page = open_app(browser, f"{base_url}#{unknown}&{repeated}&hide={hide}&epochs=3")
    try:
        notice = page.locator("[data-testid=notice]")
        assert notice.is_visible()
        text = notice.text_content()
        assert len(text) < 2000, len(text)
        assert '"no_such_setting_0", which is not a setting' in text
        assert "…and 4995 more problems with the link" in text  # 5,000 unknown keys, 5 listed
        assert '"dup0" more than once' in text
        assert "…and 296 more problems with the link" in text  # 300 repeated keys and hide=, 5 listed
        assert "part2999" not in text
        # The valid setting in the same link is used, and the page still reads a drawing.
        assert page.input_value("[data-testid=field-epochs]") == "3"
        assert clear_and_draw(page, ONE) != ""
        assert attr(page, "prediction", "data-digit") in [str(d) for d in range(10)]
    finally:
        page.context.close()
