// The console's shell: sign-in, the case, the display zone, and the views by location hash
// (#/search, #/account/ID, #/actor/ID, #/diff, #/reads). The hash holds ids and times only.

import {ApiError, get, session} from "./api.js";
import {clear, h, validZone} from "./dom.js";
import {views} from "./views.js";

const $ = (id) => document.getElementById(id);

let me = null;  // the whoami answer

function showSignIn(reason = "") {
  me = null;
  $("session").hidden = true;
  $("nav").hidden = true;
  $("view").hidden = true;
  clear($("view"));
  $("signin").hidden = false;
  $("signin-error").textContent = reason;
  $("case").value = session.case;
  $("token").value = "";
  $("token").focus();
}

function showSession() {
  $("signin").hidden = true;
  $("session").hidden = false;
  $("nav").hidden = false;
  $("view").hidden = false;
  const parts = [`Signed in as token ${me.id ?? me.token_id ?? "?"}`, `role ${me.role ?? "?"}`];
  if (me.expires_at ?? me.expiry ?? me.expires) parts.push(`expires ${me.expires_at ?? me.expiry ?? me.expires}`);
  const scopes = !me.scopes ? [] : Array.isArray(me.scopes) ? me.scopes
    : typeof me.scopes === "object" ? Object.entries(me.scopes).map(([k, v]) => `${k}=${v}`) : [String(me.scopes)];
  if (scopes.length) parts.push(`scopes ${scopes.map((x) => (typeof x === "string" ? x : JSON.stringify(x))).join(" ")}`);
  $("whoami").textContent = parts.join(", ");
  $("case-now").value = session.case;
  $("tz").value = session.zone;
  $("nav-reads").hidden = me.role !== "auditor";
}

async function signIn(event) {
  event.preventDefault();
  const token = $("token").value.trim();
  $("token").value = "";
  if (!token) {
    $("signin-error").textContent = "enter a token";
    return;
  }
  session.token = token;
  session.case = $("case").value.trim();
  if (!await whoAmI()) return;
  showSession();
  if (!window.location.hash || window.location.hash === "#") window.location.hash = "#/search";
  else route();
}

/** Render the view the hash names; a 401 anywhere ends the session with its reason. */
async function route() {
  if (!me) return;
  const [path, query = ""] = window.location.hash.replace(/^#\/?/, "").split("?");
  const [name, ...rest] = path.split("/");
  const view = views[name] || views.search;
  const params = new URLSearchParams(query);
  const root = clear($("view"));
  for (const link of document.querySelectorAll("#nav a")) {
    if (link.getAttribute("href") === `#/${name || "search"}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  try {
    await view(root, {id: rest.map(decodeURIComponent).join("/"), params, me, unauthorized: showSignIn});
  } catch (exc) {
    if (exc instanceof ApiError && exc.status === 401) {
      session.token = null;
      showSignIn(exc.reason);
    } else {
      root.append(h("p", {class: "error", role: "alert"}, exc instanceof ApiError ? exc.reason : String(exc)));
    }
  }
}

function setCase(event) {
  event.preventDefault();
  session.case = $("case-now").value.trim();
  route();
}

function setZone(event) {
  event.preventDefault();
  const zone = $("tz").value.trim();
  if (!validZone(zone)) {
    $("tz").setCustomValidity(`unknown time zone ${zone} (try America/New_York or UTC)`);
    $("tz").reportValidity();
    return;
  }
  $("tz").setCustomValidity("");
  session.zone = zone;
  route();
}

async function start() {
  $("signin-form").addEventListener("submit", signIn);
  $("case-form").addEventListener("submit", setCase);
  $("tz-form").addEventListener("submit", setZone);
  $("tz").addEventListener("input", () => $("tz").setCustomValidity(""));
  $("sign-out").addEventListener("click", () => {
    session.clear();
    showSignIn("signed out");
  });
  window.addEventListener("hashchange", route);
  if (!session.token) {
    showSignIn();
    return;
  }
  if (!await whoAmI()) return;
  showSession();
  route();
}

// the token's role and scopes; a refused token is forgotten and the sign-in shows the reason
async function whoAmI() {
  try {
    me = await get("/api/v1/whoami");
    return true;
  } catch (exc) {
    session.token = null;
    showSignIn(exc instanceof ApiError ? exc.reason : String(exc));
    return false;
  }
}

start();
