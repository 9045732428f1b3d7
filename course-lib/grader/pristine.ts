// Pristine tests: a learner's grade comes from the graded tests as the instructor released them, never
// from a copy the learner edited (on purpose or by accident). The grader copies the pristine test files
// into a private directory outside the learner's tree and runs those; each learner test file that differs
// is reported by name, with whether it was used.
// Where the pristine version comes from:
// - a released assignment has exercises/graded-tests.json (written by `npm run assignment -- release`):
//   the SHA-256 and the tests of every graded test file. A file that differs is replaced by the version
//   in git's history that has the released checksum; when no such version exists it is graded as it is,
//   with a loud warning that the grades do not count. Test files not in the manifest are not graded.
// - without a manifest (the course repository itself), the committed version (git HEAD) of each tracked
//   test file; uncommitted or untracked test files are graded as they are, with the same warning.
// - the batch grader uses the instructor's tests and ignores the learner's entirely (compareTests names
//   the ones that differ).
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GraderUsageError, findTestFiles } from "./discover";
import type { KnownTest, TestIntegrity } from "./run";

/** The manifest of a released assignment, in its exercises/ directory. */
export const MANIFEST_FILE = "graded-tests.json";

export interface ManifestFile {
  /** Path relative to exercises/, with "/" separators: "00-getting-started/warmup.test.ts". */
  path: string;
  sha256: string;
  tests: KnownTest[];
}

export interface AssignmentManifest {
  tool: "tinyml-course assignment";
  formatVersion: 1;
  releasedAt: string;
  course: { version: string; commit: string | null };
  lessons: string[];
  files: ManifestFile[];
  /** Tests the instructor keeps (run with --tests when grading): how many, and their points per exercise. */
  hiddenTests: { tests: number; points: number; pointsByExercise: Record<string, number> } | null;
}

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}

/** The manifest in exercisesDir, or null when there is none; a malformed one is an error naming the file. */
export function readManifest(exercisesDir: string): AssignmentManifest | null {
  const file = path.join(exercisesDir, MANIFEST_FILE);
  if (!fs.existsSync(file)) return null;
  let manifest: AssignmentManifest;
  try {
    manifest = JSON.parse(fs.readFileSync(file, "utf8")) as AssignmentManifest;
  } catch (error) {
    throw new GraderUsageError(`${file} is not valid JSON (${(error as Error).message}); restore it from the released assignment`);
  }
  const valid =
    manifest?.tool === "tinyml-course assignment" &&
    manifest.formatVersion === 1 &&
    Array.isArray(manifest.files) &&
    manifest.files.every((f) => typeof f.path === "string" && /^[0-9a-f]{64}$/.test(f.sha256) && Array.isArray(f.tests));
  if (!valid) throw new GraderUsageError(`${file} is not an assignment manifest (format 1 of "tinyml-course assignment"); restore it from the released assignment`);
  return manifest;
}

export interface PristineTests {
  /** Private directory holding the copies, laid out like exercises/. */
  dir: string;
  /** What the report calls that directory ("exercises"). */
  label: string;
  integrity: TestIntegrity;
  /** Tests per copied file (absolute path), from the manifest, for files that cannot be loaded. */
  knownTests: Map<string, KnownTest[]>;
  /** Removes the private directory. */
  remove(): void;
}

function git(repoRoot: string, args: string[]): Buffer | null {
  try {
    return execFileSync("git", ["-C", repoRoot, ...args], { stdio: ["ignore", "pipe", "ignore"], maxBuffer: 64 * 1024 * 1024 });
  } catch {
    return null;
  }
}

function privateDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o700);
  return dir;
}

function toPosix(relative: string): string {
  return relative.split(path.sep).join("/");
}

/** A test file that cannot load, standing in for a deleted one whose tests the manifest lists. */
function missingFileStandIn(why: string): string {
  return `// Written by the grader: the graded test file was deleted and no pristine copy was found.\nthrow new Error(${JSON.stringify(why)});\n`;
}

/**
 * The pristine versions of the graded tests of the repository at repoRoot (its exercisesDir), copied into
 * a private directory. See the header for where each version comes from.
 */
