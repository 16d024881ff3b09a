"""The check harness shared by bgpdemo's Python tests (tests/interop/lab.py for network
namespaces, tests/kind/dockerlab.py for a private Docker engine).

A test records checks as it goes: check() (a condition now), wait() (a condition that must
become true before a deadline: never a fixed sleep where a condition can be polled) and
never() (one that must stay false for a while). Each prints PASS or FAIL with the time
since the start; the runner prints "N passed, M failed" last and exits 0, 1, or 77
(CTest's SKIP_RETURN_CODE) with the reason when the test cannot run on this machine.
"""

import signal
import time

SKIP = 77


class Skip(Exception):
    """The test cannot run on this machine; the message says why."""


class Interrupted(BaseException):
    """SIGINT/SIGTERM/SIGHUP arrived: unwind through every finally block."""


class Fatal(Exception):
    """A check failed that the rest of the test depends on."""


def log(msg):
    print(msg, flush=True)


def tail(path, lines=30):
    """The last lines of a log file, for a failure's message ("(no log)" when unreadable)."""
    try:
        with open(path, errors="replace") as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return "(no log)"


def raise_interrupted(signum, _frame):
    """A signal handler that turns SIGINT/SIGTERM/SIGHUP into Interrupted."""
    raise Interrupted(f"signal {signal.Signals(signum).name}")


class Checks:
    """Checks printed as they go; failed ones listed at the end."""

    def __init__(self):
        self.passed = 0
        self.failed = 0
        self.failures = []
        self.t0 = time.monotonic()

    def elapsed(self):
        return time.monotonic() - self.t0

    def check(self, ok, what, detail=""):
        stamp = f"[{self.elapsed():6.1f}s]"
        if ok:
            self.passed += 1
            log(f"{stamp} PASS {what}")
        else:
            self.failed += 1
            self.failures.append(what)
            log(f"{stamp} FAIL {what}" + (f"\n         {detail}" if detail else ""))
        return bool(ok)

    @staticmethod
    def wait_quiet(fn, timeout, interval=0.25):
        """Polls fn until it returns a truthy value (returned) or timeout (None). A Fatal
        raised by fn counts as "not yet" (a tool that cannot answer yet)."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                v = fn()
            except Fatal:
                v = None
            if v:
                return v
            if time.monotonic() >= deadline:
                return None
            time.sleep(interval)

    def wait(self, what, fn, timeout, interval=0.25, detail=None, fatal=False):
        """A check: fn() becomes truthy within timeout seconds. detail() explains a failure."""
        t = time.monotonic()
        v = self.wait_quiet(fn, timeout, interval)
        took = time.monotonic() - t
        d = ""
        if not v:
            try:
                d = f"not true after {timeout}s" + (f": {detail()}" if detail else "")
            except Exception as e:  # the explanation must not hide the failure
                d = f"not true after {timeout}s (detail failed: {e})"
        self.check(v, f"{what} ({took:.1f}s)" if v else what, d)
        if not v and fatal:
            raise Fatal(what)
        return v

    def never(self, what, fn, duration, interval=0.5, detail=None):
        """A check: fn() stays falsy for duration seconds."""
        deadline = time.monotonic() + duration
        while time.monotonic() < deadline:
            v = fn()
            if v:
                d = f"became true: {v!r}"
                if detail:
                    d += f": {detail()}"
                return self.check(False, what, d)
            time.sleep(interval)
        return self.check(True, what)
