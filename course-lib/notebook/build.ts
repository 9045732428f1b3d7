// Executes the course notebooks into build/notebooks/, skipping those whose inputs did not change.
//
// Shared by `npm start` (course-lib/tools/start.ts) and the notebook test (notebooks.test.ts) so the book
// and the tests see notebooks executed the same way. A notebook's inputs are its own file plus everything
// it can import or read: course-lib/, the learner's exercises/, solutions/, datasets/ and the lockfile.
// Their content hashes are kept in build/notebooks/manifest.json. Only build/ is ever written: the
// learner's notebooks/ and exercises/ are read-only here.

import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { executeNotebook, firstSourceLine, loadNotebook, NotebookError, NotebookRunRecord } from "./execute";
import { PROJECT_ROOT } from "./kernel";
import { createNotebook, joinSource, Notebook, parseNotebook, RUN_METADATA_KEY, serializeNotebook } from "./nbformat";

export const MANIFEST_VERSION = 1;

/** Folders and files (relative to the project root) whose content decides whether a notebook must re-run. */
export const DEPENDENCY_PATHS = [
  "course-lib",
  "exercises",
  "solutions",
  "datasets",
  "package-lock.json",
  "package.json",
  "tsconfig.json",
];
const IGNORED_NAMES = new Set(["node_modules", ".git", "build", "__pycache__", ".DS_Store", ".ipynb_checkpoints"]);

export interface ManifestEntry {
  notebookHash: string;
  dependencyHash: string;
  status: "ok" | "failed";
  executedAt: string;
  seconds: number;
  error?: string;
}
export interface Manifest {
  version: number;
  notebooks: Record<string, ManifestEntry>;
  /** path -> size/mtime/hash, so unchanged large files (datasets) are not re-read on every start. */
  fileHashes: Record<string, { size: number; mtimeMs: number; sha256: string }>;
}

export type BuildEvent =
  | { type: "start"; name: string; index: number; count: number }
  | { type: "cell"; name: string; cell: number; total: number; firstLine: string }
  | { type: "skipped"; name: string }
  | { type: "done"; name: string; seconds: number; codeCells: number; outPath: string }
  | { type: "failed"; name: string; seconds: number; error: Error; outPath: string };

export interface BuildOptions {
  /** Project root (holds notebooks/, course-lib/, ...). Default: this checkout. */
  root?: string;
  /** Where the notebooks are read from. Default <root>/notebooks. */
  notebooksDir?: string;
  /** Where executed copies and manifest.json go. Default <root>/build/notebooks. */
  outDir?: string;
  /** Run only notebooks whose name starts with one of these (e.g. "00"). */
  only?: string[];
  /** Re-run even when nothing changed. */
  force?: boolean;
  cellTimeoutMs?: number;
  onEvent?(event: BuildEvent): void;
  /** Checked between notebooks: return true to stop early (Ctrl-C). */
  shouldStop?(): boolean;
}

export interface NotebookBuildResult {
  name: string;
  sourcePath: string;
  outPath: string;
  status: "executed" | "skipped" | "failed";
  seconds: number;
  error?: Error;
}

/** The .ipynb files in a folder, in name order (the course order: 00-, 01-, ...). */
export function listNotebooks(notebooksDir: string): string[] {
  if (!fs.existsSync(notebooksDir)) return [];
  return fs
    .readdirSync(notebooksDir)
    .filter((name) => name.endsWith(".ipynb") && !name.startsWith("."))
    .sort()
    .map((name) => path.join(notebooksDir, name));
}

/** Notebook name without folder and extension, e.g. "00-getting-started". */
export function notebookName(notebookPath: string): string {
  return path.basename(notebookPath, ".ipynb");
}

/**
 * Selects notebooks by name prefix ("00" -> 00-*), or by full name; a value that matches nothing is an
 * error listing the choices.
 */
