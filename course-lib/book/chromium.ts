// Drives a headless Chromium (Debian's /usr/bin/chromium) to check that book pages and notebook outputs
// really draw in a browser: dump the DOM after scripts ran, or take a screenshot. Used by tests and by
// anyone who wants a picture of a page without opening a browser.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome", "/usr/bin/google-chrome-stable"];

/** The Chromium binary to use: $CHROMIUM if set, else the first installed of the usual paths, else null. */
export function findChromium(): string | null {
  const fromEnv = process.env.CHROMIUM;
  if (fromEnv) {
    if (!fs.existsSync(fromEnv)) throw new Error(`CHROMIUM=${fromEnv} does not exist`);
    return fromEnv;
  }
  return CANDIDATES.find((p) => fs.existsSync(p)) ?? null;
}

export interface ChromiumRun {
  stdout: string;
  stderr: string;
  code: number | null;
}

/**
 * Runs headless Chromium on a URL with a fresh profile and no network chatter. `extra` adds e.g.
 * ["--dump-dom"] or ["--screenshot=/tmp/x.png", "--window-size=1200,900"].
 */
export async function runChromium(url: string, extra: string[], opts: { timeoutMs?: number; virtualTimeMs?: number } = {}): Promise<ChromiumRun> {
  const binary = findChromium();
  if (!binary) throw new Error("no Chromium found (looked for /usr/bin/chromium and others; set CHROMIUM=path)");
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "course-chromium-"));
  const args = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    `--user-data-dir=${profile}`,
    `--virtual-time-budget=${opts.virtualTimeMs ?? 5000}`,
    ...extra,
    url,
  ];
  try {
    return await new Promise<ChromiumRun>((resolve, reject) => {
      // Own process group, so a hung browser and its helper processes can be ended together.
      const child = spawn(binary, args, { detached: true, stdio: ["ignore", "pipe", "pipe"] });
      let stdout = "";
      let stderr = "";
      child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
      child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
      const timer = setTimeout(() => {
        try {
          process.kill(-child.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
        reject(new Error(`chromium timed out after ${opts.timeoutMs ?? 60_000} ms on ${url}\n${stderr.slice(-2000)}`));
      }, opts.timeoutMs ?? 60_000);
      child.on("error", (error) => {
        clearTimeout(timer);
        reject(error);
      });
      child.on("close", (code) => {
        clearTimeout(timer);
        resolve({ stdout, stderr, code });
      });
    });
  } finally {
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

/** The DOM of `url` after its scripts ran (Chromium --dump-dom). */
export async function dumpDom(url: string, opts?: { timeoutMs?: number; virtualTimeMs?: number }): Promise<string> {
  const run = await runChromium(url, ["--dump-dom"], opts);
  if (run.code !== 0 || !run.stdout.includes("<html")) {
    throw new Error(`chromium --dump-dom ${url} failed (exit ${run.code}):\n${run.stderr.slice(-2000)}`);
  }
  return run.stdout;
}

/** Saves a PNG screenshot of `url` at the given window size. */
export async function screenshot(url: string, file: string, size: { width: number; height: number } = { width: 1200, height: 900 }): Promise<void> {
  fs.rmSync(file, { force: true });
  const run = await runChromium(url, [`--screenshot=${file}`, `--window-size=${size.width},${size.height}`, "--hide-scrollbars"]);
  if (run.code !== 0 || !fs.existsSync(file)) {
    throw new Error(`chromium --screenshot ${url} failed (exit ${run.code}):\n${run.stderr.slice(-2000)}`);
  }
}
