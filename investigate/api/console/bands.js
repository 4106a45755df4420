// Bands across time: one lane per thing that has a state over a window (an account's status,
// its protection, an actor's engagement), drawn as an inline SVG; events as marks on a lane.

import {clock, h, s} from "./dom.js";

const WIDTH = 1000;
const GUTTER = 120;  // lane names
const LANE = 26;
const GAP = 22;  // room above each lane for its segment labels
const AXIS = 30;
const MIN_BAND = 3;  // a short stretch stays visible at any zoom

/**
 * band({title, start, end, zone, lanes: [{name, segments: [{from, to, status, label}],
 *        marks: [{at, status, label, activate}]}]}) -> <figure>
 * Times are epoch milliseconds; a mark with `activate` is a button (Enter or Space, or a click).
 */
export function band({title, start, end, zone, lanes}) {
  const height = lanes.length * (LANE + GAP) + AXIS;
  const span = Math.max(end - start, 1);
  const x = (ms) => GUTTER + ((Math.min(Math.max(ms, start), end) - start) / span) * (WIDTH - GUTTER);
  const svg = s("svg", {viewBox: `0 0 ${WIDTH} ${height}`, class: "bands", role: "group", "aria-label": title});
  lanes.forEach((lane, i) => {
    const top = i * (LANE + GAP) + GAP;
    svg.append(s("text", {x: 0, y: top + LANE / 2 + 5, class: "lane-name"}, lane.name));
    for (const seg of lane.segments) {
      const left = x(seg.from);
      const width = Math.max(x(seg.to) - left, MIN_BAND);
      const rect = s("rect", {x: left, y: top, width, height: LANE, class: `seg seg-${seg.status}`,
        "data-status": seg.status}, s("title", {}, seg.label || seg.status));
      svg.append(rect);
      if (seg.label) {
        const middle = Math.min(Math.max(left + width / 2, GUTTER + 40), WIDTH - 40);
        svg.append(s("text", {x: middle, y: top - 6, class: "seg-label", "text-anchor": "middle"}, seg.label));
      }
    }
    for (const mark of lane.marks || []) {
      const at = x(mark.at);
      const attrs = {x: at - 2, y: top - 2, width: 4, height: LANE + 4, class: `mark mark-${mark.status || "event"}`};
      const node = s("rect", attrs, s("title", {}, mark.label));
      node.setAttribute("aria-label", mark.label);
      node.setAttribute("role", "img");
      if (mark.activate) {
        node.setAttribute("tabindex", "0");
        node.setAttribute("role", "button");
        node.addEventListener("click", mark.activate);
        node.addEventListener("keydown", (event) => {
          if (event.key === "Enter" || event.key === " ") {
            event.preventDefault();
            mark.activate();
          }
        });
      }
      svg.append(node);
    }
  });
  const axisTop = lanes.length * (LANE + GAP) + GAP / 2;
  svg.append(s("line", {x1: GUTTER, x2: WIDTH, y1: axisTop, y2: axisTop, class: "axis"}));
  const ticks = 6;
  for (let t = 0; t <= ticks; t++) {
    const ms = Math.round((start + (span * t) / ticks) / 60000) * 60000;
    const at = x(ms);
    const anchor = t === 0 ? "start" : t === ticks ? "end" : "middle";
    svg.append(s("line", {x1: at, x2: at, y1: axisTop, y2: axisTop + 5, class: "axis"}));
    svg.append(s("text", {x: at, y: axisTop + 20, class: "tick", "text-anchor": anchor}, clock(ms, zone)));
  }
  const statuses = [...new Set(lanes.flatMap((l) => l.segments.map((seg) => seg.status)))];
  const legend = h("ul", {class: "legend", "aria-label": "Legend"},
    statuses.map((status) => h("li", {}, h("span", {class: `swatch seg-${status}`, "aria-hidden": "true"}), status)));
  return h("figure", {class: "band"}, svg, h("figcaption", {}, title), legend);
}

/**
 * Segments of a value that changes at known moments: the value at `start`, then each change.
 * changes: [{at, value}] in time order -> [{from, to, status}]
 */
export function segments(start, end, initial, changes) {
  const out = [];
  let from = start;
  let value = initial;
  for (const change of changes) {
    if (change.at < start || change.at > end) continue;
    if (change.value === value) continue;
    if (change.at > from) out.push({from, to: change.at, status: value});
    from = change.at;
    value = change.value;
  }
  out.push({from, to: end, status: value});
  return out;
}
