// Grading a class: `npm run grade -- --submissions <dir>` grades every learner repository under <dir>
// (one folder per learner, as GitHub Classroom's clone tool or an LMS export lays them out) with the
// instructor's pristine tests, several learners at a time, each under a time limit, and writes a gradebook
// (build/gradebook.csv: one row per learner; build/gradebook.json: every test) plus each learner's own
// report (build/gradebook/<learner>/grades.{json,csv,log}) to hand back.
// Each learner is graded from a private copy of their exercises/ (regular files only), with their code's
// working directory in that copy, so nothing in <dir> is ever written. A learner who cannot be graded
// (no exercises/, a grader failure) gets a row that says why; the batch itself does not stop.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";
import { GraderUsageError, findExerciseModules, findTestFiles, parseOnly } from "./discover";
import { compareTests, MANIFEST_FILE, readManifest, sha256 } from "./pristine";
import { csvLine, editedTestsUsed, integrityWarnings, reportCsv, reportJson, reportLog } from "./report";
import { grade, listGradedTests, REPO_ROOT, type GradeReport, type KnownTest, type TestGrade } from "./run";

/** Default time limit for grading one learner: well above the ~30 s the full course takes on the solutions. */
export const DEFAULT_LEARNER_TIMEOUT_MS = 15 * 60_000;

export interface BatchOptions {
  /** One folder per learner. */
  submissionsDir: string;
  /** Learners graded at the same time (default: the number of CPUs). */
  jobs?: number;
  /** Time limit for one learner (default 15 min); what is not graded by then counts as failed. */
  learnerTimeoutMs?: number;
  /** Per-test time limit (default 10 s). */
  timeoutMs?: number;
  /** Hidden tests, graded for every learner. */
  extraTestDirs?: string[];
  only?: string;
  /** The pristine graded tests (default <course>/exercises). */
  exercisesDir?: string;
  /** A released assignment (`npm run assignment -- release`): its tests, checked against its manifest, are
   * the pristine ones, and only its lessons are graded. */
  assignmentDir?: string;
  /** Where the tests are listed against when a learner's file cannot load (default <course>/solutions, else the stubs). */
  solutionsDir?: string;
  testFileSuffix?: string;
  onProgress?: (line: string) => void;
  /** Passed to grade() (tests use short limits). */
  stallTimeoutMs?: number;
  hangGraceMs?: number;
}

export type LearnerStatus = "graded" | "does not compile" | "timed out" | "not graded";

export interface LearnerRow {
  learner: string;
  status: LearnerStatus;
  /** Why the status is not "graded" (or what a graded learner should know first), else null. */
  why: string | null;
  pointsEarned: number;
  pointsPossible: number;
  percent: number;
  /** Points earned per exercise id. */
  exercises: Record<string, number>;
  /** Learner's test files that differ from the pristine ones (none of them used). */
  editedTests: string[];
  warnings: string[];
  durationMs: number;
  tests: TestGrade[];
}

export interface Gradebook {
  tool: "tinyml-course gradebook";
  formatVersion: 1;
  gradedAt: string;
  submissionsDir: string;
  testDirs: string[];
  only: string | null;
  timeoutMs: number | null;
  learnerTimeoutMs: number;
  jobs: number;
  durationMs: number;
  /** The assignment: one column per exercise. */
  exercises: { id: string; lesson: string; pointsPossible: number; tests: number }[];
  pointsPossible: number;
  learners: LearnerRow[];
}

/** The folder holding a learner's exercises/: the folder itself, or its only subfolder that has one. */
function findLearnerRoot(folder: string): string | null {
  if (fs.existsSync(path.join(folder, "exercises"))) return folder;
  const inner = fs
    .readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith(".") && fs.existsSync(path.join(folder, entry.name, "exercises")));
  return inner.length === 1 ? path.join(folder, inner[0].name) : null;
}

/** Copies the regular files of src into dest (symbolic links are skipped: they could point at solutions). */
function copyRegularFiles(src: string, dest: string): string[] {
  const skipped: string[] = [];
  const walk = (from: string, to: string) => {
    fs.mkdirSync(to, { recursive: true });
    for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
      if (entry.name === "node_modules" || entry.name === ".git") continue;
      const source = path.join(from, entry.name);
      if (entry.isSymbolicLink()) skipped.push(source);
      else if (entry.isDirectory()) walk(source, path.join(to, entry.name));
      else if (entry.isFile()) fs.copyFileSync(source, path.join(to, entry.name));
    }
  };
  walk(src, dest);
  return skipped;
}

