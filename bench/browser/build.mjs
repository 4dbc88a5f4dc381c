// Bundles each library's entry (entries/*.js) as an app would, and counts the bytes the browser loads.
//   node build.mjs <oauth-edge pkg dir>
// -> dist/pkg/                  a snapshot of the oauth-edge package (others may rebuild client-wasm/pkg meanwhile)
//    dist/<lib>.js              esbuild --bundle --minify --format=esm --platform=browser
//    dist/oauth_edge_bg.wasm    oauth-edge's wasm core, next to its bundle (init() finds it through import.meta.url)
//    dist/build.json            per library: files, raw / gzip -9 / brotli q11 bytes; the package snapshot's identity
import { build } from "esbuild";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync, copyFileSync } from "node:fs";
import { createHash } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { LIBS } from "./report.mjs";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const DIST = path.join(HERE, "dist");
const PKG_FILES = [
  "package.json",
  "web/index.js",
  "web/client.js",
  "web/core/oauth_edge.js",
  "web/core/oauth_edge_bg.wasm",
];

const src = process.argv[2];
if (!src) throw new Error("usage: node build.mjs <oauth-edge pkg dir>");

// ---- a consistent snapshot of the package (a rebuild deletes and rewrites it) ----
const PKG = path.join(DIST, "pkg");
const complete = (dir) =>
  PKG_FILES.every((f) => existsSync(path.join(dir, f)) && statSync(path.join(dir, f)).size > 0) &&
  WebAssembly.validate(readFileSync(path.join(dir, "web/core/oauth_edge_bg.wasm")));
const stamp = (dir) => PKG_FILES.map((f) => statSync(path.join(dir, f)).mtimeMs).join();
rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST, { recursive: true });
for (let attempt = 1; ; attempt++) {
  let ok = false;
  try {
    if (complete(src)) {
      const before = stamp(src);
      rmSync(PKG, { recursive: true, force: true });
      cpSync(src, PKG, { recursive: true });
      ok = complete(PKG) && stamp(src) === before;
    }
  } catch {
    /* a file vanished mid-copy: try again */
  }
  if (ok) break;
  if (attempt === 30) throw new Error(`build.mjs: ${src} stayed incomplete (being rebuilt?); rerun, or BUILD=1`);
  if (attempt === 1) console.error(`build.mjs: ${src} is incomplete or changing, waiting for it ...`);
  await sleep(2000);
}

// ---- bundles ----
for (const lib of LIBS) {
  await build({
    entryPoints: [path.join(HERE, "entries", `${lib}.js`)],
    outfile: path.join(DIST, `${lib}.js`),
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    alias: { "oauth-edge": PKG }, // oauth-edge/web -> dist/pkg/web (the package is not installed from npm)
    logLevel: "warning",
  });
}
copyFileSync(path.join(PKG, "web/core/oauth_edge_bg.wasm"), path.join(DIST, "oauth_edge_bg.wasm"));

// ---- bytes ----
const bytes = (file) => {
  const buf = readFileSync(path.join(DIST, file));
  return {
    raw: buf.length,
    gzip9: zlib.gzipSync(buf, { level: 9 }).length,
    brotli11: zlib.brotliCompressSync(buf, {
      params: {
        [zlib.constants.BROTLI_PARAM_QUALITY]: 11,
        [zlib.constants.BROTLI_PARAM_SIZE_HINT]: buf.length,
      },
    }).length,
  };
};
const files = { "oauth-edge": ["oauth-edge.js", "oauth_edge_bg.wasm"] };
const sizes = {};
for (const lib of LIBS) {
  const parts = Object.fromEntries((files[lib] || [`${lib}.js`]).map((f) => [f, bytes(f)]));
  const total = { raw: 0, gzip9: 0, brotli11: 0 };
  for (const p of Object.values(parts)) for (const k in total) total[k] += p[k];
  sizes[lib] = { files: parts, total };
}
const versions = Object.fromEntries(
  ["oauth4webapi", "oidc-client-ts", "@auth0/auth0-spa-js", "esbuild", "playwright-core"].map((n) => [
    n,
    JSON.parse(readFileSync(path.join(HERE, "node_modules", n, "package.json"), "utf8")).version,
  ]),
);
const pkgJson = JSON.parse(readFileSync(path.join(PKG, "package.json"), "utf8"));
versions["oauth-edge"] = pkgJson.version;
const out = {
  pkg: {
    source: path.resolve(src),
    version: pkgJson.version,
    wasmSha256: createHash("sha256")
      .update(readFileSync(path.join(DIST, "oauth_edge_bg.wasm")))
      .digest("hex"),
  },
  versions,
  sizes,
};
writeFileSync(path.join(DIST, "build.json"), JSON.stringify(out, null, 2));
for (const lib of LIBS) {
  const t = sizes[lib].total;
  console.error(
    `build: ${lib.padEnd(15)} ${Object.keys(sizes[lib].files).join(" + ").padEnd(36)} raw ${t.raw}  gzip ${t.gzip9}  brotli ${t.brotli11}`,
  );
}
