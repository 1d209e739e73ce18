"""The start-up benchmark's server (bench_startup.py): dist/ with build.py's caching headers, the bare
Pyodide page beside it, and optionally a throttled network (one shared downlink, a delay per response).
It runs in a child process (bench_startup.py --serve), so that serving never competes with the
benchmark itself.
"""

import functools
import http.server
import io
import os
import sys
import threading
import time

from bench_browser import BARE_PAGE, BARE_WORKER
from e2e_helpers import ROOT, free_port, spawn_server

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "bench_startup.py")  # run with --serve as the server's child process


class Link:
    """One downlink shared by every response: at most `mbps` megabits per second in all."""

    def __init__(self, mbps):
        self.bytes_per_s = mbps * 1e6 / 8
        self.lock = threading.Lock()
        self.free_at = time.monotonic()

    def send(self, write, data, chunk=16384):
        for i in range(0, len(data), chunk):
            piece = data[i:i + chunk]
            with self.lock:
                start = max(self.free_at, time.monotonic())
                self.free_at = start + len(piece) / self.bytes_per_s
            delay = self.free_at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            write(piece)


def serve(directory, port, mbps, rtt_ms):
    sys.path.insert(0, ROOT)
    import build

    link = Link(mbps) if mbps else None
    sent = [0]  # response body bytes, all told: GET /__bytes__ tells
    # The bare page comes from the server too: routing requests in Playwright turns the HTTP cache off.
    pages = {"/__bare__/index.html": (BARE_PAGE, "text/html"), "/__bare__/bare-worker.js": (BARE_WORKER, "text/javascript")}

    class Handler(build.StaticHandler):
        def send_head(self):
            if self.path == "/__bytes__" or self.path in pages:
                text, content_type = pages.get(self.path, (str(sent[0]), "text/plain"))
                body = text.encode()
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                return io.BytesIO(body)
            if rtt_ms:
                time.sleep(rtt_ms / 1000)  # the request's way there and the first byte's way back
            return super().send_head()

        def copyfile(self, source, outputfile):
            data = source.read()
            if self.path != "/__bytes__" and self.path not in pages:
                sent[0] += len(data)
            if link is None:
                return outputfile.write(data)
            link.send(outputfile.write, data)

    os.environ["SCRATCHNET_QUIET_SERVER"] = "1"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(Handler, directory=directory))
    server.serve_forever()


def start_server(directory, mbps, rtt_ms):
    port = free_port()
    return spawn_server([sys.executable, SCRIPT, "--serve", directory, "--port", str(port),
                         "--mbps", str(mbps or 0), "--rtt-ms", str(rtt_ms or 0)], port)
