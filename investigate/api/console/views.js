// The views: search, account, actor, diff, reads. Each draws its form (filled from the hash),
// and when the hash names enough, asks the API and draws the answer.

import {ApiError, get, session} from "./api.js";
import {band, segments} from "./bands.js";
import {clear, clock, dayOf, facts, field, h, localInput, span, zonedIso} from "./dom.js";

const enc = encodeURIComponent;
const yesNo = (v) => (v === true ? "yes" : v === false ? "no" : "-");
const shown = (v) => (v === null || v === undefined ? "-" : typeof v === "object" ? JSON.stringify(v) : String(v));
const iso = (local) => (local ? zonedIso(local, session.zone) : "");

/** Move to a hash; the same hash again re-runs the view (a repeated search still searches). */
function go(hash) {
  if (window.location.hash === hash) window.dispatchEvent(new HashChangeEvent("hashchange"));
  else window.location.hash = hash;
}

function query(values) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : "";
}

/** A form whose submit (Enter in any field, or its button) calls `submit(values)`. */
function form(label, fields, button, submit) {
  const node = h("form", {class: "query", "aria-label": label}, fields, h("p", {}, h("button", {type: "submit"}, button)));
  node.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(node).entries());
    for (const k of Object.keys(values)) values[k] = String(values[k]).trim();
    submit(values);
  });
  return node;
}

function timeField(id, label, value, required = false) {
  return field(id, `${label} (${session.zone})`, {type: "datetime-local", step: "1", value: value || "", required});
}

/** Run `load` into `out`, a one-line reason on failure (a 401 ends the session). */
async function into(out, ctx, load) {
  clear(out).append(h("p", {class: "busy", role: "status"}, "loading…"));
  out.setAttribute("aria-busy", "true");
  try {
    const nodes = await load();
    clear(out).append(...nodes);
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 401) {
      session.token = null;
      ctx.unauthorized(exc.reason);
      return;
    }
    clear(out).append(h("p", {class: "error", role: "alert"}, exc instanceof ApiError ? exc.reason : String(exc)));
    if (exc instanceof ApiError && exc.status === 428) document.getElementById("case-now")?.focus();
  } finally {
    out.removeAttribute("aria-busy");
  }
}

// -- links and an event's details ----------------------------------------------------------------

function actorLink(id, at) {
  if (!id) return "-";
  const on = at ? dayOf(Date.parse(at), session.zone) : "";
  return h("a", {href: `#/actor/${enc(id)}${query({on})}`}, id);
}

function targetLink(target, at) {
  if (!target) return "-";
  if (target.type !== "account") return `${target.type} ${target.id}`;
  const local = at ? localInput(Date.parse(at), session.zone) : "";
  return h("a", {href: `#/account/${enc(target.id)}${query({at: local})}`}, target.id);
}

function changedText(changed) {
  return Object.entries(changed || {}).map(([f, [before, after]]) => `${f}: ${shown(before)} → ${shown(after)}`).join("; ");
}

function details() {
  return h("section", {class: "details", "aria-live": "polite", "aria-label": "Event details"});
}

function showEvent(panel, event) {
  const heading = h("h3", {tabindex: "-1"}, `${event.action} by ${event.actor?.id ?? "-"}`);
  clear(panel).append(heading, facts([
    ["occurred at", event.occurred_at], ["recorded at", event.recorded_at],
    ["actor", actorLink(event.actor?.id, event.occurred_at)], ["actor kind", event.actor?.kind],
    ["actor org", event.actor?.org], ["action", event.action],
    ["target", targetLink(event.target, event.occurred_at)], ["target handle", event.target?.handle],
    ["reason", event.reason], ["ticket", event.ticket],
    ["changed", event.changed ? changedText(event.changed) : null],
    ["actor state", event.actor_state ? `${event.actor_state.employment}, ${event.actor_state.engaged ? "engaged" : "not engaged"}` : null],
    ["event id", event.event_id], ["ledger seq", event.seq],
  ]));
  heading.focus();
}

function detailsButton(panel, event) {
  return h("button", {type: "button", class: "link", onclick: () => showEvent(panel, event),
    "aria-label": `details of ${event.action} at ${event.occurred_at}`}, "details");
}

function table(caption, head, rows) {
  return h("table", {}, h("caption", {}, caption), h("thead", {}, h("tr", {}, head.map((c) => h("th", {scope: "col"}, c)))),
    h("tbody", {}, rows.map((cells) => h("tr", {}, cells.map((c) => h("td", {}, c ?? "-"))))));
}

