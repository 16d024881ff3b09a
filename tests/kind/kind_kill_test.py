#!/usr/bin/env python3
"""kind.kill: `up` and `down` on kind (the test doubles, a private Docker engine) killed
with SIGKILL at step boundaries and at random moments; each time the next one converges
(issue #16).

Each round starts `bgpdemo up --provider kind -o json` and SIGKILLs it either right after a
random step's event line or after a random delay, then runs `up` again, which must return 0
with every session Established (it resumes, or cleans up and starts again); then `down` is
SIGKILLed after a random delay and run again, which must leave no container, no network,
no kubeconfig context and no state. After the last round's `up`, `verify` must pass.
Rounds: BGPDEMO_KIND_KILL_ROUNDS (default 3), seed: BGPDEMO_KIND_KILL_SEED. About a
minute a round; `make kill-kind` runs it (it is not in `make test`, whose Docker chain is
CI's longest path). Exit 0, 1, or 77 (no root, no Docker).

  python3 tests/kind/kind_kill_test.py --bgpdemo build/bgpdemo --cache-dir build/docker-cache
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
import dockerlab as D  # noqa: E402
import docker_images as I  # noqa: E402
import kind_e2e_test as K  # noqa: E402

STEPS = ["preflight", "networks", "clusters", "image", "router", "render", "cilium", "nginx",
         "lb", "annotate", "bgp", "routes", "sessions"]


def killed(e, argv, step=None, delay=None):
    """Runs bgpdemo argv and SIGKILLs it after `step`'s event line, or after `delay` s;
    returns where it died (it may have finished first)."""
    env = dict(e.env)
    p = subprocess.Popen([e.exe, *argv], env=env, cwd=e.cwd, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, text=True)
    t0 = time.monotonic()
    where = "finished before the kill"
    if step:
        for line in p.stdout:
            if line.startswith("{") and json.loads(line).get("step") == step:
                p.send_signal(signal.SIGKILL)
                where = f"after its '{step}' step"
                break
    else:
        try:
            p.wait(delay)
        except subprocess.TimeoutExpired:
            p.send_signal(signal.SIGKILL)
            where = f"at {delay:.1f} s"
    p.wait()
    p.stdout.close()
    return where, time.monotonic() - t0


def leftovers(e):
    out = []
    ps = e.d.docker("ps", "-aq", check=False).stdout.split()
    if ps:
        out.append(f"{len(ps)} containers")
    nets = [n for n in e.d.docker("network", "ls", "--format", "{{.Name}}").stdout.split()
            if n not in ("bridge", "host", "none")]
    if nets:
        out.append(f"networks {nets}")
    if K.contexts(e):
        out.append(f"contexts {K.contexts(e)}")
    if os.path.exists(os.path.join(e.env["BGPDEMO_STATE_DIR"], "state.json")):
        out.append("state.json")
    return out


def body(c):
    rounds = int(os.environ.get("BGPDEMO_KIND_KILL_ROUNDS", "3"))
    seed = int(os.environ.get("BGPDEMO_KIND_KILL_SEED", str(random.randrange(1 << 31))))
    rng = random.Random(seed)
    D.log(f"seed {seed}, {rounds} rounds (BGPDEMO_KIND_KILL_SEED, BGPDEMO_KIND_KILL_ROUNDS)")
    up = ["up", "--provider", "kind", "--scenario", "two-cluster", "--timeout", "120", "-o", "json"]

    def run(d, workdir):
        e = K.Env(c, d, workdir)
        figures = []
        # The random moment falls within the longest `up` seen so far (a whole one takes 15 to
        # 20 s on the doubles here): a kill after `up` has ended tests nothing.
        longest_up = 15.0
        for i in range(1, rounds + 1):
            if rng.random() < 0.5:
                where, took = killed(e, up, step=rng.choice(STEPS[:-1]))
            else:
                where, took = killed(e, up, delay=rng.uniform(0.5, 0.9 * longest_up))
            t = time.monotonic()
            r = e.bd(*up, timeout=600)
            longest_up = max(longest_up, took, time.monotonic() - t)
            events = [json.loads(x) for x in r.stdout.splitlines() if x.startswith("{")]
            done = events[-1] if events else {}
            ok = c.check(r.returncode == 0 and done.get("ok") is True,
                         f"round {i}: up killed {where}; the next up converges "
                         f"({time.monotonic() - t:.1f} s)",
                         f"exit {r.returncode}: {r.stderr[-1200:]}")
            figures.append(f"up killed {where} ({took:.1f} s in), next up "
                           f"{time.monotonic() - t:.1f} s")
            if not ok:
                raise D.Fatal("the demo did not come up")
            if i == rounds:
                r = e.bd("verify", "-o", "json")
                rep = json.loads(r.stdout) if r.stdout.startswith("{") else {"checks": []}
                c.check(r.returncode == 0 and rep.get("failed") == 0,
                        f"verify passes after the last killed up ({rep.get('passed')} checks)",
                        [x["name"] for x in rep["checks"] if not x["ok"]] or r.stderr[-600:])
            delay = rng.uniform(0.05, 1.2)  # down takes about 2 s
            where, _ = killed(e, ["down", "-o", "json"], delay=delay)
            r = e.bd("down")
            left = leftovers(e)
            c.check(r.returncode == 0 and not left,
                    f"round {i}: down killed {where}; the next down leaves nothing",
                    f"exit {r.returncode}: {left} {r.stderr[-600:]}")
            figures.append(f"down killed {where}")
        D.log("figure: kind kills: " + "; ".join(figures))

    I.with_node_engine(c, K.ARGS, "kk", os.path.join(HERE, "node"), run)


def main():
    K.ARGS = K.parse_args()

    def setup():
        D.require_docker()
        if not os.access(K.ARGS.bgpdemo, os.X_OK):
            raise D.Fatal(f"{K.ARGS.bgpdemo} is not an executable")
    return D.run("kind.kill", "up and down on kind killed at any moment", body, setup=setup)


if __name__ == "__main__":
    sys.exit(main())
