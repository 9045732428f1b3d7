// Tests of the grader on its fixture lesson (fixtures/, see fixtures/README.md): grades of stubs and
// solutions, a learner's code that loops, exits, throws, crashes or cannot load, hidden tests outside
// the repository, --only, the report files and the CLI's argument errors. Time limits are shortened
// (2 s per test) to keep this file's runtime modest; the defaults are 10 s / 30 s.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { beforeAll, describe, expect, it } from "vitest";
import { gradeSubmissions } from "./batch";
import { listFiles } from "./discover";
import { diffExcerpt, DIFF_EXCERPT_LINES, formatReport, reportCsv, writeReport } from "./report";
import { grade, REPO_ROOT, type GradeOptions, type GradeReport, type TestGrade } from "./run";

const FIXTURES = path.join(__dirname, "fixtures");
const BASE: GradeOptions = {
  exercisesDir: path.join(FIXTURES, "exercises"),
  solutionsDir: path.join(FIXTURES, "solutions"),
  testFileSuffix: ".fixture-test.ts",
  timeoutMs: 2_000,
  hangGraceMs: 1_000,
  stallTimeoutMs: 4_000,
};

function learner(name: string): GradeOptions {
  return { ...BASE, targetDir: path.join(FIXTURES, "learners", name) };
}

let misbehavingReport: Promise<GradeReport> | undefined;
/** Graded once, shared by the tests that look at it (each grading of it takes ~10 s). */
function gradeMisbehaving(): Promise<GradeReport> {
  misbehavingReport ??= grade(learner("misbehaving"));
  return misbehavingReport;
}

function byTitle(report: GradeReport, title: string): TestGrade {
  const test = report.tests.find((t) => t.title === title);
  if (!test) throw new Error(`no test titled ${title} in ${report.tests.map((t) => t.title).join(", ")}`);
  return test;
}

