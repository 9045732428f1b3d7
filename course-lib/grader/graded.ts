// graded(): vitest's `test` with the exercise id, points and feedback attached, as graded exercise tests
// are written:
//   graded({ id: "00.1", points: 2, feedback: "hint shown when this test fails" }, "test title", () => { ... });
// Where the grading data travels (so it survives whatever runs the tests):
// - the vitest test name is "[00.1] test title" (readable in any reporter, also in plain `vitest`);
// - task.meta.grader = { id, points, feedback } (vitest's `test(name, { meta }, fn)`; the JSON reporter
//   and programmatic API keep it);
// - under the grader, "declare"/"start"/"end" events appended synchronously to the file in
//   $GRADER_EVENTS (protocol.ts). The grader reads those: they survive a worker that is killed
//   (synchronous infinite loop) or crashes, when vitest's batched reports are lost.
// The wrapper also enforces the per-test time limit, and turns process.exit, unhandled rejections and
// uncaught exceptions raised by the learner's code into a failure of the test whose code raised them:
// each body runs in its own codeOwner context (protocol.ts), so an error from a timer that test A left
// behind, surfacing while B runs, is reported as A's "late-error" and B keeps its points.
import { expect, test } from "vitest";
import { codeOwner, emitEvent, ENV, EXERCISE_ID_PATTERN, formatSeconds, gradedTestName, testKey } from "./protocol";

export interface GradedInfo {
  /** Exercise id, e.g. "03.2" (lesson 03, exercise 2). */
  id: string;
  /** Points this test is worth (> 0). An exercise's points are the sum over its tests. */
  points: number;
  /** Hint shown to the learner when this test fails. */
  feedback: string;
}

export interface GradedOptions {
  /** Time limit for this test in ms (default: the grader's --timeout, 10 s). For slow tests such as training. */
  timeoutMs?: number;
}

declare module "vitest" {
  interface TaskMeta {
    grader?: { id: string; points: number; feedback: string };
  }
}

export const DEFAULT_TIMEOUT_MS = 10_000;

/** Names already registered per test file: duplicates would make results ambiguous. */
const registeredNames = new Map<string, Set<string>>();

let cachedSkipKeys: Set<string> | undefined;
/** Tests the grader already resolved in an earlier attempt (after a kill or crash): not run again. */
function skipKeys(): Set<string> {
  cachedSkipKeys ??= new Set<string>(JSON.parse(process.env[ENV.skip] || "[]") as string[]);
  return cachedSkipKeys;
}

function defaultTimeoutMs(): number {
  const raw = process.env[ENV.timeoutMs];
  const value = raw === undefined ? DEFAULT_TIMEOUT_MS : Number(raw);
  return Number.isFinite(value) && value > 0 ? value : DEFAULT_TIMEOUT_MS;
}

function validate(info: GradedInfo, title: string, fn: unknown, options: GradedOptions | undefined): void {
  if (typeof info !== "object" || info === null) {
    throw new TypeError(`graded(info, title, fn): info must be { id, points, feedback }, got ${JSON.stringify(info)}`);
  }
  const where = `graded(${JSON.stringify(info.id)}, ${JSON.stringify(title)})`;
  if (typeof info.id !== "string" || !EXERCISE_ID_PATTERN.test(info.id)) {
    throw new TypeError(`${where}: id ${JSON.stringify(info.id)} is not an exercise id like "03.2" (two-digit lesson, dot, number)`);
  }
  if (typeof info.points !== "number" || !Number.isFinite(info.points) || info.points <= 0) {
    throw new TypeError(`${where}: points must be a finite number > 0, got ${JSON.stringify(info.points)}`);
  }
  if (typeof info.feedback !== "string" || info.feedback.trim() === "") {
    throw new TypeError(`${where}: feedback must be a non-empty hint for learners whose code fails this test`);
  }
  if (typeof title !== "string" || title.trim() === "") {
    throw new TypeError(`graded(${JSON.stringify(info.id)}): title must be a non-empty string, got ${JSON.stringify(title)}`);
  }
  if (typeof fn !== "function") throw new TypeError(`${where}: the test body must be a function, got ${typeof fn}`);
  if (options?.timeoutMs !== undefined && !(Number.isFinite(options.timeoutMs) && options.timeoutMs > 0)) {
    throw new TypeError(`${where}: options.timeoutMs must be a number of milliseconds > 0, got ${JSON.stringify(options.timeoutMs)}`);
  }
}

class GradedTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`timed out after ${formatSeconds(timeoutMs)}: is there an infinite loop, or a promise that never resolves?`);
    this.name = "GradedTimeoutError";
  }
}

