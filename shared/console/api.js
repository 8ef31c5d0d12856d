// The same-origin latchkey API. The token lives in sessionStorage only (this tab, until
// it closes or the user signs out): never persistent storage, cookies or URLs.

const STORAGE_KEY = 'latchkey.console.token';
// The console is served at <prefix>/console, where <prefix> is empty locally and the stage
// (e.g. /prod) behind API Gateway's default endpoint: the API lives beside it.
const PREFIX = location.pathname.slice(0, Math.max(0, location.pathname.lastIndexOf('/console')));
const BASE = `${PREFIX}/api/v1`;

export const session = {
  token() {
    return sessionStorage.getItem(STORAGE_KEY);
  },
  set(token) {
    sessionStorage.setItem(STORAGE_KEY, token);
  },
  clear() {
    sessionStorage.removeItem(STORAGE_KEY);
  },
};

/** An API failure: `status` (0 for a network error) and the problem+json body. */
export class ApiError extends Error {
  constructor(status, problem) {
    const p = problem && typeof problem === 'object' ? problem : {};
    const title = p.title || (status ? `HTTP ${status}` : 'Network error');
    super(p.detail ? `${title}: ${p.detail}` : title);
    this.status = status;
    this.problem = { title, detail: p.detail || '', code: p.code || '', status, type: p.type || '' };
  }
}

let onUnauthorized = () => {};

/** Called when a request made with the session's token gets 401 (revoked, rotated, expired). */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

/**
 * request('GET', '/users', {query: {max_items: 20}}) → parsed JSON, or null for 204.
 * `token` overrides the session's token (used to check a pasted token before keeping it).
 */
export async function request(method, path, { query, body, token } = {}) {
  const bearer = token ?? session.token();
  if (!bearer) throw new ApiError(401, { title: 'Not signed in', detail: 'Sign in with a token first.' });
  const url = new URL(BASE + path, window.location.origin);
  for (const [key, value] of Object.entries(query || {})) {
    if (value === undefined || value === null || value === '' || value === false) continue;
    url.searchParams.set(key, String(value));
  }
  const headers = { Authorization: `Bearer ${bearer}`, Accept: 'application/json, application/problem+json' };
  const init = { method, headers, cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer', redirect: 'error' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }
  let response;
  try {
    response = await fetch(url, init);
  } catch {
    throw new ApiError(0, { title: 'Network error', detail: 'Could not reach the latchkey API.' });
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data);
    if (response.status === 401 && token === undefined) onUnauthorized(error);
    throw error;
  }
  return response.status === 204 ? null : data;
}

export const enc = encodeURIComponent;
