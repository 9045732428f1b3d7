// The grader's engine: runs graded test files in a vitest child process under a wall-clock watchdog and
// turns what happened into grades (report.ts formats and writes them).
// Why a child process and a watchdog: a learner's synchronous `while (true) {}` blocks the vitest worker's
// event loop, so no in-process timeout can fire. graded.ts appends a "start" event synchronously before
// each test body; when a test has run longer than its limit (plus a grace period), the watchdog kills the
// child's whole process group, marks that test "timed out", and starts a new child for the remaining
// tests (skipping the ones already graded). A worker that crashes is handled the same way. Files whose
// exercise module cannot even load are re-collected against the solutions to learn which tests (and
// points) they hold, so a syntax error costs those points instead of hiding them.
import { spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  GraderUsageError,
  fileMatchesOnly,
  findTestFiles,
  parseOnly,
  type OnlyFilter,
  type TestFile,
} from "./discover";
import {
  compareExerciseIds,
  ENV,
  firstLine,
  formatSeconds,
  lessonNumberOfId,
  readEvents,
  testKey,
  type FailureKind,
  type GraderEvent,
} from "./protocol";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const DEFAULT_TIMEOUT_MS = 10_000;

export type TargetName = "exercises" | "solutions";
export const TARGET_NAMES: readonly TargetName[] = ["exercises", "solutions"];

export interface GradeOptions {
  /** Which implementation `@exercise/*` resolves to (default "exercises"). */
  target?: TargetName;
  /** Override of the directory `@exercise/*` resolves to (e.g. committed stubs exported from git). */
  targetDir?: string;
  /** Directory holding the graded tests and the stubs (default <repo>/exercises). */
  exercisesDir?: string;
  /** Directory holding the reference solutions (default <repo>/solutions). */
  solutionsDir?: string;
  /** Extra graded-test directories (an instructor's hidden tests; may be outside the repository). */
  extraTestDirs?: string[];
  /** `--only`: a lesson ("00"), an exercise id ("03.2") or a lesson directory name. */
  only?: string;
  /** Default per-test time limit in ms (default 10 s). graded(..., { timeoutMs }) overrides it per test. */
  timeoutMs?: number;
  /** How long a file may take to load, or a hook to run, with no progress (default max(30 s, 3 × timeout)). */
  stallTimeoutMs?: number;
  /** Extra time the watchdog gives a test beyond its limit before killing (default 2 s). */
  hangGraceMs?: number;
  /** Suffix of graded test files (default ".test.ts"; the grader's own fixtures use another). */
  testFileSuffix?: string;
  /** Progress messages (e.g. "a test timed out, rerunning the rest"), for the CLI. */
  onProgress?: (message: string) => void;
  /** Working directory of the learner's code (default: the repository). The batch grader uses the
   * learner's copy, so code that writes or deletes relative paths touches only that copy. */
  cwd?: string;
  /** How test files are named in the report: a test root (e.g. a private copy of the pristine tests)
   * and the name it is shown under ("exercises"). */
  testDirLabels?: { dir: string; label: string }[];
  /** The tests each file holds (absolute path → tests), known from the assignment's manifest: used when a
   * file cannot be loaded, instead of listing it against the solutions. */
  knownTests?: Map<string, KnownTest[]>;
  /** Whether the graded tests are the pristine ones; copied into the report (pristine.ts). */
  testIntegrity?: TestIntegrity;
  /** Stops grading (the batch grader's per-learner time limit): tests not graded yet count as not run. */
  signal?: AbortSignal;
}

/** A graded test as the assignment's manifest lists it. */
export interface KnownTest {
  name: string;
  id: string;
  title: string;
  points: number;
  feedback: string;
}

/** Where the graded tests came from and which of the learner's test files were edited (see pristine.ts). */
export interface TestIntegrity {
  /** "pristine: ..." or "as-is: ..." in a few words, for the report's header. */
  source: string;
  /** Test files that differ from the pristine ones. `used: false`: the pristine copy was graded instead. */
  edited: { file: string; used: boolean; detail: string }[];
}

