"""build.py's list of files for the offline service worker (write_service_worker): every file of the
site but the worker itself and the example course page, each with its real sha256 and size, and a
version that changes with any file's content and with the worker's own code."""

import base64
import hashlib
import json
import os
import re
import shutil
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, ROOT)
from build import write_service_worker  # noqa: E402


def site(tmp_path):
    folder = tmp_path / "dist"
    (folder / "js").mkdir(parents=True)
    (folder / "examples").mkdir()
    (folder / "index.html").write_text("<!doctype html><title>x</title>")
    (folder / "js" / "main.js").write_text("export const a = 1;\n")
    (folder / "examples" / "index.html").write_text("a course page")
    (folder / "data.bin").write_bytes(bytes(range(256)) * 4)
    shutil.copyfile(os.path.join(ROOT, "web", "sw.js"), folder / "sw.js")
    return folder


def listed(folder):
    text = (folder / "sw.js").read_text()
    return json.loads(re.search(r"^const BUILD = (\{.*\});", text, re.M).group(1))


def test_every_file_but_the_worker_and_the_example_page_is_listed_with_its_sha256_and_size(tmp_path):
    folder = site(tmp_path)
    version = write_service_worker(str(folder))
    build = listed(folder)
    assert build["version"] == version and re.fullmatch(r"[0-9a-f]{12}", version)
    assert [path for path, _, _ in build["files"]] == ["data.bin", "index.html", "js/main.js"]
    for path, integrity, size in build["files"]:
        content = (folder / path).read_bytes()
        assert integrity == "sha256-" + base64.b64encode(hashlib.sha256(content).digest()).decode()
        assert size == len(content)


def test_the_version_changes_with_a_files_content_and_with_the_workers_code(tmp_path):
    first = write_service_worker(str(site(tmp_path / "a")))
    assert write_service_worker(str(site(tmp_path / "b"))) == first  # the same files: the same version
    changed = site(tmp_path / "c")
    (changed / "js" / "main.js").write_text("export const a = 2;\n")
    assert write_service_worker(str(changed)) != first
    code = site(tmp_path / "d")
    (code / "sw.js").write_text((code / "sw.js").read_text() + "\n// a change to the worker\n")
    assert write_service_worker(str(code)) != first


def test_a_worker_without_the_line_to_fill_in_stops_the_build(tmp_path):
    folder = site(tmp_path)
    write_service_worker(str(folder))
    with pytest.raises(SystemExit):
        write_service_worker(str(folder))  # written once already: no `const BUILD = null;` left