// -- search: who did what ------------------------------------------------------------------------

async function search(root, ctx) {
  const p = ctx.params;
  const out = h("div", {class: "results"});
  const kinds = [["", "any"], ["employee", "employee"], ["contractor", "contractor"], ["service", "service"], ["system", "system"]];
  root.append(h("h2", {}, "Who did what"), form("Search events", [
    field("actor", "Actor", {value: p.get("actor") || ""}),
    field("actor_kind", "Actor kind", {options: kinds, value: p.get("actor_kind") || ""}),
    field("org", "Organisation", {value: p.get("org") || ""}),
    field("target", "Target", {value: p.get("target") || ""}),
    field("action", "Action", {value: p.get("action") || "", placeholder: "account.deactivate"}),
    timeField("from", "From", p.get("from")), timeField("to", "To", p.get("to")),
    timeField("known_at", "As known at, ledger time (empty: now)", p.get("known_at")),
    field("limit", "Per page", {type: "number", min: "1", max: "1000", value: p.get("limit") || "50"}),
  ], "Search", (values) => go(`#/search${query(values)}`)), out);
  if (![...p.keys()].length) return;
  const panel = details();
  await into(out, ctx, async () => {
    const answer = await get("/api/v1/events", {
      actor: p.get("actor"), actor_kind: p.get("actor_kind"), org: p.get("org"), target: p.get("target"),
      action: p.get("action"), from: iso(p.get("from")), to: iso(p.get("to")), cursor: p.get("cursor"),
      limit: p.get("limit"), known_at: iso(p.get("known_at")), tz: session.zone,
    });
    const rows = answer.events.map((e) => [e.occurred_at, actorLink(e.actor.id, e.occurred_at), e.actor.kind,
      e.actor.org, e.action, targetLink(e.target, e.occurred_at), e.reason, e.ticket, detailsButton(panel, e)]);
    const nodes = [table(`${answer.events.length} event(s)${p.get("cursor") ? " (a later page)" : ""}`,
      ["occurred at", "actor", "kind", "org", "action", "target", "reason", "ticket", ""], rows)];
    if (answer.next) {
      const next = Object.fromEntries(p.entries());
      next.cursor = answer.next;
      nodes.push(h("p", {}, h("a", {href: `#/search${query(next)}`, class: "next"}, "Next page")));
    }
    nodes.push(panel);
    return nodes;
  });
}

// -- an account: state on both clocks, its timeline as bands -----------------------------------

function dayWindow(local) {
  const day = local.slice(0, 10);
  const next = new Date(Date.parse(`${day}T00:00:00Z`) + 86400000).toISOString().slice(0, 10);
  return [`${day}T00:00:00`, `${next}T00:00:00`];
}

async function account(root, ctx) {
  const p = ctx.params;
  const out = h("div", {class: "results"});
  root.append(h("h2", {}, "Account"), form("Account state and timeline", [
    field("account", "Account", {value: ctx.id || "", required: true}),
    timeField("at", "State at, event time", p.get("at"), true),
    timeField("known_at", "As known at, ledger time (empty: now)", p.get("known_at")),
    timeField("from", "Timeline from (empty: the day of the state)", p.get("from")),
    timeField("to", "Timeline to", p.get("to")),
  ], "Show", ({account: id, ...values}) => go(`#/account/${enc(id)}${query(values)}`)), out);
  if (!ctx.id || !p.get("at")) return;
  const [dayFrom, dayTo] = dayWindow(p.get("at"));
  const known = iso(p.get("known_at"));
  const panel = details();
  await into(out, ctx, async () => {
    const path = `/api/v1/accounts/${enc(ctx.id)}`;
    const [state, line, raised] = await Promise.all([
      get(`${path}/state`, {at: iso(p.get("at")), known_at: known, tz: session.zone}),
      get(`${path}/timeline`, {from: iso(p.get("from") || dayFrom), to: iso(p.get("to") || dayTo), known_at: known,
        tz: session.zone}),
      get("/api/v1/alerts", {target: ctx.id, from: iso(p.get("from") || dayFrom), to: iso(p.get("to") || dayTo),
        tz: session.zone}),
    ]);
    return [stateCard(state), alertsCard(raised), timelineCard(line, panel), panel];
  });
}