export interface TestGrade {
  id: string;
  lesson: string;
  /** Test file, relative to the repository when inside it. */
  file: string;
  title: string;
  points: number;
  passed: boolean;
  /** How it failed: see FailureKind in protocol.ts. null when passed. */
  failure: FailureKind | null;
  feedback: string;
  /** The error message (full); null when passed. */
  error: string | null;
  /** For a failed assertion, vitest's expected-vs-received diff ("- Expected" / "+ Received" lines); else null. */
  diff: string | null;
  /** Milliseconds the test body ran, null if it never ran. */
  duration: number | null;
}

export interface ExerciseGrade {
  id: string;
  lesson: string;
  pointsEarned: number;
  pointsPossible: number;
  testsPassed: number;
  testsTotal: number;
}

export interface GradeTotals {
  pointsEarned: number;
  pointsPossible: number;
  /** 0..100, rounded to 0.1; 0 when there is nothing to grade. */
  percent: number;
  testsPassed: number;
  testsTotal: number;
}

export interface GradeReport {
  tool: "tinyml-course grader";
  formatVersion: 2;
  gradedAt: string;
  target: { name: string; dir: string };
  testDirs: string[];
  only: string | null;
  timeoutMs: number;
  durationMs: number;
  tests: TestGrade[];
  exercises: ExerciseGrade[];
  totals: GradeTotals;
  /** Things the learner or instructor should know that are not a test result (e.g. a file that cannot load). */
  warnings: string[];
  /** Which tests were graded: pristine copies, or the learner's files as they are (with a warning). */
  testIntegrity: TestIntegrity | null;
  /** Set when grading was stopped (the per-learner time limit): why. */
  stopped: string | null;
  /** Output of the vitest child runs, for debugging the grader (written to grades.log, not grades.json). */
  log: string;
}

interface Declared {
  file: string;
  name: string;
  id: string;
  points: number;
  feedback: string;
  title: string;
  timeoutMs: number;
  order: number;
}

interface Outcome {
  passed: boolean;
  failure: FailureKind | null;
  error: string | null;
  duration: number | null;
  /** Failed only by an asynchronous error of unknown origin: rerun alone before it counts. */
  unattributed?: boolean;
}

interface AttemptResult {
  events: GraderEvent[];
  /** Why the watchdog killed the child, if it did. */
  killed:
    | { reason: "test-timeout"; file: string; name: string; limitMs: number }
    | { reason: "stall"; file: string | null; idleMs: number }
    | { reason: "stopped" }
    | null;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  log: string;
}

const MAX_LOG_CHARS_PER_ATTEMPT = 200_000;
/** Before vitest's first event the stall limit is at least this: starting vitest on a busy machine can take
 * many seconds, and no learner code has run yet. */
const STARTUP_ALLOWANCE_MS = 60_000;