describe("grading the fixture lesson", () => {
  it("gives the unmodified stubs 0 points, each failure saying which exercise and file", async () => {
    const report = await grade(BASE);
    expect(report.totals).toEqual({ pointsEarned: 0, pointsPossible: 12, percent: 0, testsPassed: 0, testsTotal: 10 });
    for (const test of report.tests) {
      expect(test.failure).toBe("error");
      expect(test.error).toMatch(new RegExp(`^exercise ${test.id.replace(".", "\\.")} not implemented yet — open course-lib/grader/fixtures/exercises/90-fixture/(arith|text)\\.ts$`));
    }
    expect(report.exercises.map((e) => [e.id, e.pointsPossible, e.testsTotal])).toEqual([
      ["90.1", 2, 2], ["90.2", 2, 1], ["90.3", 2, 2], ["90.4", 1, 1], ["90.5", 1, 1], ["90.6", 1, 1], ["90.7", 3, 2],
    ]);
    const table = formatReport(report);
    expect(table).toContain("90.2       90-fixture    0 / 2   0 / 1   FAIL");
    expect(table).toContain("hint:  mul returns a * b");
    expect(table).toContain("error: exercise 90.2 not implemented yet — open course-lib/grader/fixtures/exercises/90-fixture/arith.ts");
    expect(table).toContain("Total: 0 / 12 points (0.0 %) · 0 / 10 tests passed");
  });

  it("gives the solutions 100 %", async () => {
    const report = await grade({ ...BASE, target: "solutions" });
    expect(report.totals).toEqual({ pointsEarned: 12, pointsPossible: 12, percent: 100, testsPassed: 10, testsTotal: 10 });
    expect(report.warnings).toEqual([]);
    for (const test of report.tests) expect(test.duration).toBeGreaterThanOrEqual(0);
  });

  it("fails only the tests whose code loops, exits, throws, rejects unhandled or never resolves", async () => {
    const fixtureFilesBefore = listFiles(FIXTURES, () => true);
    const started = Date.now();
    const report = await gradeMisbehaving();
    const elapsed = Date.now() - started;
    // add (90.1) and shout (90.7) are correct, including the 90.1 test that runs after the hung one.
    expect(report.tests.filter((t) => t.passed).map((t) => t.title).sort()).toEqual(
      ["adds negative numbers", "adds small numbers", "shouts a word", "shouts nothing"],
    );
    expect(byTitle(report, "multiplies")).toMatchObject({ failure: "timeout", error: "timed out after 2 s: is there an infinite loop?" });
    expect(byTitle(report, "subtracts")).toMatchObject({ failure: "process-exit" });
    expect(byTitle(report, "subtracts").error).toMatch(/^called process\.exit\(0\)/);
    // The learner caught the error thrown for process.exit(1): the call is still recorded.
    expect(byTitle(report, "divides")).toMatchObject({ failure: "process-exit" });
    expect(byTitle(report, "divides").error).toMatch(/^called process\.exit\(1\)/);
    expect(byTitle(report, "negates")).toMatchObject({ failure: "error", error: "RangeError: cannot negate 3" });
    expect(byTitle(report, "sums asynchronously")).toMatchObject({ failure: "unhandled-rejection" });
    expect(byTitle(report, "sums asynchronously").error).toMatch(/^unhandled promise rejection: forgotten promise/);
    expect(byTitle(report, "resolves later")).toMatchObject({ failure: "timeout" });
    expect(byTitle(report, "resolves later").error).toMatch(/^timed out after 2 s: is there an infinite loop, or a promise that never resolves\?/);
    expect(report.totals).toMatchObject({ pointsEarned: 5, pointsPossible: 12, testsPassed: 4, testsTotal: 10 });
    expect(report.log).toMatch(/killed by the watchdog \(test-timeout\)/);
    // Killed at 2 s + 1 s grace, not left hanging; generous bound for a loaded machine.
    expect(elapsed).toBeLessThan(60_000);
    expect(listFiles(FIXTURES, () => true)).toEqual(fixtureFilesBefore);
  });

  it("fails only the test whose code kills its own process", async () => {
    const report = await grade(learner("crashing"));
    expect(report.tests.filter((t) => !t.passed).map((t) => t.title)).toEqual(["negates"]);
    expect(byTitle(report, "negates").failure).toBe("crashed");
    expect(byTitle(report, "negates").error).toMatch(/crashed while running this test/);
    expect(report.totals.pointsEarned).toBe(11);
  });

  it("counts the tests of a module that throws on import as failed, listing them from the solutions", async () => {
    const report = await grade(learner("broken-import"));
    const failed = report.tests.filter((t) => !t.passed);
    expect(failed.map((t) => t.title).sort()).toEqual(["shouts a word", "shouts nothing"]);
    for (const test of failed) {
      expect(test.failure).toBe("not-loaded");
      expect(test.error).toMatch(/^could not load the test file: .*greeting table is empty/);
    }
    expect(report.totals).toMatchObject({ pointsEarned: 9, pointsPossible: 12 });
  });

  it("charges an error that surfaces in a later test to the test whose code started it, and reruns a test hit by one of unknown origin", async () => {
    const report = await grade(learner("late-errors"));
    // add's first call left a timer that throws and a promise rejected later; they surfaced in "multiplies".
    expect(byTitle(report, "adds small numbers")).toMatchObject({ passed: false, failure: "late-error" });
    expect(byTitle(report, "adds small numbers").error).toMatch(/^after the test ended, code it started threw: late throw \(it surfaced (while "\[90\.2\] multiplies" ran|after it)\)/);
    expect(report.warnings).toContainEqual(expect.stringMatching(/arith\.fixture-test\.ts: "\[90\.1\] adds small numbers" left code running that failed after the test ended \(late rejection\); charged to it(, not to "\[90\.2\] multiplies")?$/));
    // neg's timer has no traceable origin: "sums asynchronously", which saw it, was rerun alone and passed.
    expect(report.warnings.some((w) => /"\[90\.5\] sums asynchronously" first failed with "uncaught exception in a callback: untraced late throw", raised by code it did not start; rerun alone, it passed/.test(w))).toBe(true);
    expect(report.log).toMatch(/vitest run \d+ \(rerunning "\[90\.5\] sums asynchronously" alone\)/);
    expect(report.tests.filter((t) => !t.passed).map((t) => t.title)).toEqual(["adds small numbers"]);
    expect(report.totals).toMatchObject({ pointsEarned: 11, pointsPossible: 12 });
  });

  it("keeps its own state outside the learner's tree: code that deletes build/ where it runs changes no grade", async () => {
    const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "grader-cwd-"));
    fs.mkdirSync(path.join(cwd, "build"));
    fs.writeFileSync(path.join(cwd, "build", "notebook-cache.json"), "{}");
    try {
      const report = await grade({ ...learner("deletes-build"), cwd });
      expect(report.totals).toMatchObject({ pointsEarned: 12, pointsPossible: 12, testsTotal: 10 });
      expect(report.warnings).toEqual([]);
      expect(fs.existsSync(path.join(cwd, "build"))).toBe(false); // the learner's code ran, in cwd
      // What it could see of the grader: an events file in a private directory, neither in the repository nor where it ran.
      const seen = JSON.parse(fs.readFileSync(path.join(cwd, "grader-env-seen.json"), "utf8")) as Record<string, string>;
      for (const name of ["GRADER_EVENTS", "GRADER_CACHE_DIR"]) {
        expect(seen[name].startsWith(os.tmpdir() + path.sep), name).toBe(true);
        expect(seen[name].startsWith(REPO_ROOT + path.sep) || seen[name].startsWith(cwd + path.sep), name).toBe(false);
        expect(fs.existsSync(seen[name]), `${name} is removed after grading`).toBe(false);
      }
    } finally {
      fs.rmSync(cwd, { recursive: true, force: true });
    }
  });

  it("stops a module with an infinite loop at its top level and grades the rest", async () => {
    const report = await grade(learner("top-level-loop"));
    const failed = report.tests.filter((t) => !t.passed);
    expect(failed.map((t) => t.title).sort()).toEqual(["shouts a word", "shouts nothing"]);
    for (const test of failed) expect(test.error).toMatch(/^loading the test file timed out after 4 s: is there an infinite loop at the top level/);
    expect(report.totals).toMatchObject({ pointsEarned: 9, pointsPossible: 12 });
  });
});

