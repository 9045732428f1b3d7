// Reference numbers made by Python scripts in the repo (PyTorch, scikit-learn, SciPy from Debian) are
// committed as JSON, so the checks that read them never need Python. Each such fixture also has a test that
// reruns its script when Debian's python can import the module, and compares the result with the committed
// file: the numbers in the repo are what the script writes. This file is that test's shared plumbing.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";

export const DEBIAN_PYTHON = "/usr/bin/python3";

/** Why Debian's python cannot run a fixture script that imports `module`, or "" when it can. */
export function pythonCannotImport(module: string, aptPackage: string): string {
  const probe = spawnSync(DEBIAN_PYTHON, ["-c", `import ${module}`], { encoding: "utf8" });
  if (probe.error) return `${DEBIAN_PYTHON} not runnable (${probe.error.message})`;
  if (probe.status !== 0) return `${DEBIAN_PYTHON} cannot import ${module} (apt install ${aptPackage}): ${probe.stderr.trim().split("\n").pop()}`;
  return "";
}

/**
 * Runs `script` with the path of a fresh `fileName` in a temporary directory as its last argument (after
 * `pythonArgs`, e.g. ["-W", "error"]), and returns what `read` makes of the file it wrote.
 */
export function regenerateFixture<T>(script: string, fileName: string, read: (file: string) => T, pythonArgs: string[] = []): T {
  const dir = mkdtempSync(join(tmpdir(), `${basename(fileName, ".json")}-`));
  try {
    const out = join(dir, fileName);
    const run = spawnSync(DEBIAN_PYTHON, [...pythonArgs, script, out], { encoding: "utf8", timeout: 60_000 });
    if (run.status !== 0) throw new Error(`${script} exited with ${run.status}: ${run.stderr || run.error?.message}`);
    return read(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Where two JSON values differ (at most `limit` paths): numbers beyond |a − b| ≤ tolerance·(1 + |b|), other
 * values that are not equal, arrays of different lengths. Keys in `ignoreKeys` (a generator's version stamp)
 * are skipped at any depth.
 */
export function jsonMismatches(a: unknown, b: unknown, options: { tolerance?: number; ignoreKeys?: readonly string[]; limit?: number } = {}): string[] {
  const tolerance = options.tolerance ?? 1e-12;
  const ignore = new Set(options.ignoreKeys ?? []);
  const limit = options.limit ?? 10;
  const out: string[] = [];
  const compare = (x: unknown, y: unknown, path: string): void => {
    if (out.length >= limit) return;
    if (typeof x === "number" && typeof y === "number") {
      if (!(Math.abs(x - y) <= tolerance * (1 + Math.abs(y))) && !(Number.isNaN(x) && Number.isNaN(y))) out.push(`${path}: ${x} vs committed ${y}`);
    } else if (Array.isArray(x) && Array.isArray(y)) {
      if (x.length !== y.length) out.push(`${path}: length ${x.length} vs committed ${y.length}`);
      else x.forEach((v, i) => compare(v, y[i], `${path}[${i}]`));
    } else if (x && y && typeof x === "object" && typeof y === "object") {
      const keys = new Set([...Object.keys(x), ...Object.keys(y)]);
      for (const k of keys) if (!ignore.has(k)) compare((x as Record<string, unknown>)[k], (y as Record<string, unknown>)[k], `${path}.${k}`);
    } else if (x !== y) out.push(`${path}: ${JSON.stringify(x)} vs committed ${JSON.stringify(y)}`);
  };
  compare(a, b, "$");
  return out;
}
