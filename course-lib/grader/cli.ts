// `npm run grade`: grades the exercises and writes build/grades.json, build/grades.csv, build/grades.log.
//   npm run grade [-- --only <lesson|id|lesson-dir>] [--target exercises|solutions] [--tests <dir>]
//                 [--timeout <seconds>] [--json] [--out <dir inside build/>] [--classroom-output <file>]
//   npm run grade -- --submissions <dir> [--jobs N] [--learner-timeout <seconds>] [--tests <dir>] ...
// Your exercises are graded with the pristine tests (pristine.ts), a class with the instructor's (batch.ts).
// Exit code 0 whenever grading ran, failures included (the grades are the result); 2 for bad arguments;
// 1 if the grader itself broke.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { DEFAULT_LEARNER_TIMEOUT_MS, gradeSubmissions, writeGradebook } from "./batch";
import { classroomResult } from "./classroom";
import { GraderUsageError, runCli } from "./discover";
import { pristineTests } from "./pristine";
import { checkOutputDir, formatReport, reportJson, writeReport } from "./report";
import { grade, REPO_ROOT, TARGET_NAMES, type GradeReport, type TargetName } from "./run";

const USAGE = `Usage: npm run grade -- [options]

Runs the graded tests (exercises/<NN-lesson>/*.test.ts) and prints your grades. Your exercises are
graded with the pristine tests: the released ones (exercises/graded-tests.json) or the committed ones
(git HEAD); a test file you changed is named in the report and not used.

Options:
  --only <what>       grade one lesson ("00"), one exercise ("03.2") or a lesson directory ("00-getting-started")
  --target <name>     what to grade: exercises (your work, default) or solutions (the reference)
  --tests <dir>       also run the graded tests in <dir> (instructors' hidden tests, laid out like exercises/;
                      they import @exercise/<lesson>/<module> and graded from "@course-lib/grader/graded").
                      May be given more than once.
  --timeout <s>       time limit per test in seconds (default 10)
  --json              print the report as JSON instead of the table
  --out <dir>         write the grade files to <dir> (must be inside build/; default build/)
  --classroom-output <file>
                      also append the points as GitHub Classroom's reporter reads them (result=<base64>) to
                      <file>: "$GITHUB_OUTPUT" in the workflow \`npm run assignment -- release\` writes
  -h, --help          show this help

Grading a class (instructors):
  --submissions <dir> grade every learner folder in <dir> (one per learner, as GitHub Classroom's clone tool
                      or an LMS export lays them out) with this repository's tests (and --tests); writes
                      build/gradebook.csv, build/gradebook.json and build/gradebook/<learner>/grades.*
  --assignment <dir>  the released assignment (\`npm run assignment -- release <dir>\`): grade its lessons with its
                      tests (checked against its manifest); default: every lesson of this repository
  --jobs <n>          learners graded at the same time (default: the number of CPUs)
  --learner-timeout <s>
                      time limit per learner in seconds (default ${DEFAULT_LEARNER_TIMEOUT_MS / 1000}); tests not graded by then count as failed

Writes build/grades.json, build/grades.csv and build/grades.log; never touches exercises/ or notebooks/.`;

