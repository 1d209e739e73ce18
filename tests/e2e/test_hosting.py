"""The site is plain static files with relative paths: it works from any sub-path."""

import os

from e2e_helpers import open_app, start_server


def test_site_works_from_a_sub_path(browser, dist_dir, tmp_path):
    (tmp_path / "courses" / "ml").mkdir(parents=True)
    os.symlink(dist_dir, tmp_path / "courses" / "ml" / "scratchnet")
    process, root = start_server(str(tmp_path), probe="courses/ml/scratchnet/manifest.json")
    try:
        base = root + "courses/ml/scratchnet/"
        page = open_app(browser, base + "?from=course#recipe=default")
        try:
            outside = [url for url in page.log.requests
                       if url.startswith(("http:", "https:")) and not url.startswith(base)]
            assert outside == []
            assert page.log.errors == []
        finally:
            page.context.close()
    finally:
        process.terminate()
        process.wait(timeout=10)
