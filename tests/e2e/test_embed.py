"""The app embedded in a course page, and the messages it posts: the example page (web/examples/)
served from one origin embeds differently configured widgets from another origin (a second loopback
server, the app in a sub-path there); they post `ready`, predictions and their height, only to the
host named, and a sandbox that breaks the app is explained. Each test opens the page afresh and
looks at the messages it received, recorded by a script added before any page code runs. Training
in a widget and the epochs it posts are in test_course_hooks.py; what a learner does in a widget is
in test_embed_widget.py.
"""

import re
from urllib.parse import urlsplit

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, calls, draw, round_trips
from embed_host import embed, frame_of, heard_after, open_host, received, serve_app_origin

ONE = [[(0.52, 0.15), (0.48, 0.85)]]


@pytest.fixture(scope="module")
def app_root(dist_dir, tmp_path_factory):
    """The app served from a second origin, under a sub-path as on a university's web space."""
    yield from serve_app_origin(dist_dir, tmp_path_factory)


@pytest.fixture
def host(browser, base_url, app_root):
    """Opens the example page for this test: host(widgets) waits for the `ready` of those widgets."""
    pages = []

    def open_page(widgets=("embed-ask", "embed-train")):
        page = open_host(browser, base_url, app_root, widgets, viewport={"width": 1280, "height": 900})
        pages.append(page)
        return page

    yield open_page
    for page in pages:
        page.context.close()


ASK_HEIGHT_IS = "(h) => Math.abs(document.querySelector('iframe[data-testid=embed-ask]').getBoundingClientRect().height - h) < 1"


def iframe_height(page, name):
    return page.eval_on_selector(f"iframe[data-testid=embed-{name}]", "f => f.getBoundingClientRect().height")


def last_height(page, name):
    return received(page, "resize", f"embed-{name}")[-1]["data"]["height"]


def test_the_widgets_get_ready_when_seen_post_predictions_and_fit_their_frames(host, base_url, app_root):
    page = host()

    # The two widgets in view get ready and say so; the third waits below the fold.
    app_origin = "http://" + urlsplit(app_root).netloc
    assert app_origin != base_url.rstrip("/")  # really two origins
    ready = received(page, "ready")
    assert sorted(m["frame"] for m in ready) == ["embed-ask", "embed-train"]
    for message in page.evaluate("window.__received"):
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

    # The widget below the fold starts only when scrolled to.
    code = embed(page, "code")
    assert code.locator("[data-testid=status]").get_attribute("data-state") == "waiting"
    assert "scroll" in code.locator("[data-testid=status]").text_content()
    assert [m["frame"] for m in received(page, "ready")].count("embed-code") == 0
    page.locator("iframe[data-testid=embed-code]").scroll_into_view_if_needed()
    page.wait_for_function("() => window.__received.some((m) => m.frame === 'embed-code' && m.data.type === 'ready')",
                           timeout=BOOT_TIMEOUT_MS)
    assert code.locator("[data-testid=exercise]").input_value() == "dense_backward"
    page.evaluate("window.scrollTo(0, 0)")

    # Drawing in one widget posts a prediction and leaves the others alone.
    others = ("train", "code")
    classified = {name: calls(frame_of(page, name)).get("classify", 0) for name in others}
    draw(page, ONE, frame=embed(page, "ask"))
    page.wait_for_function("() => window.__received.some((m) => m.data.type === 'prediction')")
    for name in others:
        round_trips(frame_of(page, name))  # anything its Python was asked has been answered...
        heard_after(page, f"embed-{name}", {"sentinel": name})  # ...and anything it posted has arrived
        assert calls(frame_of(page, name)).get("classify", 0) == classified[name], name
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

    # Each iframe's height follows its widget's.
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
    page.locator("iframe[data-testid=embed-ask]").scroll_into_view_if_needed()
    before = len(received(page, "resize", "embed-ask"))
    frame_of(page, "ask").evaluate("document.querySelector('#draw').style.paddingBottom = '300px'")
    page.wait_for_function("(n) => window.__received.filter((m) => m.frame === 'embed-ask' && m.data.type === 'resize').length > n",
                           arg=before)
    page.wait_for_function(ASK_HEIGHT_IS, arg=last_height(page, "ask"))
    grown = iframe_height(page, "ask")
    frame_of(page, "ask").evaluate("document.querySelector('#draw').style.paddingBottom = ''")
    page.wait_for_function("(h) => document.querySelector('iframe[data-testid=embed-ask]').getBoundingClientRect().height < h - 250",
                           arg=grown)
    assert ask.locator("[data-testid=status]").get_attribute("data-state") == "ready"

    # Messages that are not a widget's own, or not well formed, do not move anything: each sender
    # then posts a sentinel, which arrives after what it posted before.
    height = iframe_height(page, "ask")
    page.evaluate("""() => {
        window.postMessage({source: 'scratchnet', type: 'resize', height: 55}, '*');
        window.postMessage({sentinel: 'page'}, '*');
    }""")
    page.wait_for_function("() => window.__received.some((m) => m.frame === null && m.data.sentinel === 'page')")
    for bad in ("{source: 'scratchnet', type: 'resize', height: -5}",
                "{source: 'scratchnet', type: 'resize', height: '55'}",
                "{source: 'scratchnet', type: 'resize', height: 1e9}",
                "{source: 'other', type: 'resize', height: 55}"):
        frame_of(page, "ask").evaluate(f"parent.postMessage({bad}, '*')")
    heard_after(page, "embed-ask", {"sentinel": "ask, after the bad ones"})
    assert iframe_height(page, "ask") == height
    # ...while a well-formed one from the widget is obeyed (so the check above could fail).
    frame_of(page, "ask").evaluate("parent.postMessage({source: 'scratchnet', type: 'resize', height: 321}, '*')")
    page.wait_for_function("() => document.querySelector('iframe[data-testid=embed-ask]').getBoundingClientRect().height === 321")
    page.evaluate("window.ScratchNetHost.hello()")  # the host script asks every widget to re-send its height
    page.wait_for_function(ASK_HEIGHT_IS, arg=height)


def test_messages_go_only_to_the_origin_named_in_host(host, base_url, app_root):
    page = host(widgets=())
    frame = page.locator("iframe[data-testid=embed-ask]")
    frame.evaluate("el => el.scrollIntoView()")
    # The same widget reloaded (a query string makes it a new page) with a host that is not this page.
    frame.evaluate("(el, src) => { el.src = src; }", app_root + "?again#embed=1&panels=draw&host=http://elsewhere.example&id=ask2")
    reloaded = frame_of(page, "ask")
    reloaded.wait_for_url(re.compile(r"\?again#.*id=ask2"))
    reloaded.wait_for_selector("[data-testid=status][data-state=ready]", timeout=BOOT_TIMEOUT_MS)
    # Its `ready` went out with its status: a sentinel from its window, posted after, arrives after it.
    heard_after(page, "embed-ask", {"sentinel": "ask2 is ready"})
    assert [m for m in received(page) if m["data"].get("id") == "ask2"] == []
    page.errors.clear()  # Chromium logs each message it refused to deliver
    # Naming this page's origin lets them through.
    host_origin = base_url.rstrip("/")
    frame.evaluate("(el, src) => { el.src = src; }", app_root + f"?once-more#embed=1&panels=draw&host={host_origin}&id=ask3")
    page.wait_for_function("() => window.__received.some((m) => m.data.type === 'ready' && m.data.id === 'ask3')",
                           timeout=BOOT_TIMEOUT_MS)


def test_a_sandbox_that_breaks_the_app_is_explained(host, app_root):
    page = host(widgets=())
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
