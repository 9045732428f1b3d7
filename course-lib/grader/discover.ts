// Finding graded test files and exercise modules, and interpreting `--only`.
// Layout: <dir>/<NN-lesson>/<name>.test.ts are graded tests; other <dir>/<NN-lesson>/*.ts are exercise modules.
import * as fs from "fs";
import * as path from "path";
import { EXERCISE_ID_PATTERN } from "./protocol";

/** Bad arguments or setup: the grader cannot run. The CLI prints the message and exits with code 2. */
export class GraderUsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "GraderUsageError";
  }
}

/** Runs a grader CLI's main: its code on success; 2 with the message for a GraderUsageError; 1 with the stack otherwise. */
export function runCli(name: string, main: () => Promise<number>): void {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      if (error instanceof GraderUsageError) {
        console.error(`${name}: ${error.message}`);
        process.exitCode = 2;
      } else {
        console.error(`${name}: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
        process.exitCode = 1;
      }
    },
  );
}

export const LESSON_DIR_PATTERN = /^(\d{2})-[A-Za-z0-9][\w.-]*$/;

export interface TestFile {
  /** Absolute path. */
  path: string;
  /** The test root it was found under (exercises/ or a --tests dir). */
  root: string;
  /** Lesson directory name, e.g. "00-getting-started" (first path segment under the root). */
  lesson: string;
}

/** Recursively lists files under dir whose names end with suffix, sorted, skipping node_modules and dot-dirs. */
export function listFiles(dir: string, accept: (name: string) => boolean): string[] {
  const found: string[] = [];
  const walk = (current: string) => {
    for (const entry of fs.readdirSync(current, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      if (entry.name.startsWith(".") || entry.name === "node_modules") continue;
      const full = path.join(current, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile() && accept(entry.name)) found.push(full);
    }
  };
  if (fs.existsSync(dir)) walk(dir);
  return found;
}

export function findTestFiles(root: string, suffix: string): TestFile[] {
  return listFiles(root, (name) => name.endsWith(suffix)).map((file) => {
    const relative = path.relative(root, file).split(path.sep);
    return { path: file, root, lesson: relative.length > 1 ? relative[0] : "(no lesson)" };
  });
}

/** Exercise modules: the .ts files of a lesson directory that are not tests or declarations. */
export function findExerciseModules(root: string, testSuffix = ".test.ts"): string[] {
  return listFiles(root, (name) => name.endsWith(".ts") && !name.endsWith(testSuffix) && !name.endsWith(".d.ts"));
}

export type OnlyFilter =
  | { kind: "lesson"; lessonNumber: string; raw: string }
  | { kind: "exercise"; id: string; lessonNumber: string; raw: string }
  | { kind: "lesson-dir"; lessonDir: string; raw: string };

/** Parses `--only`: a lesson number ("00"), an exercise id ("03.2") or a lesson directory name. */
export function parseOnly(raw: string): OnlyFilter {
  const value = raw.trim().replace(/\/+$/, "").replace(/^(?:exercises|solutions)\//, "");
  if (/^\d{2}$/.test(value)) return { kind: "lesson", lessonNumber: value, raw };
  const idMatch = EXERCISE_ID_PATTERN.exec(value);
  if (idMatch) return { kind: "exercise", id: value, lessonNumber: idMatch[1], raw };
  if (LESSON_DIR_PATTERN.test(value)) return { kind: "lesson-dir", lessonDir: value, raw };
  throw new GraderUsageError(
    `--only ${JSON.stringify(raw)} is not a lesson number ("00"), an exercise id ("03.2") or a lesson directory name ("00-getting-started")`,
  );
}

export function fileMatchesOnly(file: TestFile, only: OnlyFilter): boolean {
  switch (only.kind) {
    case "lesson-dir":
      return file.lesson === only.lessonDir;
    case "lesson":
    case "exercise":
      return file.lesson.startsWith(`${only.lessonNumber}-`);
  }
}
