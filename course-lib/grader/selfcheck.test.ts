// The course's self-check (selfcheck.ts), part of `npm test`: every graded test in exercises/ fails
// against the stubs and passes against the solutions (100 %), every exercise module has a solution
// exporting the same API, and every exercise has a graded test. Also shows, on a deliberately broken
// fixture course, that the self-check does catch each of those mistakes.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { resolveStubs, runSelfCheck } from "./selfcheck";

describe("self-check of the course's graded exercises", () => {
  it("exercises/ and solutions/ agree: stubs fail, solutions pass with 100 %, same exports", async () => {
    const result = await runSelfCheck();
    for (const note of result.notes) console.log(`self-check: ${note}`);
    expect(result.structureChecked).toBe(true);
    expect(result.problems).toEqual([]);
    if (result.modules.length === 0) {
      console.log("self-check: exercises/ has no exercise modules yet: nothing to check");
      expect(result.gradedTests).toBe(0);
      return;
    }
    console.log(`self-check: ${result.modules.length} exercise module(s), ${result.exerciseIds.length} exercise(s), ${result.gradedTests} graded test(s) checked (${result.stubsSource} stubs)`);
    expect(result.gradedTests).toBeGreaterThan(0);
    expect(result.stubsReport?.totals.testsPassed).toBe(0);
    expect(result.solutionsReport?.totals.percent).toBe(100);
  });

  it("checks the committed stubs (a learner's edited copy) with their course-lib imports resolving", async () => {
    const stubs = resolveStubs(path.join(__dirname, "..", "..", "exercises"), "head");
    expect(stubs.source).toBe("HEAD");
    // The export sits where ../../course-lib/... from a lesson folder finds the library.
    expect(fs.realpathSync(path.join(stubs.dir, "..", "course-lib"))).toBe(fs.realpathSync(path.join(__dirname, "..")));
    const previous = process.env.GRADER_SELFCHECK_STUBS;
    process.env.GRADER_SELFCHECK_STUBS = "head";
    try {
      const result = await runSelfCheck();
      expect(result.stubsSource).toBe("HEAD");
      expect(result.problems).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.GRADER_SELFCHECK_STUBS;
      else process.env.GRADER_SELFCHECK_STUBS = previous;
    }
  }, 120_000);

  it("catches a broken course (fixture)", async () => {
    const fixture = path.join(__dirname, "fixtures", "broken-course");
    const result = await runSelfCheck({
      exercisesDir: path.join(fixture, "exercises"),
      solutionsDir: path.join(fixture, "solutions"),
      testFileSuffix: ".fixture-test.ts",
      timeoutMs: 5_000,
    });
    const problems = result.problems.join("\n");
    expect(problems).toMatch(/91-broken\/extra\.ts: no solution at .*solutions\/91-broken\/extra\.ts/);
    expect(problems).toMatch(/solutions\/91-broken\/calc\.ts: does not export square/);
    expect(problems).toMatch(/double: type \(x: number\) => number in .* but \(x: string\) => number in /);
    expect(problems).toMatch(/calc\.fixture-test\.ts: imports "\.\/calc" relatively/);
    expect(problems).toMatch(/\[91\.1\] doubles .*passes against the unmodified stub/);
    expect(problems).toMatch(/\[91\.2\] triples .*fails against the solution: expected 13 to be 12/);
    expect(problems).toMatch(/the solutions score 50 %, not 100 %/);
    expect(problems).toMatch(/exercise 91\.3: a stub calls notImplemented\("91\.3"\) but no graded test has id 91\.3/);
    expect(result.problems).toHaveLength(8);
  });
});
