// The only module that talks to bff-web. Every call is cross-origin with
// credentials: "include", exactly as a production SPA on another subdomain calls its BFF:
// the browser attaches the HttpOnly session cookies, this code never sees them.
// The CSRF token from /auth/login or /auth/session is kept in memory only and sent back in
// X-CSRF-Token on every state-changing call.
import { BFF_WEB_URL } from "./config.js";

export const baseURL = BFF_WEB_URL.replace(/\/+$/, "");

let csrfToken = "";
let currentUser = null;

/** An RFC 9457 problem answered by the BFF (or a network failure, status 0). */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem.detail || problem.title || `HTTP ${status}`);
    this.status = status;
    this.code = problem.code || "";
    this.title = problem.title || "Something went wrong";
    this.detail = problem.detail || "";
    this.fields = Array.isArray(problem.errors) ? problem.errors : [];
    this.correlationId = problem.correlation_id || "";
  }
}

/**
 * call sends one request to the BFF and returns the parsed JSON body (null for 204).
 * @param {string} path e.g. "/api/home"
 * @param {{method?: string, body?: unknown, revalidate?: boolean, extraHeaders?: Record<string, string>}} [opts]
 */
export async function call(path, { method = "GET", body, revalidate = false, extraHeaders = {} } = {}) {
  const headers = { Accept: "application/json", ...extraHeaders };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers["X-CSRF-Token"] = csrfToken;
  let res;
  try {
    res = await fetch(baseURL + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "include",
      mode: "cors",
      // Screens whose content depends on the session are revalidated (the BFF marks
      // signed-in answers private, no-store; signed-out ones carry an ETag).
      cache: revalidate ? "no-cache" : "default",
    });
  } catch {
    throw new ApiError(0, {
      title: "The shop cannot be reached",
      detail: `No answer from ${baseURL} (is bff-web running, and is this page's origin in its BFF_CORS_ORIGINS?).`,
    });
  }
  if (res.status === 204) return null;
  const type = res.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await res.json().catch(() => null) : null;
  if (!res.ok) {
    const err = new ApiError(res.status, data || { title: res.statusText });
    if (!err.correlationId) err.correlationId = res.headers.get("X-Correlation-ID") || "";
    if (res.status === 401) forget();
    throw err;
  }
  return data;
}

function remember(session) {
  if (session && session.authenticated) {
    csrfToken = session.csrf_token || "";
    currentUser = session.user || null;
  } else {
    forget();
  }
  return session;
}

function forget() {
  csrfToken = "";
  currentUser = null;
}

/** The signed-in user ({id, email, name}) as the BFF last told us, or null. */
export const user = () => currentUser;

export const session = async () => remember(await call("/auth/session", { revalidate: true }));
export const login = async (email, password) => remember(await call("/auth/login", { method: "POST", body: { email, password } }));
export async function logout() {
  try {
    await call("/auth/logout", { method: "POST" });
  } finally {
    forget();
  }
}
export const signup = (email, password, name) => call("/auth/signup", { method: "POST", body: { email, password, name } });
export const confirm = (email, code) => call("/auth/confirm", { method: "POST", body: { email, code } });

export const home = () => call("/api/home", { revalidate: true });
export const products = (query) => call("/api/products" + (query ? "?" + query : ""));
export const product = (slug) => call("/api/products/" + encodeURIComponent(slug));
export const account = () => call("/api/account", { revalidate: true });
export const orders = (cursor) => call("/api/orders?limit=10" + (cursor ? "&cursor=" + encodeURIComponent(cursor) : ""), { revalidate: true });
export const order = (id) => call("/api/orders/" + encodeURIComponent(id), { revalidate: true });
/**
 * newIdempotencyKey returns a fresh random key for one checkout attempt.
 * @returns {string}
 */
export function newIdempotencyKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

/**
 * placeOrder sends one checkout attempt; the BFF answers 202 with the order pending while
 * checkout (stock, card payment, confirmation) runs, and the order screen polls it. The caller passes the same key when it sends the same
 * attempt again (a second click, a retry after a network error): the BFF then answers the first
 * order instead of placing a second one.
 */
export const placeOrder = (body, idempotencyKey) =>
  call("/api/orders", { method: "POST", body, extraHeaders: idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {} });
export const cancelOrder = (id) => call("/api/orders/" + encodeURIComponent(id) + "/cancel", { method: "POST" });
