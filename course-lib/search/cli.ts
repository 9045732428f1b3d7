// npm run search -- --problem <module.ts | builtin> --method grid|random|bo-penalty|bo-feasible|svm-cbo
//                   --budget N [--seed S] [--repeat K] [--json] [--resume build/search/<file>.json]
//                   [--initial-points N] [--phase1-budget N] [--C c] [--gamma g] [--margin m]
//                   [--beta b | --beta gp-ucb] [--acquisition lcb|log-ei]
// npm run search -- --study [--budget 40] [--seeds 10]      the test-function study of lesson 09's closing table
//
// Prints a progress line per trial and writes build/search/<problem>-<method>-<seed>.json (every trial, the
// best feasible value so far, the feasible fraction, and the searcher's state, which --resume continues);
// with --repeat K, build/search/<problem>-<method>-<seed>x<K>.json with the median and quartiles of the best
// feasible value at every trial count over seeds S..S+K−1. --json prints the result as JSON on stdout (the
// progress lines then go to stderr). A problem module default-exports { name, space, evaluate } (problem.ts).
// Builtins: the test functions of functions.ts, and har-stm32l476rg / har-stm32f303k8 (har.ts).
import * as fs from "fs";
import * as path from "path";
import { TEST_FUNCTIONS } from "./functions";
import { checkProblem, Problem } from "./problem";
import { bestSoFar, convergence, repeatSearch, runSearch, SearchRun } from "./run";
import { SEARCH_METHODS, SearchMethod, SearcherOptions, SearchState, Trial } from "./searchers";
import { Config } from "./space";
import { testFunctionStudy } from "./study";

export const HAR_PROBLEMS = ["har-stm32l476rg", "har-stm32f303k8"] as const;
export const BUILTIN_PROBLEMS: readonly string[] = [...TEST_FUNCTIONS.map((f) => f.name), ...HAR_PROBLEMS];

const VALUE_OPTIONS = ["--problem", "--method", "--budget", "--seed", "--repeat", "--resume", "--initial-points", "--phase1-budget", "--C", "--gamma", "--margin", "--beta", "--acquisition", "--seeds"];
const FLAGS = ["--json", "--study", "--help"];

export class UsageError extends Error {}

function option(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = args[i + 1];
  if (value === undefined || value.startsWith("--")) throw new UsageError(`${name} needs a value`);
  return value;
}

function integerOption(args: readonly string[], name: string, min: number): number | undefined {
  const text = option(args, name);
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${name} must be an integer >= ${min}, got ${JSON.stringify(text)}`);
  return v;
}

function numberOption(args: readonly string[], name: string): number | undefined {
  const text = option(args, name);
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isFinite(v)) throw new UsageError(`${name} must be a number, got ${JSON.stringify(text)}`);
  return v;
}

/** A builtin problem by name, or the default export of a module file. */
export async function loadProblem(spec: string): Promise<Problem> {
  const builtin = TEST_FUNCTIONS.find((f) => f.name === spec);
  if (builtin) return builtin;
  if ((HAR_PROBLEMS as readonly string[]).includes(spec)) {
    const { initBackend } = await import("../runtime/backend");
    const { HarSearch, loadHarData } = await import("./har");
    await initBackend();
    return new HarSearch(await loadHarData()).problem(spec.slice("har-".length));
  }
  if (!/\.(ts|js|cjs|mjs)$/.test(spec)) {
    throw new UsageError(`--problem ${JSON.stringify(spec)} is neither a builtin (${BUILTIN_PROBLEMS.join(", ")}) nor a module file (.ts or .js)`);
  }
  const file = path.resolve(spec);
  if (!fs.existsSync(file)) throw new UsageError(`--problem: no module at ${file}`);
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const module = require(file);
  return checkProblem(module?.default ?? module, `the default export of ${spec}`);
}

function formatConfig(config: Config): string {
  return Object.entries(config).map(([k, v]) => `${k}=${typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(4) : v}`).join(" ");
}

/** One progress line: trial, phase, outcome, best so far. */
export function trialLine(trial: Trial, budget: number, best: number | null): string {
  const outcome = trial.feasible ? `value ${(trial.value as number).toPrecision(5)}` : "infeasible";
  const bestText = best === null ? "no feasible trial yet" : `best ${best.toPrecision(5)}`;
  return `trial ${String(trial.index + 1).padStart(String(budget).length)}/${budget} [${trial.phase}] ${outcome.padEnd(18)} ${bestText} | ${formatConfig(trial.config)}`;
}

function searcherOptions(args: readonly string[]): Omit<SearcherOptions, "budget"> {
  const gammaText = option(args, "--gamma");
  const o: Omit<SearcherOptions, "budget"> = {
    seed: integerOption(args, "--seed", 0) ?? 0,
    initialPoints: integerOption(args, "--initial-points", 1),
    phase1Budget: integerOption(args, "--phase1-budget", 0),
    C: numberOption(args, "--C"),
    gamma: gammaText === undefined || gammaText === "scale" ? undefined : numberOption(args, "--gamma"),
    margin: numberOption(args, "--margin"),
    beta: option(args, "--beta") === "gp-ucb" ? "gp-ucb" : numberOption(args, "--beta"),
    acquisition: option(args, "--acquisition") as SearcherOptions["acquisition"],
  };
  for (const key of Object.keys(o) as (keyof typeof o)[]) if (o[key] === undefined) delete o[key];
  return o;
}

function runRecord(run: SearchRun, budget: number) {
  return {
    problem: run.problem, method: run.method, seed: run.seed, budget,
    best: run.best, feasibleFraction: run.feasibleFraction,
    trials: run.trials.map((t, i) => ({ ...t, bestSoFar: run.bestSoFar[i] })),
    state: run.state,
  };
}

function writeResult(name: string, data: unknown): string {
  const dir = path.resolve("build", "search");
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name.replace(/[^A-Za-z0-9._-]+/g, "_")}.json`);
  fs.writeFileSync(file, JSON.stringify(data, null, 1) + "\n");
  return file;
}

