// The convergence study on the public test functions: every method over seeds, the normalised gap after the
// budget, and how many evaluations each needs to match what random search reaches with three times the
// budget. Run by `npm run search -- --study` (the closing figures of lesson 09) and, small, by the notebook.
import { normalisedGap, TEST_FUNCTIONS } from "./functions";
import type { Problem } from "./problem";
import { convergence, ConvergenceSummary, quantile, repeatSearch, SearchRun } from "./run";
import { SearchMethod, SearcherOptions } from "./searchers";

export interface MethodOutcome {
  method: SearchMethod;
  /** Median and quartiles over seeds of the normalised gap after `budget` trials (1 = the optimum found). */
  gap: { median: number; lower: number; upper: number };
  /** The first trial count at which the median best reaches random search's median best after 3× budget (null: not within the budget). */
  evaluationsToRandom3x: number | null;
  convergence: ConvergenceSummary;
  feasibleFraction: number;
}

export interface FunctionStudy {
  problem: string;
  optimum: number;
  budget: number;
  seeds: number;
  /** Random search's median best after 3 × budget trials. */
  random3xMedian: number | null;
  methods: MethodOutcome[];
}

/** Best feasible value of the first `n` trials, or the first feasible value after them, or null. */
function initialBest(run: SearchRun, n: number): number | null {
  const early = run.bestSoFar[Math.min(n, run.bestSoFar.length) - 1];
  if (early !== null && early !== undefined) return early;
  return run.bestSoFar.find((v) => v !== null) ?? null;
}

export function gapAfter(run: SearchRun, budget: number, initialPoints: number, optimum: number): number {
  const start = initialBest(run, initialPoints);
  const best = run.bestSoFar[budget - 1];
  if (start === null || best === null) return 0;
  return normalisedGap(start, best, optimum);
}

export interface StudyOptions extends Omit<SearcherOptions, "budget" | "seed"> {
  budget: number;
  seeds: number;
  methods: SearchMethod[];
  problems?: readonly Problem[];
  onRun?: (problem: string, method: SearchMethod, run: SearchRun) => void;
}

export async function testFunctionStudy(o: StudyOptions): Promise<FunctionStudy[]> {
  const problems = o.problems ?? TEST_FUNCTIONS;
  const { budget, seeds, methods, onRun, ...searcherOptions } = o;
  const initialPoints = o.initialPoints ?? 10;
  const out: FunctionStudy[] = [];
  for (const problem of problems) {
    if (!problem.optimum) throw new RangeError(`testFunctionStudy: problem ${problem.name} has no known optimum`);
    const optimum = problem.optimum.value;
    const runsOf = new Map<SearchMethod, SearchRun[]>();
    // Random search's trial t does not depend on the budget, so its first `budget` trials of a 3× run are its
    // run at the budget. Every other method runs with the budget itself (SVM-CBO's phase-1 length is a
    // fraction of it), so the evaluations it needs are reported only up to the budget.
    for (const method of new Set<SearchMethod>(["random", ...methods])) {
      const runBudget = method === "random" ? 3 * budget : budget;
      const runs = await repeatSearch(problem, method, { ...searcherOptions, budget: runBudget, seed: 0, repeat: seeds }, (run) => onRun?.(problem.name, method, run));
      runsOf.set(method, runs);
    }
    const random3x = convergence(runsOf.get("random") as SearchRun[]).median[3 * budget - 1];
    out.push({
      problem: problem.name,
      optimum,
      budget,
      seeds,
      random3xMedian: random3x,
      methods: methods.map((method) => {
        const runs = runsOf.get(method) as SearchRun[];
        const gaps = runs.map((r) => gapAfter(r, budget, initialPoints, optimum)).sort((a, b) => a - b);
        const conv = convergence(runs.map((r) => ({ ...r, bestSoFar: r.bestSoFar.slice(0, budget) })));
        const reach = random3x === null ? -1 : conv.median.findIndex((m) => m !== null && m <= random3x);
        return {
          method,
          gap: { median: quantile(gaps, 0.5), lower: quantile(gaps, 0.25), upper: quantile(gaps, 0.75) },
          evaluationsToRandom3x: reach < 0 ? null : reach + 1,
          convergence: conv,
          feasibleFraction: runs.reduce((s, r) => s + r.trials.slice(0, budget).filter((t) => t.feasible).length / budget, 0) / runs.length,
        };
      }),
    });
  }
  return out;
}
