// Where the Worker's CPU goes during the benchmark's refresh load: a V8 sampling profile of the
// Worker's isolate in workerd (Miniflare's `inspectorPort`, the DevTools protocol's Profiler),
// aggregated by function and by category. Build the Worker with its wasm name section kept (see
// README.md, "Profile") so Rust functions appear by name; a stripped build shows them as
// `wasm-function[N]`.
//
//   node profile.mjs [--kind rust|js] [--build <edge-worker build dir>] [--seconds 10] [--warmup 5] [--conc 8]
//                    [--sessions 128] [--interval 500] [--top 40] [--out <file.json>]
//
// Same Miniflare options (config.mjs), provider (mock-upstream.mjs), sessions (sessions.mjs) and
// load generator (loadgen.mjs) as bench.mjs. Loopback only; the inspector listens on 127.0.0.1.
// Writes the aggregate as JSON (default .state/profile-<kind>.json) and the raw profile beside it
// (.cpuprofile: open it in Chrome DevTools → Performance, or speedscope).
import { spawn } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

import { Miniflare } from "miniflare";
// `ws` is miniflare's own dependency (node 20 has no WebSocket client).
import WebSocket from "ws";

import { CLIENT_ID, CLIENT_SECRET, HERE, ROOT, ROUTE, mfOptions } from "./config.mjs";
import { jsSeeds, rustSession } from "./sessions.mjs";

const argv = process.argv.slice(2);
const arg = (k, d) => {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : d;
};
const KIND = arg("--kind", "rust");
const BUILD = resolve(arg("--build", join(ROOT, "edge-worker/build")));
const SECONDS = Number(arg("--seconds", 10));
const WARMUP = Number(arg("--warmup", 5));
const CONC = Number(arg("--conc", 8));
const SESSIONS = Number(arg("--sessions", 128));
const INTERVAL_US = Number(arg("--interval", 500));
const TOP = Number(arg("--top", 40));
const STATE = join(HERE, ".state", `profile-${KIND}`);
const OUT = resolve(arg("--out", join(HERE, ".state", `profile-${KIND}.json`)));
const INSPECTOR_PORT = Number(arg("--inspector-port", 9239));
const log = (...a) => console.error("[profile]", ...a);

/** Starts a node script of this directory in its own process group; resolves on "ready <url> <pid>". */
function start(script, args) {
  const proc = spawn(process.execPath, [join(HERE, script), ...args], {
    cwd: HERE,
    detached: true,
    stdio: ["ignore", "pipe", "inherit"],
  });
  const ready = new Promise((res, rej) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^ready (\S+) (\d+)/m);
      if (m) res(m[1].replace(/\/$/, ""));
    });
    proc.on("exit", (code) => rej(new Error(`${script} exited ${code}`)));
  });
  return { proc, ready };
}
const stopGroup = (proc) => {
  try {
    process.kill(-proc.pid, "SIGTERM");
  } catch {}
};

