// Page side of the browser benchmark (run.mjs drives it through Playwright). One library per page.
// The page is cross-origin isolated (COOP/COEP), so performance.now() resolves to 5 µs.
//
//   bench.load(lib, cfg)   import /dist/<lib>.js + init -> a ready client; times the two steps
//   bench.setup(lib, cfg)  load, then stub fetch and run login -> callback -> refresh twice: checks the
//                          results, counts the stub and platform calls each operation makes, and keeps
//                          the requests it sent (replayed by the stub-* blocks)
//   bench.block(kind, n)   n timed iterations of one kind (KINDS below); samples in ms
(() => {
  const PLATFORM = ["lock", "replaceState", "assign"];
  let M,
    LIB,
    CFG,
    navUrl,
    navSeq = 0,
    seq = 0;
  const record = (url) => {
    navUrl = url;
  }; // the peers' navigation hooks: the URL is kept, the page stays

  // ---- the network, stubbed ----------------------------------------------------------------------
  // The oauth-edge Worker (docs/worker-api.md: /login, /token, /refresh under cfg.worker) and the peers'
  // token endpoint, answered in the page with fixed JSON. Their own cost is measured by the stub-* blocks.
  const now = Math.floor(Date.now() / 1000);
  const b64u = (o) => btoa(JSON.stringify(o)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  // An unsigned-looking RS256 ID token (no library here checks signatures in the browser); the nonce
  // auth0-spa-js sends travels in the code ("n.<nonce>") so the token can echo it.
  const idToken = (nonce) =>
    b64u({ alg: "RS256", typ: "JWT", kid: "bench" }) +
    "." +
    b64u({
      iss: CFG.issuer,
      aud: CFG.clientId,
      sub: "user-123",
      iat: now,
      exp: now + 86400,
      ...(nonce ? { nonce } : {}),
    }) +
    "." +
    "B".repeat(342);
  const json = (body, status = 200, extra = {}) =>
    new Response(JSON.stringify(body), {
      status,
      headers: { "content-type": "application/json", "cache-control": "no-store", ...extra },
    });
  let lastLogin = null,
    tokenSeq = 0,
    calls = 0,
    capture = null;
  async function stubFetch(input, init) {
    const req = new Request(input, init);
    const body = await req.text();
    calls++;
    if (capture) capture.push({ url: req.url, method: req.method, headers: [...req.headers], body });
    const path = new URL(req.url).pathname;
    if (path.startsWith(CFG.worker + "/")) {
      const op = path.slice(CFG.worker.length + 1);
      const b = body ? JSON.parse(body) : {};
      if (op === "login") {
        lastLogin = b;
        // A same-document URL: the library's location.assign() is then a fragment navigation.
        return json({
          authorization_url: `${location.href.split("#")[0]}#authz-${++navSeq}`,
          issuer: CFG.issuer,
          provider: "default",
          code_param: "code",
          delivery: "code",
        });
      }
      if (op === "token" || op === "refresh") {
        return json({
          access_token: `at-0123456789abcdef0123456789abcdef-${++tokenSeq}`,
          token_type: "Bearer",
          expires_at: now + 3600,
          scope: CFG.scope,
          user: { sub: "user-123", name: "Alice" },
          provider: "default",
        });
      }
    } else if (req.url === CFG.tokenEndpoint) {
      const p = (req.headers.get("content-type") || "").includes("json")
        ? new URLSearchParams(JSON.parse(body))
        : new URLSearchParams(body);
      const code = p.get("code") || "";
      return json({
        access_token: `at-0123456789abcdef0123456789abcdef-${++tokenSeq}`,
        token_type: "Bearer",
        expires_in: 3600,
        refresh_token: `rt-${tokenSeq}`,
        scope: p.get("scope") || CFG.scope,
        id_token: idToken(code.startsWith("n.") ? code.slice(2) : undefined),
      });
    }
    return json({ code: "not_found", message: `benchmark stub: no ${req.method} ${req.url}` }, 404, {
      "x-oauth-edge-error": "1",
    });
  }

  // ---- load -----------------------------------------------------------------------------------------
  async function load(lib, cfg) {
    LIB = lib;
    CFG = cfg;
    const t0 = performance.now();
    M = await import(`/dist/${lib}.js`); // fetch + compile + evaluate (served no-store; fresh context => no caches)
    const t1 = performance.now();
    await M.init(cfg, { navigate: record }); // oauth-edge: fetch + compile + instantiate the wasm, new OAuthClient
    const t2 = performance.now();
    // of which the loopback transfer of the bundle (Resource Timing), for reading anomalies
    const js = performance.getEntriesByType("resource").find((r) => r.name.endsWith(`/dist/${lib}.js`));
    return {
      importMs: t1 - t0,
      initMs: t2 - t1,
      readyMs: t2 - t0,
      fetchMs: js ? js.responseEnd - t0 : NaN,
      isolated: self.crossOriginIsolated,
    };
  }
  const resources = () =>
    performance.getEntriesByType("resource").map((r) => ({ name: new URL(r.name).pathname, bytes: r.decodedBodySize }));

  // ---- one operation, the way the benchmark drives it --------------------------------------------------
  const isEdge = () => LIB === "oauth-edge";
  // oidc-client-ts keeps each login's state in localStorage until its callback (or clearStaleState):
  // logins without callbacks would pile up. Its user lives in sessionStorage.
  const afterLogin = () => {
    if (LIB === "oidc-client-ts") localStorage.clear();
  };
  // Where the provider would send the browser back to after the last login.
  function callbackUrl() {
    let state, nonce;
    if (isEdge()) state = lastLogin.state;
    else {
      const u = new URL(navUrl);
      state = u.searchParams.get("state");
      nonce = u.searchParams.get("nonce");
    }
    const code = nonce ? `n.${nonce}` : `code-${++seq}`;
    let url = `${CFG.redirectUri}?code=${encodeURIComponent(code)}&state=${encodeURIComponent(state)}`;
    if (isEdge()) url += `&iss=${encodeURIComponent(CFG.issuer)}`; // RFC 9207, checked by oauth-edge
    return url;
  }
  // Untimed: a login, then the redirect back (oauth-edge reads the address bar, the peers take the URL).
  async function arriveAtCallback() {
    await M.login();
    const url = callbackUrl();
    if (isEdge()) history.replaceState(null, "", url);
    return url;
  }
  const cbLike = () => `${location.pathname}?code=c&state=s&iss=${encodeURIComponent(CFG.issuer)}`;

  // ---- timed blocks ------------------------------------------------------------------------------------
  const requests = {}; // per operation, the requests it sent (setup), replayed through the stub
  async function block(kind, n) {
    const t = [];
    try {
      for (let i = 0; i < n; i++) {
        let t0, t1;
        switch (kind) {
          case "login":
            t0 = performance.now();
            await M.login();
            t1 = performance.now();
            afterLogin();
            break;
          case "callback": {
            const url = await arriveAtCallback();
            t0 = performance.now();
            const r = await M.callback(url);
            t1 = performance.now();
            if (!r) throw new Error("callback gave nothing");
            afterLogin();
            break;
          }
          case "refresh": {
            t0 = performance.now();
            const r = await M.refresh();
            t1 = performance.now();
            if (!r) throw new Error("refresh gave nothing");
            break;
          }
          case "stub-login":
          case "stub-callback":
          case "stub-refresh": {
            // the stub's own work for the requests the operation sends (body read, answer built)
            const reqs = requests[kind.slice(5)];
            t0 = performance.now();
            for (const r of reqs)
              await stubFetch(r.url, { method: r.method, headers: r.headers, body: r.body || undefined });
            t1 = performance.now();
            break;
          }
          case "lock": // an uncontended Web Lock around an empty critical section
            t0 = performance.now();
            await navigator.locks.request("bench-lock", async () => {});
            t1 = performance.now();
            break;
          case "replaceState": {
            // the platform's part of scrubbing the address bar: one call per iteration,
            // alternately adding and removing callback parameters (every call changes the URL)
            const url = i % 2 ? location.pathname : cbLike();
            t0 = performance.now();
            history.replaceState(history.state, "", url);
            t1 = performance.now();
            break;
          }
          case "assign": {
            // oauth-edge's login redirect, as the stub makes it: a same-document fragment navigation
            const url = `${location.href.split("#")[0]}#authz-${++navSeq}`;
            t0 = performance.now();
            location.assign(url);
            t1 = performance.now();
            break;
          }
          case "noop":
            t0 = performance.now();
            await null;
            t1 = performance.now();
            break;
          default:
            throw new Error(`unknown kind ${kind}`);
        }
        t.push(t1 - t0);
      }
    } catch (e) {
      return { t, err: `${kind}: ${e && (e.stack || e)}` };
    }
    return { t };
  }

  // ---- setup: load, stub, check, count -----------------------------------------------------------------
  async function setup(lib, cfg) {
    const loaded = await load(lib, cfg);
    window.fetch = stubFetch;
    // Counting wrappers, removed again before anything is timed. location.assign cannot be wrapped
    // ([LegacyUnforgeable]): navigations are counted from the Navigation API's navigate events instead.
    const counts = { fetch: 0, lock: 0, replaceState: 0, pushState: 0, navigate: 0 };
    const orig = {
      request: LockManager.prototype.request,
      replaceState: History.prototype.replaceState,
      pushState: History.prototype.pushState,
    };
    LockManager.prototype.request = function (...a) {
      counts.lock++;
      return orig.request.apply(this, a);
    };
    History.prototype.replaceState = function (...a) {
      counts.replaceState++;
      return orig.replaceState.apply(this, a);
    };
    History.prototype.pushState = function (...a) {
      counts.pushState++;
      return orig.pushState.apply(this, a);
    };
    const onNavigate = () => {
      counts.navigate++;
    };
    navigation.addEventListener("navigate", onNavigate);
    const per = {},
      checks = {};
    try {
      for (let round = 0; round < 2; round++) {
        for (const op of ["login", "callback", "refresh"]) {
          let url, result;
          if (op === "callback") url = await arriveAtCallback();
          for (const k in counts) counts[k] = 0;
          calls = 0;
          capture = [];
          navUrl = undefined;
          if (op === "login") await M.login();
          else if (op === "callback") result = await M.callback(url);
          else result = await M.refresh();
          per[op] = {
            fetch: calls,
            lock: counts.lock,
            replaceState: counts.replaceState,
            assign: counts.navigate - counts.replaceState - counts.pushState,
            pushState: counts.pushState,
          };
          requests[op] = capture;
          capture = null;
          if (op === "login") {
            // PKCE S256 + state: in the authorization URL (peers), in the request to the Worker (oauth-edge)
            // (the Worker adds code_challenge_method=S256 to the URL itself) and the navigation done.
            const p = isEdge() ? new URLSearchParams(lastLogin) : new URL(navUrl).searchParams;
            checks.login =
              /^[\w-]{43}$/.test(p.get("code_challenge") || "") &&
              !!p.get("state") &&
              (isEdge() ? location.hash === `#authz-${navSeq}` : p.get("code_challenge_method") === "S256");
            checks.sampleAuthorization = isEdge() ? { worker: lastLogin, authorization_url: location.href } : navUrl;
          } else if (op === "callback") {
            checks.callback =
              !!result && (!isEdge() || (typeof result.returnTo === "string" && !location.search.includes("code=")));
          } else {
            checks.refresh = !!result && (typeof result === "string" || !!result.access_token || !!result.expiresAt);
          }
          afterLogin();
        }
      }
    } finally {
      LockManager.prototype.request = orig.request;
      History.prototype.replaceState = orig.replaceState;
      History.prototype.pushState = orig.pushState;
      navigation.removeEventListener("navigate", onNavigate);
    }
    return { loaded, counts: per, checks, requests, platform: PLATFORM };
  }

  window.bench = { load, setup, block, resources };
})();
