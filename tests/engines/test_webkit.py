"""The smoke story in WebKitGTK (the engine family of Safari; engine_story.py tells the story),
on an Xvfb display of its own.

Driven by Selenium through WebKitWebDriver and the MiniBrowser: boot, the inspector, two drawn
digits, Check on the learner's dense_backward, one seeded epoch against the native run. Once with
LANG=C.UTF-8, where WebKitGTK reports the language "C" (no valid language tag), and once with
LANG=en_US.UTF-8. The driver gives no console log and no access to the worker, so errors are read
from the page (its fatal and notice boxes, scratchnetPython.errors).

The driver's sessions are ephemeral (Cache Storage does not outlive a reload there), so the repeat
visit goes through WebKitGTK's GTK API instead (webkit_profile.py, in Debian's python3): a first
visit with a persistent profile makes the memory snapshot, a second one starts from it.
"""

import glob
import json
import math
import os
import shutil
import subprocess
import sys
import time

import pytest
from engine_story import story as make_story

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "e2e"))
from e2e_helpers import DIST, start_server  # noqa: E402

DRIVER = os.environ.get("SCRATCHNET_WEBKIT_DRIVER", "/usr/bin/WebKitWebDriver")
# Debian's libwebkit2gtk-4.1-0 ships it in the folder of its architecture.
MINIBROWSER = os.environ.get("SCRATCHNET_MINIBROWSER") or next(
    iter(sorted(glob.glob("/usr/lib/*/webkit2gtk-4.1/MiniBrowser"))), "MiniBrowser")
# Debian's python3, which has the GTK bindings (python3-gi, gir1.2-webkit2-4.1); not the .venv's.
GTK_PYTHON = os.environ.get("SCRATCHNET_GTK_PYTHON", "/usr/bin/python3")
BOOT_SECONDS = 400  # WebKitGTK runs 2-3x slower than Chromium; the machine may be loaded
STEP_SECONDS = 240
IDLE = "[data-testid=status][data-state=ready][data-busy=false]"
# LANG -> the navigator.language WebKitGTK derives from it.
LOCALES = {"C.UTF-8": "C", "en_US.UTF-8": "en-US"}


@pytest.fixture(scope="module")
def display():
    """An X display for the MiniBrowser, which has no headless mode: an Xvfb of its own."""
    for path in (DRIVER, MINIBROWSER):
        if not os.path.exists(path):
            pytest.fail(f"{path} not found: install Debian's webkit2gtk-driver (build.py does, as root)", pytrace=False)
    if shutil.which("Xvfb") is None:
        pytest.fail("Xvfb not found: install Debian's xvfb (build.py does, as root)", pytrace=False)
    read, write = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(write), "-screen", "0", "1400x1100x24", "-nolisten", "tcp"],
                            pass_fds=[write], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write)
    with os.fdopen(read) as f:
        number = f.readline().strip()
    assert number, "Xvfb did not start"
    yield f":{number}"
    xvfb.terminate()
    xvfb.wait(timeout=10)


@pytest.fixture(scope="module")
def base_url():
    process, base = start_server(DIST)
    yield base
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def story():
    return make_story(DIST)


@pytest.fixture(params=sorted(LOCALES))
def driver(request, display):
    """A MiniBrowser under WebKitWebDriver, with LANG=the parameter and no other locale variable."""
    from selenium import webdriver
    from selenium.webdriver.webkitgtk.options import Options
    from selenium.webdriver.webkitgtk.service import Service

    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG"))}
    env.update(LANG=request.param, DISPLAY=display)
    options = Options()
    options.binary_location = MINIBROWSER
    options.add_argument("--automation")
    driver = webdriver.WebKitGTK(options=options, service=Service(executable_path=DRIVER, env=env))
    driver.set_window_size(1280, 1000)
    driver.set_script_timeout(STEP_SECONDS)
    driver.lang = request.param
    yield driver
    driver.quit()


def wait(driver, script, seconds=STEP_SECONDS, *args):
    """Waits until the page's `script` (a function body) returns something truthy; returns it."""
    deadline = time.monotonic() + seconds
    while True:
        found = driver.execute_script(script, *args)
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for: {script}")
        time.sleep(0.2)  # polling an outcome, not a pause before an assertion


def wait_for(driver, selector, seconds=STEP_SECONDS):
    return wait(driver, "return document.querySelector(arguments[0])", seconds, selector)


def value(driver, testid, name="data-value"):
    return driver.find_element("css selector", f"[data-testid={testid}]").get_attribute(name)


def open_app(driver, url):
    driver.get(url)
    wait_for(driver, "[data-testid=status][data-state=ready], [data-testid=status][data-state=error]", BOOT_SECONDS)
    state = value(driver, "status", "data-state")
    assert state == "ready", driver.execute_script("return document.querySelector('#fatal').textContent")


NO_ERRORS = {"fatal": "", "notice": "", "python": []}


def errors(driver):
    """What the page shows and keeps of errors (the driver gives no console log): NO_ERRORS if none."""
    return driver.execute_script("""const shown = (id) => document.getElementById(id).hidden ? "" : document.getElementById(id).textContent;
        return { fatal: shown('fatal'), notice: shown('notice'), python: globalThis.scratchnetPython?.errors ?? null };""")