/** Syntax errors of the learner's exercise modules, one line each (type errors are not checked: vitest strips types). */
export function syntaxErrors(exercisesDir: string, suffix = ".test.ts"): string[] {
  const problems: string[] = [];
  for (const file of findExerciseModules(exercisesDir, suffix)) {
    const text = fs.readFileSync(file, "utf8");
    const output = ts.transpileModule(text, { fileName: file, reportDiagnostics: true, compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS } });
    const first = output.diagnostics?.[0];
    if (!first) continue;
    const where = first.file && first.start !== undefined ? `:${first.file.getLineAndCharacterOfPosition(first.start).line + 1}` : "";
    problems.push(`exercises/${path.relative(exercisesDir, file).split(path.sep).join("/")}${where}: ${ts.flattenDiagnosticMessageText(first.messageText, " ")}`);
  }
  return problems;
}

function emptyRow(learner: string, status: LearnerStatus, why: string, pointsPossible: number, startedAt: number): LearnerRow {
  return { learner, status, why, pointsEarned: 0, pointsPossible, percent: 0, exercises: {}, editedTests: [], warnings: [], durationMs: Date.now() - startedAt, tests: [] };
}

/** Runs `work` over items, at most `jobs` at a time, keeping the items' order in the results. */
async function pool<T, R>(items: T[], jobs: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, items.length) }, worker));
  return results;
}

