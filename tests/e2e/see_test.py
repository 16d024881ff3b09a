#!/usr/bin/env python3
"""`bgpdemo graph` and `bgpdemo events` of a running lab demo (issue #15): the picture as
SVG, HTML and DOT, and the stream of what happens.

  two-cluster-dual, engine speakers -> graph -o svg: well-formed SVG naming every node,
  the route server and every LB IP, each session edge green; -o html: one page holding that
  SVG, with no script and nothing to fetch; a stopped speaker -> its session red and
  dashed in the next graph, the others still green. events -o json while a speaker stops
  and starts again: its session down then up, its pod CIDRs withdrawn then learned, its
  kernel routes removed then installed, in that order, each line timed, and the speaker
  actions and verify's result the other commands logged; events --since: that past (the
  router's journal, the demo's event log) in time order before the start line. peers --watch -o
  json: a JSON line per look; routes --watch into a pipe: a timed block per look -> down.
  tests/data/scenarios/two-cluster-102.yaml (102 nodes) -> graph -o svg: well-formed,
  every one of the 102 node names in it, each cluster drawn as one box with its count ->
  down leaves nothing.

Needs root and Graphviz's dot (skips with 77 otherwise). Prints "N passed, M failed" last.

  sudo python3 tests/e2e/see_test.py --bgpdemo build/bgpdemo
"""

import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import lab as L  # noqa: E402
from demo_cli import DemoCli  # noqa: E402

SCALE = os.path.join(HERE, "..", "data", "scenarios", "two-cluster-102.yaml")
UP = "#2e7d32"
DOWN = "#c62828"


