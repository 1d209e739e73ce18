"""The shipped lessons: checked by the page's own checker (web/js/course/lesson-check.js, run under Node)
against the lesson schema and the settings, every step's settings validated by Python as well,
the lesson list matching the files, bad lessons refused with their reason, the Markdown subset
never turning text into markup, and every measured number a step's text quotes being one its
measurements (written by tests/e2e/bench_journey.py) hold."""

import json
import os
import re
import shutil
import subprocess
import sys

import pytest

from scratchnet.training.settings import SCHEMA, recipes_for, validate_config

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
LESSONS = os.path.join(ROOT, "web", "lessons")
JS = os.path.join(ROOT, "web", "js")
sys.path.insert(0, ROOT)
from build import TRAIN_SUBSET  # noqa: E402  the training images the site ships

NAMES = sorted(f[:-5] for f in os.listdir(LESSONS) if f.endswith(".json") and f not in ("index.json", "lesson.schema.json"))


def page_info():
    """What the page's settings panel knows: the schema with the site's limits, and the recipes."""
    schema = [dict(field) for field in SCHEMA]
    for field in schema:
        if field["name"] in ("train_size", "batch_size"):
            field["max"] = TRAIN_SUBSET
    return {"schema": schema, "recipes": recipes_for(TRAIN_SUBSET)}


