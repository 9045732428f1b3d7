// `npm run grade`: grades the exercises and writes build/grades.json, build/grades.csv, build/grades.log.
//   npm run grade [-- --only <lesson|id|lesson-dir>] [--target exercises|solutions] [--tests <dir>]
//                 [--timeout <seconds>] [--json] [--out <dir inside build/>]
// Exit code 0 whenever grading ran, failures included (the grades are the result); 2 for bad arguments;
// 1 if the grader itself broke.
import * as path from "path";
import { parseArgs } from "util";
import { GraderUsageError } from "./discover";
import { checkOutputDir, formatReport, reportJson, writeReport } from "./report";
import { grade, REPO_ROOT, TARGET_NAMES, type TargetName } from "./run";

const USAGE = `Usage: npm run grade -- [options]

Runs the graded tests (exercises/<NN-lesson>/*.test.ts) and prints your grades.

Options:
  --only <what>       grade one lesson ("00"), one exercise ("03.2") or a lesson directory ("00-getting-started")
  --target <name>     what to grade: exercises (your work, default) or solutions (the reference)
  --tests <dir>       also run the graded tests in <dir> (instructors' hidden tests, laid out like exercises/;
                      they import @exercise/<lesson>/<module> and graded from "@course-lib/grader/graded").
                      May be given more than once.
  --timeout <s>       time limit per test in seconds (default 10)
  --json              print the report as JSON instead of the table
  --out <dir>         write the grade files to <dir> (must be inside build/; default build/)
  -h, --help          show this help

Writes build/grades.json, build/grades.csv and build/grades.log; never touches exercises/ or notebooks/.`;

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
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) {
    const seconds = Number(values.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0) {
      throw new GraderUsageError(`--timeout ${JSON.stringify(values.timeout)} is not a number of seconds > 0`);
    }
    timeoutMs = seconds * 1000;
  }
  const outDir = values.out === undefined ? path.join(REPO_ROOT, "build") : path.resolve(values.out);
  try {
    checkOutputDir(outDir);
  } catch (error) {
    throw new GraderUsageError(`--out ${JSON.stringify(values.out)}: ${(error as Error).message}`);
  }
  const report = await grade({
    target: target as TargetName,
    only: values.only,
    extraTestDirs: values.tests,
    timeoutMs,
    onProgress: (message) => process.stderr.write(`grader: ${message}\n`),
  });
  const written = writeReport(report, outDir);
  if (values.json) {
    process.stdout.write(reportJson(report));
  } else {
    const rel = (file: string) => path.relative(REPO_ROOT, file);
    console.log(formatReport(report, { logFile: rel(written.log) }));
    console.log(`Wrote ${rel(written.json)}, ${rel(written.csv)} and ${rel(written.log)}`);
  }
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof GraderUsageError) {
      console.error(`grader: ${error.message}`);
      process.exitCode = 2;
    } else {
      console.error(`grader: internal error: ${error instanceof Error ? error.stack ?? error.message : String(error)}`);
      process.exitCode = 1;
    }
  },
);