function displayPath(file: string, repoRoot: string): string {
  const relative = path.relative(repoRoot, file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative.split(path.sep).join("/");
}

function requireDirectory(dir: string, what: string): string {
  const absolute = path.resolve(dir);
  if (!fs.existsSync(absolute)) throw new GraderUsageError(`${what} ${JSON.stringify(dir)} does not exist`);
  if (!fs.statSync(absolute).isDirectory()) throw new GraderUsageError(`${what} ${JSON.stringify(dir)} is not a directory`);
  return absolute;
}

/** Starts one vitest child over `files` and watches it; resolves when it exits (by itself or killed). */
function runAttempt(opts: {
  repoRoot: string;
  cwd: string;
  signal: AbortSignal | undefined;
  workDir: string;
  attempt: number;
  files: string[];
  targetDir: string;
  skip: string[];
  timeoutMs: number;
  stallTimeoutMs: number;
  hangGraceMs: number;
  onlyId: string | null;
  declareOnly: boolean;
}): Promise<AttemptResult> {
  const eventsFile = path.join(opts.workDir, `events-${opts.attempt}.jsonl`);
  fs.writeFileSync(eventsFile, "");
  const vitestBin = path.join(path.dirname(require.resolve("vitest/package.json", { paths: [opts.repoRoot] })), "vitest.mjs");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    [ENV.events]: eventsFile,
    [ENV.targetDir]: opts.targetDir,
    [ENV.repoRoot]: opts.repoRoot,
    [ENV.files]: JSON.stringify(opts.files),
    [ENV.skip]: JSON.stringify(opts.skip),
    [ENV.timeoutMs]: String(opts.timeoutMs),
    [ENV.onlyId]: opts.onlyId ?? "",
    [ENV.declareOnly]: opts.declareOnly ? "1" : "",
    [ENV.cacheDir]: path.join(opts.workDir, "vite-cache"),
    VITE_CONFIG_NATIVE_IGNORE_WARNING: "true",
    NO_COLOR: "1",
    FORCE_COLOR: "0",
    CI: "1",
  };
  // Variables of an outer vitest (the self-check runs the grader from inside `npm test`) would confuse the child.
  for (const name of Object.keys(env)) if (name.startsWith("VITEST") || name === "TEST" || name === "NODE_ENV") delete env[name];

  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [vitestBin, "run", "--config", path.join(opts.repoRoot, "course-lib", "grader", "vitest.config.ts")],
      // detached: the child leads its own process group, so the watchdog can kill its workers too.
      { cwd: opts.cwd, env, detached: true, stdio: ["ignore", "pipe", "pipe"] },
    );
    let log = "";
    const append = (chunk: Buffer) => {
      if (log.length < MAX_LOG_CHARS_PER_ATTEMPT) log += chunk.toString("utf8");
    };
    child.stdout.on("data", append);
    child.stderr.on("data", append);

    let killed: AttemptResult["killed"] = null;
    const killGroup = () => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
      } catch {
        // Already gone.
      }
    };
    const onInterrupt = () => {
      killGroup();
      process.exit(130);
    };
    process.once("SIGINT", onInterrupt);
    process.once("SIGTERM", onInterrupt);

    // The watchdog: polls the events file. Running test → its own limit; otherwise no progress → stall.
    let lastEventCount = 0;
    let lastProgressAt = Date.now();
    let currentFile: string | null = null;
    const running = new Map<string, { file: string; name: string; startedAt: number; limitMs: number }>();
    const watchdog = setInterval(() => {
      if (killed) return;
      if (opts.signal?.aborted) {
        killed = { reason: "stopped" };
        killGroup();
        return;
      }
      const events = readEvents(eventsFile);
      for (const event of events.slice(lastEventCount)) {
        lastProgressAt = Date.now();
        if (event.e === "file-start") currentFile = event.file;
        if (event.e === "start") running.set(testKey(event.file, event.name), { file: event.file, name: event.name, startedAt: Date.now(), limitMs: event.timeoutMs });
        if (event.e === "end") running.delete(testKey(event.file, event.name));
      }
      lastEventCount = events.length;
      const now = Date.now();
      for (const test of running.values()) {
        if (now - test.startedAt > test.limitMs + opts.hangGraceMs) {
          killed = { reason: "test-timeout", file: test.file, name: test.name, limitMs: test.limitMs };
          killGroup();
          return;
        }
      }
      const stallLimit = lastEventCount === 0 ? Math.max(opts.stallTimeoutMs, STARTUP_ALLOWANCE_MS) : opts.stallTimeoutMs;
      if (running.size === 0 && now - lastProgressAt > stallLimit) {
        killed = { reason: "stall", file: currentFile, idleMs: now - lastProgressAt };
        killGroup();
      }
    }, 100);

    child.on("error", (error) => {
      clearInterval(watchdog);
      process.off("SIGINT", onInterrupt);
      process.off("SIGTERM", onInterrupt);
      reject(new Error(`could not start vitest (${vitestBin}): ${error.message}`));
    });
    child.on("close", (exitCode, signal) => {
      clearInterval(watchdog);
      process.off("SIGINT", onInterrupt);
      process.off("SIGTERM", onInterrupt);
      // The group may still hold a worker that outlived vitest's main process.
      killGroup();
      resolve({ events: readEvents(eventsFile), killed, exitCode, signal, log });
    });
  });
}

