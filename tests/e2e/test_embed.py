"""The app embedded in a course page: the example page (web/examples/) served from one origin
embeds two differently configured widgets from another origin (a second loopback server, the app
in a sub-path there). The tests share one host page and run in order; each looks at the messages
the host page received, recorded by a script added before any page code runs.
"""

import math
import os
import re
from urllib.parse import urlsplit

import pytest

from e2e_helpers import BOOT_TIMEOUT_MS, RECORD_MESSAGES, audit, draw, start_server, touch_stroke

ONE = [[(0.52, 0.15), (0.48, 0.85)]]

@pytest.fixture(scope="module")
def app_root(dist_dir, tmp_path_factory):
    """The app served from a second origin, under a sub-path as on a university's web space."""
    root = tmp_path_factory.mktemp("app-origin")
    (root / "courses" / "ml").mkdir(parents=True)
    os.symlink(dist_dir, root / "courses" / "ml" / "scratchnet")
    process, base = start_server(str(root), probe="courses/ml/scratchnet/manifest.json")
    yield base + "courses/ml/scratchnet/"
    process.terminate()
    process.wait(timeout=10)


def host_url(base_url, app_root):
    return f"{base_url}examples/?app={app_root}"


def open_host(browser, base_url, app_root, **context_options):
    """The example course page in a fresh context, recording messages; waits for both `ready`s."""
    # CSP is bypassed only so that the audit can inject axe-core into the app; test_embed_csp.py
    # checks the app under a strict policy.
    context = browser.new_context(bypass_csp=True, **context_options)
    context.add_init_script(RECORD_MESSAGES)
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.errors = errors
    page.goto(host_url(base_url, app_root))
    # Each widget starts when it is scrolled into view: visit the first two; the third stays below.
    for n, name in enumerate(("ask", "train"), start=1):
        page.locator(f"iframe[data-testid=embed-{name}]").scroll_into_view_if_needed()
        page.wait_for_function(f"() => window.__received.filter((m) => m.data && m.data.type === 'ready').length === {n}",
                               timeout=BOOT_TIMEOUT_MS)
    page.evaluate("window.scrollTo(0, 0)")
    return page


def received(page, type=None, frame=None):
    return [m for m in page.evaluate("window.__received")
            if (type is None or m["data"].get("type") == type) and (frame is None or m["frame"] == frame)]


def embed(page, name):
    return page.frame_locator(f"iframe[data-testid=embed-{name}]")


def frame_of(page, name):
    return page.locator(f"iframe[data-testid=embed-{name}]").element_handle().content_frame()


@pytest.fixture(scope="module")
def page(browser, base_url, app_root):
    page = open_host(browser, base_url, app_root, viewport={"width": 1280, "height": 900})
    yield page
    page.context.close()


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
    # Motion as usual when reduced motion is not asked for (see the phone test for the other case).
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


def test_drawing_from_the_keyboard_is_announced(page):
    ask = embed(page, "ask")
    ask.locator("[data-testid=clear]").click()
    ask.locator("[data-testid=clear]").focus()
    page.keyboard.press("Shift+Tab")
    canvas = ask.locator("[data-testid=draw-canvas]")
    assert canvas.evaluate("el => document.activeElement === el && el.matches(':focus-visible')")
    assert canvas.evaluate("el => getComputedStyle(el).outlineStyle") != "none"  # focus is visible
    before = len(received(page, "prediction", "embed-ask"))
    # A one: from the centre up to the top, pen down (Space), down to the bottom, pen up (Space).
    for key in ["ArrowUp"] * 5 + ["Space"] + ["ArrowDown"] * 10 + ["Space"]:
        page.keyboard.press(key)
    page.wait_for_function("(n) => window.__received.filter((m) => m.frame === 'embed-ask' && m.data.type === 'prediction').length > n",
                           arg=before)
    digit = received(page, "prediction", "embed-ask")[-1]["data"]["digit"]
    assert digit == 1
    announcer = ask.locator("[data-testid=announcer]")
    assert announcer.get_attribute("aria-live") == "polite"
    ask.locator("[data-testid=announcer]:has-text('Prediction: 1')").wait_for()


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