export function selectNotebooks(all: string[], only: string[] | undefined): string[] {
  if (!only || only.length === 0) return all;
  const names = all.map(notebookName);
  for (const prefix of only) {
    if (!names.some((name) => name.startsWith(prefix)))
      throw new Error(
        `--only ${prefix}: no notebook name starts with "${prefix}"; notebooks: ${names.join(", ") || "(none)"}`,
      );
  }
  // A full name selects just that notebook, even if it is also the start of another one's name.
  const matches = (name: string, value: string) => (names.includes(value) ? name === value : name.startsWith(value));
  return all.filter((file) => only.some((value) => matches(notebookName(file), value)));
}

function sha256(data: Buffer | string): string {
  return createHash("sha256").update(data).digest("hex");
}

function emptyManifest(): Manifest {
  return { version: MANIFEST_VERSION, notebooks: {}, fileHashes: {} };
}

export function readManifest(outDir: string): Manifest {
  const file = path.join(outDir, "manifest.json");
  if (!fs.existsSync(file)) return emptyManifest();
  try {
    const manifest = JSON.parse(fs.readFileSync(file, "utf8")) as Manifest;
    if (manifest.version !== MANIFEST_VERSION || typeof manifest.notebooks !== "object") return emptyManifest();
    manifest.fileHashes ??= {};
    return manifest;
  } catch {
    // A damaged manifest only costs a re-run; it must never stop the build.
    return emptyManifest();
  }
}

function writeManifest(outDir: string, manifest: Manifest): void {
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, "manifest.json");
  fs.writeFileSync(file + ".tmp", JSON.stringify(manifest, null, 1) + "\n");
  fs.renameSync(file + ".tmp", file);
}

function listFiles(root: string, relative: string, into: string[], visited = new Set<string>()): void {
  const absolute = path.join(root, relative);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(absolute);
  } catch {
    return;
  }
  if (stat.isDirectory()) {
    // Symlinked folders (notebooks/course-lib -> ../course-lib style) must not make us loop.
    const real = fs.realpathSync(absolute);
    if (visited.has(real)) return;
    visited.add(real);
  }
  if (stat.isFile()) {
    into.push(relative);
    return;
  }
  if (!stat.isDirectory()) return;
  for (const entry of fs.readdirSync(absolute).sort()) {
    if (IGNORED_NAMES.has(entry)) continue;
    listFiles(root, path.join(relative, entry), into, visited);
  }
}

/**
 * One hash over the paths and contents of every file a notebook may depend on. File hashes are cached
 * by size and mtime in the manifest; the cache is rebuilt so deleted files drop out.
 */
export function dependencyHash(root: string, manifest: Manifest): string {
  const files: string[] = [];
  for (const entry of DEPENDENCY_PATHS) listFiles(root, entry, files);
  const cache: Manifest["fileHashes"] = {};
  const overall = createHash("sha256");
  for (const relative of files) {
    const absolute = path.join(root, relative);
    const stat = fs.statSync(absolute);
    const key = relative.split(path.sep).join("/");
    const cached = manifest.fileHashes[key];
    const hash =
      cached && cached.size === stat.size && cached.mtimeMs === stat.mtimeMs ? cached.sha256 : sha256(fs.readFileSync(absolute));
    cache[key] = { size: stat.size, mtimeMs: stat.mtimeMs, sha256: hash };
    overall.update(key + "\0" + hash + "\n");
  }
  manifest.fileHashes = cache;
  return overall.digest("hex");
}

function isValidExecutedCopy(file: string): boolean {
  try {
    parseNotebook(fs.readFileSync(file, "utf8"), file);
    return true;
  } catch {
    return false;
  }
}

/**
 * Executes the selected notebooks in order, writing build copies and the manifest. Never throws for a
 * failing notebook: its result has status "failed" and the error (a NotebookError naming notebook, cell
 * and message); the partially executed notebook is still written so the book can show it.
 */
