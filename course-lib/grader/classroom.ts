// GitHub Classroom: the workflow a released assignment carries (.github/workflows/classroom.yml) and the
// points in the format its reporter reads.
// How Classroom gets the points (classroom-resources/autograding-grading-reporter@v1, tag commit d13b5912):
// a step's output `result` holds base64 of {version, status, max_score, tests: [{name, status, score, ...}]};
// the reporter step reads it from the env variable <STEP ID>_RESULTS, sums the tests' `score` and
// max_score over its `runners`, and writes the annotation "Points <total>/<max>", which Classroom records.
// Scores and max_score must be numbers (strings are concatenated). One entry per exercise here, scored
// with the points earned, so partial credit reaches Classroom. A grade made with edited graded tests
// scores 0 and has status "error": it does not count.
import type { GradeReport } from "./run";
import { editedTestsUsed } from "./report";

export interface ClassroomTest {
  name: string;
  status: "pass" | "fail" | "error";
  score: number;
  message: string;
  test_code: string;
  filename: string;
  line_no: number;
  execution_time: string;
}

export interface ClassroomResult {
  version: 1;
  status: "pass" | "fail" | "error";
  max_score: number;
  tests: ClassroomTest[];
}

/** The reporter's input for one grading: one entry per exercise (pass only when all its tests pass). */
export function classroomResultJson(report: GradeReport): ClassroomResult {
  const edited = editedTestsUsed(report);
  const tests: ClassroomTest[] = report.exercises.map((exercise) => {
    const failed = report.tests.filter((t) => t.id === exercise.id && !t.passed);
    const seconds = report.tests.filter((t) => t.id === exercise.id).reduce((sum, t) => sum + (t.duration ?? 0), 0) / 1000;
    return {
      name: `${exercise.id} (${exercise.lesson})`,
      status: edited.length > 0 ? "error" : failed.length === 0 ? "pass" : "fail",
      score: edited.length > 0 ? 0 : exercise.pointsEarned,
      message:
        edited.length > 0
          ? `graded test files were edited (${edited.map((e) => e.file).join(", ")}): restore them`
          : failed.length === 0
            ? `${exercise.pointsEarned} / ${exercise.pointsPossible} points`
            : `${exercise.pointsEarned} / ${exercise.pointsPossible} points; failed: ${failed.map((t) => t.title).join("; ")}`.slice(0, 500),
      test_code: `npm run grade -- --only ${exercise.id}`,
      filename: "",
      line_no: 0,
      execution_time: `${seconds.toFixed(2)}s`,
    };
  });
  const allPassed = tests.length > 0 && tests.every((t) => t.status === "pass");
  return { version: 1, status: edited.length > 0 ? "error" : allPassed ? "pass" : "fail", max_score: report.totals.pointsPossible, tests };
}

/** classroomResultJson as the one-line base64 the reporter decodes. */
export function classroomResult(report: GradeReport): string {
  return Buffer.from(JSON.stringify(classroomResultJson(report)), "utf8").toString("base64");
}

/** Debian/Ubuntu packages a lesson's graded tests run (lesson number → packages). */
export const GRADING_PACKAGES: Record<string, string[]> = {
  // c-array compiles the learner's C with the host compiler.
  "10": ["gcc", "binutils"],
  // meet-the-budget builds firmware for a Cortex-M board and runs it on QEMU.
  "11": ["gcc-arm-none-eabi", "libnewlib-arm-none-eabi", "qemu-system-arm"],
};

/** The id of the grading step; the reporter reads GRADE_RESULTS. */
export const CLASSROOM_STEP_ID = "grade";

/** The grading command the workflow runs (tested on a released assignment). */
export const CLASSROOM_GRADE_COMMAND = `npm run --silent grade -- --classroom-output "$GITHUB_OUTPUT"`;

/**
 * .github/workflows/classroom.yml for a release of these lessons: on every push, install, grade with the
 * released tests, hand the points to Classroom's reporter, and keep the grade files as an artifact.
 * The job and workflow names are the ones Classroom generates. fetch-depth 0: the grader looks in git's
 * history for the released version of a test file the learner edited.
 */
export function classroomWorkflow(lessons: string[]): string {
  const packages = [...new Set(lessons.flatMap((lesson) => GRADING_PACKAGES[lesson.slice(0, 2)] ?? []))];
  const install = packages.length
    ? [
        "    - name: Install the tools the graded tests run",
        `      run: sudo apt-get update -qq && sudo apt-get install -y -qq --no-install-recommends ${packages.join(" ")}`,
      ]
    : [];
  return [
    "# Written by `npm run assignment -- release`: grades every push with the released tests and reports the",
    "# points to GitHub Classroom (classroom-resources/autograding-grading-reporter reads steps.grade.outputs.result).",
    "name: Autograding Tests",
    "'on':",
    "  - push",
    "  - workflow_dispatch",
    "  - repository_dispatch",
    "permissions:",
    "  checks: write",
    "  actions: read",
    "  contents: read",
    "jobs:",
    "  run-autograding-tests:",
    "    runs-on: ubuntu-latest",
    "    if: github.actor != 'github-classroom[bot]'",
    "    timeout-minutes: 30",
    "    steps:",
    "    - name: Checkout code",
    "      uses: actions/checkout@v4",
    "      with:",
    "        fetch-depth: 0",
    "    - name: Set up Node",
    "      uses: actions/setup-node@v4",
    "      with:",
    "        node-version: '20'",
    "        cache: npm",
    ...install,
    "    - name: Install the course",
    "      run: npm ci",
    "      env:",
    "        TINYML_SKIP_KERNEL_REGISTER: '1'",
    "    - name: Grade the exercises",
    `      id: ${CLASSROOM_STEP_ID}`,
    `      run: ${CLASSROOM_GRADE_COMMAND}`,
    "    - name: Keep the grade files",
    "      if: always()",
    "      uses: actions/upload-artifact@v4",
    "      with:",
    "        name: grades",
    "        path: build/grades.*",
    "    - name: Autograding Reporter",
    "      if: always()",
    "      uses: classroom-resources/autograding-grading-reporter@v1",
    "      env:",
    `        ${CLASSROOM_STEP_ID.toUpperCase()}_RESULTS: "\${{ steps.${CLASSROOM_STEP_ID}.outputs.result }}"`,
    "      with:",
    `        runners: ${CLASSROOM_STEP_ID}`,
    "",
  ].join("\n");
}