class ProcessExitCalledError extends Error {
  constructor(code: unknown) {
    super(`called process.exit(${code === undefined ? "" : String(code)}): exercise code must return or throw, never end the process`);
    this.name = "ProcessExitCalledError";
  }
}

/** What the learner's code did besides returning or throwing, recorded while the test body runs. */
interface Guard {
  exitCode: { code: unknown } | undefined;
  unhandledRejection: unknown;
  uncaughtException: unknown;
  /** The asynchronous error recorded came from code of unknown origin (not this test's, not a file's). */
  unattributed: boolean;
  restore(): void;
}

/** The graded test whose body is running in this worker, if any. */
let running: { file: string; name: string; guard: Guard } | null = null;

/**
 * Where an asynchronous error goes (fair blame): to the running test when its own code raised it (or
 * when nobody knows whose code did: then it is marked for a rerun alone); to the test or test file whose
 * code started it otherwise, as a "late-error" event, so a test never loses points for another's timer.
 */
function routeAsyncError(kind: "uncaught-exception" | "unhandled-rejection" | "process-exit", error: unknown): "current" | "elsewhere" | "unknown" {
  const owner = codeOwner.getStore();
  const ownedByRunning = owner !== undefined && "test" in owner && running !== null && owner.test === running.name;
  if (running && (ownedByRunning || owner === undefined)) {
    if (owner === undefined) running.guard.unattributed = true;
    return "current";
  }
  if (!owner) return "unknown"; // no test running, origin unknown: vitest reports it and the grader lists it
  const file = "test" in owner ? (running?.file ?? expect.getState().testPath ?? "<unknown test file>") : owner.module;
  emitEvent({ e: "late-error", file, owner, seenIn: running?.name ?? null, kind, message: kind === "process-exit" ? `called process.exit(${String(error)})` : messageOf(error), t: Date.now() });
  return "elsewhere";
}

let asyncErrorWatchInstalled = false;
/** One pair of listeners per worker, for the whole file: late errors also surface between tests. */
function watchAsyncErrors(): void {
  if (asyncErrorWatchInstalled) return;
  asyncErrorWatchInstalled = true;
  process.on("unhandledRejection", (reason: unknown) => {
    const error = reason ?? new Error("a promise was rejected with no reason");
    if (routeAsyncError("unhandled-rejection", error) === "current" && running) running.guard.unhandledRejection ??= error;
  });
  process.on("uncaughtException", (error: unknown) => {
    if (routeAsyncError("uncaught-exception", error) === "current" && running) running.guard.uncaughtException ??= error;
  });
}

function installGuard(file: string, name: string): Guard {
  const previousExit = process.exit;
  const guard: Guard = {
    exitCode: undefined,
    unhandledRejection: undefined,
    uncaughtException: undefined,
    unattributed: false,
    restore() {
      process.exit = previousExit;
      running = null;
    },
  };
  // Vitest already makes process.exit throw in workers; recording it here as well means a learner's
  // try/catch around it cannot hide the call.
  process.exit = ((code?: unknown) => {
    if (routeAsyncError("process-exit", code) === "current") guard.exitCode ??= { code };
    throw new ProcessExitCalledError(code);
  }) as typeof process.exit;
  running = { file, name, guard };
  return guard;
}

/** Lets rejections and timer errors started synchronously by the body surface before judging it. */
async function settle(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  await new Promise((resolve) => setImmediate(resolve));
}

/** Error names that add nothing to their messages; others (TypeError, RangeError, ...) are kept as a clue. */
const SELF_EXPLANATORY_ERRORS = new Set(["Error", "AssertionError", "NotImplementedError", "ProcessExitCalledError", "GradedTimeoutError"]);

function messageOf(error: unknown): string {
  if (error instanceof Error) {
    if (!error.message) return error.name;
    return SELF_EXPLANATORY_ERRORS.has(error.name) || error.message.startsWith(error.name) ? error.message : `${error.name}: ${error.message}`;
  }
  return `non-Error value thrown: ${typeof error === "string" ? JSON.stringify(error) : String(error)}`;
}