export interface CliIo {
  /** Progress and messages. */
  log: (line: string) => void;
  /** The --json result. */
  out: (text: string) => void;
}

async function study(args: readonly string[], io: CliIo): Promise<void> {
  const budget = integerOption(args, "--budget", 1) ?? 40;
  const seeds = integerOption(args, "--seeds", 1) ?? 10;
  const methods: SearchMethod[] = ["random", "grid", "bo-penalty", "bo-feasible", "svm-cbo"];
  const started = performance.now();
  let runs = 0;
  const results = await testFunctionStudy({
    budget, seeds, methods,
    onRun: (problem, method) => {
      runs++;
      if (runs % seeds === 0) io.log(`${problem} ${method}: ${seeds} seeds done (${((performance.now() - started) / 1000).toFixed(0)} s)`);
    },
  });
  io.log(`\nnormalised gap after ${budget} trials (median [quartiles] over ${seeds} seeds; 1 = optimum) and evaluations to reach random search's median best at ${3 * budget} trials:`);
  for (const r of results) {
    io.log(`${r.problem} (f* = ${r.optimum}, random's median at ${3 * budget}: ${r.random3xMedian?.toPrecision(5)})`);
    for (const m of r.methods) {
      io.log(`  ${m.method.padEnd(12)} gap ${m.gap.median.toFixed(3)} [${m.gap.lower.toFixed(3)}, ${m.gap.upper.toFixed(3)}]  evaluations ${m.evaluationsToRandom3x ?? `> ${budget}`}  feasible ${(100 * m.feasibleFraction).toFixed(0)} %`);
    }
  }
  const file = writeResult(`study-${budget}x${seeds}`, { budget, seeds, results });
  io.log(`wrote ${path.relative(process.cwd(), file)}`);
  if (args.includes("--json")) io.out(JSON.stringify(results));
}