// the detector's alerts on the account in the window, most severe first: what to look at first
const SEVERITY_RANK = {critical: 0, high: 1, medium: 2, low: 3};

function alertsCard(raised) {
  const alerts = [...raised.alerts].sort((a, b) => SEVERITY_RANK[a.severity] - SEVERITY_RANK[b.severity]);
  const body = alerts.length
    ? table(`${alerts.length} alert(s) in the window`, ["severity", "rule", "occurred at", "actor", "summary", "raised after"],
      alerts.map((a) => [h("strong", {class: `severity severity-${a.severity}`}, a.severity), a.rule, a.occurred_at,
        actorLink(a.actor_id, a.occurred_at), a.summary + (a.late ? " (late)" : ""),
        a.detection_seconds === null ? "-" : `${a.detection_seconds.toFixed(2)} s`]))
    : h("p", {}, "no alerts in the window");
  return h("section", {class: "card alerts", "aria-label": "Alerts"}, h("h3", {}, "Alerts"), body);
}

function stamp(s) {
  return s ? [`${s.action} by `, actorLink(s.actor, s.occurred_at), ` at ${s.occurred_at}`] : null;
}

function stateCard(state) {
  const title = `State at ${state.at}, as known ${state.known_at ? `at ${state.known_at}` : "now"}`;
  return h("section", {class: "card state", "aria-label": "State"},
    h("h3", {}, title, state.protected ? h("span", {class: "badge protected"}, "protected") : null),
    facts([["status", h("strong", {class: `status status-${state.status}`}, state.status)], ["exists", yesNo(state.exists)],
      ["protected", yesNo(state.protected)], ["verified", yesNo(state.verified)], ["handle", state.handle],
      ["email", state.email], ["flags", Object.keys(state.flags || {}).length ? JSON.stringify(state.flags) : null],
      ["created at", state.created_at], ["events applied", state.events_applied],
      ["last change", stamp(state.last_change)], ["status since", stamp(state.status_since)]]));
}

function intervalText(iv) {
  const label = iv.seconds === null || iv.seconds === undefined ? iv.status : `${iv.status} ${span(iv.seconds)}`;
  return h("li", {class: `interval interval-${iv.status}`}, h("strong", {}, label), " ",
    iv.start ? `from ${iv.start.occurred_at}` : "since before the ledger began",
    iv.end ? ` to ${iv.end.occurred_at}` : " (still so at the window's end)",
    iv.start ? [", by ", actorLink(iv.start.actor, iv.start.occurred_at), ` (${iv.start.action})`] : null,
    iv.end ? [", ended by ", actorLink(iv.end.actor, iv.end.occurred_at), ` (${iv.end.action})`] : null);
}

function timelineCard(line, panel) {
  const start = Date.parse(line.from ?? line.events[0]?.occurred_at ?? line.to);
  const end = Date.parse(line.to);
  const events = line.events.map((e) => ({...e, ms: Date.parse(e.occurred_at)}));
  const before = line.state_before;
  const statusChanges = events.filter((e) => e.changed?.status).map((e) => ({at: e.ms, value: e.changed.status[1]}));
  const firstStatus = before?.exists ? before.status : events.find((e) => e.changed?.status)?.changed.status[0] ?? line.state_after.status;
  const statusSegs = segments(start, end, firstStatus, statusChanges).map((seg) => {
    if (seg.status === "active") return seg;
    const iv = line.intervals.find((i) => i.status === seg.status && (i.start ? Date.parse(i.start.occurred_at) === seg.from : seg.from === start));
    const seconds = iv ? iv.seconds : null;
    return {...seg, label: seconds === null || seconds === undefined ? seg.status : `${seg.status} ${span(seconds)}`};
  });
  const protChanges = events.filter((e) => e.changed && "protected" in e.changed)
    .map((e) => ({at: e.ms, value: e.changed.protected[1] ? "protected" : "unprotected"}));
  const firstProt = before ? (before.protected ? "protected" : "unprotected")
    : events.find((e) => e.changed && "protected" in e.changed)?.changed.protected[0] ? "protected" : "unprotected";
  const marks = events.map((e) => ({at: e.ms, status: e.changed?.status ? "change" : "event",
    label: `${clock(e.ms, session.zone, true)} ${e.action} by ${e.actor.id}`, activate: () => showEvent(panel, e)}));
  const figure = band({title: `${line.account} from ${line.from ?? "the beginning"} to ${line.to}`, start, end,
    zone: session.zone, lanes: [{name: "status", segments: statusSegs}, {name: "protection", segments: segments(start, end, firstProt, protChanges)},
      {name: "events", segments: [], marks}]});
  const intervals = line.intervals.length ? h("ul", {class: "intervals", "aria-label": "Intervals"}, line.intervals.map(intervalText))
    : h("p", {}, "active throughout the window");
  const rows = events.map((e) => [e.occurred_at, actorLink(e.actor.id, e.occurred_at), e.action, changedText(e.changed) || "-",
    e.reason, detailsButton(panel, e)]);
  return h("section", {class: "card timeline", "aria-label": "Timeline"}, h("h3", {}, "Timeline"), figure, intervals,
    table(`${events.length} event(s) in the window`, ["occurred at", "actor", "action", "changed", "reason", ""], rows));
}

