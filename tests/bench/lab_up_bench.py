#!/usr/bin/env python3
"""How fast the lab demo comes up: a benchmark that prints figures, never a pass/fail test.

For each run: `bgpdemo up` (its JSON events give the time to every session Established),
then `bgpdemo verify` until it passes (the time from the start of up to a passing verify),
then `bgpdemo down`. Prints each run and the median. Target (issue 5): both under 3 s on
the 2-core machine. Needs root; uses its own namespace prefix and state folder.

  sudo tests/bench/lab_up_bench.py --bgpdemo build/bgpdemo [--repeat 5] [--scenario NAME]
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--bgpdemo", required=True)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--scenario", default="two-cluster")
    p.add_argument("--node-speaker", default="engine", choices=["engine", "gobgpd"])
    a = p.parse_args()
    if os.geteuid() != 0:
        print("needs root (network namespaces)")
        return 77
    state = tempfile.mkdtemp(prefix="bgpdemo-bench-")
    env = dict(os.environ, BGPDEMO_STATE_DIR=os.path.join(state, "s"))
    prefix = f"bench{os.getpid() % 100000}"

    def bd(*args):
        return subprocess.run([a.bgpdemo, *args], env=env, capture_output=True, text=True,
                              timeout=300)

    rows = []
    print(f"bgpdemo up / verify / down on the lab, scenario {a.scenario}, node speakers "
          f"{a.node_speaker}, {os.cpu_count()} CPUs")
    print(f"{'run':>3}  {'up -> Established':>17}  {'up -> verify passes':>19}  "
          f"{'verify alone':>12}  {'down':>6}")
    try:
        for i in range(a.repeat):
            t0 = time.monotonic()
            r = bd("up", "--provider", "lab", "--lab-prefix", prefix, "--scenario", a.scenario,
                   "--node-speaker", a.node_speaker, "-o", "json")
            if r.returncode != 0:
                print(r.stdout + r.stderr)
                return 1
            final = json.loads(r.stdout.splitlines()[-1])
            while True:
                tv = time.monotonic()
                v = bd("verify", "-o", "json")
                if v.returncode == 0:
                    break
                if time.monotonic() - t0 > 60:
                    print("verify did not pass in 60 s:\n" + v.stdout)
                    return 1
            verified = time.monotonic() - t0
            verify_alone = time.monotonic() - tv
            td = time.monotonic()
            bd("down")
            down = time.monotonic() - td
            rows.append((final["seconds"], verified, verify_alone, down))
            print(f"{i + 1:>3}  {final['seconds']:>15.3f} s  {verified:>17.3f} s  "
                  f"{verify_alone:>10.3f} s  {down:>4.3f} s")
    finally:
        bd("down", "--lab-prefix", prefix)
    med = [statistics.median(c) for c in zip(*rows)]
    print(f"med  {med[0]:>15.3f} s  {med[1]:>17.3f} s  {med[2]:>10.3f} s  {med[3]:>4.3f} s")
    print("target: under 3 s to Established and to a passing verify")
    return 0


if __name__ == "__main__":
    sys.exit(main())
