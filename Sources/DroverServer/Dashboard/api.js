// The /v1 API from the browser: JSON in and out, the session's CSRF token on every change,
// and the API's own error message on failure.

let csrf = '';
let unauthorized = () => {};

/** Remembers the session's CSRF token (from the login's answer or from GET /v1/me). */
export function setCsrf(token) { csrf = token || ''; }

/** Called when a request answers 401: the session ended. */
export function onUnauthorized(handler) { unauthorized = handler; }

/** An API failure; `message` is the API's own message. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

/** A query string from an object; arrays repeat the key, empty values are left out. */
export function qs(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params || {})) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) {
      if (item !== undefined && item !== null && item !== '') search.append(key, String(item));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : '';
}

/** An id or name as one path segment. */
export const seg = (value) => encodeURIComponent(String(value));

/**
 * Sends one request to `/v1` + `path`. Resolves to the decoded body (null for 204), or with
 * `{withTotal: true}` to `{data, total}` where total is the X-Total-Count header.
 */
export async function request(method, path, body, options = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET' && method !== 'HEAD' && csrf) headers['X-CSRF-Token'] = csrf;
  let response;
  try {
    response = await fetch(`/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      signal: options.signal,
    });
  } catch (error) {
    if (error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'The server did not answer; check that it runs and try again.');
  }
  if (!response.ok) {
    let code = `http_${response.status}`;
    let message = `${response.status} ${response.statusText}`;
    try {
      const parsed = await response.json();
      if (parsed && parsed.error) {
        code = parsed.error.code || code;
        message = parsed.error.message || message;
      }
    } catch { /* not JSON: keep the status line */ }
    if (response.status === 401 && !options.quiet401) unauthorized();
    throw new ApiError(response.status, code, message);
  }
  // 202 and 204 may come without a body.
  const text = response.status === 204 ? '' : await response.text();
  const data = text ? JSON.parse(text) : null;
  if (options.withTotal) {
    const header = response.headers.get('X-Total-Count');
    return { data, total: header === null ? null : Number(header) };
  }
  return data;
}

export const get = (path, options) => request('GET', path, undefined, options);
export const post = (path, body, options) => request('POST', path, body === undefined ? {} : body, options);
export const put = (path, body, options) => request('PUT', path, body, options);
export const patch = (path, body, options) => request('PATCH', path, body, options);
export const del = (path, options) => request('DELETE', path, undefined, options);
