// The Worker benchmark: the Rust Worker's POST /auth/refresh against a JavaScript Worker doing the
// same work and a no-op Worker (the harness ceiling), side by side under Miniflare/workerd, against
// one loopback provider that rotates refresh tokens. Run it with scripts/bench-worker.sh.
//
//   node bench.mjs [--quick] [--reps N] [--duration S] [--warmup S] [--conc 16,64] [--sessions N]
//                  [--cold N] [--kinds rust,js,js-do,noop] [--build <edge-worker build dir>] [--out <dir>]
//
// 1. The Rust Worker's build is copied (another engineer may rebuild it meanwhile); fresh state in
//    .state/; the mock provider (mock-upstream.mjs) and the Workers (serve.mjs) start.
// 2. Sessions: the Rust Worker's through its own API (POST /auth/login → GET the provider's
//    authorization URL → POST /auth/token), the JS Workers' sealed records seeded into their KV in
//    the same format. Same number for each.
// 3. Load: per repeat, per concurrency, the Workers in rotated order: a warm-up run (dropped), then
//    a timed run of loadgen.mjs; CPU of each process from /proc/<pid>/stat around the timed run.
// 4. Cold: per round, each Worker in rotated order: spawn serve.mjs on the persisted state →
//    ready → first refresh → second and third.
// 5. Script sizes. Writes <out>/worker.json and <out>/worker.md (report.mjs).
import { spawn, execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, loadavg as osLoadavg } from "node:os";
import { join, resolve } from "node:path";
import zlib from "node:zlib";

import {
  HERE,
  KINDS as ALL_KINDS,
  ROOT,
  ROUTE,
  SESSION_COOKIE,
  CLIENT_ID,
  CLIENT_SECRET,
  scriptFiles,
  wranglerToml,
} from "./config.mjs";
import { render } from "./report.mjs";
import { b64u, jsSeeds, rustSession } from "./sessions.mjs";

// ---------------------------------------------------------------- options
const argv = process.argv.slice(2);
const arg = (k, d) => {
  const i = argv.indexOf(k);
  return i >= 0 ? argv[i + 1] : d;
};
const QUICK = argv.includes("--quick");
const preset = QUICK
  ? { reps: 1, duration: 4, warmup: 1, sessions: 192, cold: 3 }
  : { reps: 3, duration: 20, warmup: 3, sessions: 512, cold: 5 };
const OPT = {
  quick: QUICK,
  reps: Number(arg("--reps", preset.reps)),
  duration: Number(arg("--duration", preset.duration)),
  warmup: Number(arg("--warmup", preset.warmup)),
  sessions: Number(arg("--sessions", preset.sessions)),
  cold: Number(arg("--cold", preset.cold)),
  conc: arg("--conc", "16,64").split(",").map(Number),
  kinds: arg("--kinds", ALL_KINDS.join(",")).split(","),
};
const BUILD_SRC = resolve(arg("--build", join(ROOT, "edge-worker/build")));
const OUT = resolve(arg("--out", join(ROOT, "bench/results")));
const STATE = resolve(arg("--state", join(HERE, ".state")));
const LOGS = join(STATE, "logs");
const BUILD = join(STATE, "rust-build");
const BODY = "{}"; // no held_expires_at: every call refreshes at the provider

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const t00 = performance.now();
const log = (...a) => console.error(`[bench ${((performance.now() - t00) / 1000).toFixed(0).padStart(4)}s]`, ...a);
const rotate = (arr, k) => arr.map((_, i) => arr[(i + k) % arr.length]);

// ---------------------------------------------------------------- /proc accounting
const HZ = Number(execFileSync("getconf", ["CLK_TCK"]).toString().trim()) || 100;
function procStat(pid) {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), cpuMs: ((Number(f[11]) + Number(f[12])) * 1000) / HZ };
  } catch {
    return null;
  }
}
const comm = (pid) => {
  try {
    return readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
};
function descendants(root) {
  const kids = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    const s = procStat(d);
    if (s) kids.set(s.ppid, [...(kids.get(s.ppid) ?? []), Number(d)]);
  }
  const out = [];
  const queue = [...(kids.get(root) ?? [])];
  while (queue.length) {
    const p = queue.shift();
    out.push(p);
    queue.push(...(kids.get(p) ?? []));
  }
  return out;
}
const cpuOf = (pids) => pids.reduce((a, p) => a + (procStat(p)?.cpuMs ?? 0), 0);
function machine() {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
  const busy = f[0] + f[1] + f[2] + f[5] + f[6]; // user nice system irq softirq
  return { busyMs: (busy * 1000) / HZ, totalMs: ((busy + f[3] + f[4] + f[7]) * 1000) / HZ }; // + idle iowait steal
}
const load1 = () => Number(osLoadavg()[0].toFixed(2));