export async function buildNotebooks(options: BuildOptions = {}): Promise<NotebookBuildResult[]> {
  const root = path.resolve(options.root ?? PROJECT_ROOT);
  const notebooksDir = path.resolve(options.notebooksDir ?? path.join(root, "notebooks"));
  const outDir = path.resolve(options.outDir ?? path.join(root, "build", "notebooks"));
  if (path.relative(notebooksDir, outDir) === "")
    throw new Error(`the output folder ${outDir} is the notebooks folder: executed copies would overwrite the sources`);
  const all = listNotebooks(notebooksDir);
  const selected = selectNotebooks(all, options.only);
  const manifest = readManifest(outDir);
  const depsHash = dependencyHash(root, manifest);
  fs.mkdirSync(outDir, { recursive: true });

  // A full build drops executed copies of notebooks that no longer exist, so the book has no stale pages.
  if (!options.only || options.only.length === 0) {
    const current = new Set(all.map(notebookName));
    for (const file of fs.readdirSync(outDir)) {
      if (file.endsWith(".ipynb") && !current.has(path.basename(file, ".ipynb"))) fs.rmSync(path.join(outDir, file));
    }
    for (const name of Object.keys(manifest.notebooks)) if (!current.has(name)) delete manifest.notebooks[name];
  }

  const results: NotebookBuildResult[] = [];
  for (const [index, sourcePath] of selected.entries()) {
    if (options.shouldStop?.()) break;
    const name = notebookName(sourcePath);
    const outPath = path.join(outDir, `${name}.ipynb`);
    const notebookHash = sha256(fs.readFileSync(sourcePath));
    const previous = manifest.notebooks[name];
    if (
      !options.force &&
      previous &&
      previous.status === "ok" &&
      previous.notebookHash === notebookHash &&
      previous.dependencyHash === depsHash &&
      isValidExecutedCopy(outPath)
    ) {
      options.onEvent?.({ type: "skipped", name });
      results.push({ name, sourcePath, outPath, status: "skipped", seconds: 0 });
      continue;
    }
    options.onEvent?.({ type: "start", name, index, count: selected.length });
    const started = Date.now();
    let sourceCells: Notebook["cells"] = [];
    try {
      sourceCells = loadNotebook(sourcePath).cells;
    } catch {
      /* executeNotebook reports the same problem as a proper error below */
    }
    try {
      const executed = await executeNotebook(sourcePath, {
        outPath,
        cellTimeoutMs: options.cellTimeoutMs,
        onCell: (cell, total) =>
          options.onEvent?.({
            type: "cell",
            name,
            cell,
            total,
            firstLine: firstSourceLine(joinSource(sourceCells[cell - 1]?.source ?? "")),
          }),
      });
      const seconds = (Date.now() - started) / 1000;
      manifest.notebooks[name] = { notebookHash, dependencyHash: depsHash, status: "ok", executedAt: new Date().toISOString(), seconds };
      const codeCells = executed.cells.filter((c) => c.cell_type === "code" && c.execution_count !== null).length;
      options.onEvent?.({ type: "done", name, seconds, codeCells, outPath });
      results.push({ name, sourcePath, outPath, status: "executed", seconds });
    } catch (error) {
      const seconds = (Date.now() - started) / 1000;
      const err = error as Error;
      // An unreadable notebook never reached the kernel, so there is no partial copy: write a one-cell
      // notebook stating the problem instead, so the book shows an error page rather than a stale one.
      if (!(error instanceof NotebookError && error.notebook !== undefined)) {
        const placeholder = createNotebook([
          { type: "markdown", source: `# ${name}\n\n**This notebook could not be run:**\n\n\`\`\`\n${err.message}\n\`\`\`\n` },
        ]);
        const record: NotebookRunRecord = { status: "failed", executed_at: new Date().toISOString(), seconds, error: err.message };
        placeholder.metadata[RUN_METADATA_KEY] = record;
        fs.writeFileSync(outPath, serializeNotebook(placeholder));
      }
      manifest.notebooks[name] = {
        notebookHash,
        dependencyHash: depsHash,
        status: "failed",
        executedAt: new Date().toISOString(),
        seconds,
        error: err.message,
      };
      options.onEvent?.({ type: "failed", name, seconds, error: err, outPath });
      results.push({ name, sourcePath, outPath, status: "failed", seconds, error: err });
    }
    writeManifest(outDir, manifest);
  }
  writeManifest(outDir, manifest);
  return results;
}
