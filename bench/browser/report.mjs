// Figures and the markdown table from the results of run.mjs (README.md: how each figure is made).
//   node report.mjs [bench/results/browser.json]   rewrites browser.md next to it
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const LIBS = ["oauth-edge", "oauth4webapi", "oidc-client-ts", "auth0-spa-js"];
export const OPS = ["login", "callback", "refresh"];
export const PLATFORM = ["lock", "replaceState", "assign"];
export const KINDS = [...OPS, ...OPS.map((o) => `stub-${o}`), ...PLATFORM, "noop"];
const PEERS = LIBS.slice(1);
const NAMES = { "auth0-spa-js": "@auth0/auth0-spa-js" };

export function quantile(xs, q) {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b),
    i = (s.length - 1) * q,
    lo = Math.floor(i);
  return s[lo] + (s[Math.ceil(i)] - s[lo]) * (i - lo);
}
export const median = (xs) => quantile(xs, 0.5);

/** Per repeat and library: the figures of the table (µs unless named ms). */
export function figures(results) {
  return results.reps.map((R) =>
    Object.fromEntries(
      LIBS.map((lib) => {
        const C = R.cpu[lib],
          wall = (k) => C.kinds[k].wallUs.median;
        const ex = (k) => C.kinds[k].threadUs.median - C.kinds.noop.threadUs.median; // CPU beyond an empty block's
        const f = Object.fromEntries(Object.entries(R.load[lib]).map(([k, v]) => [k, v.median])); // readyMs, importMs, initMs, fetchMs
        for (const op of OPS) {
          const n = C.counts[op];
          const platformWall = PLATFORM.reduce((a, k) => a + n[k] * wall(k), 0);
          const platformCpu = PLATFORM.reduce((a, k) => a + n[k] * ex(k), 0);
          f[`${op}Raw`] = wall(op);
          f[`${op}Stub`] = wall(`stub-${op}`);
          f[`${op}Platform`] = platformWall;
          f[op] = wall(op) - wall(`stub-${op}`) - platformWall;
          f[`${op}WithPlatform`] = wall(op) - wall(`stub-${op}`);
          // The callback block also runs the (untimed) login before each callback, and for oauth-edge the
          // history.replaceState that puts the callback URL in the address bar: taken off with the login block's CPU.
          const blockCpu =
            op === "callback" ? ex("callback") - ex("login") - (lib === "oauth-edge" ? ex("replaceState") : 0) : ex(op);
          f[`${op}Cpu`] = blockCpu - ex(`stub-${op}`) - platformCpu;
        }
        for (const k of PLATFORM) {
          f[`${k}Wall`] = wall(k);
          f[`${k}Cpu`] = ex(k);
        }
        return [lib, f];
      }),
    ),
  );
}

const fmt = (x, d = 0) =>
  x == null || Number.isNaN(x)
    ? "n/a"
    : x.toLocaleString("en-US", { minimumFractionDigits: d, maximumFractionDigits: d });
const cell = (xs, d = 0) =>
  xs.length > 1 ? `${fmt(median(xs), d)} (${fmt(Math.min(...xs), d)}–${fmt(Math.max(...xs), d)})` : fmt(xs[0], d);

