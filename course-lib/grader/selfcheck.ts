// The course's self-check of its graded exercises (run by selfcheck.test.ts in `npm test`):
// - structure: every exercise module in exercises/ has a counterpart in solutions/ with the same exports
//   (same names, value/type kinds and TypeScript types); stubs call notImplemented("NN.M") with ids of
//   their lesson; graded tests import the module under test through `@exercise/...` (otherwise the
//   grader could not switch between exercises/ and solutions/);
// - every graded test FAILS against the stubs and PASSES against the solutions (which score 100 %);
// - every graded test FAILS against an "always throw" submission generated from the stubs' exports
//   (every function throws RangeError("bad input: " + inspect(args)), async ones reject): the negative
//   control for input-check tests, which must also see a valid call succeed (validCall in graded.ts);
// - every exercise id used by a stub has at least one graded test.
// Which stubs: a learner's working copy has edited stubs, which must not make `npm test` fail. So when
// git shows local changes to committed stubs under exercises/ (and to no graded test), the committed
// (HEAD) versions are exported to build/grader-selfcheck/HEAD/ with read-only git commands and checked
// instead; otherwise (clean working copy, graded tests being edited, new uncommitted exercises being
// written, no commit yet, no git) the working tree is checked. GRADER_SELFCHECK_STUBS=worktree|head
// forces one or the other.
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { findExerciseModules, findTestFiles, LESSON_DIR_PATTERN } from "./discover";
import { EXERCISE_ID_PATTERN } from "./protocol";
import { grade, REPO_ROOT, type GradeReport } from "./run";

export interface SelfCheckOptions {
  exercisesDir?: string;
  solutionsDir?: string;
  /** "auto" (default, see the header), "worktree" or "head"; env GRADER_SELFCHECK_STUBS overrides auto. */
  stubs?: "auto" | "worktree" | "head";
  testFileSuffix?: string;
  timeoutMs?: number;
  /** Grade the "always throw" negative control (default true). */
  alwaysThrowControl?: boolean;
  onProgress?: (message: string) => void;
}

export interface SelfCheckResult {
  /** Always true once the structure checks ran (also when there was nothing to check). */
  structureChecked: boolean;
  stubsSource: "worktree" | "HEAD";
  stubsDir: string;
  lessons: string[];
  modules: string[];
  exerciseIds: string[];
  gradedTests: number;
  /** Failures of the self-check: each one names the file and what is wrong. */
  problems: string[];
  /** Things worth knowing that are not failures. */
  notes: string[];
  stubsReport: GradeReport | null;
  solutionsReport: GradeReport | null;
  /** The "always throw" submission's grades (null when not run); every test must fail. */
  alwaysThrowReport: GradeReport | null;
}

function rel(file: string): string {
  const relative = path.relative(REPO_ROOT, file);
  return relative.startsWith("..") ? file : relative.split(path.sep).join("/");
}

function git(args: string[]): Buffer {
  return execFileSync("git", ["-C", REPO_ROOT, ...args], { stdio: ["ignore", "pipe", "pipe"], maxBuffer: 256 * 1024 * 1024 });
}

