// Long-running child processes for tests (the IdP, wrangler/workerd, static servers).
//
// Each process starts in its own process group (detached: true), so stop() reaches everything it
// spawned (npx -> wrangler -> workerd): SIGINT to the group, then SIGKILL after a timeout. Groups
// still alive when the test process exits are SIGKILLed from an "exit" hook.

import { spawn } from "node:child_process";
import { createWriteStream } from "node:fs";

const live = new Set(); // pids (= pgids) of groups we started and have not seen stop

process.on("exit", () => {
  for (const pgid of live) {
    try {
      process.kill(-pgid, "SIGKILL");
    } catch {
      // already gone
    }
  }
});

function groupAlive(pgid) {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (err) {
    return err.code === "EPERM";
  }
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/**
 * Start a long-running process and wait until it is ready.
 *
 * @param {string} command
 * @param {string[]} args
 * @param {object} [opts]
 * @param {string} [opts.cwd]
 * @param {Record<string,string>} [opts.env]      merged over process.env
 * @param {RegExp|string} [opts.readyLine]        resolve when a stdout/stderr line matches
 * @param {string} [opts.readyUrl]                resolve when this URL answers any HTTP status
 * @param {number} [opts.timeoutMs=60000]         give up (and stop the group) after this long
 * @param {string} [opts.name]                    label for errors
 * @param {string} [opts.logFile]                 also append all output to this file
 * @param {boolean} [opts.echo=false]             also copy output to this process's stderr
 * @returns {Promise<{child, pid:number, match:RegExpMatchArray|null, output:() => string,
 *                    exited:Promise<{code:number|null, signal:string|null}>,
 *                    stop:(opts?:{signal?:string, timeoutMs?:number}) => Promise<void>}>}
 */
export async function startProcess(command, args = [], opts = {}) {
  const {
    cwd,
    env,
    readyLine,
    readyUrl,
    timeoutMs = 60_000,
    name = [command, ...args].join(" ").slice(0, 80),
    logFile,
    echo = false,
  } = opts;

  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) {
    await new Promise((resolve) => child.once("error", resolve));
    throw new Error(`${name}: could not spawn ${command}`);
  }
  live.add(pid);

  const tail = [];
  const log = logFile ? createWriteStream(logFile, { flags: "a" }) : null;
  const lineWaiters = new Set();
  const onLine = (line) => {
    tail.push(line);
    if (tail.length > 200) tail.shift();
    if (echo) process.stderr.write(`[${name}] ${line}\n`);
    for (const w of lineWaiters) w(line);
  };
  for (const stream of [child.stdout, child.stderr]) {
    let buf = "";
    stream.setEncoding("utf8");
    stream.on("data", (chunk) => {
      log?.write(chunk);
      buf += chunk;
      for (let i = buf.indexOf("\n"); i !== -1; i = buf.indexOf("\n")) {
        onLine(buf.slice(0, i).replace(/\r$/, ""));
        buf = buf.slice(i + 1);
      }
    });
    stream.on("end", () => {
      if (buf) onLine(buf);
      buf = "";
    });
  }

  let exitInfo = null;
  const exited = new Promise((resolve) => {
    child.once("exit", (code, signal) => {
      exitInfo = { code, signal };
      resolve(exitInfo);
    });
  });
  exited.then(() => {
    if (!groupAlive(pid)) live.delete(pid);
  });

  const output = () => tail.join("\n");

  async function stop({ signal = "SIGINT", timeoutMs: stopTimeout = 5_000 } = {}) {
    if (!live.has(pid) && !groupAlive(pid)) {
      log?.end();
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      // group already gone
    }
    const deadline = Date.now() + stopTimeout;
    while (Date.now() < deadline) {
      if (exitInfo && !groupAlive(pid)) break;
      await sleep(50);
    }
    if (groupAlive(pid)) {
      try {
        process.kill(-pid, "SIGKILL");
      } catch {
        // gone meanwhile
      }
      const killDeadline = Date.now() + 2_000;
      while (groupAlive(pid) && Date.now() < killDeadline) await sleep(20);
    }
    await Promise.race([exited, sleep(1_000)]);
    live.delete(pid);
    log?.end();
  }

  const handle = { child, pid, match: null, output, exited, stop };

  const ready = new Promise((resolve, reject) => {
    let done = false;
    const finish = (fn, value) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      lineWaiters.delete(lineWaiter);
      fn(value);
    };
    const timer = setTimeout(
      () => finish(reject, new Error(`${name}: not ready after ${timeoutMs} ms\n--- output ---\n${output()}`)),
      timeoutMs,
    );
    exited.then(({ code, signal }) =>
      finish(
        reject,
        new Error(`${name}: exited (code ${code}, signal ${signal}) before it was ready\n--- output ---\n${output()}`),
      ),
    );

    let lineWaiter = () => {};
    if (readyLine) {
      const re =
        typeof readyLine === "string" ? new RegExp(readyLine.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")) : readyLine;
      lineWaiter = (line) => {
        const m = re.exec(line);
        if (m) {
          handle.match = m;
          finish(resolve);
        }
      };
      lineWaiters.add(lineWaiter);
      for (const line of tail) lineWaiter(line);
    }
    if (readyUrl) {
      (async () => {
        while (!done) {
          try {
            const res = await fetch(readyUrl, { signal: AbortSignal.timeout(2_000) });
            await res.body?.cancel();
            finish(resolve);
            return;
          } catch {
            await sleep(100);
          }
        }
      })();
    }
    if (!readyLine && !readyUrl) finish(resolve);
  });

  try {
    await ready;
  } catch (err) {
    await stop({ signal: "SIGKILL", timeoutMs: 1_000 });
    throw err;
  }
  return handle;
}

/** Wait until url answers (any HTTP status); throws after timeoutMs. */
export async function waitForUrl(url, { timeoutMs = 30_000, intervalMs = 100 } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastErr;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
      await res.body?.cancel();
      return res.status;
    } catch (err) {
      lastErr = err;
      await sleep(intervalMs);
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms: ${lastErr?.message}`);
}
