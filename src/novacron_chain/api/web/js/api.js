// The JSON API as the dashboard calls it: reads are open; writes send the API key the user typed in (kept in this
// browser's local storage). Errors come back as RFC 9457 problems: ApiProblem carries their message and hint.

const KEY = "novacron.apiKey";

export class ApiProblem extends Error {
  constructor(status, body) {
    super(body?.message || body?.detail || body?.title || `HTTP ${status}`);
    this.status = status;
    this.error = body?.error || "HttpError";
    this.hint = body?.hint || "";
  }
}

export function apiKey() {
  return localStorage.getItem(KEY) || "";
}

export function setApiKey(key) {
  if (key) localStorage.setItem(KEY, key);
  else localStorage.removeItem(KEY);
}

async function request(method, path, body) {
  const headers = { Accept: "application/json" };
  const key = apiKey();
  if (key && method !== "GET") headers["X-API-Key"] = key;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, { method, headers, body });
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!response.ok) throw new ApiProblem(response.status, data);
  return data;
}

/** GET a JSON document. */
export function get(path) {
  return request("GET", path);
}

/** POST a request body (already JSON text: amounts are integers beyond JavaScript's safe range). */
export function post(path, jsonText) {
  return request("POST", path, jsonText ?? "{}");
}

/** GET with the key (for /auth/whoami). */
export async function whoami(key) {
  const response = await fetch("/auth/whoami", { headers: { "X-API-Key": key, Accept: "application/json" } });
  const data = await response.json();
  if (!response.ok) throw new ApiProblem(response.status, data);
  return data;
}

let routes = null;

/**
 * Whether this server has a GET operation at `path` (a path template, as /openapi.json lists it; read once per page
 * load). A page asks before calling an endpoint that a server of another version may lack, so a missing endpoint is
 * an empty panel, not a failed request in the console.
 */
export async function hasRoute(path) {
  routes ??= fetch("/openapi.json", { headers: { Accept: "application/json" } })
    .then((r) => (r.ok ? r.json() : { paths: {} }))
    .then((schema) => new Set(Object.entries(schema.paths || {}).filter(([, ops]) => ops.get).map(([p]) => p)))
    .catch(() => new Set());
  return (await routes).has(path);
}

/** GET `path` if the server has it (see hasRoute), else null; a problem from it is returned as {problem}. */
export async function getOptional(path) {
  if (!(await hasRoute(path.split("?")[0]))) return null;
  try {
    return await get(path);
  } catch (err) {
    return { problem: err };
  }
}

/** The list in an answer: the answer itself when it is an array, else its first array member ({changes: [...]}). */
export function listOf(data) {
  if (Array.isArray(data)) return data;
  if (data && typeof data === "object") return Object.values(data).find(Array.isArray) || [];
  return [];
}
