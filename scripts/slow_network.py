#!/usr/bin/env python3
"""A fresh phone's first visit on a slow mobile network, measured.

Starts the release `trajet` on a fresh data directory (the sample catalog and
its demo trip), puts a throttling TCP relay in front of it that applies a
network profile to ALL traffic (latency per direction, one shared bandwidth
per direction like a phone's radio link, one round trip per new connection),
and drives a fresh headless Chromium (390 x 844 phone, empty profile) through
chromedriver: scan the demo seat code, wait for the catalog, tap a book at
once, wait for its first page. Times come from the page's own clock
(injected before the page's scripts run), bytes from the relay.

    scripts/slow_network.py                       # both profiles, sample catalog
    scripts/slow_network.py --profile slow-3g --book Moby --epub moby-dick-epub3.epub
    scripts/slow_network.py --requests            # also the request timeline

Only the standard library: the relay is asyncio, WebDriver is plain HTTP.
"""

import argparse
import asyncio
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
CORPUS = os.environ.get("TRAJET_CORPUS", os.path.join(ROOT, "..", "shared", "corpus"))

# name: (round-trip time in seconds, down bit/s, up bit/s), as Chrome's DevTools presets.
PROFILES = {
    "slow-3g": (0.400, 400_000, 400_000),
    "fast-3g": (0.150, 1_600_000, 750_000),
}
# The targets of issue 14: catalog visible, first page readable (seconds).
TARGETS = {"slow-3g": (2.5, 4.0), "fast-3g": (1.0, 1.5)}
SEGMENT = 1460  # bytes: a TCP segment, so connections share the link fairly
REQUEST_LINE = re.compile(rb"(GET|HEAD|PUT|POST|DELETE|PATCH) (\S+) HTTP/1\.[01]\r\n")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Link:
    """One direction of the phone's radio link, shared by every connection."""

    def __init__(self, bits_per_second, latency):
        self.rate = bits_per_second / 8
        self.latency = latency
        self.free_at = 0.0

    def deliver_at(self, now, size):
        start = max(now, self.free_at)
        self.free_at = start + size / self.rate
        return self.free_at + self.latency


class Relay:
    """A TCP relay applying a profile; counts bytes and notes request lines."""

    def __init__(self, upstream_port, rtt, down, up):
        self.upstream_port = upstream_port
        self.rtt = rtt
        self.down = Link(down, rtt / 2)
        self.up = Link(up, rtt / 2)
        self.bytes_down = 0
        self.requests = []  # [time, connection, method, path, bytes down before it]
        self.per_request = {}  # index in requests -> bytes down answering it
        self.connections = 0
        self.loop = asyncio.new_event_loop()
        self.port = free_port()
        ready = threading.Event()
        threading.Thread(target=self._run, args=(ready,), daemon=True).start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        server = self.loop.run_until_complete(
            asyncio.start_server(self._client, "127.0.0.1", self.port)
        )
        ready.set()
        self.loop.run_until_complete(server.serve_forever())

    async def _client(self, client_reader, client_writer):
        self.connections += 1
        conn = self.connections
        current = [None]
        try:
            server_reader, server_writer = await asyncio.open_connection("127.0.0.1", self.upstream_port)
        except OSError:
            client_writer.close()
            return
        # The TCP handshake over the radio: one round trip before the first byte goes up.
        opened = self.loop.time() + self.rtt

        def on_up(data):
            for m in REQUEST_LINE.finditer(data):
                current[0] = len(self.requests)
                self.requests.append([time.time(), conn, m.group(1).decode(), m.group(2).decode(), self.bytes_down])

        def on_down(size):
            self.bytes_down += size
            if current[0] is not None:
                self.per_request[current[0]] = self.per_request.get(current[0], 0) + size

        await asyncio.gather(
            self._pipe(client_reader, server_writer, self.up, opened, on_up, None),
            self._pipe(server_reader, client_writer, self.down, opened, None, on_down),
            return_exceptions=True,
        )

    async def _pipe(self, reader, writer, link, not_before, on_data, on_size):
        queue = asyncio.Queue()

        async def send():
            while True:
                at, data = await queue.get()
                if data is None:
                    break
                delay = at - self.loop.time()
                if delay > 0:
                    await asyncio.sleep(delay)
                if on_size:
                    on_size(len(data))
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = asyncio.ensure_future(send())
        try:
            while True:
                data = await reader.read(65536)
                if not data:
                    break
                if on_data:
                    on_data(data)
                now = max(self.loop.time(), not_before)
                for i in range(0, len(data), SEGMENT):
                    piece = data[i : i + SEGMENT]
                    queue.put_nowait((link.deliver_at(now, len(piece)), piece))
        except (ConnectionError, OSError):
            pass
        queue.put_nowait((0, None))
        await sender


