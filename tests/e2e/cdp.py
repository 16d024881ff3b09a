"""A headless Chromium driven over the Chrome DevTools Protocol, for tests of web pages in
a real browser (tests/e2e/ui_test.py).

The protocol runs over a pipe (--remote-debugging-pipe: Chromium reads commands on its fd 3
and writes answers and events on fd 4, each a JSON text ended by a NUL byte), so no port is
opened and no WebSocket library is needed. One page is attached in flat mode; every event
is kept in `events` for the test to look through (requests made, console messages,
exceptions).

    b = Browser(["ip", "netns", "exec", ns], log_path, profile_dir)
    b.navigate("http://127.0.0.1:8179/")
    b.eval("document.title")
    b.screenshot("ui.png")
    b.close()
"""

import base64
import json
import os
import select
import shutil
import subprocess
import time

FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
    "--no-default-browser-check", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-extensions", "--metrics-recording-only", "--mute-audio",
    "--disable-features=Translate,OptimizationHints,MediaRouter",
    # No name resolves but the loopback address the tests use.
    "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1",
    "--remote-debugging-pipe",
]


class BrowserError(Exception):
    pass


def find_chromium():
    for name in ("chromium", "chromium-browser"):
        if shutil.which(name):
            return shutil.which(name)
    return None


class Browser:
    def __init__(self, prefix, log_path, profile_dir, width=1400, height=900):
        to_chrome_r, to_chrome_w = os.pipe()
        from_chrome_r, from_chrome_w = os.pipe()

        def pipes():  # in the child: the protocol's fds 3 and 4, inheritable
            # Through fds no pipe can be at, so that neither overwrites the other; os.dup2
            # makes its copy inheritable (os.pipe's fds are not).
            os.dup2(to_chrome_r, 100)
            os.dup2(from_chrome_w, 101)
            os.dup2(100, 3)
            os.dup2(101, 4)

        argv = [*prefix, find_chromium(), *FLAGS, f"--user-data-dir={profile_dir}",
                f"--window-size={width},{height}", "about:blank"]
        with open(log_path, "ab") as log:
            self.proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, preexec_fn=pipes,
                                         close_fds=False, start_new_session=True)
        os.close(to_chrome_r)
        os.close(from_chrome_w)
        self._out = to_chrome_w
        self._in = from_chrome_r
        self._buf = b""
        self._id = 0
        self.events = []
        target = self.call("Target.createTarget", {"url": "about:blank"})["targetId"]
        self.session = self.call("Target.attachToTarget",
                                 {"targetId": target, "flatten": True})["sessionId"]
        for domain in ("Page", "Network", "Runtime", "Log"):
            self.call(f"{domain}.enable", session=True)
        self.call("Emulation.setDeviceMetricsOverride",
                  {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
                  session=True)

    def _read(self, deadline):
        """The next message, or None at the deadline."""
        while b"\0" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([self._in], [], [], left)
            if not ready:
                return None
            chunk = os.read(self._in, 1 << 20)
            if not chunk:
                raise BrowserError("Chromium closed its protocol pipe (see its log)")
            self._buf += chunk
        text, _, self._buf = self._buf.partition(b"\0")
        return json.loads(text)

    def call(self, method, params=None, session=False, timeout=30):
        """Sends a command (to the page with session=True) and returns its result."""
        self._id += 1
        msg = {"id": self._id, "method": method, "params": params or {}}
        if session:
            msg["sessionId"] = self.session
        os.write(self._out, json.dumps(msg).encode() + b"\0")
        deadline = time.monotonic() + timeout
        while True:
            m = self._read(deadline)
            if m is None:
                raise BrowserError(f"{method}: no answer in {timeout}s")
            if m.get("id") == self._id:
                if "error" in m:
                    raise BrowserError(f"{method}: {m['error']}")
                return m.get("result", {})
            self.events.append(m)

    def pump(self, seconds):
        """Collects events for `seconds`."""
        deadline = time.monotonic() + seconds
        while (m := self._read(deadline)) is not None:
            self.events.append(m)

    def navigate(self, url, timeout=30):
        before = len(self.events)
        self.call("Page.navigate", {"url": url}, session=True)
        deadline = time.monotonic() + timeout
        while not any(e.get("method") == "Page.loadEventFired" for e in self.events[before:]):
            if time.monotonic() > deadline:
                raise BrowserError(f"{url}: not loaded in {timeout}s")
            self.pump(0.05)

    def eval(self, expression, timeout=30):
        """The value of a JavaScript expression in the page (promises awaited)."""
        r = self.call("Runtime.evaluate", {"expression": expression, "returnByValue": True,
                                           "awaitPromise": True}, session=True,
                      timeout=timeout)
        if "exceptionDetails" in r:
            raise BrowserError(f"{expression}: {r['exceptionDetails']}")
        return r["result"].get("value")

    def screenshot(self, path):
        data = self.call("Page.captureScreenshot", {"format": "png"}, session=True)["data"]
        with open(path, "wb") as f:
            f.write(base64.b64decode(data))

    def requested(self):
        """Every URL the page asked for."""
        return [e["params"]["request"]["url"] for e in self.events
                if e.get("method") == "Network.requestWillBeSent"]

    def problems(self):
        """Console errors, CSP reports and uncaught exceptions the page had."""
        out = []
        for e in self.events:
            m, p = e.get("method"), e.get("params", {})
            if m == "Log.entryAdded" and p["entry"]["level"] == "error":
                out.append(p["entry"].get("text", ""))
            elif m == "Runtime.exceptionThrown":
                out.append(json.dumps(p["exceptionDetails"])[:300])
            elif m == "Runtime.consoleAPICalled" and p.get("type") == "error":
                out.append(json.dumps(p.get("args"))[:300])
        return out

    def close(self):
        if self.proc.poll() is None:
            try:
                self.call("Browser.close", timeout=5)
            except (BrowserError, OSError):
                pass
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        for fd in (self._in, self._out):
            try:
                os.close(fd)
            except OSError:
                pass
