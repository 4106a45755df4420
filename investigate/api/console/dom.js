// DOM helpers: every piece of text from the API goes in as a text node, never as markup.

const SVG_NS = "http://www.w3.org/2000/svg";

function fill(node, attrs, children) {
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "text") node.textContent = String(value);
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/** h("a", {href: "#/x"}, "text", child...): an HTML element; strings become text nodes. */
export function h(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

/** s("rect", {x: 1}): an SVG element. */
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

export function clear(node) {
  node.replaceChildren();
  return node;
}

/** A labelled input inside a <p>: the label's for= names the input's id. */
export function field(id, label, attrs = {}) {
  const input = attrs.options
    ? h("select", {id, name: id}, attrs.options.map(([value, text]) => h("option", {value}, text)))
    : h("input", {id, name: id, autocomplete: "off", spellcheck: "false", ...attrs});
  if (attrs.options) input.value = attrs.value ?? "";
  return h("p", {class: "field"}, h("label", {for: id}, label), input);
}

/** A definition list of [term, value] pairs; values may be nodes. */
export function facts(pairs) {
  return h("dl", {class: "facts"}, pairs.map(([term, value]) => [h("dt", {}, term),
    h("dd", {}, value === null || value === undefined || value === "" ? "-" : value)]));
}

// -- durations and times -------------------------------------------------------------------------

const pad = (n, w = 2) => String(n).padStart(w, "0");

/** A duration as the CLI prints it: 11m12s, 2h03m05s. */
export function span(seconds) {
  const total = Math.trunc(seconds);
  const hours = Math.trunc(total / 3600);
  const minutes = Math.trunc((total % 3600) / 60);
  const secs = total % 60;
  return hours ? `${hours}h${pad(minutes)}m${pad(secs)}s` : `${minutes}m${pad(secs)}s`;
}

function parts(zone, ms) {
  const format = new Intl.DateTimeFormat("en-US", {timeZone: zone, hourCycle: "h23", year: "numeric",
    month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", second: "2-digit"});
  const out = {};
  for (const p of format.formatToParts(new Date(ms))) out[p.type] = Number(p.value);
  return out;
}

/** The zone's UTC offset in minutes at an instant. */
export function offsetMinutes(zone, ms) {
  const p = parts(zone, ms);
  const asUtc = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return Math.round((asUtc - Math.floor(ms / 1000) * 1000) / 60000);
}

export function validZone(zone) {
  try {
    new Intl.DateTimeFormat("en-US", {timeZone: zone});
    return true;
  } catch {
    return false;
  }
}

/** A datetime-local value ("2017-11-02T18:58[:02]") read in `zone`, as ISO-8601 with its offset. */
export function zonedIso(local, zone) {
  const [date, time] = local.split("T");
  const [y, mo, d] = date.split("-").map(Number);
  const [hh, mm, ss = "0"] = time.split(":");
  const secs = Math.floor(Number(ss));
  const wall = Date.UTC(y, mo - 1, d, Number(hh), Number(mm), secs);
  let offset = offsetMinutes(zone, wall);
  offset = offsetMinutes(zone, wall - offset * 60000);
  const sign = offset < 0 ? "-" : "+";
  const abs = Math.abs(offset);
  return `${date}T${pad(Number(hh))}:${pad(Number(mm))}:${pad(secs)}${sign}${pad(Math.trunc(abs / 60))}:${pad(abs % 60)}`;
}

/** An instant shown as HH:MM (or HH:MM:SS) in `zone`, for axis ticks. */
export function clock(ms, zone, seconds = false) {
  const p = parts(zone, ms);
  return seconds ? `${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}` : `${pad(p.hour)}:${pad(p.minute)}`;
}

/** A calendar day in `zone` as "YYYY-MM-DD". */
export function dayOf(ms, zone) {
  const p = parts(zone, ms);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}`;
}

/** An instant as a datetime-local value ("YYYY-MM-DDTHH:MM:SS") in `zone`. */
export function localInput(ms, zone) {
  const p = parts(zone, ms);
  return `${p.year}-${pad(p.month)}-${pad(p.day)}T${pad(p.hour)}:${pad(p.minute)}:${pad(p.second)}`;
}
