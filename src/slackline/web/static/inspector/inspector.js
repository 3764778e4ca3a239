// The inspector's page: reads sessions, frames, calls and app deliveries from the control API (through
// /inspector/api/, with the CSRF token of the boot block) about once a second, and arms
// faults. No framework and no build step; every value from the server goes in as text.
"use strict";

const boot = JSON.parse(document.getElementById("boot").textContent);
const POLL_MS = 1000;
const MAX_FRAMES_SHOWN = 500;
const MAX_CALLS_SHOWN = 300;
const MAX_DELIVERIES_SHOWN = 300;
const state = { frameSeq: 0, callSeq: 0, deliverySeq: 0, session: null, frames: [], calls: [], deliveries: [], users: new Set(), names: {}, noteUntil: 0 };

function $(id) {
  return document.getElementById(id);
}

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function clock(secs) {
  if (!secs) return "";
  const d = new Date(secs * 1000);
  const ms = String(d.getMilliseconds()).padStart(3, "0");
  return d.toLocaleTimeString([], { hour12: false }) + "." + ms;
}

async function call(endpoint, body) {
  const response = await fetch(boot.api + endpoint, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-Slackline-CSRF": boot.csrf },
    body: JSON.stringify(body || {}),
  });
  const doc = await response.json();
  if (!doc.ok) throw new Error(doc.error + (doc.detail ? ": " + doc.detail : ""));
  return doc;
}

function showError(error) {
  $("error").textContent = error ? String(error.message || error) : "";
}

async function act(endpoint, body, note) {
  try {
    const doc = await call(endpoint, body);
    showError(null);
    $("status").textContent = note + " (" + JSON.stringify(doc) + ")";
    state.noteUntil = Date.now() + 4000; // an action's answer stays readable a moment
    await refreshFaults();
    return doc;
  } catch (error) {
    showError(error);
    return null;
  }
}

function actionButton(label, handler) {
  const button = el("button", label);
  button.type = "button";
  button.addEventListener("click", handler);
  return button;
}

function renderSessions(sessions) {
  const body = $("sessions").querySelector("tbody");
  body.replaceChildren();
  $("no-sessions").hidden = sessions.length > 0;
  for (const s of sessions) {
    state.users.add(s.user);
    if (s.name) state.names[s.user] = s.name;
    const row = el("tr");
    row.dataset.session = String(s.session);
    if (s.session === state.session) row.className = "selected";
    const who = personLabel(s.user) + " · " + s.team;
    const cells = [["Session", "#" + s.session], ["Who", who], ["Token", (s.token_type ? s.token_type + " " : "") + s.token_id, "mono"],
      ["Since", clock(s.since)], ["In", s.frames_in, "num"], ["Out", s.frames_out, "num"]];
    for (const [label, text, className] of cells) {
      const cell = el("td", text, className);
      cell.dataset.label = label; // the narrow layout shows it in place of the header
      row.append(cell);
    }
    const actions = el("td", null, "actions");
    const scope = { team: s.team, user: s.user };
    actions.append(
      actionButton("Timeline", () => follow(s.session, s.name || s.user)),
      actionButton("Goodbye", () => act("faults.goodbye", scope, "goodbye sent to " + s.user)),
      actionButton("Drop", () =>
        act("faults.end_sessions", { ...scope, goodbye: false }, "dropped " + s.user)),
      actionButton("Silence pings", () =>
        act("faults.silence_pings", { session: s.session }, "pings of #" + s.session + " silenced")),
    );
    for (const button of actions.querySelectorAll("button")) {
      button.setAttribute("aria-label", button.textContent + " (session " + s.session + ", " + s.user + ")");
    }
    row.append(actions);
    body.append(row);
  }
}

function follow(session, user) {
  state.session = session;
  $("timeline-of").textContent = "of session #" + session + " (" + user + ")";
  $("timeline-hint").hidden = true;
  renderTimeline();
  for (const row of $("sessions").querySelectorAll("tbody tr")) {
    row.className = row.dataset.session === String(session) ? "selected" : "";
  }
}

// A frame's gist in its summary line: a message's text, a reply's id, a channel.
function preview(frame) {
  let text = "";
  if (frame.reply_to !== undefined) text = "reply_to " + frame.reply_to + (frame.ok === false ? " (failed)" : "");
  else if (typeof frame.text === "string") text = frame.text;
  else if (frame.channel) text = String(typeof frame.channel === "string" ? frame.channel : frame.channel.id || "");
  return text.length > 80 ? text.slice(0, 79) + "…" : text;
}

function frameItem(f) {
  const item = el("li", null, "frame " + f.direction);
  item.dataset.type = f.frame.type || "";
  const summary = el("details");
  const head = el("summary");
  head.append(el("time", clock(f.at)), el("span", f.direction === "in" ? "→ in" : "← out", "dir"),
    el("span", f.frame.type || (f.frame.reply_to !== undefined ? "reply" : "?"), "type"),
    el("span", preview(f.frame), "preview"));
  summary.append(head, el("pre", JSON.stringify(f.frame, null, 2)));
  item.append(summary);
  return item;
}

function renderTimeline() {
  const list = $("timeline");
  list.replaceChildren();
  if (state.session === null) return;
  const mine = state.frames.filter((f) => f.session === state.session).slice(-MAX_FRAMES_SHOWN);
  for (const f of mine) list.append(frameItem(f));
}

function personLabel(user) {
  const name = state.names[user];
  return name ? name + " (" + user + ")" : user;
}

