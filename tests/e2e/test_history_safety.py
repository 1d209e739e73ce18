"""The run history when its storage misbehaves, in the page: records that cannot be used (written
into IndexedDB by anything that could reach it) are dropped with a notice and new runs train as
usual; the database deleted or the site's data cleared while the page is open never stops a run,
and the history is kept again; only the last 200 runs are kept, the learner told of the rest."""

import pytest
from e2e_helpers import BOOT_TIMEOUT_MS, PageLog, clear_and_draw, wait_state, wait_until
from playwright.sync_api import expect

SMALL = "#hidden_sizes=16&train_size=300&epochs=1"
ONE = [[(0.52, 0.15), (0.48, 0.85)]]

# Puts records into the history's store ("scratchnet" / "runs"), as anything on the site's origin could.
WRITE_RECORDS = """async (records) => {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open("scratchnet", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("runs", { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  await new Promise((resolve, reject) => {
    const tx = db.transaction("runs", "readwrite");
    for (const record of records) tx.objectStore("runs").put(record);
    tx.oncomplete = resolve;
    tx.onabort = () => reject(tx.error);
  });
  db.close();
}"""

# The keys in the history's store now (the connection is closed again at once).
STORED_KEYS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open("scratchnet", 1);
    req.onupgradeneeded = () => req.result.createObjectStore("runs", { keyPath: "id" });
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const keys = await new Promise((resolve, reject) => {
    const req = db.transaction("runs").objectStore("runs").getAllKeys();
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  db.close();
  return keys;
}"""


def record(id, number=None, **changes):
    """A run record as the page writes one (a tiny finished run)."""
    run = {"id": id, "started": "2024-05-01T10:00:00.000Z", "architecture": "784 → 16 → 10", "status": "finished",
           "epochs": 1, "testAccuracy": 0.8,
           "config": {"hidden_sizes": [16], "activation": "relu", "learning_rate": 0.02, "epochs": 1, "train_size": 300, "seed": 0},
           "trace": {"loss": [[0.5, 1.2], [1, 0.7]], "accuracy": [[0.5, 0.6], [1, 0.8]],
                     "test_loss": [[1, 0.65]], "test_accuracy": [[1, 0.8]]}}
    if number is not None:
        run["number"] = number
    run.update(changes)
    return run


def open_page(browser, base_url, records=()):
    """The app in a fresh context, its history store holding `records` before the app opens it."""
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.log = PageLog(context, page)
    if records:
        page.goto(base_url + "manifest.json")  # the same origin, without starting the app
        page.evaluate(WRITE_RECORDS, list(records))
    page.goto(base_url + SMALL)
    wait_state(page, "ready", BOOT_TIMEOUT_MS)
    return page


def count_is(page, n):
    page.wait_for_selector(f"[data-testid=run-history][data-count='{n}']", state="attached")


def train_a_run(page):
    """Trains one (tiny) run; returns the history's entry for it once that reads finished."""
    newest = page.locator("[data-testid=run]").first
    before = newest.locator("strong").text_content() if newest.count() else ""
    page.click("[data-testid=train]")
    page.wait_for_function("""(before) => {
        const item = document.querySelector('[data-testid=run]');
        return item && item.querySelector('strong').textContent !== before && item.dataset.status === 'finished';
    }""", arg=before, timeout=120_000)
    wait_state(page, "ready", 60_000)
    return newest


def stored_keys_become(page, expected):
    wait_until(page, f"async () => JSON.stringify(await ({STORED_KEYS})()) === JSON.stringify({expected})")


def test_unusable_records_are_dropped_with_a_notice_and_a_new_run_trains(browser, base_url):
    poisoned = [
        record(1, number=1),
        record(2, trace={"loss": 5, "accuracy": {"points": "no"}, "test_loss": [], "test_accuracy": []}),
        record(3, config="all of them"),
        record(4, code="dense_backward"),  # not a list of exercise names
        record("evil"),
    ]
    page = open_page(browser, base_url, poisoned)
    try:
        count_is(page, 1)
        notice = page.locator("[data-testid=history-notice]")
        expect(notice).to_contain_text("4 saved runs could not be read")
        assert "left out of your history" in notice.text_content()
        assert "Run 1" in page.locator("[data-testid=run]").first.text_content()
        stored_keys_become(page, [1])  # dropped from the store too, so the next visit is clean

        newest = train_a_run(page)
        count_is(page, 2)
        assert "Run 2" in newest.text_content() and "Changed from run 1" in newest.text_content()
        assert float(newest.get_attribute("data-test-accuracy")) > 0.2  # it learned (chance is 0.1)
        assert page.locator("#notice").is_hidden()
        assert not [e for e in page.log.errors if "is not a function" in e], page.log.errors
    finally:
        page.context.close()


@pytest.mark.parametrize("how", ["delete-database", "clear-site-data"])
def test_the_history_database_gone_while_the_page_is_open_does_not_stop_a_run(browser, base_url, how):
    page = open_page(browser, base_url)
    try:
        count_is(page, 0)
        if how == "delete-database":
            # "blocked" if the page holds on to its connection (a delete that would then wait for ever).
            assert page.evaluate("""() => new Promise((resolve, reject) => {
                const req = indexedDB.deleteDatabase("scratchnet");
                req.onsuccess = () => resolve("deleted");
                req.onblocked = () => resolve("blocked");
                req.onerror = () => reject(req.error);
            })""") == "deleted"
        else:
            # What DevTools' "Clear site data" and an eviction do: the connection is closed under the page.
            cdp = page.context.new_cdp_session(page)
            cdp.send("Storage.clearDataForOrigin", {"origin": base_url.rstrip("/"), "storageTypes": "indexeddb"})
        train_a_run(page)
        count_is(page, 1)
        assert page.get_attribute("#model-info", "data-epochs") == "1"
        assert page.locator("#notice").is_hidden()
        # The history is kept again: the run is in a database opened afresh.
        wait_until(page, f"async () => (await ({STORED_KEYS})()).length === 1")
        train_a_run(page)
        count_is(page, 2)
        wait_until(page, f"async () => (await ({STORED_KEYS})()).length === 2")
    finally:
        page.context.close()


def test_only_the_last_200_runs_are_kept_and_the_learner_is_told(browser, base_url):
    page = open_page(browser, base_url, [record(i, number=i) for i in range(1, 301)])
    try:
        count_is(page, 200)
        runs = page.locator("[data-testid=run]")
        assert runs.count() == 200
        assert "Run 300" in runs.first.text_content()
        assert "Run 101" in runs.last.text_content() and "The oldest run kept." in runs.last.text_content()
        notice = page.locator("[data-testid=history-notice]")
        expect(notice).to_contain_text("Only your last 200 runs are kept: 100 older runs were removed.")
        stored_keys_become(page, list(range(101, 301)))

        newest = train_a_run(page)
        assert "Run 301" in newest.text_content() and "Changed from run 300" in newest.text_content()
        assert runs.count() == 200 and "Run 102" in runs.last.text_content()
        expect(notice).to_contain_text("101 older runs were removed")
        wait_until(page, f"async () => (await ({STORED_KEYS})()).length === 200")
        # The page still answers a drawing after all that.
        assert clear_and_draw(page, ONE) != ""
    finally:
        page.context.close()