export function pristineTests(options: { repoRoot: string; exercisesDir: string; suffix: string; label: string }): PristineTests {
  const { repoRoot, exercisesDir, suffix, label } = options;
  const manifest = readManifest(exercisesDir);
  const dir = privateDir("tinyml-grader-tests-");
  const knownTests = new Map<string, KnownTest[]>();
  const edited: TestIntegrity["edited"] = [];
  const worktree = new Map(findTestFiles(exercisesDir, suffix).map((f) => [toPosix(path.relative(exercisesDir, f.path)), fs.readFileSync(f.path)]));
  const gitTop = git(repoRoot, ["rev-parse", "--show-toplevel"])?.toString("utf8").trim();
  const hasHead = gitTop !== undefined && git(repoRoot, ["rev-parse", "--verify", "--quiet", "HEAD"]) !== null;
  // Path of a test file as git names it (relative to the top of the work tree).
  const gitPath = (relative: string) => toPosix(path.relative(gitTop ?? repoRoot, path.join(fs.realpathSync(exercisesDir), relative)));
  const show = (relative: string) => `${label}/${relative}`;
  const write = (relative: string, content: Buffer | string) => {
    const target = path.join(dir, ...relative.split("/"));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, content);
    return target;
  };

  let source: string;
  if (manifest) {
    source = `the released tests (${label}/${MANIFEST_FILE}, released ${manifest.releasedAt.slice(0, 10)})`;
    for (const file of manifest.files) {
      const current = worktree.get(file.path);
      let target: string;
      if (current && sha256(current) === file.sha256) {
        target = write(file.path, current);
      } else {
        const released = hasHead ? findInHistory(repoRoot, gitPath(file.path), file.sha256) : null;
        if (released) {
          target = write(file.path, released.content);
          edited.push({ file: show(file.path), used: false, detail: `${current ? "edited" : "deleted"}; graded with the released version (git commit ${released.commit.slice(0, 7)})` });
        } else if (current) {
          target = write(file.path, current);
          edited.push({ file: show(file.path), used: true, detail: "differs from the released version, and git's history has no copy of it: graded AS EDITED, so these grades do not count" });
        } else {
          const why = `the test file ${show(file.path)} was deleted and git's history has no released copy: its tests count as failed`;
          target = write(file.path, missingFileStandIn(why));
          edited.push({ file: show(file.path), used: false, detail: "deleted, and git's history has no released copy: its tests count as failed" });
        }
      }
      knownTests.set(target, file.tests);
    }
    const released = new Set(manifest.files.map((f) => f.path));
    for (const relative of worktree.keys()) {
      if (!released.has(relative)) edited.push({ file: show(relative), used: false, detail: "not part of the released assignment: not graded" });
    }
  } else if (hasHead) {
    source = "the committed tests (git HEAD)";
    const tracked = new Set(
      (git(repoRoot, ["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", gitPath(".")])?.toString("utf8").split("\0").filter((name) => name.endsWith(suffix)) ?? []),
    );
    const prefix = gitPath(".") === "." ? "" : `${gitPath(".")}/`;
    const committed = new Map([...tracked].map((name) => [name.slice(prefix.length), name]));
    for (const [relative, name] of committed) {
      const content = git(repoRoot, ["show", `HEAD:${name}`]);
      if (!content) continue;
      write(relative, content);
      const current = worktree.get(relative);
      if (!current) edited.push({ file: show(relative), used: false, detail: "deleted; graded with the committed version (HEAD)" });
      else if (!current.equals(content)) edited.push({ file: show(relative), used: false, detail: "has uncommitted changes; graded with the committed version (HEAD)" });
    }
    for (const [relative, content] of worktree) {
      if (committed.has(relative)) continue;
      write(relative, content);
      edited.push({ file: show(relative), used: true, detail: "not committed, so it cannot be checked: graded as it is, so these grades do not count" });
    }
  } else {
    source = "the tests as they are (no assignment manifest and no git history to check them against)";
    for (const [relative, content] of worktree) write(relative, content);
  }
  return { dir, label, integrity: { source, edited }, knownTests, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** The newest commit (from HEAD back) whose version of gitPath has this SHA-256, with that content. */
function findInHistory(repoRoot: string, gitPath: string, checksum: string): { commit: string; content: Buffer } | null {
  const commits = git(repoRoot, ["log", "--format=%H", "HEAD", "--", gitPath])?.toString("utf8").split("\n").filter(Boolean) ?? [];
  for (const commit of commits) {
    const content = git(repoRoot, ["show", `${commit}:${gitPath}`]);
    if (content && sha256(content) === checksum) return { commit, content };
  }
  return null;
}

/**
 * The batch grader's check of a submission: the instructor's tests are graded, and the learner's test
 * files that differ from them (edited, deleted or added) are named, none of them used.
 */
export function compareTests(pristineDir: string, learnerDir: string, suffix: string, label: string): TestIntegrity["edited"] {
  const read = (root: string) => new Map(findTestFiles(root, suffix).map((f) => [toPosix(path.relative(root, f.path)), sha256(fs.readFileSync(f.path))]));
  const pristine = read(pristineDir);
  const learner = fs.existsSync(learnerDir) ? read(learnerDir) : new Map<string, string>();
  const edited: TestIntegrity["edited"] = [];
  for (const [relative, checksum] of pristine) {
    const theirs = learner.get(relative);
    if (theirs === undefined) edited.push({ file: `${label}/${relative}`, used: false, detail: "missing from the submission; the instructor's copy was graded" });
    else if (theirs !== checksum) edited.push({ file: `${label}/${relative}`, used: false, detail: "edited in the submission; the instructor's copy was graded" });
  }
  for (const relative of learner.keys()) {
    if (!pristine.has(relative)) edited.push({ file: `${label}/${relative}`, used: false, detail: "not part of the assignment: not graded" });
  }
  return edited;
}
