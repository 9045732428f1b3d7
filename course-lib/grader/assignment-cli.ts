// `npm run assignment -- release <out-dir> [--lessons 00,01] [--hidden-tests <dir>]`: writes the learners'
// repository for an assignment (assignment.ts). Exit code 0 when written, 2 for bad arguments, 1 if it broke.
import { parseArgs } from "util";
import { releaseAssignment } from "./assignment";
import { GraderUsageError, runCli } from "./discover";

const USAGE = `Usage: npm run assignment -- release <out-dir> [options]

Writes the learners' repository for an assignment into <out-dir> (new or empty, outside the course):
the course as committed, without solutions/; the exercise stubs and graded tests of the chosen lessons;
exercises/graded-tests.json (a checksum of every graded test, so edited tests are caught);
.github/workflows/classroom.yml (GitHub Classroom autograding) and a README section for learners.
The result is a git repository with one commit, ready to push as the assignment's template.

Options:
  --lessons <list>      lesson numbers, comma-separated ("00,01"; default: every lesson with graded tests)
  --hidden-tests <dir>  your hidden tests (<dir>/<NN-lesson>/*.test.ts): not shipped, checked to pass on
                        the solutions, announced in the README; grade with \`npm run grade -- --tests <dir>\`
  -h, --help            show this help`;

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { lessons: { type: "string" }, "hidden-tests": { type: "string" }, help: { type: "boolean", short: "h", default: false } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    throw new GraderUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const [command, outDir, ...rest] = positionals;
  if (command !== "release") throw new GraderUsageError(`${command === undefined ? "no command" : `unknown command ${JSON.stringify(command)}`}: the command is "release"\n\n${USAGE}`);
  if (outDir === undefined) throw new GraderUsageError(`release needs an output directory\n\n${USAGE}`);
  if (rest.length > 0) throw new GraderUsageError(`unexpected argument ${JSON.stringify(rest[0])}\n\n${USAGE}`);
  const lessons = values.lessons?.split(",").map((l) => l.trim());
  const result = await releaseAssignment({
    outDir,
    lessons,
    hiddenTestsDir: values["hidden-tests"],
    onProgress: (message) => process.stderr.write(`assignment: ${message}\n`),
  });
  const tests = result.manifest.files.reduce((sum, f) => sum + f.tests.length, 0);
  console.log(`Released lessons ${result.lessons.join(", ")} to ${result.outDir} (commit ${result.commit.slice(0, 7)}):`);
  console.log(`  ${result.manifest.files.length} graded test files, ${tests} tests, ${result.points} points${result.hiddenPoints ? ` + ${result.hiddenPoints} hidden` : ""}`);
  console.log(`Next: push it as the template repository of a GitHub Classroom assignment; grade a class with`);
  console.log(`  npm run grade -- --submissions <folder of learner repositories>${result.hiddenPoints ? " --tests <hidden-tests dir>" : ""}`);
  return 0;
}

runCli("assignment", () => main(process.argv.slice(2)));