def test_locked_and_hidden_settings_stay_as_the_lesson_set_them(page):
    train = embed(page, "train")
    for name in ("epochs", "train_size"):
        field = train.locator(f"[data-testid=field-{name}]")
        assert field.get_attribute("readonly") is not None
        assert "Locked" in train.locator(f".field:has([data-testid=field-{name}]) .locked-note").text_content()
    epochs = train.locator("[data-testid=field-epochs]")
    epochs.click()
    page.keyboard.type("9")
    assert epochs.input_value() == "3"
    learning_rate = train.locator("[data-testid=field-learning_rate]")
    assert learning_rate.get_attribute("readonly") is None
    train.locator("[data-testid=recipe]").select_option("wide")
    assert learning_rate.input_value() == "0.001"  # a recipe fills in what is not locked...
    assert epochs.input_value() == "3" and train.locator("[data-testid=field-train_size]").input_value() == "1000"
    frame = frame_of(page, "train")
    assert "epochs=3" in frame.evaluate("location.hash") and "learning_rate=0.001" in frame.evaluate("location.hash")
    # hide=model,activations
    assert train.locator("[data-testid=download]").is_hidden() and train.locator("[data-testid=reset]").is_hidden()
    assert train.locator(".hidden-acts").is_hidden()
    assert train.locator("[data-testid=train]").is_visible()


def test_copy_embed_code_gives_a_snippet_for_this_widget(page, app_root):
    train = embed(page, "train")
    content_height = frame_of(page, "train").evaluate("Math.ceil(document.body.getBoundingClientRect().height)")
    train.locator("[data-testid=copy-embed]").click()
    output = train.locator("[data-testid=share-output]")
    output.wait_for()
    code = output.input_value()
    assert train.locator("#share-status").text_content().strip()
    src = re.search(r'<iframe src="([^"]+)"', code).group(1).replace("&amp;", "&")
    assert src.startswith(app_root + "#")
    for part in ("embed=1", "panels=draw,train", "lock=train_size,epochs", "hide=model,activations", "id=train",
                 "epochs=3", "train_size=1000", "learning_rate=0.001"):
        assert part in src.split("#", 1)[1].split("&"), part
    assert re.search(r'title="ScratchNet: [^"]+"', code) and 'allow="clipboard-write"' in code
    assert f'<script src="{app_root}embed-host.js" async></script>' in code
    assert f'height="{content_height}"' in code  # starts at the widget's size, before any script fits it


def test_host_page_and_embeds_pass_an_accessibility_audit(page):
    assert audit(page.main_frame) == []
    for name in ("ask", "train"):
        assert audit(frame_of(page, name)) == [], name


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


def test_on_a_phone_a_finger_draws_without_scrolling_and_nothing_overflows(browser, base_url, app_root):
    page = open_host(browser, base_url, app_root, viewport={"width": 360, "height": 740}, has_touch=True,
                     is_mobile=True, device_scale_factor=2, reduced_motion="reduce")
    try:
        # Reduced motion asked for, so the probability bars jump instead of sliding (compare the fixture's page).
        assert frame_of(page, "ask").evaluate("getComputedStyle(document.querySelector('.prob-fill')).transitionDuration") == "0s"
        assert page.evaluate("document.documentElement.scrollWidth <= innerWidth")
        for name in ("ask", "train"):
            page.locator(f"iframe[data-testid=embed-{name}]").evaluate("el => el.scrollIntoView()")
            frame = frame_of(page, name)
            frame.wait_for_function("() => document.documentElement.scrollWidth <= innerWidth")
        canvas = embed(page, "ask").locator("[data-testid=draw-canvas]")
        page.evaluate("(y) => scrollBy(0, y - 100)", canvas.bounding_box()["y"])
        box = canvas.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= 360
        scroll_before = page.evaluate("scrollY")
        frame_scroll_before = frame_of(page, "ask").evaluate("scrollY")
        touch_stroke(page, box)
        page.wait_for_function("() => window.__received.some((m) => m.data.type === 'prediction')")
        assert received(page, "prediction")[-1]["data"]["digit"] == 1
        assert received(page, "prediction")[-1]["frame"] == "embed-ask"
        assert page.evaluate("scrollY") == scroll_before
        assert frame_of(page, "ask").evaluate("scrollY") == frame_scroll_before
        assert page.errors == []
    finally:
        page.context.close()
