#!/usr/bin/env python3
"""`bgpdemo ui` in a real browser (issue #15): headless Chromium from Debian, on a running
lab demo.

  two-cluster-dual, engine speakers -> `bgpdemo ui --allow-actions` and Chromium, both in a
  network namespace of their own with nothing but loopback: the page loads, every request
  it makes goes to the ui's own address, no console error, no CSP report, no exception;
  the DOM holds every node, its session row Established and its edge in the SVG green ->
  `speaker stop cilium-worker`: within 2 s the edge turns red and the row says so
  (measured), screenshot -> without X-Bgpdemo-Action, a POST is refused -> the page's start
  button on that row: Established again, the action among the events -> its link down and up
  again from the page -> the route server restarted from the page: every session back ->
  `bgpdemo events --since` (another process) lists the page's actions in order -> verify
  passes -> down leaves nothing.

Needs root, Graphviz's dot and Chromium (skips with 77 otherwise). The screenshot goes to
--artefacts (default: the work directory). Prints "N passed, M failed" last.

  sudo python3 tests/e2e/ui_test.py --bgpdemo build/bgpdemo --artefacts build/test-artefacts
"""

import json
import os
import sys
import time

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "interop"))
import lab as L  # noqa: E402
from cdp import Browser, find_chromium  # noqa: E402
from demo_cli import DemoCli  # noqa: E402

UP = "#2e7d32"
DOWN = "#c62828"
NODE = "cilium-worker"

# The page's view, read in the browser: rows, edge colours, node names in the SVG, events.
VIEW = """(() => {
  const rows = {};
  for (const r of document.querySelectorAll("#sessions tbody tr"))
    rows[r.dataset.session] = r.dataset.state;
  const edges = {};
  for (const g of document.querySelectorAll('#graph g[id^="session:"]')) {
    const path = g.querySelector("path");
    edges[g.id.slice(8)] = path ? path.getAttribute("stroke") : null;
  }
  const svg = document.querySelector("#graph svg");
  return {rows, edges, svg_text: svg ? svg.textContent : "",
          summary: (document.getElementById("summary") || document.body).textContent,
          events: [...document.querySelectorAll("#events li")].map(li => li.textContent)};
})()"""


def artefacts_dir(lab):
    if lab.artefacts:
        os.makedirs(lab.artefacts, exist_ok=True)
        return lab.artefacts
    return lab.workdir


def start_ui(lab, cli, ns):
    """`bgpdemo ui` in ns on 127.0.0.1:<any port>; its URL from its first line."""
    p = lab.spawn("ui", ns, [lab.bgpdemo, "ui", "--state-dir", cli.state, "--listen",
                             "127.0.0.1:0", "--allow-actions", "--interval", "0.25",
                             "-o", "json"])
    url = None
    deadline = time.monotonic() + 15
    while url is None and time.monotonic() < deadline and p.alive():
        for line in p.log_text().splitlines():
            if line.startswith("{") and "url" in line:
                url = json.loads(line)["url"]
        time.sleep(0.05)
    if url is None:
        raise L.Fatal("bgpdemo ui printed no URL:\n" + "\n".join(p.tail()))
    return p, url


def wait_view(lab, browser, what, test, timeout):
    """Polls the page's view until test(view) holds: (seconds taken, the last view)."""
    t0 = time.monotonic()
    view = {}
    while time.monotonic() - t0 < timeout:
        view = browser.eval(VIEW)
        if test(view):
            return time.monotonic() - t0, view
        browser.pump(0.05)
    return None, view