def node(script, payload):
    """Runs an ES module `script` under Node with `payload` as JSON on stdin; returns its JSON output."""
    if shutil.which("node") is None:
        pytest.fail("Node.js is needed to run the page's lesson checker (README: Node.js >= 20)")
    imports = (f"import {{ checkLesson, goalMet }} from {json.dumps('file://' + os.path.join(JS, 'course', 'lesson-check.js'))};\n"
               f"import {{ parseMarkdown }} from {json.dumps('file://' + os.path.join(JS, 'course', 'markdown.js'))};\n")
    reader = ("let input = ''; for await (const chunk of process.stdin) input += chunk;\n"
              "const payload = JSON.parse(input);\n")
    done = subprocess.run(["node", "--input-type=module", "-e", imports + reader + script], input=json.dumps(payload),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def load(name):
    with open(os.path.join(LESSONS, f"{name}.json")) as f:
        return json.load(f)


def check(lessons):
    """{name: problems} from the page's checker for {name: lesson document}."""
    with open(os.path.join(LESSONS, "lesson.schema.json")) as f:
        schema = json.load(f)
    return node("const out = {};\n"
                "for (const [name, doc] of Object.entries(payload.lessons))\n"
                "  out[name] = checkLesson(doc, payload.schema, payload.info.schema, payload.info.recipes).problems;\n"
                "console.log(JSON.stringify(out));", {"lessons": lessons, "schema": schema, "info": page_info()})


def test_the_lessons_are_shipped_and_listed():
    assert {"journey", "break-it", "vanishing", "few-images", "handwriting"} <= set(NAMES)
    with open(os.path.join(LESSONS, "index.json")) as f:
        listed = json.load(f)
    assert [item["name"] for item in listed] == ["journey", "break-it", "vanishing", "few-images", "handwriting"]
    assert set(item["name"] for item in listed) == set(NAMES)
    assert all(item["title"] == load(item["name"])["title"] for item in listed)


def test_every_shipped_lesson_passes_the_pages_checker():
    assert check({name: load(name) for name in NAMES}) == {name: [] for name in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_every_steps_settings_are_valid_for_python_too(name):
    info = page_info()
    for step in load(name)["steps"]:
        start = info["recipes"][step["recipe"]] if "recipe" in step else info["recipes"]["default"]
        validate_config({**start, **step.get("settings", {})}, TRAIN_SUBSET)


BAD = {
    "unknown-setting": (lambda d: d["steps"][0]["settings"].update(speed=3), '"speed" is not a setting'),
    "bad-value": (lambda d: d["steps"][0]["settings"].update(learning_rate=50), "learning_rate: Must be between"),
    "wrong-type": (lambda d: d["steps"][0]["settings"].update(hidden_sizes="128"), "hidden_sizes must be a list"),
    "unknown-field": (lambda d: d["steps"][0].update(script="alert(1)"), 'has "script", which is not allowed'),
    "long-text": (lambda d: d["steps"][0].update(text="x" * 5000), "at most 4000 characters"),
    "no-steps": (lambda d: d.update(steps=[]), "at least 1 items"),
    "format": (lambda d: d.update(format="scratchnet-lesson-2"), 'must be "scratchnet-lesson-1"'),
    "exercise": (lambda d: d["steps"][0].update(exercise="eval"), "must be one of"),
    "lock": (lambda d: d["steps"][0].update(lock=["everything"]), 'lock names "everything"'),
    "hide": (lambda d: d["steps"][0].update(hide=["footer"]), 'hide names "footer"'),
    "recipe": (lambda d: d["steps"][0].update(recipe="fast"), 'the recipe "fast" does not exist'),
    "goal-bounds": (lambda d: d["steps"][0].update(goal={"text": "x", "test_accuracy": {"min": 0.9, "max": 0.8}}),
                    "min 0.9 is above max 0.8"),
    "goal-accuracy": (lambda d: d["steps"][0].update(goal={"text": "x", "test_accuracy": {"min": 95}}), "outside 0 to 1"),
    "goal-setting": (lambda d: d["steps"][0].update(goal={"text": "x", "settings": {"optimizer": {"max": 1}}}),
                     '"optimizer", which is not a numeric setting'),
    "goal-empty": (lambda d: d["steps"][0].update(goal={"text": "x"}), "at least 2 entries"),
    "finding": (lambda d: d["steps"][0].update(goal={"text": "x", "finding": "sad"}), "must be one of"),
    "proto": (lambda d: d["steps"][0]["settings"].update({"__proto__": 1}), "is not of the form"),
}


def test_bad_lessons_are_refused_with_their_reason():
    lessons = {}
    for case, (spoil, _) in BAD.items():
        doc = load("break-it")
        spoil(doc)
        lessons[case] = doc
    found = check(lessons)
    for case, (_, words) in BAD.items():
        assert found[case], case
        assert any(words in problem for problem in found[case]), (case, found[case])
        assert len(found[case]) <= 10


def test_goals():
    cases = [
        ({"text": "x", "test_accuracy": {"min": 0.95}, "settings": {"train_size": {"max": 1000}}},
         {"config": {"train_size": 1000}, "testAccuracy": 0.951, "findings": []}, True),
        ({"text": "x", "test_accuracy": {"min": 0.95}, "settings": {"train_size": {"max": 1000}}},
         {"config": {"train_size": 1001}, "testAccuracy": 0.99, "findings": []}, False),
        ({"text": "x", "test_accuracy": {"min": 0.95}}, {"config": {}, "testAccuracy": None, "findings": []}, False),
        ({"text": "x", "finding": "diverged"}, {"config": {}, "testAccuracy": None, "findings": ["diverged"]}, True),
        ({"text": "x", "finding": "diverged"}, {"config": {}, "testAccuracy": 0.9, "findings": ["chance"]}, False),
    ]
    got = node("console.log(JSON.stringify(payload.map(([goal, run]) => goalMet(goal, run))));",
               [[goal, run] for goal, run, _ in cases])
    assert got == [expected for _, _, expected in cases]


def test_the_markdown_subset_never_makes_markup():
    texts = ['<img src=x onerror="alert(1)"> **bold** and *it* `co<de>`',
             "[a link](https://example.org/x) [not a link](javascript:alert(1)) \\*not italic\\*",
             "- one\n- two\n\n1. first\n2. second", "# not a heading"]
    blocks = node("console.log(JSON.stringify(payload.map(parseMarkdown)));", texts)
    first = blocks[0][0]["children"]
    assert first[0] == {"type": "text", "text": '<img src=x onerror="alert(1)"> '}
    assert first[1] == {"type": "strong", "children": [{"type": "text", "text": "bold"}]}
    assert {"type": "code", "text": "co<de>"} in first
    links = [n for n in blocks[1][0]["children"] if n["type"] == "link"]
    assert [n["href"] for n in links] == ["https://example.org/x"]
    assert blocks[1][0]["children"][-1] == {"type": "text", "text": " [not a link](javascript:alert(1)) *not italic*"}
    assert [b["type"] for b in blocks[2]] == ["ul", "ol"] and len(blocks[2][1]["items"]) == 2
    assert blocks[3] == [{"type": "p", "children": [{"type": "text", "text": "# not a heading"}]}]


MEASURED = re.compile(r"(\d+\.\d)%")  # a percentage with a decimal is a measurement; 10% or 90% are not


@pytest.mark.parametrize("name", NAMES)
def test_every_measured_number_in_the_text_is_a_measurement(name):
    steps = load(name)["steps"]
    assert all("measured" in step for step in steps), "run tests/e2e/bench_journey.py --write"
    measured = {f"{100 * step['measured'][where]['test_accuracy']:.1f}" for step in steps
                for where in ("browser", "native") if step["measured"][where]["test_accuracy"] is not None}
    for i, step in enumerate(steps):
        for number in MEASURED.findall(step["text"]):
            assert number in measured, f"step {i + 1} quotes {number}%, which no step measured"
        own = step["measured"]["browser"]["test_accuracy"]
        if own is not None and MEASURED.search(step["text"]):
            assert f"{100 * own:.1f}" in MEASURED.findall(step["text"]), f"step {i + 1} does not quote its own result"
