// Runs the browser benchmark on the bundles of build.mjs and writes the results (README.md).
//   node run.mjs [--quick] [--reps N] [--loads N] [--rounds N] [--block N] [--out DIR] [--chromium PATH]
// Per repeat, a fresh headless Chromium:
//   load: --loads rounds; each round one fresh browser context per library (order rotated):
//         import the bundle + init -> ready client
//   cpu:  one page (own context) per library, network stubbed; --rounds + 1 rounds (the first is a
//         warm-up, dropped), libraries rotated each round; per library per round one block of --block
//         iterations of each kind; per block the renderer main thread's CPU (CDP Performance.getMetrics
//         ThreadTime) besides each iteration's performance.now() time
// Writes <out>/browser.json and <out>/browser.md (report.mjs).
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { LIBS, KINDS, median, quantile, writeReport } from "./report.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, "../..");
const argv = process.argv.slice(2);
const arg = (k, d) => {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : d;
};
const QUICK = argv.includes("--quick");
const P = QUICK ? { reps: 2, loads: 4, rounds: 4, block: 20 } : { reps: 3, loads: 20, rounds: 10, block: 20 };
const REPS = +arg("--reps", P.reps),
  LOADS = +arg("--loads", P.loads),
  ROUNDS = +arg("--rounds", P.rounds),
  BLOCK = +arg("--block", P.block);
const OUT = path.resolve(arg("--out", path.join(ROOT, "bench/results")));
const CHROMIUM = arg("--chromium", process.env.CHROMIUM || "/usr/bin/chromium");

// ---- a tiny static server: the page, the harness, the bundles; cross-origin isolated, never cached ----
const DIST = path.join(HERE, "dist");
const build = JSON.parse(readFileSync(path.join(DIST, "build.json"), "utf8"));
const page = readFileSync(path.join(HERE, "page/index.html"));
const FILES = new Map([
  ["/", ["text/html", page]],
  ["/callback", ["text/html", page]],
  ["/harness.js", ["text/javascript", readFileSync(path.join(HERE, "page/harness.js"))]],
  ["/dist/oauth_edge_bg.wasm", ["application/wasm", readFileSync(path.join(DIST, "oauth_edge_bg.wasm"))]],
  ...LIBS.map((l) => [`/dist/${l}.js`, ["text/javascript", readFileSync(path.join(DIST, `${l}.js`))]]),
]);
const unexpected = []; // requests the page should never make (everything of the IdP/Worker is stubbed)
const server = http.createServer((req, res) => {
  const f = FILES.get(new URL(req.url, "http://x").pathname);
  const headers = {
    "cache-control": "no-store",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-embedder-policy": "require-corp",
  };
  if (!f) {
    if (!req.url.startsWith("/favicon")) unexpected.push(`${req.method} ${req.url}`);
    res.writeHead(404, headers);
    return res.end();
  }
  res.writeHead(200, { ...headers, "content-type": f[0], "content-length": f[1].length });
  res.end(f[1]);
});
await new Promise((r) => server.listen(0, "127.0.0.1", r));
const ORIGIN = `http://127.0.0.1:${server.address().port}`;
const ISSUER = `${ORIGIN}/idp/`; // never contacted: the page answers its token endpoint itself
const CFG = {
  issuer: ISSUER,
  authorizationEndpoint: `${ISSUER}authorize`,
  tokenEndpoint: `${ISSUER}oauth/token`,
  clientId: "bench-spa",
  redirectUri: `${ORIGIN}/callback`,
  scope: "openid offline_access",
  worker: "/auth",
};

const xdg = mkdtempSync(path.join(os.tmpdir(), "oauth-edge-bench-"));
const loadavg = () => os.loadavg()[0];
const rot = (a, k) => a.map((_, i) => a[(i + k) % a.length]);
const summary = (xs) => ({ n: xs.length, median: median(xs), p25: quantile(xs, 0.25), p75: quantile(xs, 0.75) });
const gitRev = (() => {
  try {
    return execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    return null;
  }
})();

const results = {
  meta: {
    date: new Date().toISOString(),
    quick: QUICK,
    reps: REPS,
    loads: LOADS,
    rounds: ROUNDS,
    block: BLOCK,
    kinds: KINDS,
    libs: LIBS,
    gitRev,
    node: process.version,
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model,
    cfg: CFG,
    versions: build.versions,
    pkg: build.pkg,
  },
  sizes: build.sizes,
  setup: {},
  resources: {},
  reps: [],
};

async function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    env: { ...process.env, XDG_CONFIG_HOME: `${xdg}/config`, XDG_CACHE_HOME: `${xdg}/cache`, XDG_RUNTIME_DIR: xdg },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-extensions",
      // Blink drops history.replaceState and fragment navigations beyond 200 per 10 s (its IPC flooding
      // protection); oauth-edge's callback and login make them, the benchmark makes thousands.
      "--disable-ipc-flooding-protection",
    ],
  });
}
async function freshPage(browser) {
  const ctx = await browser.newContext(); // own storage, own renderer process: nothing cached
  const pg = await ctx.newPage();
  const errors = [];
  pg.on("pageerror", (e) => errors.push(e.message));
  await pg.goto(`${ORIGIN}/`);
  return { ctx, page: pg, errors };
}