def show_view(driver, name):
    """Opens view `name` with the navigation bar, as a learner does: the full page shows one view at
    a time, and a control is clicked in its own view."""
    driver.find_element("css selector", f"[data-testid=view-nav] [data-view={name}]").click()
    wait_for(driver, f"[data-testid=view-nav][data-current={name}]")


def draw_digit(driver, strokes):
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    show_view(driver, "draw")
    driver.find_element("css selector", "[data-testid=clear]").click()
    assert value(driver, "prediction", "data-digit") == ""
    canvas = driver.find_element("css selector", "[data-testid=draw-canvas]")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", canvas)
    width, height = canvas.rect["width"], canvas.rect["height"]
    actions = ActionBuilder(driver)
    pen = actions.pointer_action
    at = lambda x, y: (round((x - 0.5) * width), round((y - 0.5) * height))  # offsets from the centre
    for stroke in strokes:
        pen.move_to(canvas, *at(*stroke[0]))
        pen.pointer_down()
        for (x0, y0), (x1, y1) in zip(stroke, stroke[1:]):
            for t in (0.25, 0.5, 0.75, 1):
                pen.move_to(canvas, *at(x0 + t * (x1 - x0), y0 + t * (y1 - y0)))
        pen.pointer_up()
    actions.perform()
    wait_for(driver, "[data-testid=prediction][data-pending=false]")
    return value(driver, "prediction", "data-digit")


def test_webkit_boots_inspects_draws_checks_code_and_trains(driver, base_url, story):
    open_app(driver, base_url + story["fragment"])
    assert driver.execute_script("return navigator.language") == LOCALES[driver.lang]

    # The inspector shows the pretrained model's numbers for the test digit the link names.
    inspect = story["inspect"]
    wait_for(driver, f"[data-testid=inspector][data-source='test:{inspect['index']}']:not([data-prob=''])")
    assert value(driver, "inspector", "data-label") == str(inspect["label"])
    p_y = float(value(driver, "inspector", "data-prob"))
    assert p_y == pytest.approx(inspect["p"], rel=1e-5, abs=1e-7)
    assert float(value(driver, "inspector", "data-loss")) == pytest.approx(-math.log(p_y), rel=1e-6, abs=1e-9)

    # Two drawn digits are recognised, their probabilities a distribution.
    for digit, strokes in story["digits"].items():
        assert draw_digit(driver, strokes) == digit
        total = sum(float(value(driver, f"prob-{d}")) for d in range(10))
        assert abs(total - 1) < 1e-3, digit

    # The code from the link is adopted and passes Check.
    wait_for(driver, "[data-testid=code-from-link]")
    show_view(driver, "build")
    driver.find_element("css selector", "[data-testid=adopt-link-code]").click()
    wait(driver, "return document.querySelector('[data-testid=code-editor]').shadowRoot"
                 "?.querySelector('.cm-content[contenteditable=true]')")
    # Pressed and read in one task: the result is cleared at once, so an old answer is never taken.
    assert driver.execute_script("""
        document.querySelector('[data-testid=check-code]').click();
        const result = document.querySelector('[data-testid=check-result]').dataset;
        return [result.passed, result.maxRelError];""") == ["", ""]
    wait_for(driver, "[data-testid=check-result]:not([data-passed=''])")
    assert value(driver, "check-result", "data-passed") == "true"
    assert float(value(driver, "check-result", "data-max-rel-error")) < 1e-6

    # One seeded epoch gives the native run's test accuracy (up to the products' rounding).
    show_view(driver, "train")
    driver.find_element("css selector", "[data-testid=train]").click()
    wait(driver, "return document.querySelector('#eta').textContent === 'done'")
    wait_for(driver, IDLE)
    assert value(driver, "epoch") == "1"
    accuracy = float(value(driver, "test-accuracy"))
    assert abs(accuracy - story["accuracy"]) <= story["accuracy_tolerance"], (accuracy, story["accuracy"])
    assert errors(driver) == NO_ERRORS


def test_webkit_with_a_persistent_profile_starts_a_second_visit_from_the_snapshot(display, base_url, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LC_", "LANG", "PYTHON"))}
    env.update(LANG="C.UTF-8", DISPLAY=display)

    def visit(*flags):
        done = subprocess.run([GTK_PYTHON, os.path.join(HERE, "webkit_profile.py"), base_url, str(tmp_path), *flags],
                              env=env, capture_output=True, text=True, timeout=1000)
        if "No module named 'gi'" in done.stderr or "Namespace WebKit2" in done.stderr:
            pytest.fail(f"{GTK_PYTHON} lacks WebKitGTK's bindings: install Debian's python3-gi and "
                        "gir1.2-webkit2-4.1 (build.py does, as root)", pytrace=False)
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    # The first visit boots Python afresh and keeps a snapshot of it in the profile.
    first = visit("--snapshot")
    assert first["state"] == "ready" and first["how"] != "restored", first
    assert first["snapshot"].startswith("stored"), first
    assert first["errors"] == [], first
    # The second, in a browser started again on the same profile, starts from it and evaluates the model.
    second = visit()
    assert second["state"] == "ready" and second["how"] == "restored", second
    assert second["errors"] == [], second
    assert float(second["accuracy"]) > 0.9, second
