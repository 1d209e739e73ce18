"""bench/report_file.py: one benchmark's section of docs/benchmarks.md replaced in place, the rest of
the file kept byte for byte; sections appended once; broken markers refused; the real page and the
scripts that write it agree on the sections' names."""

import importlib.util
import os
import re
import stat

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BENCH = os.path.join(ROOT, "bench")
_spec = importlib.util.spec_from_file_location("report_file", os.path.join(BENCH, "report_file.py"))
report_file = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(report_file)

HEAD = "# Benchmarks\n\nWritten by hand, kept.\r\n\n"  # a stray \r too: bytes are kept, not lines
NATIVE = "<!-- bench:native -->\n## Natively\n\n| a | 1 |\n\n<!-- /bench:native -->\n"
NOTE = "\nA hand-written note after a section.  \n\n"
BROWSER = "<!-- bench:browser -->\n## In the browser\n\nold numbers: 5.44 s\n\n<!-- /bench:browser -->\n"
TAIL = "\nThe end, no newline"
DOCUMENT = HEAD + NATIVE + NOTE + BROWSER + TAIL


def read(path):
    return path.read_bytes().decode()  # as it is: read_text() would turn \r\n into \n


def write(path, text):
    path.write_bytes(text.encode())


@pytest.fixture
def docs(tmp_path):
    path = tmp_path / "benchmarks.md"
    write(path, DOCUMENT)
    return path


def test_replacing_a_section_keeps_every_other_byte(docs):
    report_file.write_section("native", "## Natively\n\n| a | 2 |", docs)
    after = read(docs)
    new_native = "<!-- bench:native -->\n## Natively\n\n| a | 2 |\n\n<!-- /bench:native -->\n"
    assert after == HEAD + new_native + NOTE + BROWSER + TAIL
    assert "| a | 1 |" not in after


def test_the_last_section_is_replaced_and_the_text_after_it_kept(docs):
    report_file.write_section("browser", "\n\n## In the browser\n\nnew numbers: 6.00 s\n\n\n", docs)
    after = read(docs)
    assert after.startswith(HEAD + NATIVE + NOTE)
    assert after.endswith("## In the browser\n\nnew numbers: 6.00 s\n\n<!-- /bench:browser -->\n" + TAIL)
    assert "5.44" not in after


def test_a_new_section_is_appended_at_the_end(docs):
    report_file.write_section("cnn", "## The convolutional network\n\n| b | 3 |\n", docs)
    after = read(docs)
    assert after == DOCUMENT + "\n\n<!-- bench:cnn -->\n## The convolutional network\n\n| b | 3 |\n\n<!-- /bench:cnn -->\n"
    assert list(report_file.spans(after)) == ["native", "browser", "cnn"]


def test_a_second_run_replaces_its_section_rather_than_adding_one(docs):
    report_file.write_section("cnn", "## CNN\n\nfirst run", docs)
    once = read(docs)
    report_file.write_section("cnn", "## CNN\n\nsecond run", docs)
    twice = read(docs)
    assert twice.count("<!-- bench:cnn -->") == 1 and twice.count("<!-- /bench:cnn -->") == 1
    assert "first run" not in twice and "second run" in twice
    assert twice == once.replace("first run", "second run")


def test_a_missing_file_is_made_with_the_section(tmp_path):
    path = tmp_path / "new.md"
    report_file.write_section("native", "## Natively", path)
    assert read(path) == "<!-- bench:native -->\n## Natively\n\n<!-- /bench:native -->\n"


@pytest.mark.parametrize("broken, message", [
    ("<!-- bench:native -->\n## Natively\n", "no closing marker"),
    ("## Natively\n<!-- /bench:native -->\n", "not open"),
    ("<!-- bench:native -->\n<!-- bench:browser -->\n<!-- /bench:browser -->\n<!-- /bench:native -->\n", "inside"),
    ("<!-- bench:native -->\n<!-- /bench:browser -->\n", "not open"),
    (NATIVE + NATIVE, "a second section"),
    ("<!-- bench:native -->\nx\n<!--/bench:native-->\n", "not written as"),
    ("<!-- bench:native tables -->\n", "not written as"),
])
def test_malformed_markers_raise_and_leave_the_file_as_it_was(tmp_path, broken, message):
    path = tmp_path / "benchmarks.md"
    write(path, HEAD + broken)
    with pytest.raises(report_file.MarkerError, match=message):
        report_file.write_section("native", "## Natively", path)
    assert read(path) == HEAD + broken
    assert os.listdir(tmp_path) == ["benchmarks.md"]  # no temporary file left behind


