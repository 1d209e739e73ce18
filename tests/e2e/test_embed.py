"""The app embedded in a course page, and the messages it posts: the example page (web/examples/)
served from one origin embeds differently configured widgets from another origin (a second loopback
server, the app in a sub-path there); they post `ready`, predictions, their height and training
progress, only to the host named, and a sandbox that breaks the app is explained. The tests share
one host page and run in order; each looks at the messages the host page received, recorded by a
script added before any page code runs. What a learner does in a widget is in test_embed_widget.py.
"""

import math
import re
from urllib.parse import urlsplit

import pytest

from e2e_helpers import BOOT_TIMEOUT_MS, draw
from embed_host import embed, frame_of, host_page, received, serve_app_origin

ONE = [[(0.52, 0.15), (0.48, 0.85)]]


@pytest.fixture(scope="module")
def app_root(dist_dir, tmp_path_factory):
    """The app served from a second origin, under a sub-path as on a university's web space."""
    yield from serve_app_origin(dist_dir, tmp_path_factory)


@pytest.fixture(scope="module")
def page(browser, base_url, app_root):
    yield from host_page(browser, base_url, app_root)


def test_both_embeds_get_ready_and_post_it(page, base_url, app_root):
    app_origin = "http://" + urlsplit(app_root).netloc
    assert app_origin != base_url.rstrip("/")  # really two origins
    ready = received(page, "ready")
    assert sorted(m["frame"] for m in ready) == ["embed-ask", "embed-train"]  # the third waits below the fold
    for message in received(page):
        assert message["origin"] == app_origin
        assert message["data"]["source"] == "scratchnet"
        assert message["data"]["type"] in ("ready", "resize", "prediction", "epoch", "trainingDone")
    assert [m["data"]["id"] for m in ready if m["frame"] == "embed-ask"] == ["ask"]
    for name in ("ask", "train"):
        assert embed(page, name).locator("[data-testid=status]").get_attribute("data-state") == "ready"
        assert frame_of(page, name).url.startswith(app_root)
    # The compact layout shows only the panels each widget asked for.
    ask = embed(page, "ask")
    assert ask.locator("#draw").is_visible() and ask.locator("#train-section").is_hidden()
    assert embed(page, "train").locator("#train-section").is_visible()
    # Motion as usual when reduced motion is not asked for (see the phone test in test_embed_widget.py).
    assert frame_of(page, "ask").evaluate("getComputedStyle(document.querySelector('.prob-fill')).transitionDuration") != "0s"
    assert page.errors == []


def test_a_widget_below_the_fold_starts_only_when_scrolled_to(page):
    code = embed(page, "code")
    assert code.locator("[data-testid=status]").get_attribute("data-state") == "waiting"
    assert "scroll" in code.locator("[data-testid=status]").text_content()
    assert [m["frame"] for m in received(page, "ready")].count("embed-code") == 0
    page.locator("iframe[data-testid=embed-code]").scroll_into_view_if_needed()
    page.wait_for_function("() => window.__received.some((m) => m.frame === 'embed-code' && m.data.type === 'ready')",
                           timeout=BOOT_TIMEOUT_MS)
    assert code.locator("[data-testid=exercise]").input_value() == "dense_backward"
    page.evaluate("window.scrollTo(0, 0)")


def test_drawing_in_one_embed_posts_a_prediction_and_leaves_the_other_alone(page):
    draw(page, ONE, frame=embed(page, "ask"))
    page.wait_for_function("() => window.__received.some((m) => m.data.type === 'prediction')")
    page.wait_for_timeout(300)  # a stray message from the other widget would have arrived by now
    predictions = received(page, "prediction")
    assert {m["frame"] for m in predictions} == {"embed-ask"}
    data = predictions[-1]["data"]
    assert data["digit"] == 1 and data["id"] == "ask"
    assert len(data["probabilities"]) == 10 and abs(sum(data["probabilities"]) - 1) < 1e-3
    assert max(range(10), key=data["probabilities"].__getitem__) == 1
    assert embed(page, "ask").locator("[data-testid=prediction]").get_attribute("data-digit") == "1"
    # The other widget's pad and prediction are untouched.
    other = embed(page, "train")
    assert other.locator("[data-testid=prediction]").get_attribute("data-digit") == ""
    assert other.locator("#prediction-note").text_content().startswith("Draw a digit")
    # The example page's own script heard it through embed-host.js.
    page.wait_for_selector("[data-testid=activity] li:has-text('[ask] prediction: 1')")


def iframe_height(page, name):
    return page.eval_on_selector(f"iframe[data-testid=embed-{name}]", "f => f.getBoundingClientRect().height")


def last_height(page, name):
    return received(page, "resize", f"embed-{name}")[-1]["data"]["height"]


