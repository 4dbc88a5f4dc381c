// Headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core.
// `npx playwright install` cannot work here (it downloads a browser), so the system browser is used.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || "/usr/bin/chromium";

// --disable-* keep Chromium off the network at start-up (updates, sync, field trials).
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
];

/**
 * Launch headless Chromium. Playwright gives every launch a fresh temporary profile
 * (user-data-dir) and deletes it on close; each browser.newContext() is a clean cookie jar.
 * @param {{args?: string[], timeout?: number, slowMo?: number}} [opts]
 * @returns {Promise<import("playwright-core").Browser>}
 */
export async function launchChromium({ args = [], timeout = 30_000, slowMo } = {}) {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    timeout,
    slowMo,
  });
}

/**
 * A persistent context on a fresh user-data-dir (for tests that need a real profile, e.g. a
 * restart with the same cookies). close() also deletes the directory.
 * @returns {Promise<import("playwright-core").BrowserContext & {userDataDir: string}>}
 */
export async function launchPersistentChromium({ args = [], timeout = 30_000, userDataDir, ...contextOptions } = {}) {
  const dir = userDataDir ?? mkdtempSync(join(tmpdir(), "oauth-edge-chromium-"));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_ARGS, ...args],
    timeout,
    ...contextOptions,
  });
  const close = context.close.bind(context);
  context.close = async () => {
    await close();
    if (!userDataDir) rmSync(dir, { recursive: true, force: true });
  };
  context.userDataDir = dir;
  return context;
}

/**
 * Record a page's console messages and uncaught errors (attach before navigating).
 * @returns {{ lines: string[], errors: string[] }}
 */
export function recordConsole(page) {
  const rec = { lines: [], errors: [] };
  page.on("console", (m) => rec.lines.push(`${m.type()}: ${m.text()}`));
  page.on("pageerror", (e) => rec.errors.push(String(e)));
  return rec;
}