export function markdown(results) {
  const F = figures(results),
    M = results.meta,
    S = results.sizes;
  const per = (lib, key) => F.map((r) => r[lib][key]);
  const ratio = (key, peer) => F.map((r) => r["oauth-edge"][key] / r[peer][key]);
  const counts = (lib, op) => {
    const n = results.reps[0].cpu[lib].counts[op];
    return (
      PLATFORM.filter((k) => n[k])
        .map((k) => (n[k] > 1 ? `${k} ×${n[k]}` : k))
        .join(" + ") || "–"
    );
  };
  const o = [];
  o.push("# Browser benchmark: oauth-edge vs oauth4webapi, oidc-client-ts, @auth0/auth0-spa-js", "");
  o.push(
    `${M.date.slice(0, 16).replace("T", " ")} UTC, ${M.quick ? "**quick run (smoke test: few repeats)**, " : ""}` +
      `git ${M.gitRev ?? "?"}, oauth-edge ${M.versions["oauth-edge"]} (wasm sha256 ${M.pkg.wasmSha256.slice(0, 12)}), ` +
      `oauth4webapi ${M.versions.oauth4webapi}, oidc-client-ts ${M.versions["oidc-client-ts"]}, @auth0/auth0-spa-js ${M.versions["@auth0/auth0-spa-js"]}; ` +
      `esbuild ${M.versions.esbuild}; headless Chromium ${M.browser}; ${M.cpus} × ${M.cpuModel}; ` +
      `load average ${results.reps.map((r) => r.loadavg.map((x) => x.toFixed(1)).join("→")).join(", ")}.`,
    "",
  );
  o.push(
    `${M.reps} repeats (a fresh browser each); per repeat ${M.loads} loads per library (fresh contexts, interleaved) and ` +
      `${M.rounds} × ${M.block} = ${M.rounds * M.block} iterations per operation and library (interleaved blocks). ` +
      "Each cell: median of the repeats' values (min–max across repeats). Per-operation µs: the library's own time " +
      "(median wall time, minus the network stub's own cost and the platform calls named below, which are reported apart); " +
      "main-thread CPU from CDP `Performance.getMetrics` ThreadTime, per block, same subtractions. How, and caveats: `bench/browser/README.md`.",
    "",
  );

  o.push(`| | ${LIBS.map((l) => NAMES[l] || l).join(" | ")} |`, `|---|${"---:|".repeat(LIBS.length)}`);
  const row = (label, fn) => o.push(`| ${label} | ${LIBS.map(fn).join(" | ")} |`);
  row("files the browser loads", (l) => Object.keys(S[l].files).join(" + "));
  row("bytes, raw", (l) => fmt(S[l].total.raw));
  row("bytes, gzip -9", (l) => fmt(S[l].total.gzip9));
  row("bytes, brotli q11", (l) => fmt(S[l].total.brotli11));
  row("load → ready client, ms", (l) => cell(per(l, "readyMs"), 1));
  row("  of which import (fetch, compile, run the JS), ms", (l) => cell(per(l, "importMs"), 1));
  row("    of which until the JS arrived (loopback), ms", (l) => cell(per(l, "fetchMs"), 1));
  row("  of which init (oauth-edge: wasm fetch + compile + instantiate), ms", (l) => cell(per(l, "initMs"), 1));
  for (const op of OPS) row(`${op}, library µs`, (l) => cell(per(l, op)));
  for (const op of OPS) row(`${op}, library main-thread CPU µs`, (l) => cell(per(l, `${op}Cpu`)));
  for (const op of OPS)
    row(`${op}, library + platform calls µs (stub subtracted only)`, (l) => cell(per(l, `${op}WithPlatform`)));
  for (const op of OPS)
    row(`${op}: platform calls inside, µs (not in the library rows)`, (l) => {
      const c = counts(l, op);
      return c === "–" ? "–" : `${c}: ${cell(per(l, `${op}Platform`))}`;
    });
  row("requests per login / callback / refresh (stubbed)", (l) =>
    OPS.map((op) => results.reps[0].cpu[l].counts[op].fetch).join(" / "),
  );
  row("stub's own cost subtracted, login / callback / refresh µs", (l) =>
    OPS.map((op) => fmt(median(per(l, `${op}Stub`)))).join(" / "),
  );
  o.push("");

  o.push(
    "## oauth-edge ÷ each peer",
    "",
    "Below 1: oauth-edge smaller or faster. Time ratios are taken within each repeat, then median (min–max).",
    "",
    `| figure | ${PEERS.map((p) => `÷ ${NAMES[p] || p}`).join(" | ")} |`,
    `|---|${"---:|".repeat(PEERS.length)}`,
  );
  const sizeRatio = (k) => PEERS.map((p) => fmt(S["oauth-edge"].total[k] / S[p].total[k], 2));
  o.push(
    `| bytes, gzip -9 | ${sizeRatio("gzip9").join(" | ")} |`,
    `| bytes, brotli q11 | ${sizeRatio("brotli11").join(" | ")} |`,
    `| bytes, raw | ${sizeRatio("raw").join(" | ")} |`,
  );
  const rrow = (label, key) => o.push(`| ${label} | ${PEERS.map((p) => cell(ratio(key, p), 2)).join(" | ")} |`);
  rrow("load → ready client", "readyMs");
  for (const op of OPS) rrow(`${op}, library time`, op);
  for (const op of OPS) rrow(`${op}, library + platform calls time`, `${op}WithPlatform`);
  for (const op of OPS) rrow(`${op}, library main-thread CPU`, `${op}Cpu`);
  o.push("");

  o.push(
    "## Platform calls, per call",
    "",
    "Measured in each library's page (same process as its operations); median (min–max) across repeats.",
    "",
    `| call | ${LIBS.map((l) => `in ${NAMES[l] || l}'s page`).join(" | ")} |`,
    `|---|${"---:|".repeat(LIBS.length)}`,
  );
  const pl = {
    lock: "Web Lock: navigator.locks.request, empty section",
    replaceState: "history.replaceState",
    assign: "location.assign, same-document #fragment",
  };
  for (const k of PLATFORM) {
    row(`${pl[k]}, µs`, (l) => cell(per(l, `${k}Wall`)));
    row(`${pl[k]}, main-thread CPU µs`, (l) => cell(per(l, `${k}Cpu`)));
  }
  o.push("");
  o.push(
    "Notes: oauth-edge's login makes a request to its Worker (which builds the authorization URL); the peers build it in the page. " +
      "A real network round trip is in no figure here. The peers' login redirect goes through their navigation hooks (URL recorded, " +
      "no navigation); oauth-edge's is a real location.assign to a same-document fragment, subtracted and shown apart. " +
      '@auth0/auth0-spa-js runs with cacheLocation "localstorage" (its default in-memory cache sends token requests from a Web Worker the stub cannot reach).',
  );
  if (M.unexpectedRequests?.length)
    o.push("", `Unexpected requests reached the server: ${M.unexpectedRequests.slice(0, 5).join(", ")}`);
  return o.join("\n") + "\n";
}

export function writeReport(results, file) {
  writeFileSync(file, markdown(results));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = path.resolve(
    process.argv[2] || path.join(path.dirname(fileURLToPath(import.meta.url)), "../results/browser.json"),
  );
  writeReport(JSON.parse(readFileSync(file, "utf8")), path.join(path.dirname(file), "browser.md"));
  console.error(`wrote ${path.join(path.dirname(file), "browser.md")}`);
}