/** Grades the graded tests against the target and returns the report (write it with report.ts). */
export async function grade(options: GradeOptions = {}): Promise<GradeReport> {
  const startedAt = Date.now();
  const repoRoot = REPO_ROOT;
  const targetName = options.target ?? "exercises";
  if (!TARGET_NAMES.includes(targetName)) {
    throw new GraderUsageError(`--target ${JSON.stringify(targetName)} is not one of: ${TARGET_NAMES.join(", ")}`);
  }
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
    throw new GraderUsageError(`--timeout ${JSON.stringify(options.timeoutMs)} must be a number of seconds > 0`);
  }
  const stallTimeoutMs = options.stallTimeoutMs ?? Math.max(30_000, 3 * timeoutMs);
  const hangGraceMs = options.hangGraceMs ?? 2_000;
  const suffix = options.testFileSuffix ?? ".test.ts";
  const progress = options.onProgress ?? (() => undefined);

  const exercisesDir = requireDirectory(options.exercisesDir ?? path.join(repoRoot, "exercises"), "exercises directory");
  const solutionsDir = path.resolve(options.solutionsDir ?? path.join(repoRoot, "solutions"));
  const targetDir = requireDirectory(
    options.targetDir ?? (targetName === "solutions" ? solutionsDir : exercisesDir),
    `--target ${targetName} directory`,
  );
  const extraDirs = (options.extraTestDirs ?? []).map((dir) => requireDirectory(dir, "--tests directory"));
  const only: OnlyFilter | null = options.only ? parseOnly(options.only) : null;
  const labels = (options.testDirLabels ?? []).map(({ dir, label }) => ({ dir: path.resolve(dir), label }));
  const show = (file: string): string => {
    for (const { dir, label } of labels) {
      const relative = path.relative(dir, file);
      if (!relative.startsWith("..") && !path.isAbsolute(relative)) return relative === "" ? label : `${label}/${relative.split(path.sep).join("/")}`;
    }
    return displayPath(file, repoRoot);
  };

  const allFiles: TestFile[] = [exercisesDir, ...extraDirs].flatMap((root) => findTestFiles(root, suffix));
  const files = only ? allFiles.filter((file) => fileMatchesOnly(file, only)) : allFiles;
  if (only && files.length === 0) {
    const lessons = [...new Set(allFiles.map((file) => file.lesson))].sort();
    throw new GraderUsageError(
      `--only ${JSON.stringify(only.raw)} matches no graded test file; lessons with graded tests: ${lessons.length ? lessons.join(", ") : "none"}`,
    );
  }
  const lessonOfFile = new Map(files.map((file) => [file.path, file.lesson]));
  const warnings: string[] = [];
  if (files.length === 0) warnings.push(`no graded tests (*${suffix}) found in ${[exercisesDir, ...extraDirs].map((d) => show(d)).join(", ")}`);

  // The grader's own state (events files, vite's cache) lives in a private directory outside the
  // repository: a learner's code that deletes build/ (or the whole tree it runs in) cannot erase it.
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "tinyml-grader-"));
  fs.chmodSync(workDir, 0o700);
  const cwd = requireDirectory(options.cwd ?? repoRoot, "working directory");
  const declared = new Map<string, Declared>();
  const outcomes = new Map<string, Outcome>();
  const unloadable = new Map<string, string>(); // file → why it could not be loaded
  const escapedErrors: { message: string; testName: string | null; testPath: string | null }[] = [];
  const lateErrors: Extract<GraderEvent, { e: "late-error" }>[] = [];
  let stopped: string | null = null;
  const diffs = new Map<string, string>(); // test key → vitest's diff of its failed assertion
  let log = "";
  let attempt = 0;
  let declareOrder = 0;

  const recordDeclares = (events: GraderEvent[]) => {
    for (const event of events) {
      if (event.e !== "declare") continue;
      const key = testKey(event.file, event.name);
      if (!declared.has(key)) declared.set(key, { ...event, order: declareOrder++ });
    }
  };
  const runLogged = async (
    label: string,
    params: Omit<Parameters<typeof runAttempt>[0], "repoRoot" | "cwd" | "signal" | "workDir" | "attempt" | "timeoutMs" | "stallTimeoutMs" | "hangGraceMs">,
  ) => {
    attempt += 1;
    const result = await runAttempt({ ...params, repoRoot, cwd, signal: options.signal, workDir, attempt, timeoutMs, stallTimeoutMs, hangGraceMs });
    log += `===== vitest run ${attempt} (${label}): ${params.files.length} file(s), exit ${result.exitCode ?? result.signal}${result.killed ? `, killed by the watchdog (${result.killed.reason})` : ""} =====\n${result.log}\n`;
    return result;
  };

  try {
    let pending = files.map((file) => file.path);
    const maxAttempts = 200;
    while (pending.length > 0) {
      if (options.signal?.aborted) break;
      if (attempt >= maxAttempts) throw new Error(`the grader gave up after ${maxAttempts} vitest runs (see grades.log)`);
      const before = outcomes.size + unloadable.size;
      const result = await runLogged(attempt === 0 ? "grading" : "grading the remaining tests", {
        files: pending,
        targetDir,
        skip: [...outcomes.keys()],
        onlyId: only?.kind === "exercise" ? only.id : null,
        declareOnly: false,
      });
      const events = result.events;
      recordDeclares(events);
      for (const event of events) if (event.e === "run-end") escapedErrors.push(...event.unhandled);
      for (const event of events) if (event.e === "late-error") lateErrors.push(event);
      for (const event of events) if (event.e === "diff") diffs.set(testKey(event.file, event.name), event.diff);
      for (const event of events) {
        if (event.e === "end") {
          outcomes.set(testKey(event.file, event.name), {
            passed: event.passed,
            failure: event.kind,
            error: event.error,
            duration: event.duration,
            unattributed: event.unattributed === true,
          });
        }
      }
      const started = new Map<string, number>();
      for (const event of events) if (event.e === "start") started.set(testKey(event.file, event.name), event.t);
      const unfinished = [...started.keys()].filter((key) => !outcomes.has(key));
      const moduleErrors = new Map<string, string[]>();
      for (const event of events) if (event.e === "module-end") moduleErrors.set(event.file, event.errors);
      const declaredIn = (file: string) => [...declared.values()].some((d) => d.file === file);
      const killed = result.killed;
      if (killed?.reason === "stopped") break;

      if (killed?.reason === "test-timeout") {
        const key = testKey(killed.file, killed.name);
        outcomes.set(key, {
          passed: false,
          failure: "timeout",
          error: `timed out after ${formatSeconds(killed.limitMs)}: is there an infinite loop?`,
          duration: killed.limitMs + hangGraceMs,
        });
        progress(`${show(killed.file)}: "${killed.name}" timed out; grading the remaining tests in a fresh process`);
      } else if (killed?.reason === "stall") {
        const seconds = formatSeconds(stallTimeoutMs);
        if (killed.file && !declaredIn(killed.file)) {
          unloadable.set(killed.file, `loading the test file timed out after ${seconds}: is there an infinite loop at the top level of the exercise module?`);
        } else if (killed.file) {
          for (const d of declared.values()) {
            const key = testKey(d.file, d.name);
            if (d.file === killed.file && !outcomes.has(key)) {
              outcomes.set(key, { passed: false, failure: "not-run", error: `did not run: no progress for ${seconds} (a hook or code that never finishes?)`, duration: null });
            }
          }
        } else {
          throw new Error(`vitest made no progress for ${seconds} before loading any test file (see grades.log)`);
        }
        progress(`${killed.file ? show(killed.file) : "vitest"}: no progress for ${seconds}; stopped it`);
      } else if (unfinished.length > 0) {
        // Not killed by us, yet a test never finished: the worker died (process.kill, abort, out of memory).
        const reason = result.exitCode !== 0 && result.signal ? ` (signal ${result.signal})` : "";
        for (const key of unfinished) {
          outcomes.set(key, {
            passed: false,
            failure: "crashed",
            error: `the test process crashed while running this test${reason}: did the code kill the process or run out of memory?`,
            duration: null,
          });
        }
        progress(`a test process crashed; grading the remaining tests in a fresh process`);
      }

      // Files that loaded no graded test: a load error (syntax error, throw at import) or a test file with none.
      for (const file of pending) {
        if (declaredIn(file) || unloadable.has(file)) continue;
        const errors = moduleErrors.get(file) ?? [];
        if (errors.length > 0) unloadable.set(file, `could not load the test file: ${errors[0]}`);
        else if (!killed && unfinished.length === 0) unloadable.set(file, "");
      }

      // Declared tests that never ran although the run ended normally: a failing hook, usually.
      const runEndedNormally = !killed && unfinished.length === 0;
      if (runEndedNormally) {
        for (const d of declared.values()) {
          const key = testKey(d.file, d.name);
          if (pending.includes(d.file) && !outcomes.has(key)) {
            const error = moduleErrors.get(d.file)?.[0];
            outcomes.set(key, { passed: false, failure: "not-run", error: `did not run${error ? `: ${error}` : " (see grades.log)"}`, duration: null });
          }
        }
      }

      pending = pending.filter((file) => {
        if (unloadable.has(file)) return false;
        const fileTests = [...declared.values()].filter((d) => d.file === file);
        if (fileTests.length === 0) return !runEndedNormally; // never reached: run it again
        return fileTests.some((d) => !outcomes.has(testKey(d.file, d.name)));
      });
      if (pending.length > 0 && outcomes.size + unloadable.size === before) {
        throw new Error(`the grader made no progress on ${pending.map((f) => show(f)).join(", ")} (see grades.log)`);
      }
    }

    if (options.signal?.aborted) {
      // The time limit ran out: what was graded stands, everything else counts as not run.
      stopped = typeof options.signal.reason === "string" ? options.signal.reason : "grading was stopped";
      const why = `not graded: ${stopped}`;
      for (const d of declared.values()) {
        const key = testKey(d.file, d.name);
        if (!outcomes.has(key)) outcomes.set(key, { passed: false, failure: "not-run", error: why, duration: null });
      }
      for (const file of pending) if (![...declared.values()].some((d) => d.file === file)) unloadable.set(file, why);
      warnings.push(`grading stopped: ${stopped}; the tests not graded by then count as failed`);
    }

    // Fair blame: a test failed only by an asynchronous error nobody could trace may have been hit by
    // another test's leftover code. It is rerun alone in a fresh process and keeps its points if it passes.
    for (const [key, outcome] of [...outcomes.entries()]) {
      if (!outcome.unattributed || outcome.passed || options.signal?.aborted) continue;
      const test = declared.get(key);
      if (!test) continue;
      const others = [...declared.values()].filter((d) => d.file === test.file && d.name !== test.name).map((d) => testKey(d.file, d.name));
      progress(`${show(test.file)}: "${test.name}" failed from an error of unknown origin; rerunning it alone`);
      const result = await runLogged(`rerunning "${test.name}" alone`, {
        files: [test.file],
        targetDir,
        skip: others,
        onlyId: only?.kind === "exercise" ? only.id : null,
        declareOnly: false,
      });
      const rerun = result.events.find((event) => event.e === "end" && testKey(event.file, event.name) === key);
      if (rerun?.e === "end" && rerun.passed) {
        outcomes.set(key, { passed: true, failure: null, error: null, duration: rerun.duration });
        warnings.push(`${show(test.file)}: "${test.name}" first failed with "${firstLine(outcome.error)}", raised by code it did not start; rerun alone, it passed and keeps its points`);
      } else {
        outcomes.set(key, { ...outcome, unattributed: false });
      }
    }

    // Late errors are charged to the test whose code started them; the test they surfaced in keeps its grade.
    const lateWarnings = new Set<string>();
    for (const late of lateErrors) {
      const seen = late.seenIn ? ` while "${late.seenIn}" ran` : " after it";
      if ("test" in late.owner) {
        const key = testKey(late.file, late.owner.test);
        const outcome = outcomes.get(key);
        const what = late.kind === "unhandled-rejection" ? "a promise it left behind was rejected" : late.kind === "process-exit" ? "code it started called process.exit" : "code it started threw";
        if (outcome?.passed) {
          outcomes.set(key, {
            passed: false,
            failure: "late-error",
            error: `after the test ended, ${what}: ${late.message} (it surfaced${seen}): cancel timers and await or catch every promise before returning`,
            duration: outcome.duration,
          });
        }
        lateWarnings.add(`${show(late.file)}: "${late.owner.test}" left code running that failed after the test ended (${firstLine(late.message)}); charged to it${late.seenIn ? `, not to "${late.seenIn}"` : ""}`);
      } else {
        lateWarnings.add(`${show(late.owner.module)}: code started while the file loaded (module top level or a hook) failed later${seen}: ${firstLine(late.message)}; no test was charged`);
      }
    }
    warnings.push(...lateWarnings);

    // Learn which tests (and points) unloadable files hold: from the assignment's manifest if it lists
    // them, else by collecting them against the solutions.
    const unknown = [...unloadable.entries()].filter(([, why]) => why !== "").map(([file]) => file);
    for (const file of unknown) {
      for (const known of options.knownTests?.get(file) ?? []) {
        if (only?.kind === "exercise" && known.id !== only.id) continue;
        const key = testKey(file, known.name);
        if (!declared.has(key)) declared.set(key, { file, ...known, timeoutMs: timeoutMs, order: declareOrder++ });
      }
    }
    const unlisted = unknown.filter((file) => ![...declared.values()].some((d) => d.file === file));
    if (unlisted.length > 0) {
      const canUseSolutions = fs.existsSync(solutionsDir) && path.resolve(targetDir) !== solutionsDir;
      if (canUseSolutions) {
        progress(`${unknown.length} test file(s) could not be loaded; listing their tests against the solutions`);
        const result = await runLogged("listing tests against the solutions", {
          files: unlisted,
          targetDir: solutionsDir,
          skip: [],
          onlyId: only?.kind === "exercise" ? only.id : null,
          declareOnly: true,
        });
        recordDeclares(result.events);
      }
      for (const file of unlisted) {
        if (![...declared.values()].some((d) => d.file === file)) {
          warnings.push(`${show(file)}: ${unloadable.get(file)}; its tests are not counted (they could not be listed${canUseSolutions ? " even against the solutions" : ""})`);
        }
      }
    }
    for (const file of unknown) {
      const why = unloadable.get(file) as string;
      for (const d of declared.values()) {
        const key = testKey(d.file, d.name);
        if (d.file === file && !outcomes.has(key)) outcomes.set(key, { passed: false, failure: why.startsWith("not graded:") ? "not-run" : "not-loaded", error: why, duration: null });
      }
    }
    for (const [file, why] of unloadable) {
      // Under --only <exercise id> the other exercises' files declare nothing on purpose.
      if (why === "" && only?.kind !== "exercise") warnings.push(`${show(file)} declares no graded test (use graded() from course-lib/grader/graded)`);
    }

    if (only?.kind === "exercise" && declared.size === 0) {
      throw new GraderUsageError(`--only ${only.raw}: no graded test has exercise id ${only.id} in lesson ${only.lessonNumber}`);
    }
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }

  const tests: TestGrade[] = [...declared.values()]
    .sort((a, b) => compareExerciseIds(a.id, b.id) || a.order - b.order)
    .map((d) => {
      const outcome = outcomes.get(testKey(d.file, d.name)) ?? {
        passed: false,
        failure: "not-run" as const,
        error: "did not run (see grades.log)",
        duration: null,
      };
      return {
        id: d.id,
        lesson: lessonOfFile.get(d.file) ?? lessonNumberOfId(d.id),
        file: show(d.file),
        title: d.title,
        points: d.points,
        passed: outcome.passed,
        failure: outcome.passed ? null : outcome.failure ?? "error",
        feedback: d.feedback,
        error: outcome.passed ? null : outcome.error,
        diff: outcome.passed ? null : diffs.get(testKey(d.file, d.name)) ?? null,
        duration: outcome.duration === null ? null : Math.round(outcome.duration * 10) / 10,
      };
    });
  // Errors vitest caught outside a test body (e.g. a timer that throws after its test finished) fail no
  // test; say so when vitest blamed a test that passed, so the learner can look for the leak.
  const lateMessages = new Set(lateErrors.map((late) => firstLine(late.message)));
  for (const escaped of escapedErrors) {
    if (!escaped.testName || !escaped.testPath || lateMessages.has(firstLine(escaped.message))) continue;
    const outcome = outcomes.get(testKey(escaped.testPath, escaped.testName));
    if (outcome?.passed) {
      warnings.push(`${show(escaped.testPath)}: an error escaped while "${escaped.testName}" ran (from code that kept running after its test, such as a timer): ${firstLine(escaped.message)}`);
    }
  }
  for (const test of tests) {
    if (!test.lesson.startsWith(`${lessonNumberOfId(test.id)}-`) && test.lesson !== "(no lesson)") {
      warnings.push(`${test.file}: exercise id ${test.id} does not belong to lesson ${test.lesson}`);
    }
  }

  return {
    tool: "tinyml-course grader",
    formatVersion: 2,
    gradedAt: new Date(startedAt).toISOString(),
    target: { name: options.targetDir ? show(targetDir) : targetName, dir: show(targetDir) },
    testDirs: [exercisesDir, ...extraDirs].map((dir) => show(dir)),
    only: options.only ?? null,
    timeoutMs,
    durationMs: Date.now() - startedAt,
    tests,
    exercises: summarizeExercises(tests),
    totals: summarizeTotals(tests),
    warnings,
    testIntegrity: options.testIntegrity ?? null,
    stopped,
    log,
  };
}