function positiveSeconds(flag: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds <= 0) throw new GraderUsageError(`${flag} ${JSON.stringify(raw)} is not a number of seconds > 0`);
  return seconds * 1000;
}

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    values = parseArgs({
      args: argv,
      options: {
        only: { type: "string" },
        target: { type: "string", default: "exercises" },
        tests: { type: "string", multiple: true },
        timeout: { type: "string" },
        json: { type: "boolean", default: false },
        out: { type: "string" },
        "classroom-output": { type: "string" },
        submissions: { type: "string" },
        assignment: { type: "string" },
        jobs: { type: "string" },
        "learner-timeout": { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
      allowPositionals: false,
      strict: true,
    }).values;
  } catch (error) {
    throw new GraderUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const target = values.target as string;
  if (!(TARGET_NAMES as readonly string[]).includes(target)) {
    throw new GraderUsageError(`--target ${JSON.stringify(target)} is not one of: ${TARGET_NAMES.join(", ")}`);
  }
  const timeoutMs = positiveSeconds("--timeout", values.timeout);
  const outDir = values.out === undefined ? path.join(REPO_ROOT, "build") : path.resolve(values.out);
  try {
    checkOutputDir(outDir);
  } catch (error) {
    throw new GraderUsageError(`--out ${JSON.stringify(values.out)}: ${(error as Error).message}`);
  }
  const onProgress = (message: string) => process.stderr.write(`grader: ${message}\n`);
  const rel = (file: string) => path.relative(REPO_ROOT, file);

  if (values.submissions !== undefined) {
    for (const flag of ["json", "classroom-output"] as const) {
      if (values[flag]) throw new GraderUsageError(`--${flag} grades one repository; it cannot be combined with --submissions`);
    }
    if (target !== "exercises") throw new GraderUsageError(`--target ${target} cannot be combined with --submissions (the learners' exercises are graded)`);
    let jobs: number | undefined;
    if (values.jobs !== undefined) {
      jobs = Number(values.jobs);
      if (!Number.isInteger(jobs) || jobs < 1) throw new GraderUsageError(`--jobs ${JSON.stringify(values.jobs)} is not a whole number >= 1`);
    }
    const { gradebook, reports } = await gradeSubmissions({
      submissionsDir: values.submissions,
      assignmentDir: values.assignment,
      jobs,
      learnerTimeoutMs: positiveSeconds("--learner-timeout", values["learner-timeout"]),
      timeoutMs,
      extraTestDirs: values.tests,
      only: values.only,
      onProgress,
    });
    const written = writeGradebook(gradebook, reports, outDir);
    const graded = gradebook.learners.filter((row) => row.status !== "not graded").length;
    console.log(`Graded ${graded} of ${gradebook.learners.length} learners in ${(gradebook.durationMs / 1000).toFixed(1)} s (${gradebook.pointsPossible} points each).`);
    console.log(`Wrote ${rel(written.csv)}, ${rel(written.json)} and each learner's report under ${rel(written.learnersDir)}/`);
    return 0;
  }
  for (const flag of ["jobs", "learner-timeout", "assignment"] as const) {
    if (values[flag] !== undefined) throw new GraderUsageError(`--${flag} only applies with --submissions <dir>`);
  }

  // Your own exercises: graded with the pristine tests. The solutions (an instructor's check): as they are.
  const pristine = target === "exercises" ? pristineTests({ repoRoot: REPO_ROOT, exercisesDir: path.join(REPO_ROOT, "exercises"), suffix: ".test.ts", label: "exercises" }) : null;
  let report: GradeReport;
  try {
    report = await grade({
      target: target as TargetName,
      only: values.only,
      extraTestDirs: values.tests,
      timeoutMs,
      onProgress,
      ...(pristine
        ? {
            exercisesDir: pristine.dir,
            targetDir: path.join(REPO_ROOT, "exercises"),
            testDirLabels: [{ dir: pristine.dir, label: "exercises" }],
            knownTests: pristine.knownTests,
            testIntegrity: pristine.integrity,
          }
        : {}),
    });
  } finally {
    pristine?.remove();
  }
  if (pristine) report.target = { name: "exercises", dir: "exercises" };
  const written = writeReport(report, outDir);
  if (values["classroom-output"]) fs.appendFileSync(values["classroom-output"], `result=${classroomResult(report)}\n`);
  if (values.json) {
    process.stdout.write(reportJson(report));
  } else {
    console.log(formatReport(report, { logFile: rel(written.log) }));
    console.log(`Wrote ${rel(written.json)}, ${rel(written.csv)} and ${rel(written.log)}`);
  }
  return 0;
}

runCli("grader", () => main(process.argv.slice(2)));
