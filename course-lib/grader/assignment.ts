// Releasing an assignment: `npm run assignment -- release <out-dir>` writes the learners' repository.
// - Everything as committed (git HEAD: uncommitted work never leaks into a release), without the
//   instructor's material: solutions/, the grader's correct alternative solutions and the tests that need
//   them, the course's CI.
// - With --lessons, only those lessons' notebooks, exercise stubs and graded tests.
// - exercises/graded-tests.json: the SHA-256 and the tests (ids, points) of every graded test file, so the
//   grader can tell a pristine test file from an edited one and restore the released version (pristine.ts).
// - .github/workflows/classroom.yml (classroom.ts) and a README section for learners.
// - --hidden-tests <dir>: not shipped; checked to pass on the solutions and to belong to the released
//   lessons, and announced (count and points) in the learners' README.
// - The result is a git repository with one commit (the release), ready to push as a Classroom template.
// Refuses a non-empty output directory and any place inside the course repository (but build/).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { classroomWorkflow } from "./classroom";
import { GraderUsageError, findExerciseModules, findTestFiles, LESSON_DIR_PATTERN } from "./discover";
import { MANIFEST_FILE, sha256, type AssignmentManifest } from "./pristine";
import { grade, listGradedTests, REPO_ROOT } from "./run";

/** Committed paths a learner's repository never gets. */
export const INSTRUCTOR_ONLY = [
  "solutions",
  ".ci",
  // Correct solutions of the real exercises written differently (alternatives.test.ts grades them).
  "course-lib/grader/fixtures/alternatives",
  "course-lib/grader/alternatives.test.ts",
  // Checks every stub against its solution: meaningless without solutions/.
  "course-lib/grader/selfcheck.test.ts",
];

export interface ReleaseOptions {
  outDir: string;
  /** Lesson numbers ("00", "03"); default every lesson with graded tests. */
  lessons?: string[];
  hiddenTestsDir?: string;
  onProgress?: (message: string) => void;
}

export interface ReleaseResult {
  outDir: string;
  lessons: string[];
  manifest: AssignmentManifest;
  /** Points of the shipped tests, and of the hidden ones. */
  points: number;
  hiddenPoints: number;
  commit: string;
}

function git(args: string[], cwd = REPO_ROOT, input?: Buffer): Buffer {
  return execFileSync("git", ["-C", cwd, ...args], { input, stdio: [input ? "pipe" : "ignore", "pipe", "pipe"], maxBuffer: 512 * 1024 * 1024 });
}

function inside(child: string, parent: string): boolean {
  const relative = path.relative(parent, child);
  return relative === "" || (!relative.startsWith("..") && !path.isAbsolute(relative));
}

/** The output directory must be new or empty, and not the course repository or anything in it but build/. */
export function checkReleaseDir(outDir: string): string {
  const absolute = path.resolve(outDir);
  const real = (p: string) => (fs.existsSync(p) ? fs.realpathSync(p) : path.join(fs.realpathSync(path.dirname(p)), path.basename(p)));
  if (!fs.existsSync(path.dirname(absolute))) throw new GraderUsageError(`release directory ${JSON.stringify(outDir)}: its parent ${path.dirname(absolute)} does not exist`);
  const target = real(absolute);
  const repo = fs.realpathSync(REPO_ROOT);
  if (inside(repo, target)) throw new GraderUsageError(`release directory ${JSON.stringify(outDir)} is the course repository (or holds it): refusing to write over it`);
  if (inside(target, repo) && !inside(target, path.join(repo, "build"))) {
    throw new GraderUsageError(`release directory ${JSON.stringify(outDir)} is inside the course repository (${repo}): write the release elsewhere (or under build/)`);
  }
  if (fs.existsSync(target)) {
    if (!fs.statSync(target).isDirectory()) throw new GraderUsageError(`release directory ${JSON.stringify(outDir)} is a file`);
    const entries = fs.readdirSync(target);
    if (entries.length > 0) throw new GraderUsageError(`release directory ${JSON.stringify(outDir)} is not empty (${entries.slice(0, 3).join(", ")}${entries.length > 3 ? ", ..." : ""}): refusing to write into it`);
  }
  return target;
}

/** Lesson directories committed under exercises/ that hold graded tests. */
function committedLessons(): string[] {
  const names = git(["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", "exercises"]).toString("utf8").split("\0").filter(Boolean);
  return [...new Set(names.filter((n) => n.endsWith(".test.ts")).map((n) => n.split("/")[1]))].filter((l) => LESSON_DIR_PATTERN.test(l)).sort();
}

