// Dataset manifests: datasets/<name>/manifest.json lists every shipped file with its size and SHA-256,
// the examples per class and split, and where the data came from (licence, generator, seed).
//
// Why: the datasets are committed binary files that learners copy around, unzip badly or half-download.
// Every loader verifies the manifest before decoding anything, and fails with a message naming the file
// and the mismatch (missing, truncated, wrong size, wrong hash, wrong class counts) - it never returns
// partial data.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

export interface ManifestFile {
  /** Path relative to the dataset directory (forward slashes). */
  path: string;
  bytes: number;
  sha256: string;
  /** What the file holds. */
  description: string;
  /** For compressed files: SHA-256 of the decompressed payload (compression bytes may differ across zlib versions). */
  contentSha256?: string;
}

export interface DatasetManifest {
  name: string;
  title: string;
  description: string;
  licence: string;
  provenance: string;
  /** How to regenerate the files; the seed makes the output reproducible. */
  generator: { script: string; command: string; seed: number; tools?: Record<string, string>; seconds?: number };
  classes: string[];
  /** counts[split][className] = number of examples. */
  counts: Record<string, Record<string, number>>;
  files: ManifestFile[];
  /** Dataset-specific facts the loaders need (shapes, sample rates, normalisation constants...). */
  details: Record<string, unknown>;
}

/** A dataset file is missing, truncated, corrupted, or disagrees with its manifest. */
export class DatasetIntegrityError extends Error {
  constructor(
    readonly dataset: string,
    readonly file: string,
    readonly problem: string,
  ) {
    super(`dataset "${dataset}": ${file}: ${problem}`);
    this.name = "DatasetIntegrityError";
  }
}

/**
 * The repository's datasets/ directory (course-lib/data -> ../../datasets). Notebooks reach course-lib
 * through a symlink (notebooks/course-lib -> ../course-lib) and tslab keeps the symlinked path in
 * __dirname, so resolve the real location first.
 */
export function datasetsRoot(): string {
  return path.resolve(fs.realpathSync(__dirname), "..", "..", "datasets");
}

/** Directory of one dataset: an explicit dir wins (tests use temp copies), else datasets/<name>. */
export function datasetDir(name: string, dir?: string): string {
  return dir ?? path.join(datasetsRoot(), name);
}

export function sha256(data: Uint8Array | string): string {
  return crypto.createHash("sha256").update(data).digest("hex");
}

export function sha256File(file: string): string {
  return sha256(fs.readFileSync(file));
}

export function readManifest(name: string, dir: string): DatasetManifest {
  const file = path.join(dir, "manifest.json");
  if (!fs.existsSync(file)) {
    throw new DatasetIntegrityError(name, file, "manifest.json is missing (was the dataset directory copied whole?)");
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new DatasetIntegrityError(name, file, `manifest.json is not valid JSON (${(err as Error).message})`);
  }
  const m = parsed as DatasetManifest;
  for (const key of ["name", "classes", "counts", "files", "details"] as const) {
    if (m === null || typeof m !== "object" || !(key in m)) {
      throw new DatasetIntegrityError(name, file, `manifest.json has no "${key}" field`);
    }
  }
  if (m.name !== name) {
    throw new DatasetIntegrityError(name, file, `manifest.json describes dataset "${m.name}", expected "${name}"`);
  }
  return m;
}

// Hashing a few MB costs tens of ms; notebooks load the same files repeatedly, so remember files that
// were verified unchanged (same size and modification time).
const verifiedCache = new Map<string, string>();

/** Check one manifest entry against the file on disk; returns the absolute path. */
export function verifyFile(name: string, dir: string, entry: ManifestFile): string {
  const file = path.join(dir, entry.path);
  let stat: fs.BigIntStats;
  try {
    stat = fs.statSync(file, { bigint: true });
  } catch {
    throw new DatasetIntegrityError(name, file, `file is missing (manifest lists ${entry.bytes} bytes)`);
  }
  const size = Number(stat.size);
  if (size !== entry.bytes) {
    const how = size < entry.bytes ? "truncated" : "too long";
    throw new DatasetIntegrityError(name, file, `${how}: ${size} bytes on disk, manifest says ${entry.bytes}`);
  }
  // nanosecond times: a rewrite within the same millisecond must not hit the cache
  const key = `${size}:${stat.mtimeNs}:${stat.ctimeNs}:${stat.ino}:${entry.sha256}`;
  if (verifiedCache.get(file) === key) return file;
  const actual = sha256File(file);
  if (actual !== entry.sha256) {
    throw new DatasetIntegrityError(name, file, `corrupted: SHA-256 is ${actual}, manifest says ${entry.sha256}`);
  }
  verifiedCache.set(file, key);
  return file;
}

