// The pipeline's stage cache: a stage's result is stored under a key made of everything it read (its own
// options, the keys of the stages it consumed, the dataset's checksums and the pipeline's version), so a
// re-run with one option changed recomputes that stage and the stages after it, and nothing before.
// An entry is written to a temporary folder and renamed into place, so an interrupted run or two runs at
// once never leave a half-written entry that a later run would trust.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Bump when a stage's computation changes meaning, so old entries are not reused. */
export const PIPELINE_CACHE_VERSION = 1;

/** JSON with object keys sorted, so that equal inputs give equal keys whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return "null";
  if (typeof value === "number" && !Number.isFinite(value)) return JSON.stringify(String(value));
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
  }
  return JSON.stringify(value);
}

/** The key of a stage: a hash of its name, its inputs and the keys of the stages it consumed. */
export function stageKey(stage: string, inputs: unknown, parents: readonly string[]): string {
  const text = canonicalJson({ version: PIPELINE_CACHE_VERSION, stage, inputs, parents });
  return createHash("sha256").update(text).digest("hex").slice(0, 20);
}

export interface CacheEntry<T> {
  stage: string;
  key: string;
  /** The folder holding the entry's files (models, graphs, firmware). */
  dir: string;
  result: T;
  /** Seconds the computation took when it ran (a cache hit costs almost nothing). */
  seconds: number;
  /** True when the result came from the cache. */
  hit: boolean;
}

let tmpCounter = 0;

/**
 * The stage's cached result, or `compute(dir)`'s, stored under `<cacheDir>/<stage>/<key>/`. compute writes its
 * files into `dir` and returns a JSON-serialisable result.
 */
export async function cachedStage<T>(cacheDir: string, stage: string, key: string, inputs: unknown, compute: (dir: string) => Promise<T>): Promise<CacheEntry<T>> {
  const dir = join(cacheDir, stage, key);
  const entryFile = join(dir, "entry.json");
  if (existsSync(entryFile)) {
    try {
      const stored = JSON.parse(readFileSync(entryFile, "utf8")) as { result: T; seconds: number };
      return { stage, key, dir, result: stored.result, seconds: stored.seconds, hit: true };
    } catch {
      // A corrupt entry (edited by hand, disk full) is recomputed; the rename below replaces it.
    }
  }
  const tmp = join(cacheDir, stage, `.${key}.tmp-${process.pid}-${++tmpCounter}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  const started = performance.now();
  let result: T;
  try {
    result = await compute(tmp);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const seconds = (performance.now() - started) / 1000;
  writeFileSync(join(tmp, "entry.json"), JSON.stringify({ stage, key, inputs, seconds, created: new Date().toISOString(), result }, null, 1) + "\n");
  rmSync(dir, { recursive: true, force: true });
  try {
    renameSync(tmp, dir);
  } catch (e) {
    // Another run stored the same entry first: theirs is as good as ours.
    if (!existsSync(entryFile)) throw e;
    rmSync(tmp, { recursive: true, force: true });
  }
  // Files inside the entry are addressed through the final folder from now on.
  return { stage, key, dir, result: relocate(result, tmp, dir), seconds, hit: false };
}

/** Replaces the temporary folder's path in a result's strings by the final one. */
function relocate<T>(result: T, from: string, to: string): T {
  return JSON.parse(JSON.stringify(result).split(JSON.stringify(from).slice(1, -1)).join(JSON.stringify(to).slice(1, -1))) as T;
}
