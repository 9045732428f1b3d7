// Helpers for exercise stubs and the notebooks that call them.
// - Stubs in exercises/<NN-lesson>/*.ts call notImplemented("00.1") in their TODO bodies: they compile,
//   and calling them throws an error that says which exercise and which file to open.
// - Notebooks call a learner's function through withReference(...): until the learner has written it,
//   the notebook keeps working by showing the reference implementation, and says so.
import * as fs from "fs";
import * as path from "path";
import { EXERCISE_ID_PATTERN } from "./protocol";

/** The repository root: this file lives in <root>/course-lib/grader/. */
const REPO_ROOT = path.resolve(__dirname, "..", "..");

function checkExerciseId(exerciseId: unknown, where: string): asserts exerciseId is string {
  if (typeof exerciseId !== "string" || !EXERCISE_ID_PATTERN.test(exerciseId)) {
    throw new TypeError(
      `${where}: exercise id ${JSON.stringify(exerciseId)} is not of the form "03.2" (two-digit lesson number, dot, exercise number)`,
    );
  }
}

/** Thrown by an exercise stub that the learner has not implemented yet. */
export class NotImplementedError extends Error {
  readonly exerciseId: string;
  /** The file that called notImplemented (relative to the repository when inside it), if known. */
  readonly file: string | undefined;

  constructor(exerciseId: string, file?: string) {
    super(`exercise ${exerciseId} not implemented yet` + (file ? ` — open ${file}` : ""));
    this.name = "NotImplementedError";
    this.exerciseId = exerciseId;
    this.file = file;
  }
}

/** Finds the source file of the function that called notImplemented, from the stack trace. */
function callerFile(): string | undefined {
  const holder: { stack?: string } = {};
  Error.captureStackTrace(holder, notImplemented);
  for (const line of (holder.stack ?? "").split("\n").slice(1)) {
    // Frames look like "    at fn (/abs/path/file.ts:12:3)" or "    at /abs/path/file.ts:12:3" (or file:// URLs).
    const match = /\(?((?:file:\/\/)?\/[^():]+?\.[cm]?[tj]sx?)(?::\d+){0,2}\)?\s*$/.exec(line);
    if (!match) continue;
    let file = match[1].replace(/^file:\/\//, "");
    if (file === __filename) continue;
    // tslab runs its own compiled .js next to the learner's .ts (which is the file to open).
    const typescript = file.replace(/\.js$/, ".ts");
    if (typescript !== file && !fs.existsSync(file) && fs.existsSync(typescript)) file = typescript;
    const relative = path.relative(REPO_ROOT, file);
    if (!relative.startsWith("..") && !path.isAbsolute(relative)) file = relative.split(path.sep).join("/");
    return file;
  }
  return undefined;
}

/**
 * Marks an exercise body as not written yet. Always throws NotImplementedError, e.g.
 * "exercise 00.1 not implemented yet — open exercises/00-getting-started/warmup.ts".
 */
export function notImplemented(exerciseId: string): never {
  checkExerciseId(exerciseId, "notImplemented");
  throw new NotImplementedError(exerciseId, callerFile());
}

function describeError(error: unknown): string {
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === "object" && value !== null && typeof (value as { then?: unknown }).then === "function";
}

/** Prints why the reference is shown; returns nothing. Loud (stderr) unless the exercise is simply not written. */
function announceFallback(exerciseId: string, error: unknown): void {
  if (error instanceof NotImplementedError) {
    const needed = error.exerciseId === exerciseId ? "" : ` (needed by exercise ${exerciseId})`;
    console.log(`exercise ${error.exerciseId} not implemented yet${needed}: showing the reference`);
    return;
  }
  console.error(`exercise ${exerciseId} raised ${describeError(error)}: showing the reference`);
}

/**
 * Runs the learner's implementation; if it is not written yet or throws, prints why and returns the
 * reference implementation's result instead, so the rest of the notebook still runs.
 */
export function withReference<T>(exerciseId: string, learner: () => T, reference: () => T): T {
  checkExerciseId(exerciseId, "withReference");
  if (typeof learner !== "function" || typeof reference !== "function") {
    throw new TypeError(`withReference("${exerciseId}", learner, reference): learner and reference must be functions`);
  }
  let result: T;
  try {
    result = learner();
  } catch (error) {
    announceFallback(exerciseId, error);
    return reference();
  }
  if (isThenable(result)) {
    // The learner's code is async: its rejection would escape this synchronous helper unnoticed.
    Promise.resolve(result).catch(() => undefined);
    throw new TypeError(
      `withReference("${exerciseId}"): the learner's function returned a Promise; use withReferenceAsync for async exercises`,
    );
  }
  return result;
}

/** withReference for async exercises: awaits the learner's code and falls back on rejection too. */
export async function withReferenceAsync<T>(
  exerciseId: string,
  learner: () => T | Promise<T>,
  reference: () => T | Promise<T>,
): Promise<T> {
  checkExerciseId(exerciseId, "withReferenceAsync");
  if (typeof learner !== "function" || typeof reference !== "function") {
    throw new TypeError(`withReferenceAsync("${exerciseId}", learner, reference): learner and reference must be functions`);
  }
  try {
    return await learner();
  } catch (error) {
    announceFallback(exerciseId, error);
    return await reference();
  }
}

/** One exercise to check in exerciseStatus: its id and name, and a small valid call of the learner's code. */
export type ExerciseAttempt = [name: string, attempt: () => unknown];

/**
 * Tells the learner which of their exercise functions are written, one line each, e.g.
 *   00.1 modelSizeKB: written. Check it with  npm run grade -- --only 00.1
 *   00.2 accuracy: not written yet (exercises/00-getting-started/warmup.ts)
 * `name` starts with the exercise id ("00.1 modelSizeKB"); `attempt` makes one small valid call.
 * Notebooks call it at the end of each section.
 */
export function exerciseStatus(attempts: ExerciseAttempt[]): void {
  if (!Array.isArray(attempts)) throw new TypeError(`exerciseStatus: expected an array of [name, attempt] pairs, got ${typeof attempts}`);
  for (const pair of attempts) {
    const [name, attempt] = Array.isArray(pair) ? pair : [undefined, undefined];
    const id = typeof name === "string" ? name.split(" ")[0] : undefined;
    if (typeof name !== "string" || typeof attempt !== "function") {
      throw new TypeError(`exerciseStatus: each entry must be ["<id> <name>", () => call], got ${JSON.stringify(pair)}`);
    }
    checkExerciseId(id, `exerciseStatus("${name}")`);
    try {
      const result = attempt();
      if (isThenable(result)) Promise.resolve(result).catch(() => undefined);
      console.log(`${name}: written. Check it with  npm run grade -- --only ${id}`);
    } catch (error) {
      if (error instanceof NotImplementedError) {
        console.log(`${name}: not written yet${error.file ? ` (${error.file})` : ""}`);
      } else console.log(`${name}: raises "${describeError(error)}" on a valid call; npm run grade -- --only ${id} shows why`);
    }
  }
}