/** Grades every learner folder under submissionsDir; see the header. */
export async function gradeSubmissions(options: BatchOptions): Promise<{ gradebook: Gradebook; reports: Map<string, GradeReport> }> {
  const startedAt = Date.now();
  const suffix = options.testFileSuffix ?? ".test.ts";
  const submissionsDir = path.resolve(options.submissionsDir);
  if (!fs.existsSync(submissionsDir) || !fs.statSync(submissionsDir).isDirectory()) {
    throw new GraderUsageError(`--submissions ${JSON.stringify(options.submissionsDir)} is not a directory (expected one folder per learner)`);
  }
  const jobs = options.jobs ?? Math.max(1, os.availableParallelism?.() ?? os.cpus().length);
  if (!Number.isInteger(jobs) || jobs < 1) throw new GraderUsageError(`--jobs ${JSON.stringify(options.jobs)} is not a whole number >= 1`);
  const learnerTimeoutMs = options.learnerTimeoutMs ?? DEFAULT_LEARNER_TIMEOUT_MS;
  if (!Number.isFinite(learnerTimeoutMs) || learnerTimeoutMs <= 0) {
    throw new GraderUsageError(`--learner-timeout ${JSON.stringify(options.learnerTimeoutMs)} must be a number of seconds > 0`);
  }
  if (options.assignmentDir !== undefined && options.exercisesDir !== undefined) throw new GraderUsageError("give the tests either as an assignment or as an exercises directory, not both");
  const exercisesDir = options.assignmentDir !== undefined ? releasedTestsDir(options.assignmentDir, suffix) : path.resolve(options.exercisesDir ?? path.join(REPO_ROOT, "exercises"));
  const solutionsDir = path.resolve(options.solutionsDir ?? path.join(REPO_ROOT, "solutions"));
  const progress = options.onProgress ?? (() => undefined);
  const learners = fs
    .readdirSync(submissionsDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith("."))
    .map((entry) => entry.name)
    .sort((a, b) => a.localeCompare(b));
  if (learners.length === 0) throw new GraderUsageError(`--submissions ${JSON.stringify(options.submissionsDir)} has no learner folders`);

  // The assignment: which tests (and points) the pristine test files hold, listed against code that loads.
  const pristineFiles = findTestFiles(exercisesDir, suffix).map((f) => f.path);
  const hiddenFiles = (options.extraTestDirs ?? []).flatMap((dir) => findTestFiles(path.resolve(dir), suffix).map((f) => f.path));
  const listingTarget = fs.existsSync(solutionsDir) ? solutionsDir : exercisesDir;
  const listed = await listGradedTests({ files: [...pristineFiles, ...hiddenFiles], targetDir: listingTarget, timeoutMs: options.timeoutMs });
  const columns = new Map<string, { id: string; lesson: string; pointsPossible: number; tests: number }>();
  const lessonOf = (file: string) => {
    const root = file.startsWith(exercisesDir + path.sep) ? exercisesDir : (options.extraTestDirs ?? []).map((d) => path.resolve(d)).find((d) => file.startsWith(d + path.sep));
    return root ? path.relative(root, file).split(path.sep)[0] : "(no lesson)";
  };
  const onlyMatches = onlyFilter(options.only);
  for (const [file, tests] of listed) {
    for (const test of tests) {
      if (!onlyMatches(lessonOf(file), test.id)) continue;
      const column = columns.get(test.id) ?? { id: test.id, lesson: lessonOf(file), pointsPossible: 0, tests: 0 };
      column.pointsPossible += test.points;
      column.tests += 1;
      columns.set(test.id, column);
    }
  }
  const exercises = [...columns.values()].sort((a, b) => compareIds(a.id, b.id));
  const pointsPossible = exercises.reduce((sum, e) => sum + e.pointsPossible, 0);
  progress(`grading ${learners.length} learner${learners.length === 1 ? "" : "s"}, ${jobs} at a time, ${pointsPossible} points each (time limit ${Math.round(learnerTimeoutMs / 1000)} s per learner)`);

  const reports = new Map<string, GradeReport>();
  let done = 0;
  const rows = await pool(learners, jobs, async (learner) => {
    const rowStartedAt = Date.now();
    const row = await gradeLearner(learner);
    row.durationMs = Date.now() - rowStartedAt;
    done += 1;
    const summary = row.status === "not graded" ? `not graded: ${row.why}` : `${row.pointsEarned} / ${row.pointsPossible} points (${row.percent.toFixed(1)} %)${row.status === "graded" ? "" : ` · ${row.status}: ${row.why}`}`;
    progress(`[${done}/${learners.length}] ${learner}: ${summary}${row.editedTests.length ? ` · ${row.editedTests.length} edited test file(s) ignored` : ""} · ${(row.durationMs / 1000).toFixed(1)} s`);
    return row;
  });

  async function gradeLearner(learner: string): Promise<LearnerRow> {
    const rowStartedAt = Date.now();
    const folder = path.join(submissionsDir, learner);
    const root = findLearnerRoot(folder);
    if (!root) return emptyRow(learner, "not graded", `no exercises/ folder (expected ${learner}/exercises/<NN-lesson>/*.ts)`, pointsPossible, rowStartedAt);
    const work = fs.mkdtempSync(path.join(os.tmpdir(), "tinyml-grader-learner-"));
    fs.chmodSync(work, 0o700);
    try {
      // The learner's code and its working directory: a private copy.
      const learnerRoot = path.join(work, "repo");
      const skippedLinks = copyRegularFiles(path.join(root, "exercises"), path.join(learnerRoot, "exercises"));
      // The pristine tests, copied per learner so one learner's code cannot change another's tests.
      const testsDir = path.join(work, "tests");
      const knownTests = new Map<string, KnownTest[]>();
      for (const file of pristineFiles) {
        const target = path.join(testsDir, path.relative(exercisesDir, file));
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.copyFileSync(file, target);
        knownTests.set(target, listed.get(file) ?? []);
      }
      for (const file of hiddenFiles) knownTests.set(file, listed.get(file) ?? []);
      const edited = compareTests(exercisesDir, path.join(root, "exercises"), suffix, "exercises");
      const compileProblems = syntaxErrors(path.join(learnerRoot, "exercises"), suffix);
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(`the time limit for one learner (${Math.round(learnerTimeoutMs / 1000)} s) ran out`), learnerTimeoutMs);
      let report: GradeReport;
      try {
        report = await grade({
          exercisesDir: testsDir,
          targetDir: path.join(learnerRoot, "exercises"),
          solutionsDir,
          cwd: learnerRoot,
          extraTestDirs: options.extraTestDirs,
          only: options.only,
          timeoutMs: options.timeoutMs,
          stallTimeoutMs: options.stallTimeoutMs,
          hangGraceMs: options.hangGraceMs,
          testFileSuffix: suffix,
          testDirLabels: [{ dir: testsDir, label: "exercises" }],
          knownTests,
          testIntegrity: { source: `the instructor's tests (${path.relative(process.cwd(), exercisesDir) || "."})`, edited },
          signal: controller.signal,
        });
      } finally {
        clearTimeout(timer);
      }
      report.target = { name: learner, dir: `${learner}/exercises` };
      for (const link of skippedLinks) report.warnings.push(`${path.relative(folder, link)} is a symbolic link: not graded (submit the file itself)`);
      reports.set(learner, report);
      const perExercise: Record<string, number> = {};
      for (const e of report.exercises) perExercise[e.id] = e.pointsEarned;
      const status: LearnerStatus = report.stopped ? "timed out" : compileProblems.length > 0 ? "does not compile" : "graded";
      const why = report.stopped ?? (compileProblems.length > 0 ? compileProblems.join("; ") : editedTestsUsed(report).length > 0 ? "edited tests were used" : null);
      return {
        learner,
        status,
        why,
        pointsEarned: report.totals.pointsEarned,
        pointsPossible: report.totals.pointsPossible,
        percent: report.totals.percent,
        exercises: perExercise,
        editedTests: edited.map((e) => e.file),
        warnings: integrityWarnings(report),
        durationMs: 0,
        tests: report.tests,
      };
    } catch (error) {
      return emptyRow(learner, "not graded", `the grader failed on this submission: ${firstLineOf(error)}`, pointsPossible, rowStartedAt);
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }

  const gradebook: Gradebook = {
    tool: "tinyml-course gradebook",
    formatVersion: 1,
    gradedAt: new Date(startedAt).toISOString(),
    submissionsDir,
    testDirs: [exercisesDir, ...(options.extraTestDirs ?? []).map((d) => path.resolve(d))],
    only: options.only ?? null,
    timeoutMs: options.timeoutMs ?? null,
    learnerTimeoutMs,
    jobs,
    durationMs: Date.now() - startedAt,
    exercises,
    pointsPossible,
    learners: rows,
  };
  return { gradebook, reports };
}