describe("grading a class of the fixture lesson (batch.ts)", () => {
  it("stops a learner at the per-learner time limit, keeps what was graded and counts the rest as not graded; keeps the solutions out of reach", async () => {
    const submissions = fs.mkdtempSync(path.join(os.tmpdir(), "grader-class-"));
    try {
      for (const [name, from] of [["slow", path.join(FIXTURES, "learners", "misbehaving")], ["quick", path.join(FIXTURES, "solutions")]]) {
        fs.cpSync(from, path.join(submissions, name, "exercises"), { recursive: true });
      }
      // A learner who re-exports the solutions through the course-lib alias: the copy cannot reach them.
      const peeks = path.join(submissions, "peeks", "exercises", "90-fixture");
      fs.mkdirSync(peeks, { recursive: true });
      fs.writeFileSync(path.join(peeks, "arith.ts"), 'export * from "../../course-lib/grader/fixtures/solutions/90-fixture/arith";\n');
      fs.writeFileSync(path.join(peeks, "text.ts"), 'export * from "../../course-lib/../course-lib/grader/fixtures/solutions/90-fixture/text";\n');
      const { gradebook } = await gradeSubmissions({
        submissionsDir: submissions,
        exercisesDir: BASE.exercisesDir,
        solutionsDir: BASE.solutionsDir,
        testFileSuffix: BASE.testFileSuffix,
        timeoutMs: BASE.timeoutMs,
        hangGraceMs: BASE.hangGraceMs,
        stallTimeoutMs: BASE.stallTimeoutMs,
        learnerTimeoutMs: 4_000,
        jobs: 2,
      });
      const [peeking, quick, slow] = gradebook.learners;
      expect([peeking.learner, peeking.pointsEarned, peeking.pointsPossible]).toEqual(["peeks", 0, 12]);
      expect(peeking.tests.every((t) => t.failure === "not-loaded")).toBe(true);
      expect([quick.learner, quick.status, quick.pointsEarned, quick.pointsPossible]).toEqual(["quick", "graded", 12, 12]);
      expect([slow.learner, slow.status, slow.pointsPossible]).toEqual(["slow", "timed out", 12]);
      expect(slow.why).toBe("the time limit for one learner (4 s) ran out");
      // "multiplies" loops (killed at 3 s); the limit stops the retry: some tests are not graded, all are counted.
      expect(slow.tests).toHaveLength(10);
      expect(slow.tests.some((t) => t.error?.startsWith("not graded: the time limit for one learner (4 s) ran out"))).toBe(true);
      expect(slow.durationMs).toBeLessThan(20_000);
    } finally {
      fs.rmSync(submissions, { recursive: true, force: true });
    }
  });
});