export function summarizeExercises(tests: TestGrade[]): ExerciseGrade[] {
  const byId = new Map<string, ExerciseGrade>();
  for (const test of tests) {
    const row = byId.get(test.id) ?? { id: test.id, lesson: test.lesson, pointsEarned: 0, pointsPossible: 0, testsPassed: 0, testsTotal: 0 };
    row.pointsPossible += test.points;
    row.testsTotal += 1;
    if (test.passed) {
      row.pointsEarned += test.points;
      row.testsPassed += 1;
    }
    byId.set(test.id, row);
  }
  return [...byId.values()].sort((a, b) => compareExerciseIds(a.id, b.id));
}

export function summarizeTotals(tests: TestGrade[]): GradeTotals {
  const pointsPossible = tests.reduce((sum, t) => sum + t.points, 0);
  const pointsEarned = tests.reduce((sum, t) => sum + (t.passed ? t.points : 0), 0);
  return {
    pointsEarned,
    pointsPossible,
    percent: pointsPossible > 0 ? Math.round((1000 * pointsEarned) / pointsPossible) / 10 : 0,
    testsPassed: tests.filter((t) => t.passed).length,
    testsTotal: tests.length,
  };
}

export { firstLine };

/**
 * The graded tests each file declares, collected without running any (every test registered as skipped)
 * against a target that loads (the solutions or the pristine stubs). Used for an assignment's manifest
 * and the batch grader's gradebook columns. A file that cannot be loaded is an error naming it.
 */
