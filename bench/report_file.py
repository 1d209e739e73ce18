"""One benchmark's section of docs/benchmarks.md: what it says about its run, and writing it in place.

docs/benchmarks.md is generated. Each benchmark script, bench/bench_NAME.py, writes one section of
it, between two HTML comments that Markdown does not show:

    <!-- bench:NAME -->
    ## The section's heading

    Measured by `bench/bench_NAME.py` on <date>, on <machine>; load average at the start and at
    the end; the baseline measured in the same run.

    How it was measured, then the script's own lines and tables.

    <!-- /bench:NAME -->

`write_section` replaces the text between one pair of markers and keeps every other byte of the
file as it was: the other sections, and the text outside any markers (written by hand). A section
the file does not have yet is appended at its end. `Report` gathers what a script prints into its
section and writes it when the run has succeeded.

What it leaves out: the measuring itself, and any merging of old and new numbers. A section is
replaced whole, so everything it says comes from one run, and it keeps that run's date until its
script runs again. Two scripts writing the same file at once could lose one's section (`build.py
bench` runs them one after the other).
"""

import datetime
import os
import platform
import re
import stat
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DOCS = os.path.join(ROOT, "docs", "benchmarks.md")
NO_WRITE = "SCRATCHNET_BENCH_NO_WRITE"  # set (to anything but "" or "0"): no script writes the docs

MARKER = re.compile(r"<!-- (/?)bench:([A-Za-z0-9_-]+) -->")
# Anything that looks like it was meant as a marker, so a misspelt one is an error rather than text.
LOOSE_MARKER = re.compile(r"<!--\s*/?\s*bench:")
NAME = re.compile(r"[A-Za-z0-9_-]+")


class MarkerError(ValueError):
    """The file's markers do not pair up (an opening without its closing, a closing without its
    opening, one section inside another, a name twice, a misspelt marker)."""


def _line(document, offset):
    return document.count("\n", 0, offset) + 1


def spans(document):
    """{name: (start, end)}: where each section's text lies between its two markers, as offsets
    into `document`. Raises MarkerError unless each opening marker is followed by its own closing
    marker before any other marker, and no name appears twice."""
    loose = [m.start() for m in LOOSE_MARKER.finditer(document)]
    exact = {m.start() for m in MARKER.finditer(document)}
    misspelt = [offset for offset in loose if offset not in exact]
    if misspelt:
        raise MarkerError(f"line {_line(document, misspelt[0])}: a marker not written as "
                          f"<!-- bench:NAME --> or <!-- /bench:NAME --> (NAME: letters, digits, _ and -)")
    found, opened = {}, None  # opened: (name, end of the opening marker, its line)
    for match in MARKER.finditer(document):
        closing, name, line = match.group(1) == "/", match.group(2), _line(document, match.start())
        if not closing:
            if opened:
                raise MarkerError(f"line {line}: section {name!r} opens inside section {opened[0]!r} "
                                  f"(opened on line {opened[2]}), which has no closing marker before it")
            if name in found:
                raise MarkerError(f"line {line}: a second section {name!r}")
            opened = (name, match.end(), line)
        elif opened and opened[0] == name:
            found[name] = (opened[1], match.start())
            opened = None
        else:
            raise MarkerError(f"line {line}: closing marker of section {name!r}, which is not open here")
    if opened:
        raise MarkerError(f"line {opened[2]}: section {opened[0]!r} has no closing marker "
                          f"<!-- /bench:{opened[0]} -->")
    return found


def replace_section(document, name, text):
    """`document` with the text of section `name` replaced by `text`, or, if it has no such
    section, with the section appended at its end; every other byte is kept."""
    if not NAME.fullmatch(name):
        raise ValueError(f"a section name is letters, digits, _ and -, not {name!r}")
    if LOOSE_MARKER.search(text):
        raise MarkerError(f"the new text of section {name!r} holds a marker")
    inner = "\n" + text.strip("\n") + "\n\n"
    where = spans(document).get(name)
    if where:
        start, end = where
        return document[:start] + inner + document[end:]
    gap = "" if not document or document.endswith("\n\n") else "\n" if document.endswith("\n") else "\n\n"
    return f"{document}{gap}<!-- bench:{name} -->{inner}<!-- /bench:{name} -->\n"