describe("options and outputs", () => {
  let hiddenDir: string;
  beforeAll(() => {
    // An instructor's hidden tests, outside the repository, written both ways graded() can be imported.
    hiddenDir = fs.mkdtempSync(path.join(os.tmpdir(), "grader-hidden-"));
    fs.mkdirSync(path.join(hiddenDir, "90-fixture"));
    fs.writeFileSync(
      path.join(hiddenDir, "90-fixture", "hidden.fixture-test.ts"),
      [
        'import { expect } from "vitest";',
        'import { add } from "@exercise/90-fixture/arith";',
        'import { shout } from "@exercise/90-fixture/text";',
        'import { graded } from "@course-lib/grader/graded";',
        'graded({ id: "90.1", points: 3, feedback: "hidden: add large numbers" }, "hidden: adds large numbers", () => { expect(add(1e6, 2e6)).toBe(3e6); });',
        'graded({ id: "90.7", points: 1, feedback: "hidden: shout a sentence" }, "hidden: shouts a sentence", () => { expect(shout("a b")).toBe("A B!"); });',
      ].join("\n"),
    );
    fs.writeFileSync(
      path.join(hiddenDir, "90-fixture", "copied.fixture-test.ts"),
      [
        'import { expect } from "vitest";',
        'import { neg } from "@exercise/90-fixture/arith";',
        'import { graded } from "../../course-lib/grader/graded";',
        'graded({ id: "90.4", points: 2, feedback: "hidden: negate zero" }, "hidden: negates zero", () => { expect(Object.is(neg(0), -0)).toBe(true); });',
      ].join("\n"),
    );
    return () => fs.rmSync(hiddenDir, { recursive: true, force: true });
  });

  it("runs hidden tests from a directory outside the repository against the chosen target", async () => {
    const report = await grade({ ...BASE, target: "solutions", extraTestDirs: [hiddenDir] });
    expect(report.totals).toMatchObject({ pointsEarned: 18, pointsPossible: 18, testsTotal: 13 });
    expect(byTitle(report, "hidden: adds large numbers").file).toBe(path.join(hiddenDir, "90-fixture", "hidden.fixture-test.ts"));
    const stubs = await grade({ ...BASE, only: "90.4", extraTestDirs: [hiddenDir] });
    expect(stubs.tests.map((t) => t.title).sort()).toEqual(["hidden: negates zero", "negates"]);
    expect(stubs.totals).toMatchObject({ pointsEarned: 0, pointsPossible: 3 });
  });

  it("--only selects a lesson, an exercise or a lesson directory, and rejects what matches nothing", async () => {
    const exercise = await grade({ ...BASE, target: "solutions", only: "90.7" });
    expect(exercise.tests.map((t) => t.id)).toEqual(["90.7", "90.7"]);
    const lesson = await grade({ ...BASE, target: "solutions", only: "90-fixture" });
    expect(lesson.totals.testsTotal).toBe(10);
    await expect(grade({ ...BASE, only: "91" })).rejects.toThrow(/--only "91" matches no graded test file; lessons with graded tests: 90-fixture/);
    await expect(grade({ ...BASE, only: "90.9" })).rejects.toThrow(/no graded test has exercise id 90\.9/);
    await expect(grade({ ...BASE, only: "lesson one" })).rejects.toThrow(/"lesson one" is not a lesson number/);
    await expect(grade({ ...BASE, extraTestDirs: ["/nonexistent/hidden-tests"] })).rejects.toThrow(/--tests directory "\/nonexistent\/hidden-tests" does not exist/);
  });

  it("writes grades.json (per test) and grades.csv (per exercise) under build/ only", async () => {
    const report = await gradeMisbehaving();
    const outDir = path.join(REPO_ROOT, "build", "grader-test", "report");
    const written = writeReport(report, outDir);
    const json = JSON.parse(fs.readFileSync(written.json, "utf8"));
    expect(json.totals).toEqual(report.totals);
    expect(json.log).toBeUndefined();
    const multiplies = json.tests.find((t: TestGrade) => t.title === "multiplies");
    expect(multiplies).toMatchObject({ id: "90.2", points: 2, passed: false, feedback: "mul returns a * b", error: "timed out after 2 s: is there an infinite loop?" });
    expect(typeof multiplies.duration).toBe("number");
    const csv = fs.readFileSync(written.csv, "utf8").trim().split("\n");
    expect(csv[0]).toBe("exercise,lesson,points_earned,points_possible,percent,tests_passed,tests_total,failed_tests,warnings");
    expect(csv).toContain("90.1,90-fixture,2,2,100,2,2,,");
    expect(csv).toContain("90.3,90-fixture,0,2,0,0,2,subtracts; divides,");
    expect(csv[csv.length - 1]).toBe("TOTAL,,5,12,41.7,4,10,,");
    expect(reportCsv(report)).toBe(fs.readFileSync(written.csv, "utf8"));
    expect(() => writeReport(report, path.join(REPO_ROOT, "exercises"))).toThrow(/only writes under .*build/);
    expect(() => writeReport(report, os.tmpdir())).toThrow(/refusing to write/);
  });
});

