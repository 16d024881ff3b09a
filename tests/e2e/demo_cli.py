"""The real `bgpdemo` binary run as a user runs it, against one lab demo of a test's own.

DemoCli runs verbs with the test's state folder (BGPDEMO_STATE_DIR) and lab prefix, reads
`verify -o json`, and lists what of the demo is still there after `down` (namespaces,
processes, links, files). Shared by the lab end-to-end tests (lab_test.py, lab_dual_test.py),
which run() starts with the node speakers of --node-speaker.
"""

import argparse
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "interop"))
import lab as labmod  # noqa: E402


class DemoCli:
    def __init__(self, lab):
        self.lab = lab
        self.prefix = lab.prefix
        self.state = os.path.join(lab.workdir, "state")
        self.env = dict(os.environ, BGPDEMO_STATE_DIR=self.state)
        lab.cleanups.append(self.down_if_left)

    def down_if_left(self):
        """At the lab's cleanup: `down` of whatever this test's demos left (a test that
        failed before its own down); down works from the state or, without one, from the
        prefix."""
        if self.leftovers():
            subprocess.run([self.lab.bgpdemo, "down", "--lab-prefix", self.prefix],
                           env=self.env, capture_output=True, timeout=120)

    def run(self, *args, timeout=180):
        """`bgpdemo ARGS`: the CompletedProcess (logged with its time under -v)."""
        t = time.monotonic()
        r = subprocess.run([self.lab.bgpdemo, *args], env=self.env, capture_output=True,
                           text=True, timeout=timeout)
        if self.lab.verbose:
            labmod.log(f"$ bgpdemo {' '.join(args)} -> {r.returncode} in "
                       f"{time.monotonic() - t:.2f}s\n{r.stdout}{r.stderr}")
        return r

    def verify(self):
        """(exit code, the JSON report); a report with no checks when there is no JSON."""
        r = self.run("verify", "-o", "json")
        try:
            return r.returncode, json.loads(r.stdout)
        except json.JSONDecodeError:
            return r.returncode, {"checks": [], "error": r.stdout + r.stderr}

    @staticmethod
    def failing(report):
        return {f"{c['group']} {c['name']}" for c in report["checks"] if not c["ok"]}

    def dump_logs(self):
        """The ends of the daemon's and router's logs, for a demo that did not come up."""
        for f in ("daemon.log", "router.log"):
            p = os.path.join(self.state, f)
            if os.path.exists(p):
                labmod.log(f"--- {p}\n" + open(p).read()[-3000:])

    def up_and_verify(self, scenario, speaker, passed, groups):
        """`up` of `scenario` with `speaker` node speakers, then `verify`: checks up returns 0
        (else stops the test, with the logs) and that exactly `passed` checks pass in the
        `groups` counts; logs the times as a figure. Returns the report."""
        lab = self.lab
        t = time.monotonic()
        r = self.run("up", "--provider", "lab", "--scenario", scenario, "--lab-prefix",
                     self.prefix, "--node-speaker", speaker, "-o", "json", "--timeout", "120")
        up_seconds = time.monotonic() - t
        lab.check(r.returncode == 0, f"up returns 0 once every session is Established "
                  f"({up_seconds:.2f} s)", r.stdout + r.stderr)
        if r.returncode != 0:
            self.dump_logs()
            raise labmod.Fatal("the demo did not come up")
        t = time.monotonic()
        code, report = self.verify()
        verify_seconds = time.monotonic() - t
        got = {}
        for c in report["checks"]:
            got[c["group"]] = got.get(c["group"], 0) + 1
        lab.check(code == 0 and report.get("failed") == 0 and report.get("passed") == passed,
                  f"verify: {passed} checks pass", sorted(self.failing(report)) or report)
        lab.check(got == groups, f"verify's checks by group: {groups}", got)
        labmod.log(f"figure: up {up_seconds:.3f} s, verify {verify_seconds:.3f} s, "
                   f"up->verify {up_seconds + verify_seconds:.3f} s ({speaker} speakers)")
        return report

    def speaker_outage(self, node, fails_without_it):
        """Stops `node`'s speaker: verify must fail naming exactly `fails_without_it`; starts
        it again: verify must pass."""
        lab = self.lab
        r = self.run("speaker", "stop", node)
        lab.check(r.returncode == 0, f"the speaker of {node} stops", r.stdout + r.stderr)
        got = lab.wait_quiet(lambda: (lambda c, rep: rep if c == 1 and self.failing(rep) ==
                                      fails_without_it else None)(*self.verify()), 15)
        code, rep = self.verify()
        lab.check(got is not None, f"verify fails naming exactly the checks that depend on {node}",
                  {"exit": code, "failing": sorted(self.failing(rep))})
        r = self.run("speaker", "start", node)
        lab.check(r.returncode == 0, f"the speaker of {node} starts again", r.stdout + r.stderr)
        lab.wait("verify passes again once it is back", lambda: self.verify()[0] == 0, 30,
                 interval=0.5, detail=lambda: sorted(self.failing(self.verify()[1])))

    def down_leaves_nothing(self):
        r = self.run("down")
        self.lab.check(r.returncode == 0, "down returns 0", r.stdout + r.stderr)
        left = self.lab.wait_quiet(lambda: not self.leftovers(), 5)
        self.lab.check(bool(left), "down leaves no namespace, process, link or file behind",
                       self.leftovers())

    def leftovers(self):
        """Namespaces, processes, links and files of this test's demo that still exist."""
        left = []
        r = subprocess.run(["ip", "netns", "list"], capture_output=True, text=True)
        left += [l.split()[0] for l in r.stdout.splitlines() if l.startswith(self.prefix + "-")]
        for pid in os.listdir("/proc"):
            if not pid.isdigit() or int(pid) == os.getpid():
                continue
            try:
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    cmd = f.read().replace(b"\0", b" ").decode(errors="replace")
                with open(f"/proc/{pid}/stat") as f:
                    zombie = f.read().rsplit(")", 1)[1].split()[0] == "Z"
            except OSError:
                continue
            if self.state in cmd and not zombie:
                left.append(f"process {pid}: {cmd.strip()}")
        r = subprocess.run(["ip", "-o", "link", "show"], capture_output=True, text=True)
        left += [l for l in r.stdout.splitlines() if self.prefix in l]
        if os.path.isdir(self.state):
            left += [f"file {os.path.join(self.state, f)}" for f in os.listdir(self.state)]
        return left


def run(test_name, description, body):
    """Runs body(lab, speaker) in a fresh lab (interop/lab.py's run), the node speakers
    named by --node-speaker engine|gobgpd (taken off argv first: lab.run parses the rest);
    gobgpd speakers need gobgpd and gobgp, else the test skips. Returns the exit code."""
    p = argparse.ArgumentParser(add_help=False)
    p.add_argument("--node-speaker", default="engine", choices=["engine", "gobgpd"])
    known, rest = p.parse_known_args()
    speaker = known.node_speaker
    sys.argv = [sys.argv[0]] + rest

    def test(lab):
        body(lab, speaker)

    if speaker == "gobgpd":
        test = labmod.requires("gobgpd", "gobgp")(test)
    return labmod.run(f"{test_name}_{speaker}", f"{description}, node speakers: {speaker}", test)
