// Helpers for the notebook tests: throwaway notebooks in temp folders and a check for leaked kernels.
//
// Tests must not touch notebooks/ (learners' and authors' files), so every notebook they run is written
// to a fresh folder under the OS temp dir by these helpers.

import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { createNotebook, NewCell, serializeNotebook } from "./nbformat";

/** A fresh temp folder; remove it with fs.rmSync(dir, {recursive: true, force: true}) in afterAll. */
export function makeTempDir(prefix = "nb-test-"): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Shorthands for cells: code("...") and markdown("..."). */
export const code = (source: string): NewCell => ({ type: "code", source });
export const markdown = (source: string): NewCell => ({ type: "markdown", source });

/** Writes a new notebook with these cells to dir/name and returns its path. */
export function writeNotebook(dir: string, name: string, cells: NewCell[]): string {
  const file = path.join(dir, name);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, serializeNotebook(createNotebook(cells)));
  return file;
}

/**
 * Pids of processes whose working directory is inside `dir` (Linux /proc). The kernel runs with the
 * notebook's folder as cwd, so after a run finishes this must be empty, or a kernel leaked.
 * Returns undefined where /proc is not available.
 */
export function processesWithCwdIn(dir: string): number[] | undefined {
  if (!fs.existsSync("/proc/self/cwd")) return undefined;
  const real = fs.realpathSync(dir);
  const found: number[] = [];
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cwd = fs.readlinkSync(`/proc/${entry}/cwd`);
      // A zombie waiting to be reaped has no cwd link; a live one inside our folder is a leak.
      if (cwd === real || cwd.startsWith(real + path.sep)) found.push(Number(entry));
    } catch {
      /* process ended meanwhile or is not ours to inspect */
    }
  }
  return found;
}

/** Waits up to `ms` for `check` to become true (process exits are asynchronous). */
export async function eventually(check: () => boolean, ms = 5000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}