const t0 = Date.now();
const log = (s) => console.error(`[${((Date.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${s}`);
let failed = false;

// One repeat in a fresh browser: loads, then the per-operation blocks; raw samples into R.
async function repeat(browser, rep, R) {
  // ---- load to a ready client, interleaved ----
  for (let i = 0; i < LOADS; i++) {
    for (const lib of rot(LIBS, i + rep)) {
      const { ctx, page: pg, errors } = await freshPage(browser);
      const r = await pg.evaluate(([l, c]) => window.bench.load(l, c), [lib, CFG]);
      if (!r.isolated) throw new Error("page not cross-origin isolated (COOP/COEP): timers would be coarse");
      for (const k of ["readyMs", "importMs", "initMs", "fetchMs"]) R.load[lib][k].push(r[k]);
      if (rep === 0 && i === 0) results.resources[lib] = await pg.evaluate(() => window.bench.resources());
      if (errors.length) throw new Error(`${lib} load: ${errors.join("; ")}`);
      await ctx.close();
    }
  }
  R.loadavg.push(loadavg());
  log(`rep ${rep + 1}/${REPS}: loads done (${LOADS} x ${LIBS.length})`);

  // ---- per-operation cost, network stubbed ----
  const pages = {};
  for (const lib of LIBS) {
    const p = await freshPage(browser);
    const s = await p.page.evaluate(([l, c]) => window.bench.setup(l, c), [lib, CFG]);
    if (!(s.checks.login && s.checks.callback && s.checks.refresh))
      throw new Error(`${lib}: setup checks failed ${JSON.stringify(s.checks)}`);
    if (rep === 0) results.setup[lib] = s;
    p.counts = s.counts;
    p.cdp = await p.ctx.newCDPSession(p.page);
    await p.cdp.send("Performance.enable", { timeDomain: "threadTicks" });
    pages[lib] = p;
    R.cpu[lib] = { counts: s.counts, kinds: Object.fromEntries(KINDS.map((k) => [k, { t: [], threadUs: [] }])) };
  }
  const metrics = async (p) =>
    Object.fromEntries((await p.cdp.send("Performance.getMetrics")).metrics.map((m) => [m.name, m.value]));
  for (let round = 0; round <= ROUNDS; round++) {
    for (const lib of rot(LIBS, round + rep)) {
      const p = pages[lib];
      for (const kind of KINDS) {
        const m0 = await metrics(p);
        const b = await p.page.evaluate(([k, n]) => window.bench.block(k, n), [kind, BLOCK]);
        const m1 = await metrics(p);
        if (b.err) throw new Error(`${lib} ${b.err}`);
        if (p.errors.length) throw new Error(`${lib} ${kind}: ${p.errors.join("; ")}`);
        if (round === 0) continue; // warm-up
        const K = R.cpu[lib].kinds[kind];
        K.t.push(...b.t.map((ms) => ms * 1000));
        K.threadUs.push((1e6 * (m1.ThreadTime - m0.ThreadTime)) / BLOCK);
      }
    }
  }
  for (const lib of LIBS) await pages[lib].ctx.close();
}

try {
  for (let rep = 0; rep < REPS; rep++) {
    const R = {
      loadavg: [loadavg()],
      load: Object.fromEntries(LIBS.map((l) => [l, { readyMs: [], importMs: [], initMs: [], fetchMs: [] }])),
      cpu: {},
    };
    const browser = await launch();
    if (rep === 0) results.meta.browser = browser.version();
    try {
      await repeat(browser, rep, R);
    } finally {
      await browser.close();
    }
    R.loadavg.push(loadavg());
    // keep summaries, not the raw samples
    for (const lib of LIBS) {
      for (const kind of KINDS) {
        const K = R.cpu[lib].kinds[kind];
        R.cpu[lib].kinds[kind] = { wallUs: summary(K.t), threadUs: summary(K.threadUs) };
      }
      const L = R.load[lib];
      R.load[lib] = Object.fromEntries(Object.entries(L).map(([k, xs]) => [k, summary(xs)]));
    }
    results.reps.push(R);
    const line = LIBS.map((l) => {
      const k = R.cpu[l].kinds;
      return `${l} ready ${R.load[l].readyMs.median.toFixed(1)} ms, login/callback/refresh ${["login", "callback", "refresh"].map((o) => k[o].wallUs.median.toFixed(0)).join("/")} µs`;
    });
    log(
      `rep ${rep + 1}/${REPS}: cpu done (${ROUNDS} x ${BLOCK} per kind); load avg ${R.loadavg.map((x) => x.toFixed(2)).join(" -> ")}\n    ${line.join("\n    ")}`,
    );
  }
} catch (e) {
  failed = true;
  throw e;
} finally {
  await new Promise((r) => server.close(r));
  rmSync(xdg, { recursive: true, force: true });
  if (!failed) {
    results.meta.unexpectedRequests = unexpected;
    results.meta.seconds = Math.round((Date.now() - t0) / 1000);
    mkdirSync(OUT, { recursive: true });
    writeFileSync(path.join(OUT, "browser.json"), JSON.stringify(results, null, 1) + "\n");
    writeReport(results, path.join(OUT, "browser.md"));
    log(`wrote ${path.join(OUT, "browser.json")} and browser.md`);
    process.stdout.write(readFileSync(path.join(OUT, "browser.md")));
  }
}
