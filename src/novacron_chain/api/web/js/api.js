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