export async function listGradedTests(options: { files: string[]; targetDir: string; timeoutMs?: number }): Promise<Map<string, KnownTest[]>> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "tinyml-grader-"));
  try {
    const result = await runAttempt({
      repoRoot: REPO_ROOT,
      cwd: REPO_ROOT,
      signal: undefined,
      workDir,
      attempt: 1,
      files: options.files,
      targetDir: requireDirectory(options.targetDir, "target directory"),
      skip: [],
      timeoutMs,
      stallTimeoutMs: Math.max(30_000, 3 * timeoutMs),
      hangGraceMs: 2_000,
      onlyId: null,
      declareOnly: true,
    });
    const listed = new Map<string, KnownTest[]>(options.files.map((file) => [file, []]));
    for (const event of result.events) {
      if (event.e === "declare") listed.get(event.file)?.push({ name: event.name, id: event.id, title: event.title, points: event.points, feedback: event.feedback });
      if (event.e === "module-end" && event.errors.length > 0) {
        throw new Error(`could not list the graded tests of ${event.file} against ${options.targetDir}: ${firstLine(event.errors[0])}`);
      }
    }
    if (result.killed) throw new Error(`listing the graded tests against ${options.targetDir} was stopped (${result.killed.reason}); see:\n${result.log.slice(-2000)}`);
    return listed;
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}
