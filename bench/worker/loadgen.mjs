// A closed-loop HTTP load generator (its own process, so its CPU is its own): `--conc` keep-alive
// connections, each sending the next request as soon as the previous answer is read, for
// `--duration` seconds; every request carries the next session cookie of `--cookies` (one a line,
// round robin), X-OAuth-Edge: 1, Origin = the target's origin, and the JSON body `--body`.
//
//   node loadgen.mjs --url <url> --conc 16 --duration 10 --cookies <file> [--body '{}']
//
// Prints one JSON line: requests, elapsed_s, rps, latency percentiles (ms), statuses, transport
// errors, answers without an access token, and this process's CPU ms.
import { readFileSync } from "node:fs";
import http from "node:http";

const arg = (k, d) => {
  const i = process.argv.indexOf(k);
  return i > 0 ? process.argv[i + 1] : d;
};
const url = new URL(arg("--url"));
const conc = Number(arg("--conc", 16));
const duration = Number(arg("--duration", 10));
const body = Buffer.from(arg("--body", "{}"));
const cookies = readFileSync(arg("--cookies"), "utf8").split("\n").filter(Boolean);
if (!cookies.length) throw new Error("no cookies");

const agent = new http.Agent({ keepAlive: true, maxSockets: conc, maxFreeSockets: conc });
const baseHeaders = {
  "x-oauth-edge": "1",
  origin: url.origin,
  "content-type": "application/json",
  "content-length": String(body.length),
};
let next = 0;
const lat = [];
const statuses = {};
let errors = 0;
let noToken = 0;
let firstError;

function once(cookie) {
  return new Promise((resolve) => {
    const req = http.request(url, { method: "POST", agent, headers: { ...baseHeaders, cookie } }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString();
        resolve({ status: res.statusCode, ok: res.statusCode === 200 && text.includes('"access_token"'), text });
      });
      res.on("error", (e) => resolve({ error: e }));
    });
    req.on("error", (e) => resolve({ error: e }));
    req.end(body);
  });
}

const cpu0 = process.cpuUsage();
const start = performance.now();
const end = start + duration * 1000;
async function connection() {
  while (performance.now() < end) {
    const cookie = cookies[next++ % cookies.length];
    const t0 = performance.now();
    const r = await once(cookie);
    const t1 = performance.now();
    if (r.error) {
      errors++;
      firstError ??= String(r.error);
      continue;
    }
    lat.push(t1 - t0);
    statuses[r.status] = (statuses[r.status] ?? 0) + 1;
    if (!r.ok) {
      noToken++;
      firstError ??= `${r.status} ${r.text.slice(0, 200)}`;
    }
  }
}
await Promise.all(Array.from({ length: conc }, connection));
const elapsed = (performance.now() - start) / 1000;
const cpu = process.cpuUsage(cpu0);
agent.destroy();
lat.sort((a, b) => a - b);
const q = (p) => (lat.length ? lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] : null);
console.log(
  JSON.stringify({
    requests: lat.length,
    elapsed_s: elapsed,
    rps: lat.length / elapsed,
    latency_ms: {
      p50: q(0.5),
      p90: q(0.9),
      p99: q(0.99),
      max: lat.at(-1) ?? null,
      mean: lat.reduce((a, b) => a + b, 0) / (lat.length || 1),
    },
    statuses,
    errors,
    no_token: noToken,
    first_error: firstError ?? null,
    cpu_ms: (cpu.user + cpu.system) / 1000,
  }),
);
