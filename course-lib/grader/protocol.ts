// The contract between the grader's parent process (cli.ts / run.ts) and the vitest child it starts:
// the environment variables the child reads, and the JSON-lines events the child appends to a file.
// The events are written synchronously from inside the test worker (graded.ts, setup.ts), so they
// survive the worker being killed by the watchdog or crashing, which vitest's own reporting does not.
import { AsyncLocalStorage } from "async_hooks";
import * as fs from "fs";

/** Environment variables the grader sets for its vitest child. */
export const ENV = {
  /** Absolute path of the JSON-lines file the worker and reporter append events to. */
  events: "GRADER_EVENTS",
  /** Absolute directory `@exercise/*` resolves to (exercises/, solutions/ or a copy). */
  targetDir: "GRADER_TARGET_DIR",
  /** Absolute repository root (for the `@course-lib/*` alias and the setup file). */
  repoRoot: "GRADER_REPO_ROOT",
  /** JSON array of absolute test-file paths to run. */
  files: "GRADER_FILES",
  /** JSON array of test keys (see testKey) to register as skipped: already graded in an earlier attempt. */
  skip: "GRADER_SKIP",
  /** Default per-test time limit in milliseconds. */
  timeoutMs: "GRADER_TIMEOUT_MS",
  /** Only register tests of this exercise id (e.g. "03.2"); others are skipped and not reported. */
  onlyId: "GRADER_ONLY_ID",
  /** "1": register every graded test as skipped but still declare it (used to learn a file's tests). */
  declareOnly: "GRADER_DECLARE_ONLY",
  /** Directory for vite's cache: in the grader's private directory, out of the learner's tree. */
  cacheDir: "GRADER_CACHE_DIR",
} as const;

/** Exercise ids look like "03.2": a two-digit lesson number, a dot, the exercise number. */
export const EXERCISE_ID_PATTERN = /^(\d{2})\.(\d{1,3})$/;

export function lessonNumberOfId(id: string): string {
  const match = EXERCISE_ID_PATTERN.exec(id);
  if (!match) throw new Error(`exercise id ${JSON.stringify(id)} is not of the form "03.2" (lesson number, dot, exercise number)`);
  return match[1];
}

/** Compares exercise ids numerically: "00.2" < "00.10" < "01.1". */
export function compareExerciseIds(a: string, b: string): number {
  const [la, na] = a.split(".").map(Number);
  const [lb, nb] = b.split(".").map(Number);
  return la - lb || na - nb;
}

/** A test is identified across attempts by its file and its (unique within the file) name. */
export function testKey(file: string, name: string): string {
  return `${file}::${name}`;
}

/** The vitest test name the grader gives a graded test: the id first, so vitest's own output is readable. */
export function gradedTestName(id: string, title: string): string {
  return `[${id}] ${title}`;
}

export interface GradedSpecEvent {
  id: string;
  points: number;
  feedback: string;
  title: string;
  timeoutMs: number;
}

export type GraderEvent =
  /** setup.ts: the worker is about to import this test file. */
  | { e: "file-start"; file: string; t: number }
  /** graded.ts: a graded test was registered (skipped ones too, with skipped: true). */
  | ({ e: "declare"; file: string; name: string; skipped: boolean } & GradedSpecEvent)
  /** setup.ts: the file was collected and its tests are about to run. */
  | { e: "collected"; file: string; t: number }
  /** graded.ts: a graded test body started; the watchdog times it from here. */
  | { e: "start"; file: string; name: string; timeoutMs: number; t: number }
  /** graded.ts: a graded test finished, with its outcome. `unattributed`: it failed only because of an
   * asynchronous error whose origin is unknown (it may come from another test's code): rerun it alone. */
  | { e: "end"; file: string; name: string; passed: boolean; error: string | null; kind: FailureKind | null; duration: number; t: number; unattributed?: boolean }
  /** graded.ts: an asynchronous error (uncaught exception, unhandled rejection, process.exit) raised by code
   * that `owner` started, surfacing after that code's test ended: charged to the owner, never to `seenIn`. */
  | { e: "late-error"; file: string; owner: LateErrorOwner; seenIn: string | null; kind: "uncaught-exception" | "unhandled-rejection" | "process-exit"; message: string; t: number }
  /** setup.ts: all tests of the file ran (afterAll). */
  | { e: "file-end"; file: string; t: number }
  /** reporter.ts (vitest main process): a test module finished, with its module-level errors. */
  | { e: "module-end"; file: string; state: string; errors: string[]; t: number }
  /** reporter.ts: the diff vitest computed for a failed assertion (expected vs received), for the report. */
  | { e: "diff"; file: string; name: string; diff: string; t: number }
  /** reporter.ts: the run finished; errors vitest could not attach to a test. */
  | { e: "run-end"; reason: string; unhandled: { message: string; type: string; testName: string | null; testPath: string | null }[]; t: number };

/** Who started the code behind an asynchronous error: a graded test's body, or a test file's top level
 * (the file's modules being imported, its hooks). */
export type LateErrorOwner = { test: string } | { module: string };

/** Why a test failed, when the grader knows more than "an assertion or the code threw". "late-error": the
 * test passed, but code it started threw after it ended (a timer, a forgotten promise). */
export type FailureKind =
  | "error"
  | "timeout"
  | "process-exit"
  | "unhandled-rejection"
  | "uncaught-exception"
  | "late-error"
  | "crashed"
  | "not-loaded"
  | "not-run";

/**
 * Which code is running in a test worker: a graded test's body, or a test file's top level (setup.ts
 * enters it before the file's modules load). Timers, callbacks and promises inherit it, so an error that
 * surfaces later can be charged to the code that started it. One instance per worker (on globalThis,
 * whatever module copies the worker loads).
 */
export const codeOwner: AsyncLocalStorage<LateErrorOwner> = ((globalThis as Record<symbol, unknown>)[Symbol.for("tinyml-course.grader.codeOwner")] ??=
  new AsyncLocalStorage<LateErrorOwner>()) as AsyncLocalStorage<LateErrorOwner>;

/** Appends one event; synchronous on purpose (see the header). No-op outside the grader. */
export function emitEvent(event: GraderEvent): void {
  const file = process.env[ENV.events];
  if (!file) return;
  fs.appendFileSync(file, JSON.stringify(event) + "\n");
}

/** Reads all complete events written so far (a partially written last line is ignored). */
export function readEvents(file: string): GraderEvent[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch {
    return [];
  }
  const events: GraderEvent[] = [];
  for (const line of text.split("\n")) {
    if (!line.trim()) continue;
    try {
      events.push(JSON.parse(line) as GraderEvent);
    } catch {
      // A line cut short by a kill mid-write: everything before it is still valid.
    }
  }
  return events;
}

/** The first non-empty line of an error message, for one-line summaries. */
export function firstLine(message: string | null | undefined): string {
  if (!message) return "";
  const line = message.split("\n").find((l) => l.trim().length > 0) ?? "";
  return line.trim();
}

/** "10 s", "2.5 s": time limits as learners read them. */
export function formatSeconds(ms: number): string {
  const seconds = ms / 1000;
  return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}
