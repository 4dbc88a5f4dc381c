// Browser-test helpers: a fake oauth-edge Worker (and demo API) behind `window.fetch`, and the
// address bar. Used by tests/browser.rs through #[wasm_bindgen(module = "/tests/support.js")].
const realFetch = globalThis.fetch;
let calls = [];

/**
 * Replaces `fetch` with a fake. `routes` maps a path to an answer `{status?, body?, headers?,
 * delay?, networkError?, unmarked?}` or to a list of answers served in turn (the last one
 * repeats). In bodies and headers, the text "{origin}" becomes the page's origin. A non-2xx answer
 * whose body has a `code` is the Worker's own error and carries `X-OAuth-Edge-Error: 1`, unless
 * `unmarked` (an API's answer passed through the proxy).
 */
export function fakeFetch(routes) {
  calls = [];
  const served = {};
  globalThis.fetch = async (input, init) => {
    const req = new Request(input, init);
    const url = new URL(req.url);
    const text = await req.clone().text();
    calls.push({
      path: url.pathname,
      method: req.method,
      credentials: req.credentials,
      headers: Object.fromEntries(req.headers),
      body: text ? parse(text) : null,
      pageUrl: location.href,
    });
    let answer = routes[url.pathname];
    if (Array.isArray(answer)) {
      const i = Math.min(served[url.pathname] ?? 0, answer.length - 1);
      served[url.pathname] = i + 1;
      answer = answer[i];
    }
    if (!answer) answer = { status: 404, body: { code: "not_found", message: "no such route" } };
    if (answer.delay) await new Promise((r) => setTimeout(r, answer.delay));
    if (answer.networkError) throw new TypeError("Failed to fetch");
    const fill = (s) => s.replaceAll("{origin}", location.origin);
    const headers = { "content-type": "application/json" };
    const status = answer.status ?? 200;
    if (status >= 400 && typeof answer.body?.code === "string" && !answer.unmarked) {
      headers["x-oauth-edge-error"] = "1";
    }
    for (const [k, v] of Object.entries(answer.headers ?? {})) headers[k] = fill(v);
    // A 204 has no body (the Response constructor refuses one).
    const body = status === 204 ? null : (answer.raw ?? fill(JSON.stringify(answer.body ?? {})));
    return new Response(body, { status, headers });
  };
}

function parse(text) {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** Puts the real `fetch` back. */
export function realFetchBack() {
  globalThis.fetch = realFetch;
}

/** Every request the fake saw, in order. */
export function fetchCalls() {
  return calls;
}

/** Sets the address bar (same document) to `pathAndQuery`. */
export function setUrl(pathAndQuery) {
  history.replaceState(null, "", pathAndQuery);
}

/** The address bar's path, query and fragment. */
export function currentUrl() {
  return location.pathname + location.search + location.hash;
}

/** A listener that records the `detail` of every event it is called with (`seen`; `null` for
 * none) and the events themselves (`events`). */
export function recorder() {
  const seen = [];
  const events = [];
  const fn = (ev) => {
    events.push(ev);
    seen.push(ev.detail === undefined ? null : ev.detail);
  };
  fn.seen = seen;
  fn.events = events;
  return fn;
}

/** A listener that throws. */
export function thrower() {
  return () => {
    throw new Error("a listener's own bug");
  };
}

/** Catches what the page reports as uncaught (a listener's exception, reported by EventTarget)
 * until the returned function is called; it gives the errors caught. */
export function catchReported() {
  const caught = [];
  const onError = (e) => {
    caught.push(e.error);
    e.preventDefault();
  };
  addEventListener("error", onError);
  return () => {
    removeEventListener("error", onError);
    return caught;
  };
}

/** `{signal}` options and the function that aborts that signal. */
export function abortable() {
  const controller = new AbortController();
  return [{ signal: controller.signal }, () => controller.abort()];
}

/** `x instanceof globalThis[name]`. */
export function isA(x, name) {
  return x instanceof globalThis[name];
}

/** Takes the Web Lock `name` as another tab would; resolves to a function that releases it. */
export function holdLock(name) {
  return new Promise((granted) => {
    navigator.locks.request(name, () => new Promise((release) => granted(release)));
  });
}

/** Resolves after `ms` milliseconds. */
export function sleep(ms) {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Replaces the global `name` (`sessionStorage`, `crypto`) until the returned function is called:
 * reading it gives `value`, or throws a SecurityError when `value` is undefined (as storage
 * blocked by the browser's settings does).
 */
export function stubGlobal(name, value) {
  const own = Object.getOwnPropertyDescriptor(globalThis, name);
  Object.defineProperty(globalThis, name, {
    configurable: true,
    get() {
      if (value === undefined) throw new DOMException("blocked", "SecurityError");
      return value;
    },
  });
  return () => {
    if (own) Object.defineProperty(globalThis, name, own);
    else delete globalThis[name];
  };
}

/** A Storage that reads nothing and whose writes fail (quota exceeded). */
export function fullStorage() {
  return {
    getItem: () => null,
    setItem() {
      throw new DOMException("full", "QuotaExceededError");
    },
    removeItem() {},
  };
}

/** `(...args) => f(args)`: a core function of more arguments than a wasm-bindgen `Closure` takes. */
export function gather(f) {
  return (...args) => f(args);
}