// -- an actor's day -------------------------------------------------------------------------

async function actor(root, ctx) {
  const p = ctx.params;
  const out = h("div", {class: "results"});
  root.append(h("h2", {}, "Actor"), form("An actor's day", [
    field("actor", "Actor", {value: ctx.id || "", required: true}),
    field("on", `Day (${session.zone}; empty: every action)`, {type: "date", value: p.get("on") || ""}),
    timeField("known_at", "As known at, ledger time (empty: now)", p.get("known_at")),
  ], "Show", ({actor: id, ...values}) => go(`#/actor/${enc(id)}${query(values)}`)), out);
  if (!ctx.id) return;
  const panel = details();
  await into(out, ctx, async () => {
    const day = await get(`/api/v1/actors/${enc(ctx.id)}`, {on: p.get("on"), known_at: iso(p.get("known_at")),
      tz: session.zone});
    return [actorCard(day, panel), panel];
  });
}

function actorCard(day, panel) {
  const st = day.state;
  const actions = day.actions.map((a) => ({...a, ms: Date.parse(a.occurred_at)}));
  let start = day.from ? Date.parse(day.from) : actions[0]?.ms ?? Date.parse(st.at) - 3600000;
  let end = day.to ? Date.parse(day.to) : actions.at(-1)?.ms ?? Date.parse(st.at);
  if (end <= start) [start, end] = [start - 1800000, end + 1800000];
  // engaged from the onboarding until the engagement ends (which an offboarding names, and
  // which may be later than the offboarding itself: see domain/actor.py)
  const changes = [];
  if (st.onboarded_at) changes.push({at: Date.parse(st.onboarded_at), value: "engaged"});
  if (st.engagement_end) changes.push({at: Date.parse(st.engagement_end), value: "offboarded"});
  changes.sort((a, b) => a.at - b.at);
  const known = st.onboarded_at || st.engagement_end || st.offboarded_at;
  const initial = !known ? "unknown" : st.onboarded_at && Date.parse(st.onboarded_at) > start ? "not-onboarded"
    : st.engagement_end && Date.parse(st.engagement_end) <= start ? "offboarded" : "engaged";
  const engagement = segments(start, end, initial, changes.filter((c) => c.at > start))
    .map((seg) => ({...seg, label: `${seg.status} ${clock(seg.from, session.zone, true)}–${clock(seg.to, session.zone, true)}`}));
  const offboarding = st.offboarded_at && Date.parse(st.offboarded_at) >= start && Date.parse(st.offboarded_at) <= end
    ? [{at: Date.parse(st.offboarded_at), status: "offboarding",
        label: `offboarding recorded ${clock(Date.parse(st.offboarded_at), session.zone, true)}, effective ${st.engagement_end ?? "-"}`}]
    : [];
  const marks = actions.map((a) => ({at: a.ms, status: a.actor_state?.engaged ? "engaged" : "offboarded",
    label: `${clock(a.ms, session.zone, true)} ${a.action} ${a.target?.id ?? ""}`, activate: () => showEvent(panel, a)}));
  const figure = band({title: `${day.actor}: engagement and actions, ${day.on ?? "every action"}`, start, end, zone: session.zone,
    lanes: [{name: "engagement", segments: engagement, marks: offboarding}, {name: "actions", segments: [], marks}]});
  const summary = h("ul", {class: "intervals", "aria-label": "Engagement"},
    engagement.map((seg) => h("li", {class: `interval interval-${seg.status}`}, h("strong", {}, seg.status), ` ${clock(seg.from, session.zone, true)} → ${clock(seg.to, session.zone, true)}`)),
    st.engagement_end ? h("li", {}, `engagement ends ${st.engagement_end}`) : null,
    st.offboarded_at ? h("li", {}, `offboarding recorded at ${st.offboarded_at}`) : null);
  const rows = actions.map((a) => [a.occurred_at, a.action, targetLink(a.target, a.occurred_at),
    a.actor_state ? (a.actor_state.engaged ? "engaged" : "not engaged") : "-", a.actor_state?.employment, a.reason,
    detailsButton(panel, a)]);
  return h("section", {class: "card actor", "aria-label": "Actor"},
    h("h3", {}, `${day.actor}${day.on ? ` on ${day.on}` : ""}`),
    facts([["kind", st.kind], ["org", st.org], ["employment", st.employment], ["engaged", yesNo(st.engaged)],
      ["roles", (st.roles || []).join(", ")], ["onboarded at", st.onboarded_at], ["offboarded at", st.offboarded_at],
      ["engagement end", st.engagement_end], ["as of", st.at]]),
    figure, summary,
    table(`${actions.length} action(s)`, ["occurred at", "action", "target", "engaged", "employment", "reason", ""], rows));
}

