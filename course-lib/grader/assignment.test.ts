// An assignment's round trip, as an instructor runs it: release lesson 00 (with a hidden test) →
// learners clone it and edit → `npm run grade -- --submissions` grades the class → the gradebook agrees
// with each learner's own `npm run grade` in their clone, and with the points the GitHub Classroom
// workflow reports. The learners: perfect, partial, broken (does not compile), hostile (deletes build/,
// leaves timers that throw later, commits edited tests), one who disabled the tests and kept the stubs,
// and a folder with no exercises/.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkReleaseDir, INSTRUCTOR_ONLY, releaseAssignment, type ReleaseResult } from "./assignment";
import { gradebookCsv, gradeSubmissions, type Gradebook, type LearnerRow } from "./batch";
import { CLASSROOM_GRADE_COMMAND, classroomResultJson, type ClassroomResult } from "./classroom";
import { listFiles } from "./discover";
import { MANIFEST_FILE, readManifest, sha256 } from "./pristine";
import { REPO_ROOT, type GradeReport } from "./run";

const run = promisify(execFile);
const TSX = path.join(REPO_ROOT, "node_modules", "tsx", "dist", "cli.mjs");
const LESSON = "00-getting-started";
const GIT_ID = ["-c", "user.name=learner", "-c", "user.email=learner@example.invalid", "-c", "commit.gpgsign=false"];

let work: string;
let release: ReleaseResult;
let hiddenDir: string;
let submissions: string;
let gradebook: Gradebook;
let reports: Map<string, GradeReport>;
let batchStderr: string;
let gradebookCsvText: string;

/** A learner's clone of the release (history included), with the course's node_modules linked in. */
function cloneFor(learner: string): string {
  const dir = path.join(submissions, learner);
  execFileSync("git", ["clone", "-q", release.outDir, dir]);
  fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(dir, "node_modules"));
  return dir;
}

function commitAll(dir: string, message: string): void {
  execFileSync("git", ["-C", dir, ...GIT_ID, "commit", "-qam", message]);
}

const warmup = (dir: string) => path.join(dir, "exercises", LESSON, "warmup.ts");
const warmupTest = (dir: string) => path.join(dir, "exercises", LESSON, "warmup.test.ts");

/** `npm run grade` in a learner's own clone (its own released grader), JSON report. */
async function gradeLocally(dir: string, ...args: string[]): Promise<GradeReport> {
  const { stdout } = await run(process.execPath, [TSX, "course-lib/grader/cli.ts", "--json", "--out", "build/local", ...args], { cwd: dir, maxBuffer: 64 * 1024 * 1024 });
  return JSON.parse(stdout) as GradeReport;
}

function row(learner: string): LearnerRow {
  const found = gradebook.learners.find((r) => r.learner === learner);
  if (!found) throw new Error(`no gradebook row for ${learner}`);
  return found;
}