describe("feedback on a failed assertion", () => {
  let testsDir: string;
  beforeAll(() => {
    // Tests that fail against the fixture's correct solutions, the way a learner's wrong answer fails.
    testsDir = fs.mkdtempSync(path.join(os.tmpdir(), "grader-feedback-"));
    fs.mkdirSync(path.join(testsDir, "90-fixture"));
    fs.writeFileSync(
      path.join(testsDir, "90-fixture", "feedback.fixture-test.ts"),
      [
        'import { expect } from "vitest";',
        'import { add } from "@exercise/90-fixture/arith";',
        'import { graded } from "@course-lib/grader/graded";',
        'graded({ id: "90.1", points: 1, feedback: "wrong on purpose" }, "names the failing case", () => {',
        '  expect({ case: "two plus two", block: 9, sum: add(2, 2) }).toEqual({ case: "two plus two", block: 9, sum: 5 });',
        "});",
        'graded({ id: "90.1", points: 1, feedback: "wrong on purpose" }, "a long diff", () => {',
        '  const row = (n: number) => Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`k${String(i).padStart(2, "0")}`, i % 4 === 0 ? n : i]));',
        "  expect(row(add(1, 1))).toEqual(row(3));",
        "});",
      ].join("\n"),
    );
    return () => fs.rmSync(testsDir, { recursive: true, force: true });
  });

  it("prints the changed lines of the diff with their case, and writes the full text to grades.log", async () => {
    // The default stall limit: this test is about the report, not the watchdog.
    const report = await grade({ ...BASE, stallTimeoutMs: 30_000, target: "solutions", only: "90.1", extraTestDirs: [testsDir] });
    const named = byTitle(report, "names the failing case");
    expect(named.error).toMatch(/to deeply equal/);
    expect(named.diff).toMatch(/-\s+"sum": 5,\n\+\s+"sum": 4,/);
    const table = formatReport(report, { logFile: "build/grader-test/feedback/grades.log" });
    expect(table).toContain("diff (- expected, + yours):");
    expect(table).toMatch(/\n {12}"case": "two plus two",\n {8}- {3}"sum": 5,\n {8}\+ {3}"sum": 4,/);
    expect(table).toContain("Full error messages and diffs: build/grader-test/feedback/grades.log");
    // A long diff is cut to the changed lines and their context, and says where the rest is.
    const long = byTitle(report, "a long diff");
    const excerpt = diffExcerpt(long.diff as string);
    expect(excerpt.lines.length).toBeLessThanOrEqual(DIFF_EXCERPT_LINES);
    expect(excerpt.lines.slice(0, 5)).toEqual(["  {", '-   "k00": 3,', '+   "k00": 2,', '    "k01": 1,', '    "k02": 2,']);
    expect(excerpt.omitted).toBeGreaterThan(30); // 52 lines (40 keys, 10 of them changed), 13 shown
    expect(table).toContain(`… ${excerpt.omitted} more lines in build/grader-test/feedback/grades.log`);
    const written = writeReport(report, path.join(REPO_ROOT, "build", "grader-test", "feedback"));
    const log = fs.readFileSync(written.log, "utf8");
    expect(log).toContain(long.diff as string);
    expect(log).toContain("hint: wrong on purpose");
    expect(log.indexOf("===== output of the vitest runs =====")).toBeGreaterThan(log.indexOf(long.diff as string));
  });

  it("cuts diff lines to a width and keeps short diffs whole", () => {
    const short = diffExcerpt(`- Expected\n+ Received\n\n- ${"x".repeat(300)}\n+ 2\n`, 14, 40);
    expect(short).toEqual({ lines: [`- ${"x".repeat(37)}…`, "+ 2"], omitted: 0 });
  });
});

