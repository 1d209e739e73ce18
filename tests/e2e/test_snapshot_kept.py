"""A browser that does not keep the Python snapshot (web/js/python/snapshot-store.js): where Cache
Storage drops its entries between visits (WebKit's ephemeral sessions do on every reload), the page
would make its 36 MB snapshot at every visit, seconds of CPU for nothing. Here the entry is deleted
between visits, as such a browser does: after two visits that found it gone, no snapshot is made,
until a week after the last; then one more is tried.

The visits share one browser profile (a context) of this test's own, each in a page of its own.
"""

from e2e_helpers import BOOT_TIMEOUT_MS, wait_state

STATUS = "() => ({ how: scratchnetPython.how, makers: scratchnetPython.makers })"
MADE = "() => scratchnetPython.snapshot"
# Deletes the stored snapshots (not the failure counts), as a browser that keeps nothing does.
FORGET = """async () => {
  const cache = await caches.open("scratchnet-python-snapshot");
  let deleted = 0;
  for (const request of await cache.keys()) {
    if (/python-snapshot\\?key=[^&]*$/.test(request.url)) deleted += Number(await cache.delete(request));
  }
  return deleted;
}"""
# The page's record of snapshots lost; AGE moves its last loss back in time by `days`.
RECORD = """() => JSON.parse(localStorage.getItem(
  Object.keys(localStorage).find((k) => k.startsWith("scratchnet-snapshot-kept "))))"""
AGE = """(days) => {
  const name = Object.keys(localStorage).find((k) => k.startsWith("scratchnet-snapshot-kept "));
  const record = JSON.parse(localStorage.getItem(name));
  record.lastLoss -= days * 24 * 3600 * 1000;
  localStorage.setItem(name, JSON.stringify(record));
}"""


def visit(context, url):
    """Opens the app, waits until ready and until the snapshot maker is done; returns
    (page, how Python started, what the maker did, how many makers started)."""
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.goto(url)
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    made = page.evaluate(MADE)  # a promise in the page, awaited; null if none was started
    status = page.evaluate(STATUS)
    return page, status["how"], made, status["makers"]


def test_no_snapshot_is_made_where_the_browser_does_not_keep_it_until_a_week_later(browser, base_url):
    context = browser.new_context()
    url = base_url + "#train_size=1000"
    try:
        page, how, made, _ = visit(context, url)
        assert how == "fresh" and made.startswith("stored"), made
        assert page.evaluate(FORGET) == 1
        page.close()

        page, how, made, _ = visit(context, url)  # gone once: made again
        assert how == "fresh" and made.startswith("stored"), made
        assert page.evaluate(FORGET) == 1
        page.close()

        page, how, made, makers = visit(context, url)  # gone twice in a row: not made
        assert how == "fresh"
        assert made == "not made: this browser did not keep the snapshots stored before"
        assert makers == 0 and page.evaluate(RECORD)["losses"] == 2
        page.evaluate(AGE, 8)
        page.close()

        page, how, made, makers = visit(context, url)  # a week later: tried once more
        assert how == "fresh" and made.startswith("stored") and makers == 1, made
        page.close()

        page, how, _, _ = visit(context, url)  # kept this time: restored, and the count starts again
        assert how == "restored"
        assert page.evaluate(RECORD)["losses"] == 0
    finally:
        context.close()
