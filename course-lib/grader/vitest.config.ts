// Vitest config for the grader's child runs (not for `npm test`): run.ts starts
// `vitest run --config course-lib/grader/vitest.config.ts` with the GRADER_* variables of protocol.ts.
// - `@exercise/<lesson>/<module>` resolves to the graded target: exercises/, solutions/ or a copy.
// - `@course-lib/<path>` and relative `../../course-lib/<path>` resolve to this repository's course-lib,
//   so an instructor's hidden tests outside the repository can import graded() and course helpers.
// - Only the exact test files run.ts lists are included (any location on disk).
import * as path from "path";
import { defineConfig } from "vitest/config";
import { ENV } from "./protocol";
import { GraderReporter } from "./reporter";

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`the grader's vitest config needs $${name}; run the grader with \`npm run grade\`, not vitest directly`);
  return value;
}

/** Globs treat these characters specially; test paths are literal. */
function escapeGlob(literal: string): string {
  return literal.replace(/[\\*?[\]{}()!+@]/g, (char) => `\\${char}`);
}

const repoRoot = process.env[ENV.repoRoot] || path.resolve(__dirname, "..", "..");
const targetDir = requiredEnv(ENV.targetDir);
const files = JSON.parse(requiredEnv(ENV.files)) as string[];
const timeoutMs = Number(process.env[ENV.timeoutMs] || 10_000);

export default defineConfig({
  root: repoRoot,
  cacheDir: process.env[ENV.cacheDir] || path.join(repoRoot, "build", "grader-cache"),
  resolve: {
    alias: [
      { find: /^@exercise\/(.*)$/, replacement: `${targetDir}/$1` },
      // Never into the grader's fixtures (they hold correct solutions) or back out with "..": learner code
      // graded from a copy must not reach the instructor's solutions through these aliases.
      { find: /^@course-lib\/(?!grader\/fixtures\/)((?:(?!\.\.\/).)*)$/, replacement: `${repoRoot}/course-lib/$1` },
      { find: /^(?:\.\.\/)+course-lib\/(?!grader\/fixtures\/)((?:(?!\.\.\/).)*)$/, replacement: `${repoRoot}/course-lib/$1` },
    ],
  },
  test: {
    // Test files may live anywhere (an instructor's hidden tests): scan from the filesystem root, but
    // only the exact paths listed, so nothing is walked beyond those files' directories.
    dir: "/",
    include: files.map((file) => escapeGlob(path.resolve(file).slice(1))),
    exclude: [],
    pool: "forks",
    isolate: true,
    // One worker: the machine is shared, and one file at a time lets the watchdog blame the right test.
    maxWorkers: 1,
    fileParallelism: false,
    setupFiles: [path.join(repoRoot, "course-lib", "grader", "setup.ts")],
    testTimeout: timeoutMs + 5_000,
    hookTimeout: Math.max(60_000, 3 * timeoutMs),
    retry: 0,
    passWithNoTests: true,
    watch: false,
    // Grades are the result: an error escaping a learner's test must not make vitest's run "fail".
    dangerouslyIgnoreUnhandledErrors: true,
    reporters: ["default", new GraderReporter()],
  },
});