// ---------------------------------------------------------------- child processes
const children = new Set();
/** Spawns a node script in its own process group; resolves when stdout prints `ready …`. */
function start(name, script, args) {
  mkdirSync(LOGS, { recursive: true });
  const t0 = performance.now();
  const proc = spawn(process.execPath, [join(HERE, script), ...args], {
    cwd: HERE,
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.add(proc);
  const logFile = join(LOGS, `${name}.log`);
  let err = "";
  proc.stderr.on("data", (d) => {
    err += d;
    if (err.length > 1 << 20) err = err.slice(-(1 << 19));
  });
  proc.on("exit", () => {
    children.delete(proc);
    writeFileSync(logFile, err);
  });
  const ready = new Promise((res, rej) => {
    let out = "";
    proc.stdout.on("data", (d) => {
      out += d;
      const m = out.match(/^ready (\S+) (\d+)(?: miniflare_ms=([\d.]+))?$/m);
      if (m)
        res({
          url: m[1].replace(/\/$/, ""),
          pid: Number(m[2]),
          miniflareMs: m[3] ? Number(m[3]) : null,
          readyMs: performance.now() - t0,
        });
    });
    proc.on("exit", (code, sig) =>
      rej(new Error(`${name} exited (${code ?? sig}) before ready:\n${err.slice(-4000)}`)),
    );
  });
  return { name, proc, t0, ready };
}
async function stop(child) {
  const { proc } = child;
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  try {
    process.kill(-proc.pid, "SIGTERM");
  } catch {}
  for (let i = 0; i < 100 && proc.exitCode === null && proc.signalCode === null; i++) await sleep(50);
  try {
    process.kill(-proc.pid, "SIGKILL"); // the group: workerd too, should dispose have hung
  } catch {}
}
function killAll() {
  for (const p of children) {
    try {
      process.kill(-p.pid, "SIGKILL");
    } catch {}
  }
}
for (const sig of ["SIGINT", "SIGTERM"])
  process.on(sig, () => {
    killAll();
    process.exit(130);
  });
process.on("exit", killAll);

/** Runs loadgen.mjs to completion; its JSON. */
function loadgen(url, conc, duration, cookieFile) {
  return new Promise((res, rej) => {
    const p = spawn(
      process.execPath,
      [
        join(HERE, "loadgen.mjs"),
        "--url",
        url,
        "--conc",
        String(conc),
        "--duration",
        String(duration),
        "--cookies",
        cookieFile,
        "--body",
        BODY,
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "",
      err = "";
    p.stdout.on("data", (d) => (out += d));
    p.stderr.on("data", (d) => (err += d));
    p.on("exit", (code) => (code === 0 ? res(JSON.parse(out)) : rej(new Error(`loadgen exited ${code}: ${err}`))));
  });
}

// ---------------------------------------------------------------- sessions: sessions.mjs

async function refreshOnce(url, cookie) {
  const t0 = performance.now();
  const r = await fetch(url + ROUTE, {
    method: "POST",
    body: BODY,
    headers: { Cookie: cookie, "X-OAuth-Edge": "1", Origin: url, "Content-Type": "application/json" },
  });
  const text = await r.text();
  return {
    status: r.status,
    ms: performance.now() - t0,
    ok: r.status === 200 && text.includes('"access_token"'),
    text: text.slice(0, 300),
  };
}

// ---------------------------------------------------------------- sizes, versions
function sizes() {
  const out = {};
  for (const kind of OPT.kinds) {
    const files = scriptFiles(kind, BUILD).map((f) => {
      const b = readFileSync(f);
      return {
        file: f.replace(`${STATE}/rust-build`, "edge-worker/build").replace(`${ROOT}/`, ""),
        raw: b.length,
        gzip: zlib.gzipSync(b, { level: 9 }).length,
      };
    });
    out[kind] = { files, raw: files.reduce((a, f) => a + f.raw, 0), gzip: files.reduce((a, f) => a + f.gzip, 0) };
  }
  return out;
}
const pkgVersion = (name) => {
  try {
    return JSON.parse(readFileSync(join(HERE, "node_modules", name, "package.json"), "utf8")).version;
  } catch {
    return null;
  }
};
const gitRev = () => {
  try {
    return execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"]).toString().trim();
  } catch {
    return null;
  }
};

// ---------------------------------------------------------------- run
async function main() {
  if (!existsSync(join(BUILD_SRC, "index.js")) || !existsSync(join(BUILD_SRC, "index_bg.wasm"))) {
    throw new Error(
      `${BUILD_SRC} has no built Worker: run scripts/build-worker.sh (or BUILD=1 scripts/bench-worker.sh)`,
    );
  }
  rmSync(STATE, { recursive: true, force: true });
  mkdirSync(STATE, { recursive: true });
  cpSync(BUILD_SRC, BUILD, { recursive: true });
  const wasm = readFileSync(join(BUILD, "index_bg.wasm"));
  const results = {
    meta: {
      date: new Date().toISOString(),
      options: OPT,
      route: ROUTE,
      body: BODY,
      git: gitRev(),
      build: {
        source: BUILD_SRC.replace(`${ROOT}/`, ""),
        built_at: statSync(join(BUILD_SRC, "index_bg.wasm")).mtime.toISOString(),
        wasm_sha256: createHash("sha256").update(wasm).digest("hex").slice(0, 16),
      },
      versions: { node: process.version, miniflare: pkgVersion("miniflare"), workerd: pkgVersion("workerd") },
      machine: {
        cpus: cpus().length,
        model: cpus()[0]?.model,
        clk_tck: HZ,
        loadavg_start: osLoadavg().map((x) => Number(x.toFixed(2))),
      },
      compatibility_date: wranglerToml().compatibilityDate,
    },
    sizes: sizes(),
    sanity: {},
    runs: [],
    cold: [],
  };

  log(
    `mode ${QUICK ? "quick" : "full"}: ${JSON.stringify(OPT)}; build ${results.meta.build.wasm_sha256} (${results.meta.build.built_at})`,
  );
  const mock = start("mock-upstream", "mock-upstream.mjs", [
    "--client-id",
    CLIENT_ID,
    "--client-secret",
    CLIENT_SECRET,
  ]);
  const up = await mock.ready;
  const upstream = up.url;
  const mockStats = async () => (await fetch(`${upstream}/__stats`)).json();
  const mockReset = () => fetch(`${upstream}/__reset`, { method: "POST" });
  log(`mock provider ${upstream} (pid ${up.pid})`);

  const serveArgs = (kind, seedFile) => [
    kind,
    "--upstream",
    upstream,
    "--state",
    join(STATE, kind),
    "--build",
    BUILD,
    ...(seedFile ? ["--seed", seedFile] : []),
  ];
  const cookieFile = (kind) => join(STATE, `${kind}-cookies.txt`);
  const servers = {};
  try {
    // ---- 1 + 2: Workers and sessions
    for (const kind of OPT.kinds) {
      let seedFile;
      if (kind === "js" || kind === "js-do") {
        // Both JS Workers: sealed records seeded into KV (js-do's objects start from them).
        const { seed, cookies } = jsSeeds(OPT.sessions);
        seedFile = join(STATE, `${kind}-seed.json`);
        writeFileSync(seedFile, JSON.stringify(seed));
        writeFileSync(cookieFile(kind), cookies.join("\n") + "\n");
      }
      if (kind === "noop")
        writeFileSync(
          cookieFile(kind),
          Array.from({ length: OPT.sessions }, () => `${SESSION_COOKIE}=${b64u(randomBytes(32))}`).join("\n") + "\n",
        );
      servers[kind] = { child: start(kind, "serve.mjs", serveArgs(kind, seedFile)) };
    }
    for (const kind of OPT.kinds) {
      // started together; each is its own node + workerd
      Object.assign(servers[kind], await servers[kind].child.ready);
      log(
        `${kind} Worker ${servers[kind].url} (node ${servers[kind].pid}), up in ${servers[kind].readyMs.toFixed(0)} ms`,
      );
    }
    if (servers.rust) {
      const t = performance.now();
      const cookies = [];
      for (let i = 0; i < OPT.sessions; i += 8) {
        cookies.push(
          ...(await Promise.all(
            Array.from({ length: Math.min(8, OPT.sessions - i) }, () => rustSession(servers.rust.url)),
          )),
        );
      }
      writeFileSync(cookieFile("rust"), cookies.join("\n") + "\n");
      const st = await mockStats();
      results.meta.rust_sessions = {
        made: cookies.length,
        ms: Math.round(performance.now() - t),
        upstream_code_exchanges: st.token.authorization_code,
        pkce_failures: st.pkce_failures,
      };
      log(
        `rust: ${cookies.length} sessions through /auth/login → authorize → /auth/token in ${results.meta.rust_sessions.ms} ms`,
      );
    }

    // ---- sanity: one refresh each, and what reached the provider
    for (const kind of OPT.kinds) {
      const cookie = readFileSync(cookieFile(kind), "utf8").split("\n")[0];
      await mockReset();
      const r = await refreshOnce(servers[kind].url, cookie);
      const st = await mockStats();
      results.sanity[kind] = {
        status: r.status,
        ok: r.ok,
        upstream_refreshes: st.token.refresh_token,
        client_auth: st.auth,
        answer: r.ok ? "token view" : r.text,
      };
      const pids = descendants(servers[kind].pid);
      servers[kind].workerd = pids.filter((p) => comm(p) === "workerd");
      servers[kind].other = pids.filter((p) => comm(p) !== "workerd");
      results.sanity[kind].processes = {
        node: servers[kind].pid,
        workerd: servers[kind].workerd,
        other_descendants: servers[kind].other.map((p) => `${p} ${comm(p)}`),
      };
      log(
        `sanity ${kind}: ${r.status} ${r.ok ? "token view" : r.text}; upstream refreshes ${st.token.refresh_token}, auth ${JSON.stringify(st.auth)}; workerd pids ${servers[kind].workerd}`,
      );
      if (!r.ok && kind !== "noop") throw new Error(`${kind}: the sanity refresh failed: ${r.status} ${r.text}`);
      if (!servers[kind].workerd.length) throw new Error(`${kind}: no workerd process under node ${servers[kind].pid}`);
    }

    // ---- 3: load, Workers interleaved per cell
    for (let rep = 0; rep < OPT.reps; rep++) {
      for (const [ci, conc] of OPT.conc.entries()) {
        for (const kind of rotate(OPT.kinds, rep * OPT.conc.length + ci)) {
          const s = servers[kind];
          if (OPT.warmup > 0) await loadgen(s.url + ROUTE, conc, OPT.warmup, cookieFile(kind));
          await mockReset();
          const nodePids = [s.pid, ...s.other];
          const c0 = { workerd: cpuOf(s.workerd), node: cpuOf(nodePids), mock: cpuOf([up.pid]), m: machine() };
          const load0 = load1();
          const w0 = performance.now();
          const lg = await loadgen(s.url + ROUTE, conc, OPT.duration, cookieFile(kind));
          const wallMs = performance.now() - w0;
          const c1 = { workerd: cpuOf(s.workerd), node: cpuOf(nodePids), mock: cpuOf([up.pid]), m: machine() };
          const st = await mockStats();
          const n = lg.requests;
          const cpu = {
            workerd: c1.workerd - c0.workerd,
            node: c1.node - c0.node,
            mock: c1.mock - c0.mock,
            loadgen: lg.cpu_ms,
          };
          const machineBusyMs = c1.m.busyMs - c0.m.busyMs;
          const machineTotalMs = c1.m.totalMs - c0.m.totalMs;
          const run = {
            rep,
            conc,
            kind,
            requests: n,
            rps: lg.rps,
            latency_ms: lg.latency_ms,
            statuses: lg.statuses,
            errors: lg.errors,
            no_token: lg.no_token,
            first_error: lg.first_error,
            wall_s: wallMs / 1000,
            cpu_ms_per_request: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, n ? v / n : null])),
            cpu_pct_of_core: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, (100 * v) / wallMs])),
            machine: {
              busy_pct_of_all_cores: (100 * machineBusyMs) / machineTotalMs,
              other_processes_pct_of_core:
                (100 * (machineBusyMs - Object.values(cpu).reduce((a, b) => a + b, 0))) / wallMs,
              loadavg1_before: load0,
              loadavg1_after: load1(),
            },
            upstream: {
              refreshes: st.token.refresh_token,
              per_request: n ? st.token.refresh_token / n : null,
              reused_after_rotation: st.refresh_reused_after_rotation,
              client_auth: st.auth,
              errors: st.errors,
              cpu_ms_self: st.cpu_ms,
            },
          };
          results.runs.push(run);
          log(
            `rep ${rep} c=${String(conc).padEnd(3)} ${kind.padEnd(5)}: ${lg.rps.toFixed(0).padStart(5)} req/s p50 ${lg.latency_ms.p50?.toFixed(1)} p99 ${lg.latency_ms.p99?.toFixed(1)} ms | ` +
              `CPU ms/req workerd ${run.cpu_ms_per_request.workerd?.toFixed(3)} node ${run.cpu_ms_per_request.node?.toFixed(3)} mock ${run.cpu_ms_per_request.mock?.toFixed(3)} loadgen ${run.cpu_ms_per_request.loadgen?.toFixed(3)} | ` +
              `upstream/req ${run.upstream.per_request?.toFixed(2)} reused ${st.refresh_reused_after_rotation} | non-200 ${n - (lg.statuses[200] ?? 0)} err ${lg.errors}${lg.first_error ? ` (${lg.first_error})` : ""} | machine ${run.machine.busy_pct_of_all_cores.toFixed(0)}% other ${run.machine.other_processes_pct_of_core.toFixed(0)}%/core`,
          );
        }
      }
    }
    for (const kind of OPT.kinds) await stop(servers[kind].child);

    // ---- 4: cold starts, interleaved
    const cookies = Object.fromEntries(
      OPT.kinds.map((k) => [k, readFileSync(cookieFile(k), "utf8").trim().split("\n")]),
    );
    for (let i = 0; i < OPT.cold; i++) {
      for (const kind of rotate(OPT.kinds, i)) {
        await sleep(300);
        const s = start(`${kind}-cold-${i}`, "serve.mjs", serveArgs(kind));
        const r = await s.ready;
        const workerd = descendants(r.pid).filter((p) => comm(p) === "workerd");
        const cpuReady = cpuOf(workerd);
        const list = cookies[kind];
        const first = await refreshOnce(r.url, list[(i * 3 + 1) % list.length]);
        const spawnToFirst = performance.now() - s.t0;
        const cpuFirst = cpuOf(workerd);
        const second = await refreshOnce(r.url, list[(i * 3 + 2) % list.length]);
        const third = await refreshOnce(r.url, list[(i * 3 + 3) % list.length]);
        const c = {
          round: i,
          kind,
          spawn_to_ready_ms: r.readyMs,
          miniflare_ms: r.miniflareMs,
          first_ms: first.ms,
          spawn_to_first_answer_ms: spawnToFirst,
          second_ms: second.ms,
          third_ms: third.ms,
          workerd_cpu_ms_to_ready: cpuReady,
          workerd_cpu_ms_first_request: cpuFirst - cpuReady,
          statuses: [first.status, second.status, third.status],
          ok: first.ok && second.ok && third.ok,
          loadavg1: load1(),
        };
        results.cold.push(c);
        log(
          `cold ${i} ${kind.padEnd(5)}: spawn→ready ${c.spawn_to_ready_ms.toFixed(0)} ms, first refresh ${c.first_ms.toFixed(1)} ms (workerd CPU ${c.workerd_cpu_ms_first_request.toFixed(0)} ms), spawn→first answer ${c.spawn_to_first_answer_ms.toFixed(0)} ms, then ${c.second_ms.toFixed(1)} / ${c.third_ms.toFixed(1)} ms, ${c.statuses}${c.ok ? "" : ` ${first.text}`}`,
        );
        await stop(s);
      }
    }
  } finally {
    for (const s of Object.values(servers)) await stop(s.child);
    await stop(mock);
  }
  results.meta.loadavg_end = osLoadavg().map((x) => Number(x.toFixed(2)));
  results.meta.elapsed_s = Math.round((performance.now() - t00) / 1000);
  mkdirSync(OUT, { recursive: true });
  writeFileSync(join(OUT, "worker.json"), JSON.stringify(results, null, 1) + "\n");
  writeFileSync(join(OUT, "worker.md"), render(results));
  log(`wrote ${join(OUT, "worker.json").replace(`${ROOT}/`, "")} and worker.md in ${results.meta.elapsed_s} s`);
}

await main();
