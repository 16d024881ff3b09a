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

async function act(node, action, button) {
  button.disabled = true;
  const reply = await fetch("/api/speaker?node=" + encodeURIComponent(node) + "&action=" + action,
                            {method: "POST", headers: {"X-Bgpdemo-Action": "1"}});
  if (!reply.ok) alert("speaker " + action + " " + node + ": " + await reply.text());
  button.disabled = false;
}

function showSessions(sessions) {
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
      const action = up ? "stop" : "start";
      const b = text("button", action);
      b.dataset.action = action;
      b.dataset.node = s.node;
      b.addEventListener("click", () => act(s.node, action, b));
      cell.append(" ", b);
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
  showSessions(s.sessions);
  document.getElementById("events").replaceChildren(...s.events.slice().reverse().map(eventLine));
  if (s.graph_version !== graphVersion) {
    graphVersion = s.graph_version;
    loadGraph(graphVersion);
  }
}

function connect() {
  const source = new EventSource("/api/events");
  const link = document.getElementById("link");
  source.addEventListener("state", (m) => { link.hidden = true; showState(JSON.parse(m.data)); });
  source.addEventListener("error", () => { link.hidden = false; });
}

connect();