def test_iframe_height_follows_resize(page):
    for name in ("ask", "train"):
        # Browsers pause layout in cross-origin frames out of view, so the widget is scrolled to.
        page.locator(f"iframe[data-testid=embed-{name}]").scroll_into_view_if_needed()
        page.wait_for_function(
            """(name) => {
                const sizes = window.__received.filter((m) => m.frame === 'embed-' + name && m.data.type === 'resize');
                const frame = document.querySelector('iframe[data-testid=embed-' + name + ']');
                return sizes.length && Math.abs(frame.getBoundingClientRect().height - sizes.at(-1).data.height) < 1;
            }""", arg=name)
        frame = frame_of(page, name)
        # Fitted: the widget's whole content shows, with no scrolling inside the frame.
        assert frame.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")
    assert iframe_height(page, "train") > iframe_height(page, "ask") + 200  # each fits its own content

    # The widget's content grows, then shrinks back: the frame follows.
    ask = embed(page, "ask")
    page.locator("iframe[data-testid=embed-ask]").scroll_into_view_if_needed()
    before = len(received(page, "resize", "embed-ask"))
    frame_of(page, "ask").evaluate("document.querySelector('#draw').style.paddingBottom = '300px'")
    page.wait_for_function("(n) => window.__received.filter((m) => m.frame === 'embed-ask' && m.data.type === 'resize').length > n",
                           arg=before)
    page.wait_for_function("(h) => Math.abs(document.querySelector('iframe[data-testid=embed-ask]').getBoundingClientRect().height - h) < 1",
                           arg=last_height(page, "ask"))
    grown = iframe_height(page, "ask")
    frame_of(page, "ask").evaluate("document.querySelector('#draw').style.paddingBottom = ''")
    page.wait_for_function("(h) => document.querySelector('iframe[data-testid=embed-ask]').getBoundingClientRect().height < h - 250",
                           arg=grown)
    assert ask.locator("[data-testid=status]").get_attribute("data-state") == "ready"

    # Messages that are not a widget's own, or not well formed, do not move anything.
    height = iframe_height(page, "ask")
    page.evaluate("window.postMessage({source: 'scratchnet', type: 'resize', height: 55}, '*')")
    for bad in ("{source: 'scratchnet', type: 'resize', height: -5}",
                "{source: 'scratchnet', type: 'resize', height: '55'}",
                "{source: 'scratchnet', type: 'resize', height: 1e9}",
                "{source: 'other', type: 'resize', height: 55}"):
        frame_of(page, "ask").evaluate(f"parent.postMessage({bad}, '*')")
    page.wait_for_timeout(300)
    assert iframe_height(page, "ask") == height
    # ...while a well-formed one from the widget is obeyed (so the check above could fail).
    frame_of(page, "ask").evaluate("parent.postMessage({source: 'scratchnet', type: 'resize', height: 321}, '*')")
    page.wait_for_function("() => document.querySelector('iframe[data-testid=embed-ask]').getBoundingClientRect().height === 321")
    page.evaluate("window.ScratchNetHost.hello()")  # the host script asks every widget to re-send its height
    page.wait_for_function("(h) => Math.abs(document.querySelector('iframe[data-testid=embed-ask]').getBoundingClientRect().height - h) < 1",
                           arg=height)


def test_training_in_an_embed_posts_epochs_and_the_end(page):
    train = embed(page, "train")
    page.locator("iframe[data-testid=embed-train]").scroll_into_view_if_needed()
    train.locator("[data-testid=train]").click()
    page.wait_for_function("() => window.__received.some((m) => m.data.type === 'trainingDone')", timeout=90_000)
    epochs = [m["data"] for m in received(page, "epoch")]
    assert [e["epoch"] for e in epochs] == [1, 2, 3]  # the locked settings: 3 epochs
    assert all(m["frame"] == "embed-train" for m in received(page, "epoch"))
    for event in epochs:
        assert event["epochs"] == 3 and event["id"] == "train"
        assert math.isfinite(event["loss"]) and 0.1 < event["testAccuracy"] <= 1
    done = received(page, "trainingDone")[-1]["data"]
    assert done["reason"] == "finished" and done["epoch"] == 3 and done["testAccuracy"] == epochs[-1]["testAccuracy"]
    train.locator("[data-testid=announcer]:has-text('Training finished after 3 epochs')").wait_for()
    assert received(page, "epoch", "embed-ask") == []
    assert "pretrained" in embed(page, "ask").locator("#model-info").text_content()  # the other model is untouched


def test_messages_go_only_to_the_origin_named_in_host(page, base_url, app_root):
    frame = page.locator("iframe[data-testid=embed-ask]")
    frame.evaluate("el => el.scrollIntoView()")
    # The same widget reloaded (a query string makes it a new page) with a host that is not this page.
    frame.evaluate("(el, src) => { el.src = src; }", app_root + "?again#embed=1&panels=draw&host=http://elsewhere.example&id=ask2")
    reloaded = frame_of(page, "ask")
    reloaded.wait_for_url(re.compile(r"\?again#.*id=ask2"))
    reloaded.wait_for_selector("[data-testid=status][data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    page.wait_for_timeout(500)
    assert [m for m in received(page) if m["data"].get("id") == "ask2"] == []
    page.errors.clear()  # Chromium logs each message it refused to deliver
    # Naming this page's origin lets them through.
    host = base_url.rstrip("/")
    frame.evaluate("(el, src) => { el.src = src; }", app_root + f"?once-more#embed=1&panels=draw&host={host}&id=ask3")
    page.wait_for_function("() => window.__received.some((m) => m.data.type === 'ready' && m.data.id === 'ask3')",
                           timeout=BOOT_TIMEOUT_MS)


def test_a_sandbox_that_breaks_the_app_is_explained(page, app_root):
    # Without allow-same-origin the frame's origin is opaque and the app's modules cannot load.
    page.evaluate("""(src) => {
        const frame = document.createElement("iframe");
        frame.src = src;
        frame.title = "ScratchNet in a sandbox";
        frame.dataset.testid = "embed-sandboxed";
        frame.setAttribute("sandbox", "allow-scripts");
        document.querySelector("main").prepend(frame);
    }""", app_root + "#embed=1&panels=draw")
    sandboxed = embed(page, "sandboxed")
    sandboxed.locator("[data-testid=status][data-state=error]").wait_for()
    assert "allow-same-origin" in sandboxed.locator("#fatal").text_content()
    page.errors.clear()  # the refused module loads are logged
