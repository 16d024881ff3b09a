// bgpdemo ui: the live page. It listens to /api/events (server-sent events), whose "state"
// messages carry the whole picture: sessions, counts, the last events and the graph's
// version. The graph is fetched again from /graph.svg when its version changes, and put
// inline so that its sessions are in the DOM. Served by the binary (core/ui/assets); it
// fetches nothing from anywhere else.
"use strict";

let graphVersion = -1;
let actionsAllowed = false;

function text(tag, content, className) {
  const e = document.createElement(tag);
  e.textContent = content;
  if (className) e.className = className;
  return e;
}

async function loadGraph(version) {
  const reply = await fetch("/graph.svg?v=" + version);
  if (!reply.ok) return;
  const svg = await reply.text();
  if (version < graphVersion) return;  // a newer one is on its way
  const at = svg.indexOf("<svg");
  document.getElementById("graph").innerHTML = at < 0 ? "" : svg.slice(at);
}

// POSTs an action; a failure is shown in an alert. The page follows the state it causes.
async function post(path, what, button) {
  button.disabled = true;
  const reply = await fetch(path, {method: "POST", headers: {"X-Bgpdemo-Action": "1"}});
  if (!reply.ok) alert(what + ": " + await reply.text());
  button.disabled = false;
}

function button(label, onClick, data) {
  const b = text("button", label);
  Object.assign(b.dataset, data);
  b.addEventListener("click", () => onClick(b));
  return b;
}

function speakerButton(node, up) {
  const action = up ? "stop" : "start";
  return button("speaker " + action, (b) => post(
      "/api/speaker?node=" + encodeURIComponent(node) + "&action=" + action,
      "speaker " + action + " " + node, b), {action, node});
}

// A fault on one node, as a toggle: "link down" while it is not on, "link up" while it is.
function faultButton(kind, labels, node, on) {
  const action = on ? "end" : "start";
  return button(labels[on ? 1 : 0], (b) => post(
      "/api/fault?kind=" + kind + "&node=" + encodeURIComponent(node) + "&action=" + action,
      kind + " " + action + " " + node, b), {fault: kind, action, node});
}

function showSessions(sessions, faults) {
  const on = (kind) => new Set(faults.filter((f) => f.kind === kind).map((f) => f.node));
  const linkDown = on("link-down");
  const stopped = on("node-stop");
  const body = document.querySelector("#sessions tbody");
  body.replaceChildren();
  for (const s of sessions) {
    const up = s.state === "established";
    const row = document.createElement("tr");
    row.className = up ? "up" : "down";
    row.dataset.session = s.node;
    row.dataset.state = s.state;
    row.append(text("td", s.node), text("td", s.cluster), text("td", s.state, "state"),
               text("td", s.received, "num"), text("td", s.advertised, "num"));
    const cell = document.createElement("td");
    if (s.reason && !up) cell.append(text("span", s.reason, "reason"));
    if (actionsAllowed) {
      cell.append(" ", speakerButton(s.node, up), " ",
                  faultButton("link-down", ["link down", "link up"], s.node, linkDown.has(s.node)),
                  " ",
                  faultButton("node-stop", ["node stop", "node start"], s.node, stopped.has(s.node)));
    }
    row.append(cell);
    body.append(row);
  }
}

function eventLine(e) {
  const li = text("li", e.time.slice(11, 23) + " " + e.text, e.kind);
  li.dataset.kind = e.kind;
  return li;
}

function showState(s) {
  actionsAllowed = s.actions_allowed;
  document.getElementById("provider").textContent =
      "(" + s.provider + ", router " + s.router + ")";
  const c = s.counts;
  document.getElementById("summary").textContent =
      c.established + " of " + c.sessions + " sessions Established, " + c.routes +
      " routes in the router's RIB, " + c.kernel_routes + " in its kernel, " + c.lb_routed +
      " of " + c.lb_total + " LoadBalancer IPs routed" + (s.error ? "; " + s.error : "");
  showSessions(s.sessions, s.faults);
  const restart = document.getElementById("restart");
  restart.hidden = !actionsAllowed;
  document.getElementById("events").replaceChildren(...s.events.slice().reverse().map(eventLine));
  if (s.graph_version !== graphVersion) {
    graphVersion = s.graph_version;
    loadGraph(graphVersion);
  }
}

// The route server stopped and started again at once (bgpdemo fault router-restart).
async function restartRouter(b) {
  await post("/api/fault?kind=router-restart&action=start", "router stop", b);
  await post("/api/fault?kind=router-restart&action=end", "router start", b);
}

function connect() {
  const restart = document.getElementById("restart");
  restart.addEventListener("click", () => restartRouter(restart));
  const source = new EventSource("/api/events");
  const link = document.getElementById("link");
  source.addEventListener("state", (m) => { link.hidden = true; showState(JSON.parse(m.data)); });
  source.addEventListener("error", () => { link.hidden = false; });
}

connect();