// -- a diff between two times ---------------------------------------------------------------

async function diff(root, ctx) {
  const p = ctx.params;
  const out = h("div", {class: "results"});
  root.append(h("h2", {}, "Diff"), form("What changed between two times", [
    field("account", "Account", {value: ctx.id || "", required: true}),
    timeField("t1", "First time", p.get("t1"), true), timeField("t2", "Second time", p.get("t2"), true),
    timeField("known_at", "As known at, ledger time (empty: now)", p.get("known_at")),
  ], "Compare", ({account: id, ...values}) => go(`#/diff/${enc(id)}${query(values)}`)), out);
  if (!ctx.id || !p.get("t1") || !p.get("t2")) return;
  const panel = details();
  await into(out, ctx, async () => {
    const answer = await get(`/api/v1/accounts/${enc(ctx.id)}/diff`, {t1: iso(p.get("t1")), t2: iso(p.get("t2")),
      known_at: iso(p.get("known_at")), tz: session.zone});
    const rows = answer.fields.map((f) => [f.field, shown(f.before), shown(f.after), yesNo(f.net_change),
      h("ul", {}, f.changes.map((c) => h("li", {}, `${c.occurred_at}: ${shown(c.from)} → ${shown(c.to)} by `,
        actorLink(c.actor.id, c.occurred_at), ` (${c.action}) `, detailsButton(panel, c))))]);
    return [table(`${answer.account} from ${answer.t1} to ${answer.t2}: ${answer.fields.length} field(s)`,
      ["field", "before", "after", "net change", "changes"], rows), panel];
  });
}

// -- the reads log (auditors) ------------------------------------------------------------------

async function reads(root, ctx) {
  const p = ctx.params;
  const out = h("div", {class: "results"});
  root.append(h("h2", {}, "Reads"), form("Reads log", [
    // ids of their own: "case" and "token" are the sign-in form's
    field("reads-case", "Case", {name: "case", value: p.get("case") || ""}),
    field("reads-token", "Token id", {name: "token", value: p.get("token") || ""}),
    timeField("from", "From", p.get("from")), timeField("to", "To", p.get("to")),
  ], "Show reads", (values) => go(`#/reads${query({...values, run: "1"})}`)), out);
  if (!p.get("run")) return;
  await into(out, ctx, async () => {
    const answer = await get("/api/v1/reads", {case: p.get("case"), token: p.get("token"), from: iso(p.get("from")),
      to: iso(p.get("to")), before: p.get("before"), tz: session.zone});
    const items = Array.isArray(answer) ? answer : answer.reads ?? [];
    const columns = [...new Set(items.flatMap((r) => Object.keys(r)))];
    const nodes = [table(`${items.length} read(s), newest first`, columns, items.map((r) => columns.map((c) => shown(r[c]))))];
    if (answer.next) {
      const next = Object.fromEntries(p.entries());
      next.before = String(answer.next);
      nodes.push(h("p", {}, h("a", {href: `#/reads${query(next)}`, class: "next"}, "Older reads")));
    }
    return nodes;
  });
}

export const views = {search, account, actor, diff, reads};