function loadgen(url, seconds, cookieFile) {
  return new Promise((res, rej) => {
    const p = spawn(
      process.execPath,
      [
        join(HERE, "loadgen.mjs"),
        "--url",
        url,
        "--conc",
        String(CONC),
        "--duration",
        String(seconds),
        "--cookies",
        cookieFile,
        "--body",
        "{}",
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    let out = "";
    p.stdout.on("data", (d) => (out += d));
    p.on("exit", (code) => (code === 0 ? res(JSON.parse(out)) : rej(new Error(`loadgen exited ${code}`))));
  });
}

/** A DevTools-protocol session on one inspector target. */
async function devtools(wsUrl) {
  const ws = new WebSocket(wsUrl);
  await new Promise((res, rej) => {
    ws.once("open", res);
    ws.once("error", rej);
  });
  let id = 0;
  const pending = new Map();
  ws.on("message", (m) => {
    const x = JSON.parse(m);
    if (x.id && pending.has(x.id)) {
      pending.get(x.id)(x);
      pending.delete(x.id);
    }
  });
  const send = (method, params = {}) =>
    new Promise((res, rej) => {
      const i = ++id;
      pending.set(i, (x) => (x.error ? rej(new Error(`${method}: ${JSON.stringify(x.error)}`)) : res(x.result)));
      ws.send(JSON.stringify({ id: i, method, params }));
    });
  return { send, close: () => ws.close() };
}

// ------------------------------------------------------------------ categories
// First match wins; applied to a wasm frame's (demangled) function name or a JS frame's name and
// script. The order puts the specific before the generic.
const CATEGORIES = [
  [/^\((idle|program|garbage collector|root)\)/, (m) => m[0]],
  [/aes::|aes_gcm|ghash|polyval|universal_hash|cipher::|aead::|ctr::/, () => "wasm: AES-GCM (RustCrypto, software)"],
  [/sha2::|Sha256|compress256|hkdf::|hmac::|digest::/, () => "wasm: SHA-256 / HMAC / HKDF"],
  [/serde_json::|serde::|_serde::|Deserialize|Serialize|Visitor/, () => "wasm: serde / serde_json"],
  [/oauth_edge_worker::config|Limits|parse_providers|ProviderConfig|dialect|catalog/, () => "wasm: config parsing"],
  [
    /dlmalloc|__rust_alloc|__rust_dealloc|__rust_realloc|alloc::|memcpy|memset|memmove|memcmp|RawVec/,
    () => "wasm: allocator / memcpy",
  ],
  [/base64|b64::/, () => "wasm: base64"],
  [/^url::|idna|form_urlencoded|percent_encoding/, () => "wasm: url / form encoding"],
  [/wasm_bindgen|js_sys|web_sys|__wbg|__wbindgen|externref/, () => "wasm: wasm-bindgen / js-sys shims"],
  [/^worker::|worker_sys/, () => "wasm: workers-rs"],
  [/oauth_edge_shared::/, () => "wasm: oauth-edge-shared"],
  [/oauth_edge_worker::/, () => "wasm: oauth-edge-worker"],
  [/core::fmt|alloc::fmt|fmt::/, () => "wasm: core::fmt"],
];
function category(frame) {
  const name = frame.functionName || "(anonymous)";
  const wasm = frame.url.startsWith("wasm://") || /^\$?wasm-function/.test(name);
  for (const [re, label] of CATEGORIES) {
    const m = name.match(re);
    if (m && (wasm || m[0].startsWith("("))) return label(m);
  }
  if (wasm) return "wasm: other Rust (std/core/futures)";
  const script = frame.url.split("/").pop() || "(native)";
  if (KIND === "rust" && /index\.js|shim\.mjs|worker\.js/.test(script))
    return "JS: Worker glue (wasm-bindgen / workers-rs shim)";
  if (script === "(native)" || !frame.url) return `JS builtins / runtime: ${name.slice(0, 40)}`;
  if (KIND === "js" && /index\.js/.test(script)) return "JS: Worker code";
  return `JS: ${script}`;
}
// Inclusive time: samples with a frame matching the pattern anywhere on the stack.
const INCLUSIVE = {
  "Config::from_env (config parse, keys derived)": /oauth_edge_worker::config::.*Config.*(from_env|parse|read)/,
  "oidc::discover_all": /oauth_edge_worker::oidc::discover_all/,
  "seal::open": /oauth_edge_worker::seal::open/,
  "seal::seal": /oauth_edge_worker::seal::seal/,
  "Keyring::new / RootKey::derive (HKDF)": /oauth_edge_worker::seal::(Keyring::new|RootKey::derive)/,
  "AES-GCM (any)": /aes_gcm|aes::|ghash|polyval/,
  "SHA-256 (any)": /sha2::/,
  "serde_json (any)": /serde_json::/,
  "SessionStore::load (KV get + open)": /SessionStore.*::load/,
  "SessionStore::save (seal + KV put)": /SessionStore.*::save/,
  "DO: Shelf::load (storage get + open)": /refresh_authority::Shelf::load/,
  "DO: Shelf::store (seal + storage put)": /refresh_authority::Shelf::store/,
  "DO: RefreshAuthority::fetch": /RefreshAuthority.*fetch/,
  "objects::ask (Worker → DO call)": /oauth_edge_worker::objects::ask/,
  "upstream::send*": /oauth_edge_worker::upstream::/,
  "token request / response (shared)": /oauth_edge_shared::token::/,
  "SessionRecord::token_view": /token_view/,
};

/**
 * Aggregates samples (not `timeDeltas`: on a loaded machine the sampler thread falls behind and
 * a long gap would be charged to whichever frame happened to be sampled after it). Every sample
 * weighs the same; idle samples are left out.
 */
function analyse(profiles) {
  const self = new Map(); // function → samples
  const cats = new Map(); // category → samples
  const targets = new Map(); // inspector target → samples
  const incl = Object.fromEntries(Object.keys(INCLUSIVE).map((k) => [k, 0]));
  let busy = 0;
  for (const { title, profile } of profiles) {
    const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
    const parent = new Map();
    for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
    for (const sample of profile.samples) {
      const node = nodes.get(sample);
      const frame = node.callFrame;
      if (frame.functionName === "(idle)") continue;
      busy++;
      targets.set(title, (targets.get(title) ?? 0) + 1);
      const key = `${frame.functionName || "(anonymous)"} @${frame.url.startsWith("wasm://") ? "wasm" : frame.url.split("/").pop() || "native"}`;
      self.set(key, (self.get(key) ?? 0) + 1);
      const c = category(frame);
      cats.set(c, (cats.get(c) ?? 0) + 1);
      const hit = new Set();
      for (let id = node.id; id !== undefined; id = parent.get(id)) {
        const fn = nodes.get(id).callFrame.functionName;
        for (const [k, re] of Object.entries(INCLUSIVE)) if (re.test(fn)) hit.add(k);
      }
      for (const k of hit) incl[k]++;
    }
  }
  return { busy, self, cats, incl, targets };
}

/** CPU ms (user + system, all threads) of the workerd processes below this one. */
function workerdCpuMs() {
  const HZ = 100;
  const stat = (pid) => {
    try {
      const s = readFileSync(`/proc/${pid}/stat`, "utf8");
      return s.slice(s.lastIndexOf(")") + 2).split(" ");
    } catch {
      return null;
    }
  };
  const kids = new Map();
  for (const d of readdirSync("/proc")) {
    const f = /^\d+$/.test(d) && stat(d);
    if (f) kids.set(Number(f[1]), [...(kids.get(Number(f[1])) ?? []), Number(d)]);
  }
  let ms = 0;
  const queue = [...(kids.get(process.pid) ?? [])];
  while (queue.length) {
    const p = queue.shift();
    queue.push(...(kids.get(p) ?? []));
    if (readFileSync(`/proc/${p}/comm`, "utf8").trim() !== "workerd") continue;
    const f = stat(p);
    if (f) ms += ((Number(f[11]) + Number(f[12])) * 1000) / HZ;
  }
  return ms;
}

// ------------------------------------------------------------------ run
rmSync(STATE, { recursive: true, force: true });
mkdirSync(STATE, { recursive: true });
const mock = start("mock-upstream.mjs", ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET]);
let mf;
try {
  const upstream = await mock.ready;
  let seed;
  if (KIND === "js") seed = jsSeeds(SESSIONS);
  mf = new Miniflare({ ...mfOptions(KIND, { build: BUILD, state: STATE, upstream }), inspectorPort: INSPECTOR_PORT });
  const url = (await mf.ready).href.replace(/\/$/, "");
  let cookies;
  if (KIND === "js") {
    const kv = await mf.getKVNamespace("SESSIONS");
    for (const e of seed.seed) await kv.put(e.key, e.value, { expirationTtl: e.ttl });
    cookies = seed.cookies;
  } else {
    cookies = [];
    for (let i = 0; i < SESSIONS; i += 8)
      cookies.push(...(await Promise.all(Array.from({ length: Math.min(8, SESSIONS - i) }, () => rustSession(url)))));
  }
  const cookieFile = join(STATE, "cookies.txt");
  writeFileSync(cookieFile, cookies.join("\n") + "\n");
  log(`${KIND} Worker ${url} (${BUILD.replace(`${ROOT}/`, "")}), ${cookies.length} sessions`);

  const targets = await (await fetch(`http://127.0.0.1:${INSPECTOR_PORT}/json`)).json();
  const mine = targets.filter((t) => !/^core:/.test(t.title));
  log(`inspector targets: ${targets.map((t) => t.title).join(", ")}; profiling ${mine.map((t) => t.title).join(", ")}`);
  const sessions = await Promise.all(mine.map((t) => devtools(t.webSocketDebuggerUrl)));
  for (const s of sessions) {
    await s.send("Profiler.enable");
    await s.send("Profiler.setSamplingInterval", { interval: INTERVAL_US });
  }
  // Warm-up: compiled, tiered up, and every session's object awake (a first refresh of a session
  // also loads its object's state and sets its alarm; --warmup 0 to profile that too).
  if (WARMUP > 0) await loadgen(url + ROUTE, WARMUP, cookieFile);
  for (const s of sessions) await s.send("Profiler.start");
  const cpu0 = workerdCpuMs();
  const lg = await loadgen(url + ROUTE, SECONDS, cookieFile);
  const cpuMs = workerdCpuMs() - cpu0;
  const profiles = [];
  for (const [i, s] of sessions.entries())
    profiles.push({ title: mine[i].title, profile: (await s.send("Profiler.stop")).profile });
  for (const s of sessions) s.close();
  const ok = lg.statuses[200] ?? 0;
  if (ok !== lg.requests)
    log(
      `warning: ${lg.requests - ok} of ${lg.requests} answers were not 200 (${JSON.stringify(lg.statuses)}, ${lg.first_error ?? ""})`,
    );

  const { busy, self, cats, incl, targets: byTarget } = analyse(profiles);
  const n = lg.requests;
  // A row's share of the busy samples, and its sampled time per request (samples × interval).
  // The sampled time is what the isolates' threads spent in JS/wasm and in the runtime calls made
  // from them; workerd's measured CPU also holds what no isolate thread samples (storage, the
  // HTTP and RPC plumbing between Miniflare's workers). Both are inflated by the profiler itself:
  // compare shares, and milliseconds only within one run or between runs at the same load.
  const cpuPerReq = cpuMs / n;
  const sampledPerReq = (busy * INTERVAL_US) / 1000 / n;
  const row = ([k, samples]) => ({
    k,
    pct_of_busy: Number(((100 * samples) / busy).toFixed(1)),
    ms_per_req: Number(((samples * INTERVAL_US) / 1000 / n).toFixed(3)),
  });
  const sorted = (m) => [...m].sort((a, b) => b[1] - a[1]);
  const out = {
    kind: KIND,
    build: BUILD,
    seconds: SECONDS,
    conc: CONC,
    sessions: SESSIONS,
    interval_us: INTERVAL_US,
    requests: n,
    statuses: lg.statuses,
    rps: lg.rps,
    workerd_cpu_ms_per_request: cpuPerReq,
    sampled_ms_per_request: sampledPerReq,
    busy_samples: busy,
    targets: sorted(byTarget).map(row),
    categories: sorted(cats).map(row),
    inclusive: sorted(Object.entries(incl))
      .filter(([, v]) => v > 0)
      .map(row),
    top: sorted(self).slice(0, 200).map(row),
  };
  mkdirSync(dirname(OUT), { recursive: true });
  writeFileSync(OUT, JSON.stringify(out, null, 1) + "\n");
  for (const [i, { profile }] of profiles.entries()) {
    writeFileSync(OUT.replace(/\.json$/, `${profiles.length > 1 ? `-${i}` : ""}.cpuprofile`), JSON.stringify(profile));
  }

  const line = (c) =>
    `${c.pct_of_busy.toFixed(1).padStart(6)}% ${c.ms_per_req.toFixed(3).padStart(7)} ms/req  ${c.k.slice(0, 150)}`;
  console.log(
    `${KIND}: ${n} requests in ${SECONDS} s at c=${CONC} (${lg.rps.toFixed(0)}/s under the profiler); workerd CPU ${cpuPerReq.toFixed(2)} ms/request, of which sampled in isolates ${sampledPerReq.toFixed(2)} ms (${busy} busy samples of ${INTERVAL_US} µs)`,
  );
  console.log("by isolate (inspector target):");
  for (const c of out.targets) console.log(line(c));
  console.log("by category (self):");
  for (const c of out.categories) console.log(line(c));
  console.log("inclusive (on the stack):");
  for (const c of out.inclusive) console.log(line(c));
  console.log(`top ${TOP} functions (self):`);
  for (const c of out.top.slice(0, TOP)) console.log(line(c));
  log(`wrote ${OUT.replace(`${ROOT}/`, "")} (+ .cpuprofile)`);
} finally {
  await mf?.dispose().catch(() => {});
  stopGroup(mock.proc);
}