beforeAll(async () => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), "assignment-test-"));
  hiddenDir = path.join(work, "hidden");
  fs.mkdirSync(path.join(hiddenDir, LESSON), { recursive: true });
  fs.writeFileSync(
    path.join(hiddenDir, LESSON, "hidden.test.ts"),
    [
      'import { expect } from "vitest";',
      'import { accuracy } from "@exercise/00-getting-started/warmup";',
      'import { graded } from "../../course-lib/grader/graded";',
      'graded({ id: "00.2", points: 2, feedback: "hidden: three of four right" }, "hidden: three of four", () => {',
      "  expect(accuracy([3, 3, 3, 3], [3, 0, 3, 3])).toBe(0.75);",
      "});",
    ].join("\n"),
  );
  release = await releaseAssignment({ outDir: path.join(work, "release"), lessons: ["00"], hiddenTestsDir: hiddenDir });

  submissions = path.join(work, "submissions");
  fs.mkdirSync(submissions);
  const solution = fs.readFileSync(path.join(REPO_ROOT, "solutions", LESSON, "warmup.ts"), "utf8");

  const perfect = cloneFor("perfect");
  fs.writeFileSync(warmup(perfect), solution);
  commitAll(perfect, "all three");

  // 00.1 right, 00.2 wrong, 00.3 not started.
  const partial = cloneFor("partial");
  const stub = fs.readFileSync(warmup(partial), "utf8");
  fs.writeFileSync(
    warmup(partial),
    stub
      .replace(
        'notImplemented("00.1");',
        "if (!Number.isInteger(parameterCount) || parameterCount < 0) throw new RangeError(`bad parameterCount ${parameterCount}`);\n" +
          "  if (!(bytesPerParameter > 0)) throw new RangeError(`bad bytesPerParameter ${bytesPerParameter}`);\n" +
          "  return (parameterCount * bytesPerParameter) / 1024;",
      )
      .replace('notImplemented("00.2");', "return 0.5;"),
  );
  commitAll(partial, "00.1, and a guess for 00.2");

  const broken = cloneFor("broken");
  fs.writeFileSync(warmup(broken), `${solution}\nexport function unfinished(x: number {\n  return x;\n}\n`);
  commitAll(broken, "half-typed");

  // Correct code that deletes build/ when loaded, leaves a timer and a rejection behind on its first
  // modelSizeKB call (they come due during 00.2's first test, which is slow on its first call), and
  // commits a test file with every check removed.
  const hostile = cloneFor("hostile");
  fs.writeFileSync(
    warmup(hostile),
    [
      'import * as fs from "fs";',
      'fs.rmSync("build", { recursive: true, force: true });',
      solution
        .replace(
          /export function modelSizeKB\(parameterCount: number, bytesPerParameter: number\): number \{/,
          (head) => `let timersLeft = false;\n${head}\n  if (!timersLeft) {\n    timersLeft = true;\n    setTimeout(() => { throw new Error("late throw"); }, 25);\n    setTimeout(() => void Promise.reject(new Error("late rejection")), 25);\n  }`,
        )
        .replace(
          /export function accuracy\(predicted: ArrayLike<number>, labels: ArrayLike<number>\): number \{/,
          (head) => `let accuracyCalls = 0;\n${head}\n  if (accuracyCalls++ === 0) {\n    const until = Date.now() + 80;\n    while (Date.now() < until) {}\n  }`,
        ),
    ].join("\n"),
  );
  fs.writeFileSync(warmupTest(hostile), testsWithoutChecks());
  // ...and a graded test of its own, worth 50 points.
  fs.writeFileSync(
    path.join(hostile, "exercises", LESSON, "bonus.test.ts"),
    'import { graded } from "../../course-lib/grader/graded";\ngraded({ id: "00.1", points: 50, feedback: "free" }, "free points", () => {});\n',
  );
  execFileSync("git", ["-C", hostile, "add", "-A"]);
  commitAll(hostile, "make it pass");

  // The stubs as released, and every check removed from the tests.
  const editsTests = cloneFor("edits-tests");
  fs.writeFileSync(warmupTest(editsTests), testsWithoutChecks());
  commitAll(editsTests, "tests pass now");

  fs.mkdirSync(path.join(submissions, "no-exercises"));
  fs.writeFileSync(path.join(submissions, "no-exercises", "README.md"), "I pushed the wrong folder\n");

  // The instructor's command, run from the course repository against the released assignment.
  const out = path.join(REPO_ROOT, "build", "grader-test", "class");
  const args = ["--submissions", submissions, "--assignment", release.outDir, "--tests", hiddenDir, "--jobs", "2", "--out", out];
  batchStderr = (await run(process.execPath, [TSX, path.join(__dirname, "cli.ts"), ...args], { cwd: REPO_ROOT, maxBuffer: 64 * 1024 * 1024 })).stderr;
  gradebook = JSON.parse(fs.readFileSync(path.join(out, "gradebook.json"), "utf8")) as Gradebook;
  gradebookCsvText = fs.readFileSync(path.join(out, "gradebook.csv"), "utf8");
  reports = new Map(
    gradebook.learners
      .filter((r) => r.status !== "not graded")
      .map((r) => [r.learner, JSON.parse(fs.readFileSync(path.join(out, "gradebook", r.learner, "grades.json"), "utf8")) as GradeReport]),
  );
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

/** The released test file with each graded test's body emptied: what "disabling the expects" amounts to. */
function testsWithoutChecks(): string {
  const manifest = readManifest(path.join(release.outDir, "exercises"));
  const tests = manifest?.files.find((f) => f.path === `${LESSON}/warmup.test.ts`)?.tests ?? [];
  return [
    'import { graded } from "../../course-lib/grader/graded";',
    ...tests.map((t) => `graded(${JSON.stringify({ id: t.id, points: t.points, feedback: t.feedback })}, ${JSON.stringify(t.title)}, () => {});`),
    "",
  ].join("\n");
}

describe("npm run assignment -- release", () => {
  it("writes the learners' repository: no solutions, the stubs and tests as committed, a checksum manifest, a README section", () => {
    const out = release.outDir;
    for (const excluded of INSTRUCTOR_ONLY) expect(fs.existsSync(path.join(out, excluded)), excluded).toBe(false);
    expect(fs.readdirSync(path.join(out, "exercises")).sort()).toEqual([LESSON, MANIFEST_FILE]);
    expect(fs.readdirSync(path.join(out, "notebooks")).filter((n) => n.endsWith(".ipynb"))).toEqual([`${LESSON}.ipynb`]);
    const committed = (file: string) => execFileSync("git", ["-C", REPO_ROOT, "show", `HEAD:${file}`]);
    for (const file of ["warmup.ts", "warmup.test.ts"]) {
      expect(fs.readFileSync(path.join(out, "exercises", LESSON, file)).equals(committed(`exercises/${LESSON}/${file}`)), file).toBe(true);
    }
    const manifest = readManifest(path.join(out, "exercises"));
    expect(manifest?.files.map((f) => f.path)).toEqual([`${LESSON}/warmup.test.ts`]);
    expect(manifest?.files[0].sha256).toBe(sha256(fs.readFileSync(warmupTest(out))));
    expect(manifest?.files[0].tests.reduce((sum, t) => sum + t.points, 0)).toBe(12);
    expect(manifest?.hiddenTests).toEqual({ tests: 1, points: 2, pointsByExercise: { "00.2": 2 } });
    const readme = fs.readFileSync(path.join(out, "README.md"), "utf8");
    expect(readme.startsWith("# Your assignment: lessons 00\n")).toBe(true);
    expect(readme).toContain("| 00.2 | 00-getting-started | `exercises/00-getting-started/warmup.ts` | 3 | 5 |");
    expect(readme).toContain("1 hidden test(s) worth 2 points");
    expect(readme).toContain("# tinyml-course"); // the course's README follows
    // No hidden test ships; the release is one commit.
    expect(listFiles(out, (name) => name.includes("hidden"))).toEqual([]);
    expect(execFileSync("git", ["-C", out, "log", "--oneline"]).toString().trim().split("\n")).toHaveLength(1);
  });

  it("refuses a non-empty directory, the course repository, a place inside it, unknown lessons and hidden tests the solutions fail", async () => {
    expect(() => checkReleaseDir(release.outDir)).toThrow(/is not empty .*refusing to write into it/);
    expect(() => checkReleaseDir(REPO_ROOT)).toThrow(/is the course repository .*refusing to write over it/);
    expect(() => checkReleaseDir(path.dirname(REPO_ROOT))).toThrow(/is the course repository \(or holds it\)/);
    expect(() => checkReleaseDir(path.join(REPO_ROOT, "course-lib", "release"))).toThrow(/is inside the course repository/);
    // The batch grader refuses an assignment whose tests no longer match its manifest.
    const tampered = path.join(work, "tampered");
    fs.cpSync(release.outDir, tampered, { recursive: true });
    fs.appendFileSync(warmupTest(tampered), "\n// edited\n");
    await expect(gradeSubmissions({ submissionsDir: submissions, assignmentDir: tampered })).rejects.toThrow(
      /--assignment: exercises\/00-getting-started\/warmup\.test\.ts differs from the assignment's manifest/,
    );
    const fresh = path.join(work, "never-written");
    await expect(releaseAssignment({ outDir: fresh, lessons: ["7"] })).rejects.toThrow(/"7" is not a two-digit lesson number; lessons with graded tests: 00, 01/);
    await expect(releaseAssignment({ outDir: fresh, lessons: ["99"] })).rejects.toThrow(/lesson 99 has no committed graded tests/);
    const wrongHidden = path.join(work, "wrong-hidden");
    fs.mkdirSync(path.join(wrongHidden, LESSON), { recursive: true });
    fs.writeFileSync(
      path.join(wrongHidden, LESSON, "wrong.test.ts"),
      'import { expect } from "vitest";\nimport { accuracy } from "@exercise/00-getting-started/warmup";\nimport { graded } from "../../course-lib/grader/graded";\n' +
        'graded({ id: "00.2", points: 1, feedback: "x" }, "expects the wrong answer", () => { expect(accuracy([1], [1])).toBe(0); });\n',
    );
    await expect(releaseAssignment({ outDir: fresh, lessons: ["00"], hiddenTestsDir: wrongHidden })).rejects.toThrow(/1 hidden test\(s\) fail on the solutions.*expects the wrong answer/);
    expect(fs.existsSync(fresh)).toBe(false);
    // The command line says the same, with exit code 2.
    const cli = (...args: string[]) => run(process.execPath, [TSX, path.join(__dirname, "assignment-cli.ts"), ...args], { cwd: REPO_ROOT }).catch((error) => error as { code: number; stderr: string });
    const refused = (await cli("release", release.outDir)) as { code: number; stderr: string };
    expect([refused.code, refused.stderr]).toEqual([2, expect.stringMatching(/^assignment: release directory ".*" is not empty/)]);
    const noDir = (await cli("release")) as { code: number; stderr: string };
    expect([noDir.code, noDir.stderr]).toEqual([2, expect.stringMatching(/^assignment: release needs an output directory/)]);
  }, 60_000);
});

describe("npm run grade -- --submissions", () => {
  it("grades every learner with the pristine tests, including the hidden one, and says why a learner could not be graded", () => {
    expect(gradebook.pointsPossible).toBe(14);
    expect(gradebook.exercises).toEqual([
      { id: "00.1", lesson: LESSON, pointsPossible: 3, tests: 2 },
      { id: "00.2", lesson: LESSON, pointsPossible: 7, tests: 4 },
      { id: "00.3", lesson: LESSON, pointsPossible: 4, tests: 3 },
    ]);
    const summary = Object.fromEntries(gradebook.learners.map((r) => [r.learner, [r.status, r.pointsEarned, r.exercises["00.1"] ?? 0, r.exercises["00.2"] ?? 0, r.exercises["00.3"] ?? 0]]));
    expect(summary).toEqual({
      broken: ["does not compile", 0, 0, 0, 0],
      "edits-tests": ["graded", 0, 0, 0, 0],
      // 00.1's first test is charged for its leftover timer and rejection; 00.2's tests, where they surfaced, keep their points.
      hostile: ["graded", 12, 1, 7, 4],
      "no-exercises": ["not graded", 0, 0, 0, 0],
      partial: ["graded", 3, 3, 0, 0],
      perfect: ["graded", 14, 3, 7, 4],
    });
    expect(row("broken").why).toMatch(/^exercises\/00-getting-started\/warmup\.ts:\d+: /);
    expect(row("no-exercises").why).toBe("no exercises/ folder (expected no-exercises/exercises/<NN-lesson>/*.ts)");
    const charged = reports.get("hostile")?.tests.filter((t) => !t.passed) ?? [];
    expect(charged.map((t) => [t.id, t.title])).toEqual([["00.1", "computes the size of float32 and int8 weights in KB"]]);
    if (charged[0].failure === "late-error") {
      expect(charged[0].error).toMatch(/^after the test ended, code it started threw: late throw \(it surfaced (while "\[00\.[12]\] [^"]+" ran|after it)\)/);
      expect(row("hostile").warnings.join("\n")).toMatch(/"\[00\.1\] computes the size of float32 and int8 weights in KB" left code running that failed after the test ended \(late rejection\); charged to it/);
    } else {
      // On a machine slow enough for the timers to come due before the test's own end, they are its own errors.
      expect(charged[0]).toMatchObject({ failure: "uncaught-exception", error: "uncaught exception in a callback: late throw" });
    }
    for (const learner of ["hostile", "edits-tests"]) {
      expect(row(learner).editedTests).toEqual([`exercises/${LESSON}/warmup.test.ts`, ...(learner === "hostile" ? [`exercises/${LESSON}/bonus.test.ts`] : [])]);
      expect(row(learner).warnings[0]).toBe(`test file not used: exercises/${LESSON}/warmup.test.ts edited in the submission; the instructor's copy was graded`);
    }
    expect(row("hostile").warnings[1]).toBe(`test file not used: exercises/${LESSON}/bonus.test.ts not part of the assignment: not graded`);
    expect(row("perfect").editedTests).toEqual([]);
    // Nothing in the submissions was written: hostile's build/ deletion hit its private copy.
    expect(fs.readFileSync(warmupTest(path.join(submissions, "edits-tests")), "utf8")).toBe(testsWithoutChecks());
    expect(listFiles(submissions, (name) => name.startsWith("grades"))).toEqual([]);
  });

  it("writes a gradebook whose numbers are each learner's report's, and which matches their own npm run grade", async () => {
    expect(gradebookCsv(gradebook)).toBe(gradebookCsvText);
    const csv = gradebookCsvText.trim().split("\n");
    // One progress line per learner.
    expect(batchStderr).toMatch(/grader: \[\d\/6\] partial: 3 \/ 14 points \(21\.4 %\)/);
    expect(batchStderr).toMatch(/grader: \[\d\/6\] no-exercises: not graded: no exercises\/ folder/);
    expect(csv[0]).toBe("learner,status,points_earned,points_possible,percent,00.1,00.2,00.3,edited_tests,why,warnings");
    expect(csv[1]).toBe("(points possible),,14,14,100,3,7,4,,,");
    expect(csv.find((line) => line.startsWith("partial,"))).toBe("partial,graded,3,14,21.4,3,0,0,,,");
    expect(csv.find((line) => line.startsWith("no-exercises,"))).toBe("no-exercises,not graded,0,14,0,0,0,0,,no exercises/ folder (expected no-exercises/exercises/<NN-lesson>/*.ts),");
    // Each row against the learner's report, and against grading the learner's clone on its own.
    const graded = gradebook.learners.filter((r) => r.status !== "not graded").map((r) => r.learner);
    const local = await Promise.all(graded.map((learner) => gradeLocally(path.join(submissions, learner), "--tests", hiddenDir)));
    graded.forEach((learner, i) => {
      const report = reports.get(learner) as GradeReport;
      const perExercise = (r: GradeReport) => Object.fromEntries(r.exercises.map((e) => [e.id, e.pointsEarned]));
      expect(row(learner).exercises, learner).toEqual(perExercise(report));
      expect([row(learner).pointsEarned, row(learner).pointsPossible], learner).toEqual([report.totals.pointsEarned, report.totals.pointsPossible]);
      if (learner === "broken") {
        // Alone, with no solutions/ to list them against, the hidden test of a file that cannot load is not counted, and the report says so.
        expect(local[i].totals.pointsPossible).toBe(12);
        expect(local[i].warnings.join("\n")).toMatch(/hidden\.test\.ts: could not load the test file: [\s\S]*its tests are not counted \(they could not be listed\)/);
        return;
      }
      expect(perExercise(local[i]), `${learner} graded in its own clone`).toEqual(perExercise(report));
      expect(local[i].totals.pointsPossible, learner).toBe(14);
    });
    // In their clones, the edited test files were replaced by the released version from git's history.
    const hostileLocal = local[graded.indexOf("hostile")];
    expect(hostileLocal.testIntegrity?.edited).toEqual([
      { file: `exercises/${LESSON}/warmup.test.ts`, used: false, detail: expect.stringMatching(/^edited; graded with the released version \(git commit [0-9a-f]{7}\)$/) },
      { file: `exercises/${LESSON}/bonus.test.ts`, used: false, detail: "not part of the released assignment: not graded" },
    ]);
    // hostile's code deleted its clone's build/ while loading; the grader's state was elsewhere, and the report was still written.
    expect(fs.existsSync(path.join(submissions, "hostile", "build", "local", "grades.json"))).toBe(true);
  }, 180_000);
});

describe("a learner's own npm run grade", () => {
  it("grades edited tests that cannot be restored, but says loudly, in the table, the JSON, the CSV and for Classroom, that the grade does not count", async () => {
    // A copy with no git history: the released version of the edited test cannot be found.
    const copy = path.join(work, "no-history");
    fs.cpSync(path.join(submissions, "edits-tests"), copy, { recursive: true, filter: (src) => ![".git", "node_modules"].includes(path.basename(src)) });
    fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(copy, "node_modules"));
    const table = await run(process.execPath, [TSX, "course-lib/grader/cli.ts", "--out", "build/loud"], { cwd: copy });
    expect(table.stdout).toContain("!!! WARNING: these grades come from EDITED graded tests and do not count !!!");
    expect(table.stdout).toContain(`!!!   exercises/${LESSON}/warmup.test.ts: differs from the released version, and git's history has no copy of it: graded AS EDITED`);
    expect(table.stdout).toContain("!!! EDITED TESTS were graded: the total below does not count");
    const json = JSON.parse(fs.readFileSync(path.join(copy, "build", "loud", "grades.json"), "utf8")) as GradeReport;
    expect(json.totals.pointsEarned).toBe(12); // the stubs pass the emptied tests...
    expect(json.testIntegrity?.edited).toEqual([{ file: `exercises/${LESSON}/warmup.test.ts`, used: true, detail: expect.stringContaining("graded AS EDITED") }]);
    const csvTotal = fs.readFileSync(path.join(copy, "build", "loud", "grades.csv"), "utf8").trim().split("\n").at(-1) as string;
    expect(csvTotal).toMatch(/^TOTAL,,12,12,100,8,8,,"?EDITED TESTS USED: exercises\/00-getting-started\/warmup\.test\.ts differs from the released version/);
    const classroom = classroomResultJson(json);
    expect(classroom.status).toBe("error"); // ...and Classroom gets 0 points for it
    expect(classroom.tests.reduce((sum, t) => sum + t.score, 0)).toBe(0);
  }, 60_000);
});

describe("the GitHub Classroom workflow", () => {
  it("is valid YAML, runs the grader and hands its points to Classroom's reporter; its command works on a released assignment", async () => {
    const file = path.join(release.outDir, ".github", "workflows", "classroom.yml");
    // Parsed by PyYAML (python3-yaml), not by us.
    const parsed = JSON.parse(execFileSync("/usr/bin/python3", ["-c", "import json, sys, yaml; print(json.dumps(yaml.safe_load(open(sys.argv[1]))))", file], { encoding: "utf8" }));
    expect(parsed.on).toEqual(["push", "workflow_dispatch", "repository_dispatch"]);
    const steps = parsed.jobs["run-autograding-tests"].steps as { id?: string; uses?: string; run?: string; with?: Record<string, unknown>; env?: Record<string, string> }[];
    expect(steps.find((s) => s.uses === "actions/checkout@v4")?.with).toEqual({ "fetch-depth": 0 });
    const gradeStep = steps.find((s) => s.id === "grade");
    expect(gradeStep?.run).toBe(CLASSROOM_GRADE_COMMAND);
    const reporter = steps.find((s) => s.uses === "classroom-resources/autograding-grading-reporter@v1");
    expect(reporter?.with).toEqual({ runners: "grade" });
    expect(reporter?.env).toEqual({ GRADE_RESULTS: "${{ steps.grade.outputs.result }}" });
    // Lesson 00's tests need no system packages.
    expect(steps.some((s) => s.run?.includes("apt-get"))).toBe(false);

    // The step's command, run by bash in the partial learner's clone as Actions would.
    const clone = path.join(submissions, "partial");
    const outputs = path.join(work, "github-output");
    fs.writeFileSync(outputs, "other=1\n");
    await run("bash", ["-c", gradeStep?.run as string], { cwd: clone, env: { ...process.env, GITHUB_OUTPUT: outputs } });
    const line = fs.readFileSync(outputs, "utf8").split("\n").find((l) => l.startsWith("result=")) as string;
    const result = JSON.parse(Buffer.from(line.slice("result=".length), "base64").toString("utf8")) as ClassroomResult;
    // What the reporter computes: the sum of the scores over the sum of max_score (no hidden tests in the learner's run).
    expect(result.max_score).toBe(12);
    expect(result.tests.reduce((sum, t) => sum + t.score, 0)).toBe(3);
    expect(result.tests.map((t) => [t.name, t.status, t.score])).toEqual([
      ["00.1 (00-getting-started)", "pass", 3],
      ["00.2 (00-getting-started)", "fail", 0],
      ["00.3 (00-getting-started)", "fail", 0],
    ]);
    expect(result.status).toBe("fail");
  }, 60_000);
});