/** Decides which stubs to check and, for HEAD, exports them (read-only git commands) under build/. */
export function resolveStubs(
  exercisesDir: string,
  mode: "auto" | "worktree" | "head",
  testFileSuffix = ".test.ts",
): { source: "worktree" | "HEAD"; dir: string; reason: string } {
  const worktree = { source: "worktree" as const, dir: exercisesDir };
  const inRepo = path.resolve(exercisesDir) === path.join(REPO_ROOT, "exercises");
  if (mode === "worktree") return { ...worktree, reason: "GRADER_SELFCHECK_STUBS=worktree" };
  if (!inRepo) {
    if (mode === "head") throw new Error(`cannot check committed stubs of ${exercisesDir}: it is not the repository's exercises/`);
    return { ...worktree, reason: "not the repository's exercises/" };
  }
  let hasHead = false;
  try {
    git(["rev-parse", "--verify", "--quiet", "HEAD"]);
    hasHead = true;
  } catch {
    hasHead = false;
  }
  if (!hasHead) {
    if (mode === "head") throw new Error("GRADER_SELFCHECK_STUBS=head, but the repository has no commit (or git is unavailable)");
    return { ...worktree, reason: "no git commit to compare with" };
  }
  if (mode === "auto") {
    const changed = git(["status", "--porcelain", "--untracked-files=no", "--", "exercises"]).toString("utf8").trim();
    if (changed === "") return { ...worktree, reason: "exercises/ has no local changes to committed files" };
    // Learners edit stubs, authors edit graded tests: with tests changed, the HEAD tests are stale.
    const changedTests = changed.split("\n").filter((line) => line.trim().endsWith(testFileSuffix));
    if (changedTests.length > 0) return { ...worktree, reason: "graded tests under exercises/ have local changes (the course is being edited)" };
  }
  const exportDir = path.join(REPO_ROOT, "build", "grader-selfcheck", "HEAD", "exercises");
  fs.rmSync(exportDir, { recursive: true, force: true });
  const names = git(["ls-tree", "-r", "-z", "--name-only", "HEAD", "--", "exercises"]).toString("utf8").split("\0").filter(Boolean);
  for (const name of names) {
    const target = path.join(exportDir, path.relative("exercises", name));
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, git(["show", `HEAD:${name}`]));
  }
  fs.mkdirSync(exportDir, { recursive: true });
  // Stubs import the library as ../../course-lib/...: give the export the same neighbour, or their
  // re-exported types would not resolve and the export check would compare against nothing.
  const libLink = path.join(path.dirname(exportDir), "course-lib");
  fs.rmSync(libLink, { recursive: true, force: true });
  fs.symlinkSync(path.join(REPO_ROOT, "course-lib"), libLink, "dir");
  return {
    source: "HEAD",
    dir: exportDir,
    reason: mode === "head" ? "GRADER_SELFCHECK_STUBS=head" : "exercises/ has local changes: checking the committed stubs (set GRADER_SELFCHECK_STUBS=worktree to check the working copy)",
  };
}

interface ExportShape {
  name: string;
  kind: string;
  type: string;
  /** What a value export is at run time (for the "always throw" control); null for type-only exports. */
  runtime: "function" | "async-function" | "class" | "other" | null;
}

/** The exports of each module, with their kind and TypeScript type, from one TypeScript program. */
function exportShapes(files: string[]): Map<string, ExportShape[] | string> {
  const configPath = path.join(REPO_ROOT, "tsconfig.json");
  const config = ts.readConfigFile(configPath, ts.sys.readFile);
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, REPO_ROOT);
  const program = ts.createProgram(files, { ...parsed.options, noEmit: true });
  const checker = program.getTypeChecker();
  const shapes = new Map<string, ExportShape[] | string>();
  for (const file of files) {
    const source = program.getSourceFile(file);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!source || !moduleSymbol) {
      shapes.set(file, source ? "it exports nothing (not a module)" : "TypeScript could not read it");
      continue;
    }
    const list: ExportShape[] = [];
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const declaration = symbol.valueDeclaration ?? symbol.declarations?.[0];
      const isValue = (symbol.flags & ts.SymbolFlags.Value) !== 0;
      const isType = (symbol.flags & (ts.SymbolFlags.Type | ts.SymbolFlags.Namespace)) !== 0;
      const flags = ts.TypeFormatFlags.NoTruncation | ts.TypeFormatFlags.UseFullyQualifiedType;
      let type = "";
      if (declaration && isValue) type = checker.typeToString(checker.getTypeOfSymbolAtLocation(symbol, declaration), undefined, flags);
      else if (isType) type = checker.typeToString(checker.getDeclaredTypeOfSymbol(symbol), undefined, flags);
      // Types print with their module path; make them comparable between exercises/ and solutions/.
      type = type.replace(/import\("[^"]*"\)\./g, "").replace(/"[^"]*(?:exercises|solutions)[^"]*"\./g, "");
      let runtime: ExportShape["runtime"] = null;
      if (isValue && symbol.flags & ts.SymbolFlags.Class) runtime = "class";
      else if (isValue && declaration) {
        const signatures = checker.getTypeOfSymbolAtLocation(symbol, declaration).getCallSignatures();
        const returnsPromise = signatures.some((sig) => checker.getReturnTypeOfSignature(sig).getSymbol()?.getName() === "Promise");
        runtime = signatures.length === 0 ? "other" : returnsPromise ? "async-function" : "function";
      }
      list.push({ name: exported.name, kind: isValue && isType ? "value+type" : isValue ? "value" : "type", type, runtime });
    }
    shapes.set(file, list.sort((a, b) => a.name.localeCompare(b.name)));
  }
  return shapes;
}