@L.requires("dot")
def body(lab):
    if find_chromium() is None:
        raise L.Skip("chromium is not installed (apt-get install chromium)")
    cli = DemoCli(lab)
    began = time.time()
    cli.up_and_verify("two-cluster-dual", "engine", 56,
                      {"sessions": 12, "rib": 16, "kernel": 16, "http": 12})
    rows = json.loads(cli.run("peers", "-o", "json").stdout)
    nodes = sorted({r["node"] for r in rows if r["side"] == "node"})

    # The ui and the browser share a namespace that has only loopback: the page can reach
    # nothing but the ui, and nothing outside can reach them.
    ns = lab.netns("ui")
    ui, url = start_ui(lab, cli, ns)
    lab.check(url.startswith("http://127.0.0.1:"), "bgpdemo ui -o json prints its URL", url)
    browser = Browser(["ip", "netns", "exec", ns], lab.path("chromium.log"),
                      lab.path("chromium-profile"))
    try:
        browser.navigate(url)
        took, view = wait_view(lab, browser, "every session drawn",
                               lambda v: len(v["edges"]) == 6 and len(v["rows"]) == 6, 10)
        lab.check(took is not None and sorted(view["rows"]) == nodes and
                  all(s == "established" for s in view["rows"].values()),
                  "the page lists the 6 sessions, all Established", view.get("rows"))
        lab.check(sorted(view["edges"]) == nodes and
                  all(c == UP for c in view["edges"].values()),
                  "its SVG draws the 6 session edges green", view.get("edges"))
        missing = [n for n in nodes + ["bgpdemo-router", "10.21.0.1", "fd00:10:22::1"]
                   if n not in view["svg_text"]]
        lab.check(not missing, "the SVG names every node, the router and the LB IPs", missing)
        lab.check("6 of 6 sessions Established" in view["summary"],
                  "the summary counts them", view["summary"])

        t0 = time.monotonic()
        r = cli.run("speaker", "stop", NODE)
        lab.check(r.returncode == 0, f"the speaker of {NODE} stops", r.stderr)
        took, view = wait_view(
            lab, browser, "the session red",
            lambda v: v["edges"].get(NODE) == DOWN and v["rows"].get(NODE) != "established",
            10)
        seconds = time.monotonic() - t0 if took is not None else None
        L.log(f"figure: the page showed the stopped session red {seconds:.2f}s after "
              f"`speaker stop`" if seconds is not None else "figure: never")
        lab.check(seconds is not None and seconds <= 2.0,
                  f"within 2 s of speaker stop, its edge is red and its row not Established "
                  f"({seconds and round(seconds, 2)} s)", view)
        lab.check(sum(c == UP for c in view["edges"].values()) == 5,
                  "the other 5 stay green", view["edges"])
        shot = os.path.join(artefacts_dir(lab), "ui.png")
        browser.screenshot(shot)
        lab.check(os.path.getsize(shot) > 10000, f"a screenshot: {shot}", os.path.getsize(shot))

        refused = browser.eval(
            f"fetch('/api/speaker?node={NODE}&action=start', {{method: 'POST'}})"
            ".then(r => r.status)")
        lab.check(refused == 403, "a POST without X-Bgpdemo-Action is refused (403)", refused)
        clicked = browser.eval(
            f"(() => {{ const b = document.querySelector("
            f"'button[data-node=\"{NODE}\"]:not([data-fault])');"
            " if (!b || b.dataset.action !== 'start') return false; b.click(); return true; })()")
        lab.check(clicked, f"the page has a start button on {NODE}'s row, clicked", clicked)
        took, view = wait_view(
            lab, browser, "Established again",
            lambda v: v["rows"].get(NODE) == "established" and v["edges"].get(NODE) == UP, 30)
        lab.check(took is not None, f"{NODE} is Established again and drawn green", view)
        lab.check(any(f"action {NODE}: speaker start" in e for e in view.get("events", [])),
                  "the start is among the events", view.get("events", [])[:6])

        # A link down and up again from the page, then a route server restart.
        def click(selector):
            return browser.eval(f"(() => {{ const b = document.querySelector('{selector}');"
                                " if (!b) return false; b.click(); return true; })()")

        down = f'button[data-fault="link-down"][data-node="{NODE}"][data-action="start"]'
        up = f'button[data-fault="link-down"][data-node="{NODE}"][data-action="end"]'
        lab.check(click(down), f"the page's link down button on {NODE}, clicked")
        took, view = wait_view(
            lab, browser, "the fault started",
            lambda v: any(f"action {NODE}: fault link-down start" in e for e in v["events"]) and
            browser.eval(f"!!document.querySelector('{up}')"), 10)
        lab.check(took is not None, "the link-down fault is among the events, and the row now "
                  "offers the link up", view.get("events", [])[:4])
        lab.check(click(up), "link up, clicked")
        took, view = wait_view(
            lab, browser, "the fault ended",
            lambda v: any(f"action {NODE}: fault link-down end" in e for e in v["events"]), 10)
        lab.check(took is not None, "its end is among the events", view.get("events", [])[:4])
        # The node stopped: its session goes at once (the connection closes), red; started
        # again, green.
        stop = f'button[data-fault="node-stop"][data-node="{NODE}"][data-action="start"]'
        start = f'button[data-fault="node-stop"][data-node="{NODE}"][data-action="end"]'
        lab.check(click(stop), f"the page's node stop button on {NODE}, clicked")
        took, view = wait_view(
            lab, browser, "the node stopped",
            lambda v: v["rows"].get(NODE) != "established" and v["edges"].get(NODE) != UP and
            browser.eval(f"!!document.querySelector('{start}')"), 10)
        lab.check(took is not None, f"node stop: {NODE}'s session is down and drawn so, and the "
                  "row offers node start", view)
        lab.check(click(start), "node start, clicked")
        took, view = wait_view(
            lab, browser, "the node started",
            lambda v: v["rows"].get(NODE) == "established" and v["edges"].get(NODE) == UP, 30)
        lab.check(took is not None, f"node start: {NODE} is Established and green again", view)
        lab.check(click("#restart"), "the page's route server restart button, clicked")
        took, view = wait_view(
            lab, browser, "the router restarted",
            lambda v: any("action router: fault router-restart end" in e for e in v["events"])
            and all(s == "established" for s in v["rows"].values()) and
            all(c == UP for c in v["edges"].values()), 60)
        lab.check(took is not None, "after the route server restart every session is "
                  "Established and green again", view.get("rows"))

        asked = browser.requested()
        origin = url.rstrip("/")
        lab.check(asked and all(u == origin or u.startswith(origin + "/") for u in asked),
                  f"every request the page made went to {origin}",
                  [u for u in asked if not u.startswith(origin)])
        # The refused POST above is the one error the page may have logged.
        problems = [p for p in browser.problems() if "status of 403" not in p]
        lab.check(not problems, "no other console error, no CSP report, no exception",
                  problems[:5])
    finally:
        browser.close()
    ui.stop()
    # The page's actions are in the demo's event log, as the verbs' are.
    r = cli.run("events", "--since", f"{time.time() - began + 1:.0f}s", "--duration", "0.1",
                "-o", "json")
    actions = [(e["subject"], e["to"]) for e in
               (json.loads(ln) for ln in r.stdout.splitlines() if ln.startswith("{"))
               if e.get("kind") == "action"]
    wanted = [(NODE, "speaker start"), (NODE, "fault link-down start"),
              (NODE, "fault link-down end"), (NODE, "fault node-stop start"),
              (NODE, "fault node-stop end"), ("router", "fault router-restart start"),
              ("router", "fault router-restart end")]
    lab.check(r.returncode == 0 and [a for a in actions if a in wanted] == wanted,
              "events --since: the page's actions, in order", actions)
    code, report = cli.verify()
    lab.check(code == 0, "verify passes after the page's actions", DemoCli.failing(report))
    # The ui's namespace carries the lab's prefix: gone before down is checked.
    for pid in lab.run_cmd(["ip", "netns", "pids", ns], check=False).stdout.split():
        lab.run_cmd(["kill", "-9", pid], check=False)
    lab.run_cmd(["ip", "netns", "del", ns])
    lab.namespaces.remove(ns)
    cli.down_leaves_nothing()


if __name__ == "__main__":
    sys.exit(L.run("ui", "bgpdemo ui in headless Chromium on a running lab demo", body))
