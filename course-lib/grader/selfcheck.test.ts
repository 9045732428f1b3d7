// The course's self-check (selfcheck.ts), part of `npm test`: every graded test in exercises/ fails
// against the stubs and against an "always throw" submission and passes against the solutions (100 %),
// every exercise module has a solution exporting the same API, and every exercise has a graded test.
// Also shows, on a deliberately broken fixture course, that the self-check does catch each of those
// mistakes.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { REPO_ROOT } from "./run";
import { resolveStubs, runSelfCheck, writeAlwaysThrowSubmission } from "./selfcheck";

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
    // The negative control: rejecting bad input earns nothing from a function that rejects everything.
    const control = result.alwaysThrowReport?.totals;
    console.log(`self-check: always-throw submission ${control?.pointsEarned} / ${control?.pointsPossible} points`);
    expect(control?.testsTotal).toBe(result.gradedTests);
    expect(control?.pointsEarned).toBe(0);
  }, 600_000); // grades the course three times; the machine may be shared

  it("writes the always-throw submission from the stubs' exports: functions throw, async ones reject, classes stay", async () => {
    const outDir = path.join(REPO_ROOT, "build", "grader-test", "always-throw");
    const fixtureStubs = path.join(__dirname, "fixtures", "exercises");
    const written = writeAlwaysThrowSubmission(fixtureStubs, outDir, ".fixture-test.ts");
    expect(written.functions).toEqual(expect.arrayContaining([expect.stringMatching(/arith\.ts: add$/), expect.stringMatching(/arith\.ts: asyncSum$/), expect.stringMatching(/text\.ts: shout$/)]));
    const arith = (await import(path.join(outDir, "90-fixture", "arith.ts"))) as Record<string, (...args: unknown[]) => unknown>;
    expect(() => arith.add(-3, 4)).toThrow(RangeError);
    expect(() => arith.add(-3, 4)).toThrow("bad input: [ -3, 4 ]");
    await expect(arith.asyncSum([1, 2])).rejects.toThrow("bad input: [ [ 1, 2 ] ]");
    // A real course module: its exercise function throws, the HardSwish layer class it re-exports is kept.
    const courseOut = path.join(REPO_ROOT, "build", "grader-test", "always-throw-course");
    writeAlwaysThrowSubmission(path.join(REPO_ROOT, "exercises"), courseOut);
    const block = fs.readFileSync(path.join(courseOut, "03-phinet-xinet", "block.ts"), "utf8");
    expect(block).toMatch(/export function phinetBlock\(\.\.\.args: unknown\[\]\): never \{ throw new RangeError/);
    expect(block).toMatch(/export \{ HardSwish \} from "(\.\.\/)+exercises\/03-phinet-xinet\/block";/);
  }, 60_000);

  it("checks the committed stubs (a learner's edited copy) with their course-lib imports resolving", async () => {
    const stubs = resolveStubs(path.join(__dirname, "..", "..", "exercises"), "head");
    expect(stubs.source).toBe("HEAD");
    // The export sits where ../../course-lib/... from a lesson folder finds the library.
    expect(fs.realpathSync(path.join(stubs.dir, "..", "course-lib"))).toBe(fs.realpathSync(path.join(__dirname, "..")));
    const previous = process.env.GRADER_SELFCHECK_STUBS;
    process.env.GRADER_SELFCHECK_STUBS = "head";
    try {
      // The always-throw control runs in the first test; this one is about the HEAD export.
      const result = await runSelfCheck({ alwaysThrowControl: false });
      expect(result.stubsSource).toBe("HEAD");
      expect(result.problems).toEqual([]);
    } finally {
      if (previous === undefined) delete process.env.GRADER_SELFCHECK_STUBS;
      else process.env.GRADER_SELFCHECK_STUBS = previous;
    }
  }, 600_000);

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
    expect(problems).toMatch(/the solutions score 66\.7 %, not 100 %/);
    expect(problems).toMatch(/exercise 91\.3: a stub calls notImplemented\("91\.3"\) but no graded test has id 91\.3/);
    expect(problems).toMatch(/\[91\.2\] rejects NaN .*passes against an "always throw" submission/);
    expect(result.alwaysThrowReport?.tests.filter((t) => t.passed).map((t) => t.title)).toEqual(["rejects NaN"]);
    expect(result.problems).toHaveLength(9);
  }, 300_000);
});