def write_section(name, text, path=DOCS):
    """Replaces (or appends) section `name` of the file at `path`. Atomic: the new file is
    written beside the old one, then moved over it, so no reader ever sees half of it, and a
    failure leaves the old file as it was."""
    try:
        with open(path, encoding="utf-8", newline="") as f:
            document = f.read()
        mode = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        document, mode = "", 0o644
    updated = replace_section(document, name, text)
    descriptor, temporary = tempfile.mkstemp(prefix=".benchmarks-", suffix=".md.tmp",
                                             dir=os.path.dirname(os.path.abspath(path)))
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8", newline="") as f:
            f.write(updated)
        os.chmod(temporary, mode)  # mkstemp makes it private; the docs stay as readable as they were
        os.replace(temporary, path)
    except BaseException:
        os.unlink(temporary)
        raise


# --- what a section says about its run -----------------------------------------------------------

def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            return next(line.split(":", 1)[1].strip() for line in f if line.startswith("model name"))
    except (OSError, StopIteration):
        return platform.processor() or platform.machine()


def load_average():
    """The 1-, 5- and 15-minute load averages, as the sections quote them."""
    return "{:.2f}, {:.2f}, {:.2f}".format(*os.getloadavg())


def blocks(texts):
    """The lines of `texts` as Markdown blocks: each line a paragraph of its own (a script's lines
    are whole sentences or records, which Markdown would otherwise run together), except that a
    table's rows stay together; one blank line between blocks, none at the ends."""
    out = []
    for line in "\n".join(texts).split("\n"):
        line = line.rstrip()
        if out and out[-1] and line and not (out[-1].startswith("|") and line.startswith("|")):
            out.append("")
        if line or (out and out[-1]):
            out.append(line)
    return out[:-1] if out and not out[-1] else out


def add_no_write(parser):
    """The --no-write flag every benchmark script takes (on by default when $SCRATCHNET_BENCH_NO_WRITE
    is set, e.g. for `build.py bench`)."""
    parser.add_argument("--no-write", action="store_true", default=os.environ.get(NO_WRITE, "") not in ("", "0"),
                        help=f"print the results only, leaving {os.path.relpath(DOCS, ROOT)} as it is")


class Report:
    """One run's section: started with the benchmark (its date and the load average then), filled
    with the lines the script prints (say), and written to the docs when the run has succeeded
    (finish)."""

    def __init__(self, name, title):
        self.name, self.title = name, title
        self.started = datetime.datetime.now(datetime.UTC)
        self.load_start = load_average()
        self.lines = []

    def __repr__(self):
        return f"Report({self.name!r}, {self.title!r}, {len(self.lines)} lines, started {self.started:%Y-%m-%d %H:%M} UTC)"

    def say(self, text=""):
        """Prints `text` and keeps it for the section."""
        print(text, flush=True)
        self.lines.append(text)

    def section(self, how, baseline):
        """The whole section: heading, when and where it was measured and under what load, the
        baseline measured in the same run, `how` it was measured, then every line said."""
        measured = (f"Measured by `bench/bench_{self.name}.py` on {self.started:%Y-%m-%d} at {self.started:%H:%M} UTC, "
                    f"on {os.cpu_count()} cores ({cpu_model()}), {platform.system()} {platform.machine()}, "
                    f"Python {platform.python_version()}; load average (1, 5, 15 min) {self.load_start} at the "
                    f"start, {load_average()} at the end. Baseline measured in the same run: {baseline}.")
        return "\n".join([f"## {self.title}", "", *blocks([measured, how, *self.lines])]) + "\n"

    def finish(self, how, baseline, write=True, path=DOCS):
        """Writes the section to `path` (unless `write` is false) and returns its text."""
        text = self.section(how, baseline)
        where = os.path.relpath(path, ROOT)
        if write:
            write_section(self.name, text, path)
            print(f"[bench] wrote section {self.name!r} of {where}", file=sys.stderr, flush=True)
        else:
            print(f"[bench] {where} left as it is", file=sys.stderr, flush=True)
        return text