/** The always-throw submission's error: every argument, as RangeError messages that name the bad value do. */
const ALWAYS_THROW_ERROR = `new RangeError("bad input: " + inspect(args, { depth: 4 }))`;

/**
 * Writes an "always throw" submission, a negative control: for every exercise module in `stubsDir`, a
 * module at the same path in `outDir` whose exported functions all throw `RangeError(inspect(args))`
 * (async ones reject with it). Its messages contain every argument, so a "rejects ..." test that only
 * looks for the bad value in the message passes against it unless it also checks that a valid call
 * succeeds. Classes and constants are re-exported from the stub (they are helpers, not exercises).
 * Returns the modules written and the functions replaced.
 */
export function writeAlwaysThrowSubmission(
  stubsDir: string,
  outDir: string,
  testFileSuffix = ".test.ts",
  /** Export shapes already computed for these modules (building a TypeScript program takes seconds). */
  known?: Map<string, ExportShape[] | string>,
): { modules: string[]; functions: string[] } {
  const modules = findExerciseModules(stubsDir, testFileSuffix);
  const shapes = known && modules.every((m) => known.has(m)) ? known : exportShapes(modules);
  fs.rmSync(outDir, { recursive: true, force: true });
  const functions: string[] = [];
  for (const module of modules) {
    const shape = shapes.get(module);
    if (typeof shape === "string" || !shape) throw new Error(`cannot write the always-throw version of ${rel(module)}: ${shape ?? "no exports"}`);
    const target = path.join(outDir, path.relative(stubsDir, module));
    const fromTarget = path.relative(path.dirname(target), module).replace(/\.ts$/, "").split(path.sep).join("/");
    const lines = [
      `// Generated by course-lib/grader/selfcheck.ts from ${rel(module)}: the "always throw" negative control.`,
      'import { inspect } from "util";',
    ];
    const reexports: string[] = [];
    for (const { name, runtime } of shape) {
      if (runtime === "function") lines.push(`export function ${name}(...args: unknown[]): never { throw ${ALWAYS_THROW_ERROR}; }`);
      else if (runtime === "async-function") lines.push(`export async function ${name}(...args: unknown[]): Promise<never> { throw ${ALWAYS_THROW_ERROR}; }`);
      else if (runtime !== null) reexports.push(name);
      if (runtime === "function" || runtime === "async-function") functions.push(`${rel(module)}: ${name}`);
    }
    if (reexports.length > 0) lines.push(`export { ${reexports.join(", ")} } from ${JSON.stringify(fromTarget.startsWith(".") ? fromTarget : `./${fromTarget}`)};`);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, lines.join("\n") + "\n");
  }
  return { modules: modules.map((m) => path.join(outDir, path.relative(stubsDir, m))), functions };
}

const IMPORT_PATTERN = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["']([^"']+)["']/g;

function importsOf(text: string): string[] {
  return [...text.matchAll(IMPORT_PATTERN)].map((match) => match[1]);
}