function callItem(c) {
  const ok = c.response && c.response.ok;
  const item = el("li", null, "call " + (ok ? "ok" : "failed"));
  const details = el("details");
  const head = el("summary");
  head.append(el("time", clock(c.at)), el("span", c.method, "method"),
    el("span", c.user ? personLabel(c.user) : "(not authed)", "user"),
    el("span", ok ? "ok" : String(c.response && c.response.error), "result"));
  details.append(head, el("h4", "Request"), el("pre", JSON.stringify(c.args, null, 2)),
    el("h4", "Response"), el("pre", JSON.stringify(c.response, null, 2)));
  item.append(details);
  return item;
}

function renderCalls() {
  const filter = $("calls-filter").value.trim();
  const list = $("calls");
  list.replaceChildren();
  const shown = state.calls.filter((c) => !filter || c.method.includes(filter));
  for (const c of shown.slice(-MAX_CALLS_SHOWN).reverse()) list.append(callItem(c));
}

// One step of handing something to an app: its transport, what, the outcome and the try.
function deliveryItem(d) {
  const good = d.outcome === "acknowledged" || d.outcome === "delivered";
  const bad = d.outcome === "dropped" || d.outcome === "failed";
  const item = el("li", null, "call delivery " + (bad ? "failed" : good ? "ok" : "pending"));
  item.dataset.outcome = d.outcome;
  const details = el("details");
  const head = el("summary");
  const how = d.transport === "http" ? "HTTP" : "Socket Mode";
  const outcome = d.outcome + (d.attempt ? " (retry " + d.attempt + ")" : "") +
    (d.status ? " " + d.status : "") + (d.detail ? " " + d.detail : "");
  head.append(el("time", clock(d.at)), el("span", d.app + " · " + how, "method"),
    el("span", d.kind, "user"), el("span", outcome, "result"));
  details.append(head, el("h4", "Payload"), el("pre", JSON.stringify(d.payload, null, 2)));
  item.append(details);
  return item;
}

function renderDeliveries() {
  const list = $("deliveries");
  list.replaceChildren();
  $("no-deliveries").hidden = state.deliveries.length > 0;
  for (const d of state.deliveries.slice(-MAX_DELIVERIES_SHOWN).reverse()) list.append(deliveryItem(d));
}

function renderUsers() {
  const list = $("known-users");
  list.replaceChildren();
  for (const user of [...state.users].sort()) {
    const option = el("option");
    option.value = user;
    if (state.names[user]) option.label = state.names[user];
    list.append(option);
  }
}

async function refreshFaults() {
  const doc = await call("faults.list", {});
  $("armed").textContent = JSON.stringify(doc.faults, null, 2);
}

async function poll() {
  const [sessions, frames, calls, deliveries] = await Promise.all([
    call("sessions.list", {}),
    call("journal.frames", { since: state.frameSeq, limit: 10000 }),
    call("journal.calls", { since: state.callSeq, limit: 10000 }),
    call("journal.deliveries", { since: state.deliverySeq, limit: 10000 }),
  ]);
  if (deliveries.deliveries.length) {
    state.deliveries.push(...deliveries.deliveries);
    state.deliveries = state.deliveries.slice(-MAX_DELIVERIES_SHOWN * 2);
    renderDeliveries();
  }
  state.deliverySeq = deliveries.last_seq;
  renderSessions(sessions.sessions);
  if (frames.frames.length) {
    state.frames.push(...frames.frames);
    state.frames = state.frames.slice(-10 * MAX_FRAMES_SHOWN);
    renderTimeline();
  }
  state.frameSeq = frames.last_seq;
  if (calls.calls.length) {
    state.calls.push(...calls.calls);
    state.calls = state.calls.slice(-MAX_CALLS_SHOWN * 2);
    for (const c of calls.calls) if (c.user) state.users.add(c.user);
    renderCalls();
  }
  state.callSeq = calls.last_seq;
  renderUsers();
}

async function loop() {
  try {
    await poll();
    $("status").classList.remove("offline");
    $("status").dataset.live = "true";
    if (Date.now() > state.noteUntil) {
      $("status").textContent = "Live · updated " + clock(Date.now() / 1000);
    }
    showError(null);
  } catch (error) {
    $("status").classList.add("offline");
    $("status").dataset.live = "false";
    $("status").textContent = "Not updating: " + (error.message || error);
  }
  setTimeout(loop, POLL_MS);
}

function formValues(form) {
  return Object.fromEntries(new FormData(form).entries());
}

function wire() {
  $("who").textContent = boot.who ? "Signed in as " + boot.who : "With the admin token";
  if (boot.signout) {
    $("signout").hidden = false;
    $("signout-csrf").value = boot.csrf;
  }
  $("calls-filter").addEventListener("input", renderCalls);
  $("fail-next").addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(event.target);
    act("faults.fail_next", { method: v.method, error: v.error, count: Number(v.count || 1) },
      "armed fail_next for " + v.method);
  });
  $("migrate").addEventListener("submit", (event) => {
    event.preventDefault();
    const v = formValues(event.target);
    act("faults.migrate_team", { team: v.team, secs: Number(v.secs) }, "migrating " + v.team);
  });
  $("goodbye-all").addEventListener("click", () => act("faults.goodbye", {}, "goodbye sent"));
  $("answer-pings").addEventListener("click", () => act("faults.answer_pings", {}, "pings answered"));
  $("clear-faults").addEventListener("click", () => act("faults.clear", {}, "faults cleared"));
  $("act").addEventListener("submit", async (event) => {
    event.preventDefault();
    const v = formValues(event.target);
    let args;
    try {
      args = v.args.trim() ? JSON.parse(v.args) : {};
    } catch (error) {
      showError("The arguments are not JSON: " + error.message);
      return;
    }
    const doc = await act("act", { as: v.as, method: v.method, args }, "called " + v.method + " as " + v.as);
    if (doc) $("act-result").textContent = JSON.stringify(doc.result, null, 2);
  });
}

wire();
refreshFaults().catch(showError);
loop();