export async function releaseAssignment(options: ReleaseOptions): Promise<ReleaseResult> {
  const progress = options.onProgress ?? (() => undefined);
  try {
    git(["rev-parse", "--verify", "--quiet", "HEAD"]);
  } catch {
    throw new GraderUsageError(`the course at ${REPO_ROOT} has no git commit: a release is made from the committed files`);
  }
  const available = committedLessons();
  const lessons = (options.lessons ?? available.map((l) => l.slice(0, 2))).map((number) => {
    if (!/^\d{2}$/.test(number)) throw new GraderUsageError(`--lessons: ${JSON.stringify(number)} is not a two-digit lesson number; lessons with graded tests: ${available.map((l) => l.slice(0, 2)).join(", ")}`);
    const dir = available.find((l) => l.startsWith(`${number}-`));
    if (!dir) throw new GraderUsageError(`--lessons: lesson ${number} has no committed graded tests; lessons with graded tests: ${available.map((l) => l.slice(0, 2)).join(", ")}`);
    return dir;
  });
  if (lessons.length === 0) throw new GraderUsageError("--lessons selects no lesson");
  const hiddenDir = options.hiddenTestsDir === undefined ? null : path.resolve(options.hiddenTestsDir);
  if (hiddenDir && !(fs.existsSync(hiddenDir) && fs.statSync(hiddenDir).isDirectory())) {
    throw new GraderUsageError(`--hidden-tests ${JSON.stringify(options.hiddenTestsDir)} is not a directory`);
  }
  const outDir = checkReleaseDir(options.outDir);

  // Hidden tests first: a release they would break is not written at all.
  let hiddenTests: AssignmentManifest["hiddenTests"] = null;
  if (hiddenDir) {
    progress(`checking the hidden tests in ${hiddenDir} against the solutions`);
    const report = await grade({ exercisesDir: hiddenDir, target: "solutions", solutionsDir: path.join(REPO_ROOT, "solutions") });
    if (report.tests.length === 0) throw new GraderUsageError(`--hidden-tests ${JSON.stringify(options.hiddenTestsDir)} holds no graded test (<dir>/<NN-lesson>/*.test.ts)`);
    const foreign = report.tests.filter((t) => !lessons.some((l) => l.startsWith(`${t.id.slice(0, 2)}-`)));
    if (foreign.length > 0) throw new GraderUsageError(`--hidden-tests: ${foreign.map((t) => `[${t.id}] ${t.title}`).join(", ")} belong to lessons not in this release`);
    const failing = report.tests.filter((t) => !t.passed);
    if (failing.length > 0) {
      throw new GraderUsageError(`--hidden-tests: ${failing.length} hidden test(s) fail on the solutions, so no learner could pass them: ${failing.map((t) => `[${t.id}] ${t.title}: ${t.error?.split("\n")[0]}`).join("; ")}`);
    }
    const pointsByExercise: Record<string, number> = {};
    for (const t of report.tests) pointsByExercise[t.id] = (pointsByExercise[t.id] ?? 0) + t.points;
    hiddenTests = { tests: report.tests.length, points: report.totals.pointsPossible, pointsByExercise };
  }


  // What goes out: everything committed but the instructor's material and the lessons not released.
  const unreleased = available.filter((l) => !lessons.includes(l));
  const excluded = [
    ...INSTRUCTOR_ONLY,
    ...unreleased.map((l) => `exercises/${l}`),
    ...unreleased.flatMap((l) => git(["ls-tree", "-z", "--name-only", "HEAD", "--", `notebooks/${l}.ipynb`]).toString("utf8").split("\0").filter(Boolean)),
  ];
  const dirty = git(["status", "--porcelain", "--untracked-files=no"]).toString("utf8").trim();
  if (dirty) progress(`note: uncommitted changes are not released (the release is made from HEAD ${git(["rev-parse", "--short", "HEAD"]).toString().trim()})`);
  fs.mkdirSync(outDir, { recursive: true });
  const archive = git(["archive", "--format=tar", "HEAD", "--", ".", ...excluded.map((p) => `:(exclude)${p}`)]);
  execFileSync("tar", ["-x", "-C", outDir], { input: archive, maxBuffer: 512 * 1024 * 1024 });
  progress(`wrote the course files (lessons ${lessons.map((l) => l.slice(0, 2)).join(", ")}) to ${outDir}`);

  // The manifest: checksums and tests of the released graded tests, listed against the solutions.
  const releasedTests = findTestFiles(path.join(outDir, "exercises"), ".test.ts");
  const listed = await listGradedTests({ files: releasedTests.map((f) => f.path), targetDir: path.join(REPO_ROOT, "solutions") });
  const files = releasedTests.map((file) => {
    const tests = listed.get(file.path) ?? [];
    if (tests.length === 0) throw new Error(`${path.relative(outDir, file.path)} declares no graded test`);
    return { path: path.relative(path.join(outDir, "exercises"), file.path).split(path.sep).join("/"), sha256: sha256(fs.readFileSync(file.path)), tests };
  });

  const commit = git(["rev-parse", "HEAD"]).toString("utf8").trim();
  const version = (JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")) as { version: string }).version;
  const manifest: AssignmentManifest = {
    tool: "tinyml-course assignment",
    formatVersion: 1,
    releasedAt: new Date().toISOString(),
    course: { version, commit },
    lessons,
    files,
    hiddenTests,
  };
  fs.writeFileSync(path.join(outDir, "exercises", MANIFEST_FILE), JSON.stringify(manifest, null, 2) + "\n");
  fs.mkdirSync(path.join(outDir, ".github", "workflows"), { recursive: true });
  fs.writeFileSync(path.join(outDir, ".github", "workflows", "classroom.yml"), classroomWorkflow(lessons));
  const readme = path.join(outDir, "README.md");
  fs.writeFileSync(readme, learnerReadme(manifest, outDir) + "\n" + fs.readFileSync(readme, "utf8"));

  // One commit: the release. The learner's edits come after it, and the grader finds the released tests in it.
  const identity = ["-c", "user.name=tinyml-course release", "-c", "user.email=release@tinyml-course.invalid", "-c", "commit.gpgsign=false"];
  execFileSync("git", ["init", "-q", "-b", "main", outDir]);
  git(["add", "-A"], outDir);
  git([...identity, "commit", "-q", "-m", `Assignment: lessons ${lessons.map((l) => l.slice(0, 2)).join(", ")} (tinyml-course ${version}, ${commit.slice(0, 7)})`], outDir);
  const points = files.reduce((sum, f) => sum + f.tests.reduce((s, t) => s + t.points, 0), 0);
  return { outDir, lessons, manifest, points, hiddenPoints: hiddenTests?.points ?? 0, commit: git(["rev-parse", "HEAD"], outDir).toString("utf8").trim() };
}

/** The README section learners read first: what to do, the exercises and points, how grading works. */
export function learnerReadme(manifest: AssignmentManifest, outDir: string): string {
  const byExercise = new Map<string, { lesson: string; points: number; tests: number; modules: Set<string> }>();
  for (const file of manifest.files) {
    for (const test of file.tests) {
      const row = byExercise.get(test.id) ?? { lesson: file.path.split("/")[0], points: 0, tests: 0, modules: new Set<string>() };
      row.points += test.points;
      row.tests += 1;
      byExercise.set(test.id, row);
    }
  }
  // Which stub holds each exercise: the modules whose TODOs call notImplemented("<id>").
  for (const module of findExerciseModules(path.join(outDir, "exercises"))) {
    const text = fs.readFileSync(module, "utf8");
    for (const match of text.matchAll(/notImplemented\(\s*["'](\d{2}\.\d+)["']/g)) {
      byExercise.get(match[1])?.modules.add(path.relative(outDir, module).split(path.sep).join("/"));
    }
  }
  const ids = [...byExercise.keys()].sort((a, b) => {
    const [la, na] = a.split(".").map(Number);
    const [lb, nb] = b.split(".").map(Number);
    return la - lb || na - nb;
  });
  const total = ids.reduce((sum, id) => sum + (byExercise.get(id)?.points ?? 0), 0);
  const lessons = manifest.lessons.map((l) => l.slice(0, 2)).join(", ");
  const lines = [
    `# Your assignment: lessons ${lessons}`,
    "",
    `${ids.length} exercises, ${total} points${manifest.hiddenTests ? `, plus ${manifest.hiddenTests.points} points of hidden tests your instructor runs` : ""}.`,
    `Released ${manifest.releasedAt.slice(0, 10)} from tinyml-course ${manifest.course.version} (${manifest.course.commit?.slice(0, 7) ?? "uncommitted"}).`,
    "",
    "1. Install once: `npm ci`. Open the lessons with `npm run lab` (Jupyter) or `npm start` (the course book).",
    "2. Each exercise is a function in `exercises/<lesson>/<module>.ts` that calls `notImplemented(\"NN.M\")`:",
    "   replace that call with your code. The notebooks use your function as soon as it works.",
    "3. Check your work: `npm run grade` (everything), `npm run grade -- --only 00.1` (one exercise). A failed",
    "   test prints a hint; `build/grades.log` has every message in full.",
    "4. Submit: commit and push. Every push is graded (the **Actions** tab, workflow *Autograding Tests*); the",
    "   points reach GitHub Classroom, and the grade files are kept as the run's `grades` artifact.",
    "",
    "| exercise | lesson | where | tests | points |",
    "|---|---|---|---:|---:|",
    ...ids.map((id) => {
      const row = byExercise.get(id)!;
      return `| ${id} | ${row.lesson} | ${[...row.modules].map((m) => `\`${m}\``).join(", ") || "–"} | ${row.tests} | ${row.points} |`;
    }),
    "",
    "Rules of the game:",
    "- Do not edit the graded tests (`exercises/**/*.test.ts`) or `exercises/graded-tests.json`: the grader checks",
    "  every test file against the released checksums, grades with the released version, and names any file",
    "  you changed. A grade made with edited tests does not count.",
    ...(manifest.hiddenTests
      ? [`- Your instructor also runs ${manifest.hiddenTests.tests} hidden test(s) worth ${manifest.hiddenTests.points} points (exercises ${Object.keys(manifest.hiddenTests.pointsByExercise).sort().join(", ")}): passing the tests you see is necessary, not sufficient.`]
      : []),
    "- Your code must return or throw: infinite loops, `process.exit`, timers or promises left running after a",
    "  function returns cost the test that started them.",
    "",
    "---",
    "",
  ];
  return lines.join("\n");
}