class WebDriver:
    """The few WebDriver commands needed, over chromedriver's HTTP."""

    def __init__(self, profile_dir):
        self.port = free_port()
        self.process = subprocess.Popen(
            ["chromedriver", f"--port={self.port}"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        self.base = f"http://127.0.0.1:{self.port}"
        for _ in range(200):
            try:
                self.call("GET", "/status")
                break
            except OSError:
                time.sleep(0.05)
        width, height = 390, 844
        options = {
            "binary": shutil.which("chromium") or "/usr/bin/chromium",
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update", "--no-first-run",
                f"--user-data-dir={profile_dir}", f"--window-size={width},{height}", "--lang=en-US",
            ],
            "mobileEmulation": {"deviceMetrics": {"width": width, "height": height, "pixelRatio": 3}},
        }
        caps = {"capabilities": {"alwaysMatch": {
            "browserName": "chrome", "pageLoadStrategy": "none", "goog:chromeOptions": options,
        }}}
        session = self.call("POST", "/session", caps)
        self.base += f"/session/{session['sessionId']}"

    def call(self, method, path, body=None):
        data = json.dumps(body if body is not None else {}).encode() if method == "POST" else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=120) as response:
            return json.load(response)["value"]

    def cdp(self, command, params):
        return self.call("POST", "/goog/cdp/execute", {"cmd": command, "params": params})

    def js(self, script):
        return self.call("POST", "/execute/sync", {"script": script, "args": []})

    def quit(self):
        try:
            self.call("DELETE", "")
        except OSError:
            pass
        self.process.terminate()
        self.process.wait()


# Runs in the reader page before its own scripts: notes when the catalog is
# visible, taps the chosen book at once, notes when its first page shows text.
PROBE = r"""
(() => {
  if (window.top !== window || location.pathname !== '/read') return;
  const seen = window.__seen = {};
  const timer = setInterval(() => {
    const now = Date.now();
    const catalog = document.getElementById('view-catalog');
    if (!seen.catalog && catalog && !catalog.hidden && document.querySelector('#titles li')) {
      seen.catalog = now;
      const links = [...document.querySelectorAll('#titles li h2 a')];
      (links.find((a) => a.textContent.includes(__BOOK__)) || links[0]).click();
    }
    const frame = document.getElementById('frame');
    const doc = frame && frame.contentDocument;
    if (seen.catalog && !seen.page && document.body.dataset.view === 'reader'
        && document.getElementById('stage').dataset.place && doc && doc.body
        && (doc.body.innerText.trim().length > 40 || [...doc.images].some((i) => i.complete && i.naturalWidth > 0))) {
      seen.page = now;
      clearInterval(timer);
    }
  }, 5);
})();
"""