/** Registers one graded test. See the header for what is recorded and enforced. */
export function graded(info: GradedInfo, title: string, fn: () => void | Promise<void>, options?: GradedOptions): void {
  validate(info, title, fn, options);
  const { id, points, feedback } = info;
  const name = gradedTestName(id, title);
  const file = expect.getState().testPath ?? "<unknown test file>";
  const names = registeredNames.get(file) ?? new Set<string>();
  registeredNames.set(file, names);
  if (names.has(name)) {
    throw new Error(`graded("${id}", ${JSON.stringify(title)}): a graded test with this id and title already exists in ${file}; titles must be unique`);
  }
  names.add(name);
  const timeoutMs = options?.timeoutMs ?? defaultTimeoutMs();

  const meta = { grader: { id, points, feedback } };
  // vitest's own timeout is only a backstop: the wrapper below enforces timeoutMs with a clearer message.
  const testOptions = { meta, timeout: timeoutMs + 5_000 };
  const onlyId = process.env[ENV.onlyId];
  if (onlyId && onlyId !== id) {
    // Not part of this grading run: registered as skipped (so the file still has tests) and not declared.
    test.skip(name, testOptions, () => undefined);
    return;
  }
  const skipped = process.env[ENV.declareOnly] === "1" || skipKeys().has(testKey(file, name));
  emitEvent({ e: "declare", file, name, id, points, feedback, title, timeoutMs, skipped });
  if (skipped) {
    test.skip(name, testOptions, () => undefined);
    return;
  }
  watchAsyncErrors();
  test(name, testOptions, async () => {
    emitEvent({ e: "start", file, name, timeoutMs, t: Date.now() });
    const started = performance.now();
    const guard = installGuard(file, name);
    let failure: unknown = undefined;
    let failed = false;
    let timer: NodeJS.Timeout | undefined;
    try {
      // Everything the body starts (timers, promises, callbacks) is marked as this test's code.
      const body = codeOwner.run({ test: name }, () => Promise.resolve().then(fn));
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new GradedTimeoutError(timeoutMs)), timeoutMs);
      });
      await Promise.race([body, timeout]);
      await settle();
    } catch (error) {
      failed = true;
      failure = error;
    } finally {
      if (timer) clearTimeout(timer);
      guard.restore();
    }
    // process.exit wins: the learner may have caught our error, or it may have surfaced as another error.
    let kind: "error" | "timeout" | "process-exit" | "unhandled-rejection" | "uncaught-exception" = "error";
    if (guard.exitCode) {
      failed = true;
      failure = failure instanceof ProcessExitCalledError ? failure : new ProcessExitCalledError(guard.exitCode.code);
      kind = "process-exit";
    } else if (failure instanceof GradedTimeoutError) {
      kind = "timeout";
    } else if (!failed && guard.unhandledRejection !== undefined) {
      failed = true;
      failure = new Error(`unhandled promise rejection: ${messageOf(guard.unhandledRejection)} (a promise was rejected and nothing awaited or caught it)`);
      kind = "unhandled-rejection";
    } else if (!failed && guard.uncaughtException !== undefined) {
      failed = true;
      failure = new Error(`uncaught exception in a callback: ${messageOf(guard.uncaughtException)}`);
      kind = "uncaught-exception";
    }
    const duration = performance.now() - started;
    // Failed only by an asynchronous error nobody can trace: the grader reruns this test alone.
    const unattributed = guard.unattributed && (kind === "unhandled-rejection" || kind === "uncaught-exception");
    emitEvent({
      e: "end",
      file,
      name,
      passed: !failed,
      error: failed ? messageOf(failure) : null,
      kind: failed ? kind : null,
      duration,
      t: Date.now(),
      ...(unattributed ? { unattributed: true } : {}),
    });
    if (failed) throw failure instanceof Error ? failure : new Error(messageOf(failure));
  });
}

/**
 * The error `fn` throws, for graded tests of an exercise's input checks. Fails the test when `fn` returns
 * normally. A stub's "not implemented yet" is passed on unchanged: it is not the validation error the test
 * looks for, and the learner should see it as what it is.
 */
export function errorFrom(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    if ((error as Error)?.name === "NotImplementedError") throw error;
    return error as Error;
  }
  throw new Error("expected an error to be thrown, but the function returned normally");
}

/**
 * What `fn` returns: the positive control of an input-check test. A "rejects ..." test also makes a valid
 * call (ideally one close to the rejected ones, such as 0 parameters next to -3), so a function that
 * throws on every input earns nothing for "rejecting" (the self-check grades such an always-throw
 * submission and requires 0 points). Fails the test, naming the call, when `fn` throws; a stub's
 * "not implemented yet" is passed on unchanged.
 */
export function validCall<T>(call: string, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if ((error as Error)?.name === "NotImplementedError") throw error;
    throw new Error(`${call} is valid and must not throw, but it threw ${messageOf(error)}: reject only the inputs the exercise lists`);
  }
}