def svg_text(svg):
    """Every text and attribute value of a parsed SVG (entities decoded), or None when it is
    not well-formed SVG."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError:
        return None
    if root.tag != "{http://www.w3.org/2000/svg}svg":
        return None
    parts = []
    for el in root.iter():
        parts += [el.text or ""] + list(el.attrib.values())
    return "\n".join(parts)


def names_in(text, names):
    """The names that do not appear in text as whole names."""
    return [n for n in names if not re.search(rf"(?<![\w-]){re.escape(n)}(?![\w-])", text)]


def edge_colours(dot):
    """node name -> the colour of its session edge, from `graph -o dot`."""
    out = {}
    for m in re.finditer(r'"node:([^"]+)" -> "router:[^"]+" \[[^\]]*color="([^"]+)"[^\]]*\]',
                         dot):
        out[m.group(1)] = (m.group(2), "style=dashed" in m.group(0))
    return out


def events(lab, cli):
    """events -o json while cilium2-worker's speaker stops and starts again."""
    watch = subprocess.Popen([lab.bgpdemo, "events", "-o", "json", "--interval", "0.2",
                              "--duration", "8"], env=cli.env, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    first = watch.stdout.readline()  # the start line: the watch has its first look
    began = time.time()
    cli.run("speaker", "stop", "cilium2-worker")
    time.sleep(1.5)
    cli.run("speaker", "start", "cilium2-worker")
    lab.wait("verify passes", lambda: cli.verify()[0] == 0, 30, interval=0.5)
    out, errs = watch.communicate(timeout=30)
    lines = [json.loads(ln) for ln in [first] + out.splitlines() if ln.startswith("{")]
    start = lines[0] if lines else {}
    lab.check(watch.returncode == 0 and start.get("kind") == "start" and
              start.get("established") == 6 and start.get("routes") == 16,
              "events -o json: a start line (6 of 6 Established, 16 routes), exit 0 after "
              "--duration", (watch.returncode, start, errs[-400:]))
    seen = [(e["kind"], e["subject"], e["from"], e["to"]) for e in lines[1:]]

    def order(*wanted):
        at = [next((i for i, s in enumerate(seen) if s == w), None) for w in wanted]
        return None not in at and at == sorted(at)
    lab.check(order(("session", "cilium2-worker", "established", "none"),
                    ("session", "cilium2-worker", "none", "established")),
              "its session: established -> none, then none -> established", seen)
    lab.check(order(("route", "10.242.1.0/24", "172.19.0.3", ""),
                    ("route", "10.242.1.0/24", "", "172.19.0.3")) and
              order(("route", "fd00:10:242:1::/64", "172.19.0.3", ""),
                    ("route", "fd00:10:242:1::/64", "", "172.19.0.3")),
              "its pod CIDRs withdrawn from the RIB, then learned again", seen)
    lab.check(order(("fib", "10.242.1.0/24", "172.19.0.3", ""),
                    ("fib", "10.242.1.0/24", "", "172.19.0.3")) and
              any(s[:2] == ("fib", "fd00:10:242:1::/64") and s[3] == "" for s in seen),
              "its kernel routes removed, then installed again", seen)
    times = [e.get("time", "") for e in lines]
    lab.check(all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", t) for t in times)
              and times == sorted(times), "every line has its time, in order",
              [(e["time"], e["kind"], e.get("subject")) for e in lines])
    lab.check(order(("action", "cilium2-worker", "", "speaker stop"),
                    ("action", "cilium2-worker", "", "speaker start"),
                    ("verify", "verify", "", "passed")),
              "what the other bgpdemo commands did is in the stream: speaker stop, start, and "
              "verify's result", seen)

    # --since: the past first (the router's journal and the demo's event log), in time order,
    # then the start line.
    r = cli.run("events", "--since", f"{time.time() - began + 1:.0f}s", "--duration", "0.1",
                "-o", "json")
    lines = [json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{")]
    starts = [i for i, e in enumerate(lines) if e["kind"] == "start"]
    past = lines[:starts[0]] if starts else []
    seen = [(e["kind"], e["subject"], e["from"], e["to"]) for e in past]
    down = next((e for e in past if e["kind"] == "session" and e["to"] == "down"), {})
    def in_sequence(*wanted):
        at = -1
        for w in wanted:
            at = next((i for i in range(at + 1, len(seen)) if seen[i] == w), None)
            if at is None:
                return False
        return True
    lab.check(r.returncode == 0 and starts and
              in_sequence(("action", "cilium2-worker", "", "speaker stop"),
                    ("session", "cilium2-worker", "established", "down"),
                    ("session", "cilium2-worker", "down", "established"),
                    ("verify", "verify", "", "passed")) and
              ("route", "10.242.1.0/24", "", "") in seen,
              "events --since: the speaker stop, the session down and up again (the router's "
              "journal), the pod CIDR withdrawn, verify's result, before the start line",
              (r.returncode, seen, r.stderr[-300:]))
    lab.check("cease" in down.get("detail", "").lower(),
              "the session down with the router's reason (the Cease the speaker sent)", down)
    times = [e["time"] for e in past]
    lab.check(times == sorted(times), "the past in time order", times)
    r = cli.run("events", "--since", "yesterday")
    lab.check(r.returncode == 2 and "--since yesterday" in r.stderr,
              "events --since with no time in it: a usage error saying what to give", r.stderr)


def watch(lab, cli):
    """peers and routes --watch: a look every --interval until --duration."""
    r = cli.run("peers", "--watch", "-o", "json", "--interval", "0.2", "--duration", "1")
    looks = [json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("[")]
    lab.check(r.returncode == 0 and 4 <= len(looks) <= 7 and
              all(len([p for p in x if p["side"] == "node"]) == 6 for x in looks),
              "peers --watch -o json --interval 0.2 --duration 1: a JSON line of 6 node "
              "sessions per look", (r.returncode, len(looks), r.stderr[-300:]))
    r = cli.run("routes", "--watch", "--interval", "0.2", "--duration", "0.5")
    blocks = re.findall(r"^== routes \S+Z$", r.stdout, re.M)
    lab.check(r.returncode == 0 and len(blocks) >= 2 and "\x1b[" not in r.stdout and
              r.stdout.count("10.21.0.1/32") == len(blocks),
              "routes --watch into a pipe: a timed block per look, no terminal codes",
              r.stdout[:300])


@L.requires("dot")
def body(lab):
    cli = DemoCli(lab)
    cli.up_and_verify("two-cluster-dual", "engine", 56,
                      {"sessions": 12, "rib": 16, "kernel": 16, "http": 12})
    rows = json.loads(cli.run("peers", "-o", "json").stdout)
    nodes = sorted({r["node"] for r in rows if r["side"] == "node"})

    r = cli.run("graph", "-o", "svg")
    text = svg_text(r.stdout)
    lab.check(r.returncode == 0 and text is not None, "graph -o svg: well-formed SVG",
              r.stderr[-600:] or r.stdout[:300])
    missing = names_in(text or "", nodes + ["bgpdemo-router", "10.21.0.1", "fd00:10:22::1"])
    lab.check(len(nodes) == 6 and not missing,
              "it names every node, the route server and the LB IPs", missing)
    r = cli.run("graph", "-o", "dot")
    colours = edge_colours(r.stdout)
    lab.check(sorted(colours) == nodes and all(c == (UP, False) for c in colours.values()),
              "graph -o dot: 6 session edges, all green (Established)", colours)
    lab.check(r.stdout.count("ECMP 1/3") == 12,
              "each of the 4 LB IPs routed over its cluster's 3 nodes (ECMP)",
              re.findall(r'"lb:[^"]+" -> "node:[^"]+"', r.stdout))

    page = os.path.join(lab.workdir, "demo.html")
    r = cli.run("graph", "-o", "html", "--file", page)
    html = open(page).read() if r.returncode == 0 and os.path.exists(page) else ""
    svg_part = html[html.find("<svg"):html.rfind("</svg>") + 6]
    lab.check(html.startswith("<!DOCTYPE html>") and svg_text(svg_part) is not None and
              "<script" not in html and not re.search(r'(src|href)="(https?:)?//', html),
              "graph -o html --file: one page holding the SVG, no script, nothing to fetch",
              r.stderr[-400:] or html[:400])

    r = cli.run("speaker", "stop", "cilium-worker")
    lab.check(r.returncode == 0, "the speaker of cilium-worker stops", r.stderr)
    lab.wait("the next graph draws its session red and dashed, the others green",
             lambda: (lambda c: c.get("cilium-worker") == (DOWN, True) and
                      sum(v == (UP, False) for v in c.values()) == 5)(
                 edge_colours(cli.run("graph", "-o", "dot").stdout)), 15,
             detail=lambda: edge_colours(cli.run("graph", "-o", "dot").stdout))
    r = cli.run("speaker", "start", "cilium-worker")
    lab.check(r.returncode == 0, "the speaker of cilium-worker starts again", r.stderr)
    lab.wait("verify passes again", lambda: cli.verify()[0] == 0, 30, interval=0.5)
    events(lab, cli)
    watch(lab, cli)
    cli.down_leaves_nothing()

    # 102 nodes: readable because each cluster is one box; every name still in the SVG.
    r = cli.run("up", "--provider", "lab", "--scenario", SCALE, "--lab-prefix", cli.prefix,
                "-o", "json", "--timeout", "120")
    lab.check(r.returncode == 0, "up of the 102-node scenario", r.stderr[-800:])
    if r.returncode != 0:
        cli.dump_logs()
        raise L.Fatal("the 102-node demo did not come up")
    names = [f"{c}-control-plane" for c in ("cilium", "cilium2")] + [
        f"{c}-worker{'' if i == 1 else i}" for c in ("cilium", "cilium2") for i in range(1, 51)]
    r = cli.run("graph", "-o", "svg")
    text = svg_text(r.stdout)
    missing = names_in(text or "", names)
    lab.check(r.returncode == 0 and text is not None and len(names) == 102 and not missing,
              "graph -o svg of 102 nodes: well-formed, every node named", missing[:10])
    lab.check(text is not None and "51 nodes" in text and "51 of 51 sessions Established" in text,
              "each cluster is one box counting its 51 nodes and their sessions",
              (text or "")[:400])
    cli.down_leaves_nothing()


if __name__ == "__main__":
    sys.exit(L.run("see", "bgpdemo graph and events of a running lab demo", body))
