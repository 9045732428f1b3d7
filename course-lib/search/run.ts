// Running a search: the ask/evaluate/tell loop with a callback per trial, the trace a run leaves (best
// feasible value after every trial, feasible fraction), and repeats over seeds summarised by the median and
// quartiles of the best feasible value at every trial count (the convergence plot of lesson 09).
import { stepProgress } from "../quantize/task-progress";
import type { DisplayTarget } from "../viz/display";
import { checkProblem, checkResult, Problem } from "./problem";
import { SearchMethod, Searcher, SearcherOptions, SearchState, Trial } from "./searchers";

export interface SearchRun {
  problem: string;
  method: SearchMethod;
  seed: number;
  trials: Trial[];
  /** Best feasible value after trial i (null while none is feasible). */
  bestSoFar: (number | null)[];
  best: Trial | null;
  feasibleFraction: number;
  /** Wall-clock seconds per trial: evaluation, then the searcher's own time for the next proposal. */
  evaluationSeconds: number[];
  proposalSeconds: number[];
  state: SearchState;
}

export interface RunOptions extends SearcherOptions {
  /** Called after every trial (a progress line, a plot update). */
  onTrial?: (trial: Trial, searcher: Searcher) => void | Promise<void>;
  /** Continue a saved search instead of starting one. */
  resume?: SearchState;
  /** A progress bar "title: trial k/N" (default: none; true = in a notebook only, or a DisplayTarget). */
  progress?: { title: string; show?: boolean | DisplayTarget };
}

/** The best feasible value after each trial. */
export function bestSoFar(trials: readonly Trial[]): (number | null)[] {
  let best: number | null = null;
  return trials.map((t) => {
    if (t.feasible && (best === null || (t.value as number) < best)) best = t.value as number;
    return best;
  });
}

/** Runs `method` on `problem` until the budget is spent. */
export async function runSearch(problemIn: Problem, method: SearchMethod, options: RunOptions): Promise<SearchRun> {
  const problem = checkProblem(problemIn);
  const { onTrial, resume, progress, ...searcherOptions } = options;
  // A resumed search keeps its saved options, except the budget, which may be raised to continue it.
  const searcher = resume
    ? Searcher.resume({ ...resume, options: { ...resume.options, budget: searcherOptions.budget ?? resume.options.budget } }, problem.space)
    : new Searcher(method, problem.space, searcherOptions);
  if (resume && resume.method !== method) throw new RangeError(`resume: the saved search used ${resume.method}, not ${method}`);
  const evaluationSeconds: number[] = [];
  const proposalSeconds: number[] = [];
  const bar = progress ? stepProgress(progress.title, searcher.budget, progress.show) : null;
  while (!searcher.done) {
    const t0 = performance.now();
    const config = searcher.ask();
    const t1 = performance.now();
    const result = checkResult(problem.name, config, await problem.evaluate(config));
    const t2 = performance.now();
    proposalSeconds.push((t1 - t0) / 1000);
    evaluationSeconds.push((t2 - t1) / 1000);
    const trial = searcher.tell(config, result);
    bar?.step(searcher.trials.length);
    if (onTrial) await onTrial(trial, searcher);
  }
  bar?.finish();
  const trials = [...searcher.trials];
  return {
    problem: problem.name,
    method: searcher.method,
    seed: searcher.options.seed ?? 0,
    trials,
    bestSoFar: bestSoFar(trials),
    best: searcher.best() ?? null,
    feasibleFraction: trials.filter((t) => t.feasible).length / trials.length,
    evaluationSeconds,
    proposalSeconds,
    state: searcher.state(),
  };
}

export interface ConvergenceSummary {
  /** Trial counts 1..budget. */
  trials: number[];
  /** Median, lower and upper quartile over seeds of the best feasible value after each count (a run without a feasible trial counts as +∞, so null when the middle runs have none yet). */
  median: (number | null)[];
  lower: (number | null)[];
  upper: (number | null)[];
  /** Seeds with no feasible trial at each count. */
  withoutFeasible: number[];
}

/** The q-quantile of sorted values, linear between order statistics (numpy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new RangeError("quantile of an empty list");
  if (!(q >= 0 && q <= 1)) throw new RangeError(`quantile: q must be in [0, 1], got ${q}`);
  const pos = q * (sorted.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
}

/**
 * Median and quartiles of the best feasible value at every trial count over runs. A run with no feasible
 * trial yet counts as +∞ (worse than any value), so the median is null until half the runs have one.
 */
export function convergence(runs: readonly SearchRun[]): ConvergenceSummary {
  if (runs.length === 0) throw new RangeError("convergence needs at least one run");
  const budget = Math.min(...runs.map((r) => r.bestSoFar.length));
  const summary: ConvergenceSummary = { trials: [], median: [], lower: [], upper: [], withoutFeasible: [] };
  for (let i = 0; i < budget; i++) {
    const values = runs.map((r) => r.bestSoFar[i] ?? Infinity).sort((a, b) => a - b);
    const finite = (v: number) => (Number.isFinite(v) ? v : null);
    summary.trials.push(i + 1);
    summary.median.push(finite(quantile(values, 0.5)));
    summary.lower.push(finite(quantile(values, 0.25)));
    summary.upper.push(finite(quantile(values, 0.75)));
    summary.withoutFeasible.push(values.filter((v) => !Number.isFinite(v)).length);
  }
  return summary;
}

/** `repeat` runs with seeds seed, seed + 1, ...; `onRun` after each. */
export async function repeatSearch(
  problem: Problem,
  method: SearchMethod,
  options: RunOptions & { repeat: number },
  onRun?: (run: SearchRun, index: number) => void | Promise<void>,
): Promise<SearchRun[]> {
  const { repeat, ...rest } = options;
  if (!Number.isInteger(repeat) || repeat < 1) throw new RangeError(`repeat must be a positive integer, got ${repeat}`);
  const runs: SearchRun[] = [];
  for (let k = 0; k < repeat; k++) {
    const run = await runSearch(problem, method, { ...rest, seed: (rest.seed ?? 0) + k });
    runs.push(run);
    if (onRun) await onRun(run, k);
  }
  return runs;
}