describe("npm run grade (cli.ts)", () => {
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs"), path.join(__dirname, "cli.ts"), ...args], {
      cwd: REPO_ROOT,
      encoding: "utf8",
      timeout: 120_000,
    });

  it("exits 2 with an error naming the bad value for bad arguments", () => {
    const badTarget = cli("--target", "homework");
    expect(badTarget.status).toBe(2);
    expect(badTarget.stderr).toContain('--target "homework" is not one of: exercises, solutions');
    const missingDir = cli("--tests", "/nonexistent/hidden-tests");
    expect(missingDir.status).toBe(2);
    expect(missingDir.stderr).toContain('--tests directory "/nonexistent/hidden-tests" does not exist');
    const outsideBuild = cli("--out", "exercises");
    expect(outsideBuild.status).toBe(2);
    expect(outsideBuild.stderr).toMatch(/--out "exercises": the grader only writes under/);
    const badJobs = cli("--submissions", os.tmpdir(), "--jobs", "0");
    expect([badJobs.status, badJobs.stderr.trim()]).toEqual([2, 'grader: --jobs "0" is not a whole number >= 1']);
    const noClass = cli("--submissions", "/nonexistent/class");
    expect([noClass.status, noClass.stderr.trim()]).toEqual([2, 'grader: --submissions "/nonexistent/class" is not a directory (expected one folder per learner)']);
    const jobsAlone = cli("--jobs", "2");
    expect([jobsAlone.status, jobsAlone.stderr.trim()]).toEqual([2, "grader: --jobs only applies with --submissions <dir>"]);
  });

  it("grades your exercises with the committed tests, saying so", () => {
    const run = cli("--only", "00", "--out", path.join("build", "grader-test", "cli-exercises"));
    expect(run.status, run.stderr).toBe(0);
    expect(run.stdout).toContain("Graded with the committed tests (git HEAD)");
    expect(run.stdout).toMatch(/Total: \d+ \/ 12 points/);
  });

  it("grades the course's solutions, prints JSON with --json and exits 0", () => {
    const out = path.join("build", "grader-test", "cli");
    const run = cli("--target", "solutions", "--json", "--out", out);
    expect(run.status, run.stderr).toBe(0);
    const printed = JSON.parse(run.stdout);
    const written = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, out, "grades.json"), "utf8"));
    expect(printed.totals).toEqual(written.totals);
    expect(written.target).toEqual({ name: "solutions", dir: "solutions" });
    // The self-check asserts the solutions score 100 %; here: the CLI reports consistent totals.
    expect(written.totals.testsTotal).toBe(written.tests.length);
    expect(fs.existsSync(path.join(REPO_ROOT, out, "grades.csv"))).toBe(true);
  });
});