/** Runs the whole self-check; never throws for course problems (they are listed in `problems`). */
export async function runSelfCheck(options: SelfCheckOptions = {}): Promise<SelfCheckResult> {
  const suffix = options.testFileSuffix ?? ".test.ts";
  const exercisesDir = path.resolve(options.exercisesDir ?? path.join(REPO_ROOT, "exercises"));
  const solutionsDir = path.resolve(options.solutionsDir ?? path.join(REPO_ROOT, "solutions"));
  const envMode = process.env.GRADER_SELFCHECK_STUBS;
  if (envMode !== undefined && envMode !== "" && !["auto", "worktree", "head"].includes(envMode)) {
    throw new Error(`GRADER_SELFCHECK_STUBS=${JSON.stringify(envMode)} is not one of: auto, worktree, head`);
  }
  const mode = options.stubs ?? ((envMode || "auto") as "auto" | "worktree" | "head");
  const progress = options.onProgress ?? (() => undefined);
  const problems: string[] = [];
  const notes: string[] = [];

  const stubs = resolveStubs(exercisesDir, mode, suffix);
  notes.push(`stubs checked: ${stubs.source} (${stubs.reason})`);
  const stubsDir = stubs.dir;

  // ---- structure ----
  const lessonDirs = fs.existsSync(stubsDir)
    ? fs.readdirSync(stubsDir, { withFileTypes: true }).filter((e) => e.isDirectory() && !e.name.startsWith(".")).map((e) => e.name).sort()
    : [];
  for (const lesson of lessonDirs) {
    if (!LESSON_DIR_PATTERN.test(lesson)) problems.push(`${rel(path.join(stubsDir, lesson))}: lesson directories are named like "00-getting-started"`);
  }
  const modules = findExerciseModules(stubsDir, suffix);
  const testFiles = findTestFiles(stubsDir, suffix);
  const exerciseIds = new Set<string>();
  const counterparts: [string, string][] = [];
  for (const module of modules) {
    const relative = path.relative(stubsDir, module);
    const lesson = relative.split(path.sep)[0];
    const counterpart = path.join(solutionsDir, relative);
    if (!fs.existsSync(counterpart)) problems.push(`${rel(module)}: no solution at ${rel(counterpart)}`);
    else counterparts.push([module, counterpart]);
    const text = fs.readFileSync(module, "utf8");
    const ids = [...text.matchAll(/notImplemented\(\s*["']([^"']*)["']\s*\)/g)].map((m) => m[1]);
    for (const id of ids) {
      const match = EXERCISE_ID_PATTERN.exec(id);
      if (!match) problems.push(`${rel(module)}: notImplemented(${JSON.stringify(id)}) is not an exercise id like "03.2"`);
      else if (!lesson.startsWith(`${match[1]}-`)) problems.push(`${rel(module)}: exercise id ${id} does not belong to lesson ${lesson}`);
      else exerciseIds.add(id);
    }
  }
  // One TypeScript program for the export comparison and the always-throw submission.
  const shapes = modules.length > 0 ? exportShapes([...modules, ...counterparts.map(([, solution]) => solution)]) : new Map<string, ExportShape[] | string>();
  if (counterparts.length > 0) {
    progress(`comparing the exports of ${counterparts.length} exercise module(s) with their solutions`);
    for (const [stub, solution] of counterparts) {
      const stubShape = shapes.get(stub);
      const solutionShape = shapes.get(solution);
      if (typeof stubShape === "string" || typeof solutionShape === "string" || !stubShape || !solutionShape) {
        problems.push(`${rel(stub)} / ${rel(solution)}: cannot compare exports: ${typeof stubShape === "string" ? stubShape : solutionShape}`);
        continue;
      }
      const stubByName = new Map(stubShape.map((s) => [s.name, s]));
      const solutionByName = new Map(solutionShape.map((s) => [s.name, s]));
      for (const [name, s] of stubByName) {
        const other = solutionByName.get(name);
        if (!other) problems.push(`${rel(solution)}: does not export ${name}, which ${rel(stub)} exports`);
        else if (other.kind !== s.kind) problems.push(`${name}: a ${s.kind} in ${rel(stub)} but a ${other.kind} in ${rel(solution)}`);
        else if (other.type !== s.type) {
          const hint = /=> never$/.test(s.type) ? " (annotate the stub's return type: notImplemented() returns never)" : "";
          problems.push(`${name}: type ${s.type} in ${rel(stub)} but ${other.type} in ${rel(solution)}${hint}`);
        }
      }
      for (const name of solutionByName.keys()) {
        if (!stubByName.has(name)) problems.push(`${rel(stub)}: does not export ${name}, which ${rel(solution)} exports`);
      }
    }
  }
  for (const test of testFiles) {
    const imports = importsOf(fs.readFileSync(test.path, "utf8"));
    if (!imports.some((spec) => spec.startsWith("@exercise/"))) {
      problems.push(`${rel(test.path)}: imports no module through "@exercise/<lesson>/<module>", so the grader cannot switch it between exercises/ and solutions/`);
    }
    for (const spec of imports.filter((s) => s.startsWith("."))) {
      const resolved = path.resolve(path.dirname(test.path), spec);
      const insideStubs = !path.relative(stubsDir, resolved).startsWith("..");
      if (insideStubs && !resolved.endsWith(suffix.replace(/\.ts$/, ""))) {
        problems.push(`${rel(test.path)}: imports ${JSON.stringify(spec)} relatively; import exercise modules as "@exercise/${path.relative(stubsDir, resolved).split(path.sep).join("/")}"`);
      }
    }
  }
  const structureChecked = true;

  if (testFiles.length === 0) {
    notes.push(`${rel(stubsDir)} has no graded tests: nothing to grade`);
    if (modules.length > 0) problems.push(`${rel(stubsDir)} has ${modules.length} exercise module(s) but no graded test`);
    return { structureChecked, stubsSource: stubs.source, stubsDir, lessons: lessonDirs, modules: modules.map(rel), exerciseIds: [...exerciseIds].sort(), gradedTests: 0, problems, notes, stubsReport: null, solutionsReport: null, alwaysThrowReport: null };
  }

  // ---- grading: stubs must fail, solutions must pass ----
  const common = { exercisesDir: stubsDir, solutionsDir, testFileSuffix: suffix, timeoutMs: options.timeoutMs, onProgress: options.onProgress };
  progress("grading the stubs");
  const stubsReport = await grade({ ...common, target: "exercises" });
  progress("grading the solutions");
  const solutionsReport = await grade({ ...common, target: "solutions" });
  for (const warning of stubsReport.warnings) problems.push(`grading the stubs: ${warning}`);
  for (const warning of solutionsReport.warnings) problems.push(`grading the solutions: ${warning}`);
  for (const test of stubsReport.tests) {
    if (test.passed) problems.push(`[${test.id}] ${test.title} (${test.file}): passes against the unmodified stub; a graded test must fail until the exercise is done`);
    else if (!/not implemented yet/.test(test.error ?? "")) notes.push(`[${test.id}] ${test.title}: fails against the stub with "${(test.error ?? "").split("\n")[0]}" rather than "not implemented yet"`);
  }
  for (const test of solutionsReport.tests) {
    if (!test.passed) problems.push(`[${test.id}] ${test.title} (${test.file}): fails against the solution: ${(test.error ?? "").split("\n")[0]}`);
  }
  const keys = (report: GradeReport) => new Set(report.tests.map((t) => `${t.file}::[${t.id}] ${t.title}`));
  const stubKeys = keys(stubsReport);
  const solutionKeys = keys(solutionsReport);
  for (const key of stubKeys) if (!solutionKeys.has(key)) problems.push(`${key}: found when grading the stubs but not the solutions`);
  for (const key of solutionKeys) if (!stubKeys.has(key)) problems.push(`${key}: found when grading the solutions but not the stubs`);
  if (solutionsReport.totals.pointsPossible > 0 && solutionsReport.totals.percent !== 100) {
    problems.push(`the solutions score ${solutionsReport.totals.percent} %, not 100 %`);
  }
  let alwaysThrowReport: GradeReport | null = null;
  if (options.alwaysThrowControl !== false) {
    // One directory per stubs directory, so checks of different courses do not overwrite each other.
    const key = createHash("sha1").update(stubsDir).digest("hex").slice(0, 10);
    const controlDir = path.join(REPO_ROOT, "build", "grader-selfcheck", "always-throw", key);
    let written = false;
    try {
      writeAlwaysThrowSubmission(stubsDir, controlDir, suffix, shapes);
      written = true;
    } catch (error) {
      problems.push(`the always-throw control could not be written: ${(error as Error).message}`);
    }
    if (written) {
      progress("grading an always-throw submission (negative control)");
      alwaysThrowReport = await grade({ ...common, targetDir: controlDir });
    }
    for (const test of alwaysThrowReport?.tests ?? []) {
      if (test.passed) {
        problems.push(`[${test.id}] ${test.title} (${test.file}): passes against an "always throw" submission (every function throws RangeError with its arguments in the message); an input-check test must also see a valid call succeed (validCall in course-lib/grader/graded.ts)`);
      }
    }
  }
  const testedIds = new Set(solutionsReport.tests.map((t) => t.id).concat(stubsReport.tests.map((t) => t.id)));
  for (const id of exerciseIds) if (!testedIds.has(id)) problems.push(`exercise ${id}: a stub calls notImplemented("${id}") but no graded test has id ${id}`);
  for (const id of testedIds) if (!exerciseIds.has(id)) notes.push(`exercise ${id} has graded tests but no stub calls notImplemented("${id}")`);

  return {
    structureChecked,
    stubsSource: stubs.source,
    stubsDir,
    lessons: lessonDirs,
    modules: modules.map(rel),
    exerciseIds: [...exerciseIds].sort(),
    gradedTests: solutionsReport.tests.length,
    problems,
    notes,
    stubsReport,
    solutionsReport,
    alwaysThrowReport,
  };
}