def start_server(binary, data_dir, relay_port):
    port = free_port()
    env = dict(os.environ)
    env.update({
        "TRAJET_LISTEN": f"127.0.0.1:{port}",
        "TRAJET_DATA_DIR": data_dir,
        "TRAJET_PUBLIC_URL": f"http://127.0.0.1:{relay_port}",
        "TRAJET_LOG_FORMAT": "json",
    })
    process = subprocess.Popen([binary, "serve"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    deadline = time.time() + 60
    for line in process.stdout:
        m = re.search(r"open (http://\S+/t/\S+)", line)
        if m:
            return process, port, m.group(1)
        if time.time() > deadline:
            break
    process.kill()
    sys.exit("trajet did not print the demo seat code")


def import_books(binary, data_dir, books):
    env = dict(os.environ, TRAJET_DATA_DIR=data_dir)
    subprocess.run([binary, "admin", "create-publisher", "Corpus"], env=env, check=True, capture_output=True)
    files = [os.path.join(CORPUS, "epub", "valid", b) for b in books]
    missing = [f for f in files if not os.path.exists(f)]
    if missing:
        sys.exit(f"missing {missing} (set TRAJET_CORPUS to the corpus folder)")
    subprocess.run([binary, "import", "epub", "--publisher", "Corpus", *files], env=env, check=True, capture_output=True)


def measure(binary, profile, book, epubs, show_requests, settle):
    rtt, down, up = PROFILES[profile]
    data_dir = tempfile.mkdtemp(prefix="trajet-3g-")
    browser_dir = tempfile.mkdtemp(prefix="trajet-3g-phone-")
    server = driver = None
    try:
        relay_port = free_port()
        if epubs:
            import_books(binary, data_dir, epubs)
        server, port, code = start_server(binary, data_dir, relay_port)
        relay = Relay(port, rtt, down, up)
        code = re.sub(r"^http://[^/]+", f"http://127.0.0.1:{relay.port}", code)
        driver = WebDriver(browser_dir)
        driver.cdp("Page.addScriptToEvaluateOnNewDocument", {"source": PROBE.replace("__BOOK__", json.dumps(book))})
        started = time.time()
        driver.call("POST", "/url", {"url": code})
        seen = {}
        while time.time() - started < 90:
            seen = driver.js("return window.__seen || {}") or {}
            if seen.get("page"):
                break
            time.sleep(0.05)
        if not seen.get("page"):
            sys.exit(f"{profile}: the first page never showed ({seen})")
        at_page = relay.bytes_down
        chapter = next((r for r in relay.requests if "/chapters/" in r[3]), None)
        before_chapter = chapter[4] if chapter else at_page
        # What the phone keeps downloading afterwards (service worker, prefetch).
        quiet, last = time.time(), relay.bytes_down
        while time.time() - quiet < settle:
            time.sleep(0.25)
            if relay.bytes_down != last:
                quiet, last = time.time(), relay.bytes_down
        result = {
            "profile": profile,
            "book": book or "(first card)",
            "catalog_s": round((seen["catalog"] - started * 1000) / 1000, 2),
            "first_page_s": round((seen["page"] - started * 1000) / 1000, 2),
            "kb_before_first_chapter": round(before_chapter / 1000, 1),
            "kb_at_first_page": round(at_page / 1000, 1),
            "kb_total_after_settling": round(relay.bytes_down / 1000, 1),
            "requests_to_first_page": sum(1 for r in relay.requests if r[0] * 1000 <= seen["page"]),
            "connections": relay.connections,
        }
        if show_requests:
            result["requests"] = [
                f"{(r[0] - started):6.2f}s c{r[1]:<2} {r[2]} {r[3]} {relay.per_request.get(i, 0) / 1000:.1f} KB"
                for i, r in enumerate(relay.requests)
            ]
        return result
    finally:
        if driver:
            driver.quit()
        if server:
            server.terminate()
            server.wait()
        shutil.rmtree(data_dir, ignore_errors=True)
        shutil.rmtree(browser_dir, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--profile", choices=sorted(PROFILES), action="append")
    parser.add_argument("--book", default="", help="tap the first book whose title contains this (default: the first card)")
    parser.add_argument("--epub", action="append", default=[], help="also import this corpus EPUB (epub/valid/NAME)")
    parser.add_argument("--binary", default=os.path.join(TARGET, "release", "trajet"))
    parser.add_argument("--runs", type=int, default=1, help="runs per profile (the median is reported)")
    parser.add_argument("--settle", type=float, default=3.0, help="seconds of silence that end a run")
    parser.add_argument("--requests", action="store_true", help="print every request with its time and size")
    args = parser.parse_args()
    if not os.path.exists(args.binary):
        subprocess.run(["cargo", "build", "--release", "--bin", "trajet"], cwd=ROOT, check=True)
    for profile in args.profile or ["slow-3g", "fast-3g"]:
        runs = [measure(args.binary, profile, args.book, args.epub, args.requests, args.settle) for _ in range(args.runs)]
        runs.sort(key=lambda r: r["first_page_s"])
        result = runs[len(runs) // 2]
        catalog_target, page_target = TARGETS[profile]
        result["targets_met"] = result["catalog_s"] < catalog_target and result["first_page_s"] < page_target
        if args.runs > 1:
            result["first_page_s_all"] = [r["first_page_s"] for r in runs]
        print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
