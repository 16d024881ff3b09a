#!/usr/bin/env python3
"""`up` and `down` killed at any moment, and the demo's processes killed while it is up (lab).

Rounds (BGPDEMO_KILL_ROUNDS, 8 by default: each step twice over; the seed is printed, BGPDEMO_KILL_SEED repeats a run):
  - `bgpdemo up` is SIGKILLed right after one of its step lines (plan, namespaces, links,
    daemon: each in turn) or, every other round, at a random moment; the next `up` must exit
    0 and `verify` pass;
  - `bgpdemo down` is SIGKILLed at a random moment; the next `down` must exit 0 and leave no
    namespace, process, link or file behind.
Then, on a demo that is up, each of the router, a node speaker and the lab daemon is
SIGKILLed: `status` must say it is not running, `verify` must fail, and `up` must heal it in
place ("healed" in its JSON, no namespace made anew: the namespaces' inode numbers stay) and
`verify` pass again. Needs root (skips with 77 otherwise).

  sudo python3 tests/e2e/kill_test.py --bgpdemo build/bgpdemo
"""

import json
import os
import random
import signal
import subprocess
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import lab as L  # noqa: E402
from demo_cli import DemoCli  # noqa: E402

STEPS = ["plan", "namespaces", "links", "daemon"]
ROUNDS = int(os.environ.get("BGPDEMO_KILL_ROUNDS", "8"))
SEED = int(os.environ.get("BGPDEMO_KILL_SEED", str(int(time.time()))))


def killed_up(cli, step, delay):
    """Starts `up`; SIGKILLs it after the line of `step` (or after `delay` s). Returns what
    it printed before."""
    p = subprocess.Popen([cli.lab.bgpdemo, "up", "--provider", "lab", "--lab-prefix", cli.prefix],
                         env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    seen = []
    if step is None:
        time.sleep(delay)
    else:
        for line in p.stdout:
            seen.append(line.rstrip())
            if line.strip().startswith(step + " "):
                break
    p.send_signal(signal.SIGKILL)
    p.wait()
    return seen


def netns_inodes(prefix):
    out = {}
    for name in os.listdir("/run/netns"):
        if name.startswith(prefix + "-"):
            out[name] = os.stat(os.path.join("/run/netns", name)).st_ino
    return out


def body(lab):
    cli = DemoCli(lab)
    rng = random.Random(SEED)
    L.log(f"seed {SEED}, {ROUNDS} rounds (BGPDEMO_KILL_SEED, BGPDEMO_KILL_ROUNDS)")
    for i in range(ROUNDS):
        step = STEPS[(i // 2) % len(STEPS)] if i % 2 == 0 else None
        delay = rng.uniform(0, 0.6)
        killed_up(cli, step, delay)
        where = f"after its '{step}' line" if step else f"at {delay * 1000:.0f} ms"
        r = cli.run("up", "--provider", "lab", "--lab-prefix", cli.prefix, "-o", "json")
        code, report = cli.verify()
        lab.check(r.returncode == 0 and code == 0,
                  f"round {i + 1}: up killed {where}; the next up converges, verify passes",
                  (r.returncode, r.stdout[-400:], r.stderr[-400:], sorted(cli.failing(report))))
        delay = rng.uniform(0, 0.3)
        p = subprocess.Popen([lab.bgpdemo, "down"], env=cli.env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait()
        r = cli.run("down")
        left = lab.wait_quiet(lambda: not cli.leftovers(), 5)
        lab.check(r.returncode == 0 and bool(left),
                  f"round {i + 1}: down killed at {delay * 1000:.0f} ms; the next down leaves "
                  "nothing", (r.returncode, r.stderr[-400:], cli.leftovers()))

    r = cli.run("up", "--provider", "lab", "--lab-prefix", cli.prefix, "-o", "json")
    lab.check(r.returncode == 0, "up", r.stderr[-400:])
    for what in ("router", "speaker", "daemon"):
        st = json.loads(cli.run("status", "-o", "json").stdout)["daemon"]
        pid = {"router": st["router"]["pid"], "speaker": st["speakers"]["cilium-worker"]["pid"],
               "daemon": st["pid"]}[what]
        inodes = netns_inodes(cli.prefix)
        os.kill(pid, signal.SIGKILL)
        time.sleep(0.3)
        status = cli.run("status").stdout
        said = {"router": "Router:    NOT running", "speaker": "Speakers:  5 of 6 running",
                "daemon": "Daemon:    NOT running"}[what]
        lab.check(said in status, f"{what} SIGKILLed: status says so", status)
        code, report = cli.verify()
        lab.check(code == 1 and report["checks"], f"{what} SIGKILLed: verify fails, naming "
                  f"{len(cli.failing(report))} checks", sorted(cli.failing(report))[:4])
        r = cli.run("up", "--provider", "lab", "--lab-prefix", cli.prefix, "-o", "json",
                    "--timeout", "60")
        # -o json: one object a line, the steps', then up's own.
        last = r.stdout.strip().splitlines()[-1] if r.stdout.strip() else "{}"
        healed = json.loads(last).get("healed", []) if r.returncode == 0 else []
        lab.check(r.returncode == 0 and healed and netns_inodes(cli.prefix) == inodes,
                  f"{what} SIGKILLed: up heals it in place ({', '.join(healed)}), "
                  "the namespaces are the same ones", (r.returncode, r.stdout[-300:],
                                                      r.stderr[-300:]))
        lab.wait("verify passes again", lambda: cli.verify()[0] == 0, 30, interval=0.5,
                 detail=lambda: sorted(cli.failing(cli.verify()[1])))
    cli.down_leaves_nothing()


if __name__ == "__main__":
    sys.exit(L.run("kill", "up and down killed at any moment, processes killed while up", body))
