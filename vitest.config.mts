// The course's own test suite (`npm test`): course-lib unit tests, the grader self-check and the
// notebook runs. Graded exercise tests are not collected here; the grader runs them (course-lib/grader).
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["course-lib/**/*.test.ts"],
    exclude: ["node_modules/**", "build/**", "exercises/**", "solutions/**"],
    pool: "forks",
    setupFiles: ["course-lib/runtime/quiet-banner.setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 600_000,
    reporters: ["default"],
  },
});