/** The exercises/ of a released assignment, after checking each graded test file against its manifest. */
function releasedTestsDir(assignmentDir: string, suffix: string): string {
  const exercisesDir = path.resolve(assignmentDir, "exercises");
  if (!fs.existsSync(exercisesDir)) throw new GraderUsageError(`--assignment ${JSON.stringify(assignmentDir)} has no exercises/ folder (give the directory \`npm run assignment -- release\` wrote)`);
  const manifest = readManifest(exercisesDir);
  if (!manifest) throw new GraderUsageError(`--assignment ${JSON.stringify(assignmentDir)} has no exercises/${MANIFEST_FILE}: it is not a released assignment`);
  const released = new Map(manifest.files.map((f) => [f.path, f.sha256]));
  const present = findTestFiles(exercisesDir, suffix).map((f) => path.relative(exercisesDir, f.path).split(path.sep).join("/"));
  for (const file of new Set([...released.keys(), ...present])) {
    const full = path.join(exercisesDir, file);
    const checksum = fs.existsSync(full) ? sha256(fs.readFileSync(full)) : null;
    if (checksum !== released.get(file)) {
      throw new GraderUsageError(`--assignment: exercises/${file} ${checksum === null ? "is missing" : released.has(file) ? "differs from" : "is not in"} the assignment's manifest; restore the released tests before grading`);
    }
  }
  return exercisesDir;
}

function firstLineOf(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split("\n").find((line) => line.trim()) ?? message;
}

function compareIds(a: string, b: string): number {
  const [la, na] = a.split(".").map(Number);
  const [lb, nb] = b.split(".").map(Number);
  return la - lb || na - nb;
}

/** The --only filter as a predicate on (lesson directory, exercise id). */
function onlyFilter(only: string | undefined): (lesson: string, id: string) => boolean {
  if (!only) return () => true;
  const filter = parseOnly(only);
  return (lesson, id) =>
    filter.kind === "lesson-dir" ? lesson === filter.lessonDir : filter.kind === "lesson" ? lesson.startsWith(`${filter.lessonNumber}-`) : id === filter.id;
}

/** gradebook.csv: a "(points possible)" row, then one row per learner; one column per exercise. */
export function gradebookCsv(gradebook: Gradebook): string {
  const ids = gradebook.exercises.map((e) => e.id);
  const lines = [csvLine(["learner", "status", "points_earned", "points_possible", "percent", ...ids, "edited_tests", "why", "warnings"])];
  lines.push(csvLine(["(points possible)", "", gradebook.pointsPossible, gradebook.pointsPossible, 100, ...gradebook.exercises.map((e) => e.pointsPossible), "", "", ""]));
  for (const row of gradebook.learners) {
    lines.push(
      csvLine([
        row.learner,
        row.status,
        row.pointsEarned,
        row.pointsPossible,
        row.percent,
        ...ids.map((id) => row.exercises[id] ?? 0),
        row.editedTests.join("; "),
        row.why ?? "",
        row.warnings.join(" | "),
      ]),
    );
  }
  return lines.join("\n") + "\n";
}

/** A learner folder name as a directory name under build/ (no separators, no dot files). */
function safeName(learner: string): string {
  return learner.replace(/[^\w.@+-]/g, "_").replace(/^\.+/, "_");
}

/** Writes gradebook.csv, gradebook.json and gradebook/<learner>/grades.{json,csv,log} into outDir. */
export function writeGradebook(gradebook: Gradebook, reports: Map<string, GradeReport>, outDir: string): { csv: string; json: string; learnersDir: string } {
  fs.mkdirSync(outDir, { recursive: true });
  const written = { csv: path.join(outDir, "gradebook.csv"), json: path.join(outDir, "gradebook.json"), learnersDir: path.join(outDir, "gradebook") };
  fs.writeFileSync(written.csv, gradebookCsv(gradebook));
  fs.writeFileSync(written.json, JSON.stringify(gradebook, null, 2) + "\n");
  // Each learner's own report: the same files `npm run grade` writes, to hand back.
  fs.rmSync(written.learnersDir, { recursive: true, force: true });
  for (const [learner, report] of reports) {
    const dir = path.join(written.learnersDir, safeName(learner));
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "grades.json"), reportJson(report));
    fs.writeFileSync(path.join(dir, "grades.csv"), reportCsv(report));
    fs.writeFileSync(path.join(dir, "grades.log"), reportLog(report));
  }
  return written;
}
