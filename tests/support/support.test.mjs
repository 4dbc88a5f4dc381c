// Proves the shared test helpers: free ports, process groups (ready line / URL, stop reaches
// grandchildren), and headless Chromium through playwright-core.
// Run: node --test --test-timeout=60000 tests/support/
import assert from "node:assert/strict";
import * as http from "node:http";
import { test } from "node:test";

import { launchChromium, launchPersistentChromium, recordConsole } from "./browser.mjs";
import { freePort, freePorts } from "./ports.mjs";
import { startProcess, waitForUrl } from "./proc.mjs";

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

test("freePort gives bindable, distinct ports on 127.0.0.1", async () => {
  const [a, b, c] = await freePorts(3);
  assert.equal(new Set([a, b, c]).size, 3);
  const p = await freePort();
  const srv = http.createServer((_q, r) => r.end("x"));
  await new Promise((resolve) => srv.listen(p, "127.0.0.1", resolve));
  assert.equal(srv.address().port, p);
  await new Promise((resolve) => srv.close(resolve));
});

test("startProcess waits for a ready line and stop() kills the whole group", async () => {
  // a shell that starts a grandchild ignoring SIGINT, then announces itself
  const proc = await startProcess("sh", ["-c", "trap '' INT; sleep 300 & echo READY $$; wait"], {
    readyLine: /^READY (\d+)$/,
    timeoutMs: 5_000,
  });
  assert.equal(Number(proc.match[1]), proc.pid);
  assert.ok(groupAlive(proc.pid));
  const t0 = Date.now();
  await proc.stop({ timeoutMs: 500 }); // SIGINT is ignored: must escalate to SIGKILL
  assert.ok(!groupAlive(proc.pid), "process group gone");
  assert.ok(Date.now() - t0 < 5_000);
});

test("startProcess waits for a URL, and fails fast when the process dies first", async () => {
  const port = await freePort();
  const server = `require("http").createServer((q,r)=>r.end("up")).listen(${port},"127.0.0.1")`;
  const proc = await startProcess(process.execPath, ["-e", server], {
    readyUrl: `http://127.0.0.1:${port}/`,
    timeoutMs: 10_000,
  });
  assert.equal(await waitForUrl(`http://127.0.0.1:${port}/`), 200);
  await proc.stop();
  assert.ok(!groupAlive(proc.pid));

  await assert.rejects(
    startProcess("sh", ["-c", "echo boom >&2; exit 3"], { readyLine: "never", timeoutMs: 5_000, name: "dies" }),
    /dies: exited \(code 3.*boom/s,
  );
  await assert.rejects(
    startProcess("sleep", ["30"], { readyLine: "never", timeoutMs: 300, name: "slow" }),
    /slow: not ready after 300 ms/,
  );
});

test("headless Chromium loads a page from a local server and runs its script", async () => {
  const port = await freePort();
  const srv = http.createServer((req, res) => {
    if (req.url === "/") {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(
        '<!doctype html><title>t</title><p id="x">static</p><script>' +
          'document.getElementById("x").textContent = "from-js"; ' +
          'fetch("/data").then(r => r.json()).then(j => { document.title = j.hello; console.log("loaded", j.hello); });' +
          "</script>",
      );
    } else if (req.url === "/data") {
      res.writeHead(200, { "content-type": "application/json" });
      res.end('{"hello":"world"}');
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => srv.listen(port, "127.0.0.1", resolve));
  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const rec = recordConsole(page);
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => document.title === "world", null, { timeout: 10_000 });
    assert.equal(await page.textContent("#x"), "from-js");
    assert.ok(rec.lines.includes("log: loaded world"), rec.lines.join("\n"));
    assert.deepEqual(rec.errors, []);
    assert.match(browser.version(), /^\d+\./);
  } finally {
    await browser.close();
    await new Promise((resolve) => srv.close(resolve));
  }
});

test("a persistent Chromium context keeps cookies on a fresh profile dir and removes it", async () => {
  const { existsSync } = await import("node:fs");
  const port = await freePort();
  const srv = http.createServer((req, res) => {
    res.writeHead(200, { "content-type": "text/plain", "set-cookie": "k=v; Path=/; Max-Age=60" });
    res.end(req.headers.cookie ?? "none");
  });
  await new Promise((resolve) => srv.listen(port, "127.0.0.1", resolve));
  const context = await launchPersistentChromium();
  const dir = context.userDataDir;
  try {
    const page = await context.newPage();
    await page.goto(`http://127.0.0.1:${port}/`);
    assert.equal(await page.textContent("body"), "none");
    await page.reload();
    assert.equal(await page.textContent("body"), "k=v");
    assert.ok(existsSync(dir));
  } finally {
    await context.close();
    await new Promise((resolve) => srv.close(resolve));
  }
  assert.ok(!existsSync(dir), "profile dir removed");
});
