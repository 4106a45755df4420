// The session (token, case, display zone) and the one way the console talks to the API.
// The token lives in sessionStorage and leaves the page only in the Authorization header:
// never in a URL, never in a cookie, never in the DOM.

const KEYS = {token: "auditlog.token", case: "auditlog.case", zone: "auditlog.tz"};

export const session = {
  get token() { return sessionStorage.getItem(KEYS.token); },
  set token(value) { store(KEYS.token, value); },
  get case() { return sessionStorage.getItem(KEYS.case) || ""; },
  set case(value) { store(KEYS.case, value); },
  get zone() { return sessionStorage.getItem(KEYS.zone) || Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC"; },
  set zone(value) { store(KEYS.zone, value); },
  clear() { for (const key of Object.values(KEYS)) sessionStorage.removeItem(key); },
};

function store(key, value) {
  if (value) sessionStorage.setItem(key, value);
  else sessionStorage.removeItem(key);
}

export class ApiError extends Error {
  constructor(status, reason) {
    super(reason);
    this.status = status;
    this.reason = reason;
  }
}

/** GET an API path with query parameters (empty ones left out); the parsed JSON answer,
 *  or an ApiError whose reason is the API's own one-line reason. */
export async function get(path, params = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = {Accept: "application/json"};
  if (session.token) headers.Authorization = `Bearer ${session.token}`;
  if (session.case) headers["X-Audit-Case"] = session.case;
  let response;
  try {
    response = await fetch(url, {headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer"});
  } catch (exc) {
    throw new ApiError(0, `the API cannot be reached (${exc.message})`);
  }
  if (!response.ok) throw new ApiError(response.status, await reasonOf(response));
  return response.json();
}

async function reasonOf(response) {
  const text = await response.text();
  let reason = text;
  try {
    const body = JSON.parse(text);
    reason = body.reason ?? body.detail ?? body.error ?? body.message ?? text;
    if (Array.isArray(reason)) {  // FastAPI's validation errors: [{loc, msg}]
      reason = reason.map((e) => `${(e.loc || []).slice(1).join(".")}: ${e.msg}`).join("; ");
    } else if (typeof reason !== "string") {
      reason = JSON.stringify(reason);
    }
  } catch {
    // a plain-text reason
  }
  const line = String(reason).split("\n").map((l) => l.trim()).find((l) => l);
  return line || `${response.status} ${response.statusText}`.trim();
}