/** Forget which files were verified (tests that rewrite files in place). */
export function clearVerificationCache(): void {
  verifiedCache.clear();
}

/** Read the manifest and verify every file it lists. */
export function verifyDataset(name: string, dir?: string): DatasetManifest {
  const d = datasetDir(name, dir);
  const manifest = readManifest(name, d);
  for (const entry of manifest.files) verifyFile(name, d, entry);
  return manifest;
}

export function manifestEntry(manifest: DatasetManifest, relPath: string): ManifestFile {
  const entry = manifest.files.find((f) => f.path === relPath);
  if (!entry) {
    throw new DatasetIntegrityError(manifest.name, relPath, "not listed in manifest.json");
  }
  return entry;
}

/** Compare decoded labels with the manifest's per-class counts for a split. */
export function checkCounts(
  manifest: DatasetManifest,
  split: string,
  labels: ArrayLike<number>,
  source: string,
  expectedCounts?: Record<string, number>,
): void {
  const expected = expectedCounts ?? manifest.counts[split];
  if (!expected) throw new DatasetIntegrityError(manifest.name, source, `manifest has no counts for split "${split}"`);
  const actual = new Array<number>(manifest.classes.length).fill(0);
  for (let i = 0; i < labels.length; i++) {
    const y = labels[i];
    if (!(y >= 0 && y < actual.length)) {
      throw new DatasetIntegrityError(manifest.name, source, `label ${y} at example ${i} is outside 0..${actual.length - 1}`);
    }
    actual[y]++;
  }
  manifest.classes.forEach((cls, i) => {
    if ((expected[cls] ?? 0) !== actual[i]) {
      throw new DatasetIntegrityError(
        manifest.name,
        source,
        `split "${split}" has ${actual[i]} examples of class "${cls}", manifest says ${expected[cls] ?? 0}`,
      );
    }
  });
}

/** Build a manifest entry for a file that was just written (used by the generators). */
export function describeFile(dir: string, relPath: string, description: string, contentSha256?: string): ManifestFile {
  const data = fs.readFileSync(path.join(dir, relPath));
  const entry: ManifestFile = { path: relPath, bytes: data.length, sha256: sha256(data), description };
  if (contentSha256) entry.contentSha256 = contentSha256;
  return entry;
}

export function writeManifest(dir: string, manifest: DatasetManifest): void {
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
}

/** Count labels per class name, in class order (for manifests). */
export function countByClass(classes: readonly string[], labels: ArrayLike<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of classes) out[c] = 0;
  for (let i = 0; i < labels.length; i++) out[classes[labels[i]]]++;
  return out;
}

/** A short markdown description of a dataset from its manifest (for notebooks: tslab.display.markdown). */
export function summarizeDataset(name: string, dir?: string): string {
  const m = verifyDataset(name, dir);
  const splits = Object.keys(m.counts);
  const header = `| class | ${splits.join(" | ")} |\n| --- | ${splits.map(() => "---:").join(" | ")} |`;
  const rows = m.classes.map((c) => `| ${c} | ${splits.map((s) => m.counts[s][c] ?? 0).join(" | ")} |`);
  const totals = `| **total** | ${splits.map((s) => Object.values(m.counts[s]).reduce((a, b) => a + b, 0)).join(" | ")} |`;
  const bytes = m.files.reduce((a, f) => a + f.bytes, 0);
  return [
    `**${m.title}** (\`datasets/${m.name}\`, ${(bytes / 1e6).toFixed(1)} MB, verified)`,
    "",
    m.description,
    "",
    header,
    ...rows,
    totals,
    "",
    `Licence: ${m.licence}`,
    "",
    `Provenance: ${m.provenance} Regenerate with \`${m.generator.command}\` (seed ${m.generator.seed}).`,
  ].join("\n");
}