/** The CLI; throws UsageError (or the search's RangeError) on bad input. */
export async function searchCli(args: readonly string[], io: CliIo): Promise<void> {
  const given = new Set<string>();
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (!a.startsWith("--")) throw new UsageError(`unexpected argument ${JSON.stringify(a)} (options are --name value)`);
    if (!VALUE_OPTIONS.includes(a) && !FLAGS.includes(a)) throw new UsageError(`unknown option ${a}; expected ${[...VALUE_OPTIONS, ...FLAGS].join(", ")}`);
    if (given.has(a)) throw new UsageError(`${a} given twice`);
    given.add(a);
    if (VALUE_OPTIONS.includes(a)) {
      if (args[i + 1] === undefined || args[i + 1].startsWith("--")) throw new UsageError(`${a} needs a value`);
      i++;
    }
  }
  if (args.includes("--help")) {
    io.log(fs.readFileSync(__filename, "utf8").split("\n").filter((l) => l.startsWith("//")).map((l) => l.slice(3)).join("\n"));
    return;
  }
  if (args.includes("--study")) return study(args, io);
  const problemSpec = option(args, "--problem");
  if (!problemSpec) throw new UsageError(`--problem is required: a builtin (${BUILTIN_PROBLEMS.join(", ")}) or a module file`);
  const resumeFile = option(args, "--resume");
  const resume = resumeFile ? readState(resumeFile) : undefined;
  const method = (option(args, "--method") ?? resume?.method) as SearchMethod | undefined;
  if (!method) throw new UsageError(`--method is required: one of ${SEARCH_METHODS.join(", ")}`);
  if (!SEARCH_METHODS.includes(method)) throw new UsageError(`--method ${JSON.stringify(method)} is not one of ${SEARCH_METHODS.join(", ")}`);
  const budget = integerOption(args, "--budget", 1) ?? resume?.options.budget;
  if (budget === undefined) throw new UsageError("--budget is required (the number of trials)");
  const repeat = integerOption(args, "--repeat", 1);
  if (repeat !== undefined && resume) throw new UsageError("--repeat and --resume cannot be combined");
  const searcherFlags = ["--seed", "--initial-points", "--phase1-budget", "--C", "--gamma", "--margin", "--beta", "--acquisition"].filter((f) => args.includes(f));
  if (resume && searcherFlags.length > 0) {
    throw new UsageError(`--resume continues with the saved search's options; drop ${searcherFlags.join(", ")} (only --budget may change)`);
  }
  const problem = await loadProblem(problemSpec);
  const options: SearcherOptions = { ...searcherOptions(args), budget };
  const seed = options.seed ?? 0;
  const json = args.includes("--json");
  let best: number | null = resume ? (bestSoFar(resume.trials).pop() ?? null) : null;
  const onTrial = (trial: Trial) => {
    if (trial.index === 0) best = null;
    if (trial.feasible && (best === null || (trial.value as number) < best)) best = trial.value as number;
    io.log(trialLine(trial, budget, best));
  };
  if (repeat === undefined) {
    if (resume) io.log(`resuming ${resume.trials.length} trials from ${resumeFile}`);
    // runSearch continues a saved search with its saved options and the budget given here.
    const run = await runSearch(problem, method, resume ? { budget, onTrial, resume } : { ...options, onTrial });
    const record = runRecord(run, budget);
    const file = writeResult(`${problem.name}-${method}-${run.seed}`, record);
    io.log(`${problem.name} ${method} seed ${run.seed}: best ${run.best ? `${run.best.value} at trial ${run.best.index + 1} (${formatConfig(run.best.config)})` : "none feasible"}, ${(100 * run.feasibleFraction).toFixed(0)} % of trials feasible`);
    io.log(`wrote ${path.relative(process.cwd(), file)}`);
    if (json) io.out(JSON.stringify(record));
    return;
  }
  const runs = await repeatSearch(problem, method, { ...options, onTrial, repeat }, (run, k) => {
    io.log(`seed ${run.seed} (${k + 1}/${repeat}): best ${run.best?.value ?? "none feasible"}`);
  });
  const summary = convergence(runs);
  const record = { problem: problem.name, method, seeds: runs.map((r) => r.seed), budget, convergence: summary, runs: runs.map((r) => runRecord(r, budget)) };
  const file = writeResult(`${problem.name}-${method}-${seed}x${repeat}`, record);
  const last = budget - 1;
  io.log(`${problem.name} ${method}, ${repeat} seeds: best after ${budget} trials median ${summary.median[last]} [${summary.lower[last]}, ${summary.upper[last]}]`);
  io.log(`wrote ${path.relative(process.cwd(), file)}`);
  if (json) io.out(JSON.stringify(record));
}

function readState(file: string): SearchState {
  let data: { state?: SearchState };
  try {
    data = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UsageError(`--resume ${file}: cannot read it as JSON (${(e as Error).message})`);
  }
  if (!data?.state) throw new UsageError(`--resume ${file}: not a file written by npm run search (no "state")`);
  return data.state;
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const json = args.includes("--json");
  const io: CliIo = { log: json ? (l) => console.error(l) : (l) => console.log(l), out: (t) => console.log(t) };
  searchCli(args, io).catch((e: Error) => {
    console.error(`search: ${e.message}`);
    process.exitCode = 2;
  });
}