def test_text_holding_a_marker_or_a_bad_name_is_refused(docs):
    with pytest.raises(report_file.MarkerError, match="holds a marker"):
        report_file.write_section("native", "## Natively\n<!-- /bench:native -->\n", docs)
    with pytest.raises(ValueError, match="section name"):
        report_file.write_section("two words", "## Natively", docs)
    assert read(docs) == DOCUMENT


def test_the_write_is_atomic_and_keeps_the_files_permissions(docs):
    os.chmod(docs, 0o640)
    inode = os.stat(docs).st_ino
    report_file.write_section("native", "## Natively", docs)
    assert stat.S_IMODE(os.stat(docs).st_mode) == 0o640
    assert os.stat(docs).st_ino != inode  # a new file moved over the old one, not the old one rewritten
    assert os.listdir(docs.parent) == ["benchmarks.md"]


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(docs, monkeypatch):
    def fail(source, destination):
        raise OSError("disk full")
    monkeypatch.setattr(report_file.os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        report_file.write_section("native", "## Natively", docs)
    assert read(docs) == DOCUMENT
    assert os.listdir(docs.parent) == ["benchmarks.md"]


def test_a_report_writes_a_whole_section_saying_how_it_was_measured(tmp_path, capsys):
    path = tmp_path / "benchmarks.md"
    report = report_file.Report("native", "Accuracy, natively")
    report.say("native NumPy 2.0, 2 cores")
    report.say("batch 32: products {'W1': 'matmul'}")
    report.say("\n| batch | samples/s |\n|---|---|")
    report.say("| 32 | 40,000 |")
    text = report.finish("How: every recipe trained.", "the `default` recipe, 22.0 s", path=path)
    assert "batch 32: products" in capsys.readouterr().out
    assert read(path) == f"<!-- bench:native -->\n{text}\n<!-- /bench:native -->\n"
    lines = text.split("\n")
    assert lines[:2] == ["## Accuracy, natively", ""]
    measured = lines[2]
    assert measured.startswith("Measured by `bench/bench_native.py` on 20")
    assert re.search(r"load average \(1, 5, 15 min\) [\d.]+, [\d.]+, [\d.]+ at the start, [\d.]+, [\d.]+, [\d.]+ at the end",
                     measured)
    assert f"on {os.cpu_count()} cores (" in measured
    assert measured.endswith("Baseline measured in the same run: the `default` recipe, 22.0 s.")
    # each free-form line a paragraph of its own; the table's rows together
    assert lines[3:] == ["", "How: every recipe trained.", "", "native NumPy 2.0, 2 cores", "",
                         "batch 32: products {'W1': 'matmul'}", "", "| batch | samples/s |", "|---|---|",
                         "| 32 | 40,000 |", ""]


def test_a_report_with_write_false_leaves_the_file_alone(docs):
    report = report_file.Report("native", "Accuracy, natively")
    report.say("| 32 | 1 |")
    report.finish("How.", "none", write=False, path=docs)
    assert read(docs) == DOCUMENT


def test_the_real_page_has_one_section_per_benchmark_script():
    """docs/benchmarks.md parses, and its sections are exactly those the scripts write: each
    bench/bench_NAME.py that makes Report("NAME", ...), each run by `build.py bench`."""
    with open(os.path.join(ROOT, "docs", "benchmarks.md")) as f:
        sections = set(report_file.spans(f.read()))
    writers = set()
    for name in os.listdir(BENCH):
        if name.endswith(".py"):
            with open(os.path.join(BENCH, name)) as f:
                for made in re.findall(r'report_file\.Report\("([\w-]+)"', f.read()):
                    assert name == f"bench_{made}.py", f"{name} writes section {made!r} of another script"
                    writers.add(made)
    with open(os.path.join(ROOT, "build.py")) as f:
        listed = re.search(r"^BENCHMARKS = \(([^)]*)\)", f.read(), re.M).group(1)
    assert sections == writers == set(re.findall(r'"([\w-]+)"', listed))
    assert len(writers) == 11
