// Running searches: the best-so-far trace, numpy's quantile, the convergence summary over seeds (+∞ for a
// run with no feasible trial yet), and runSearch / repeatSearch on tiny deterministic problems: callbacks
// in order and awaited, timings per trial, async evaluate, resume, and the seeds of the repeats.
import { describe, expect, it } from "vitest";
import type { Problem } from "./problem";
import { bestSoFar, convergence, quantile, repeatSearch, runSearch, type SearchRun } from "./run";
import type { Searcher, Trial } from "./searchers";
import type { Config, Space } from "./space";

function trial(index: number, value: number | null): Trial {
  const t: Trial = { index, config: { x: index / 10 }, feasible: value !== null, phase: "random" };
  if (value !== null) t.value = value;
  return t;
}

/** A run with just the best-so-far trace (all convergence reads). */
const runOf = (trace: (number | null)[]) => ({ bestSoFar: trace }) as unknown as SearchRun;

const line: Space = [{ name: "x", type: "real", low: 0, high: 1 }];
const square: Space = [
  { name: "x", type: "real", low: 0, high: 1 },
  { name: "y", type: "real", low: 0, high: 1 },
];

/** (x − 0.3)² where x ≤ 0.5; infeasible beyond. A 5-point grid visits 0, 0.25, 0.5, 0.75, 1. */
const halfLine: Problem = {
  name: "half-line",
  space: line,
  evaluate: (c: Config) => ((c.x as number) <= 0.5 ? { feasible: true, value: ((c.x as number) - 0.3) ** 2 } : { feasible: false }),
};

const bowl: Problem = {
  name: "bowl",
  space: square,
  evaluate: (c: Config) => ((c.x as number) + (c.y as number) <= 1.2 ? { feasible: true, value: ((c.x as number) - 0.2) ** 2 + (c.y as number) ** 2 } : { feasible: false }),
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe("bestSoFar", () => {
  it("is null until the first feasible trial, then the running minimum of the feasible values", () => {
    const trials = [trial(0, null), trial(1, null), trial(2, 5), trial(3, null), trial(4, 7), trial(5, 3), trial(6, 3), trial(7, -1), trial(8, null)];
    const trace = bestSoFar(trials);
    expect(trace).toEqual([null, null, 5, 5, 5, 3, 3, -1, -1]);
    for (let i = 1; i < trace.length; i++) {
      if (trace[i - 1] !== null) expect(trace[i] as number).toBeLessThanOrEqual(trace[i - 1] as number);
    }
  });

  it("is all null without a feasible trial, and empty for no trials", () => {
    expect(bestSoFar([trial(0, null), trial(1, null)])).toEqual([null, null]);
    expect(bestSoFar([])).toEqual([]);
  });

  it("takes the first trial's value even when it is 0 or negative", () => {
    expect(bestSoFar([trial(0, 0), trial(1, 1)])).toEqual([0, 0]);
    expect(bestSoFar([trial(0, -2), trial(1, -1)])).toEqual([-2, -2]);
  });
});

describe("quantile", () => {
  it("equals numpy's default (linear) on hand examples", () => {
    // np.quantile(a, q), numpy 2.4
    const cases: [number[], number, number][] = [
      [[1, 2, 3, 4], 0.25, 1.75],
      [[1, 2, 3, 4], 0.5, 2.5],
      [[1, 2, 3, 4], 0.75, 3.25],
      [[1, 2, 3, 4], 0, 1],
      [[1, 2, 3, 4], 1, 4],
      [[7], 0.3, 7],
      [[1, 10], 0.3, 3.7],
      [[0.5, 1, 4, 9, 16], 0.25, 1],
      [[0.5, 1, 4, 9, 16], 0.9, 13.2],
      [[-3, -1, 2], 0.6, -0.4],
    ];
    for (const [a, q, expected] of cases) expect(quantile(a, q), `${JSON.stringify(a)} q=${q}`).toBeCloseTo(expected, 12);
  });

  it("is +∞ where it interpolates towards +∞, and refuses an empty list", () => {
    expect(quantile([1, 2, Infinity], 0.75)).toBe(Infinity);
    expect(quantile([1, 2, Infinity], 0.5)).toBe(2);
    expect(() => quantile([], 0.5)).toThrow(/quantile of an empty list/);
  });
});

describe("convergence", () => {
  it("gives the median and quartiles over runs at every trial count, a run without a feasible trial counting as +∞", () => {
    const s = convergence([runOf([null, 5, 3, 3]), runOf([null, null, 4, 2]), runOf([6, 6, 6, 1])]);
    expect(s.trials).toEqual([1, 2, 3, 4]);
    // count 1: [6, ∞, ∞]; count 2: [5, 6, ∞]; count 3: [3, 4, 6]; count 4: [1, 2, 3]
    expect(s.withoutFeasible).toEqual([2, 1, 0, 0]);
    expect(s.median).toEqual([null, 6, 4, 2]);
    expect(s.lower).toEqual([null, 5.5, 3.5, 1.5]);
    expect(s.upper).toEqual([null, null, 5, 2.5]);
  });

  it("keeps the median null until more than half the runs have a feasible trial (+∞ median at exactly half of an even count)", () => {
    const s = convergence([runOf([null, null, 1]), runOf([null, 2, 2]), runOf([null, null, null]), runOf([4, 4, 4])]);
    expect(s.withoutFeasible).toEqual([3, 2, 1]);
    // count 2: [2, 4, ∞, ∞], median between 4 and ∞; count 3: [1, 2, 4, ∞]
    expect(s.median).toEqual([null, null, 3]);
    expect(s.lower).toEqual([null, 3.5, 1.75]);
    expect(s.upper).toEqual([null, null, null]);
  });

  it("summarises up to the shortest run, and refuses no runs", () => {
    const s = convergence([runOf([1, 1, 1, 0]), runOf([2, 2, 2])]);
    expect(s.trials).toEqual([1, 2, 3]);
    expect(s.median).toEqual([1.5, 1.5, 1.5]);
    expect(() => convergence([])).toThrow(/at least one run/);
  });
});

describe("runSearch", () => {
  it("runs a grid on a 1-D problem: trials, best-so-far, best, feasible fraction", async () => {
    const run = await runSearch(halfLine, "grid", { budget: 5 });
    expect(run.problem).toBe("half-line");
    expect(run.method).toBe("grid");
    expect(run.seed).toBe(0);
    expect(run.trials.map((t) => t.config.x)).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect(run.trials.map((t) => t.feasible)).toEqual([true, true, true, false, false]);
    const [at0, at25] = [(0 - 0.3) ** 2, (0.25 - 0.3) ** 2]; // 0.09, 0.0025 (x = 0.5 gives 0.04, not lower)
    expect(run.bestSoFar).toEqual([at0, at25, at25, at25, at25]);
    expect(run.best?.config).toEqual({ x: 0.25 });
    expect(run.best).toBe(run.trials[1]);
    expect(run.feasibleFraction).toBe(0.6);
    expect(run.state.trials).toHaveLength(5);
    expect(run.evaluationSeconds).toHaveLength(5);
    expect(run.proposalSeconds).toHaveLength(5);
  });

  it("has no best and a feasible fraction of 0 when nothing is feasible", async () => {
    const never: Problem = { name: "never", space: line, evaluate: () => ({ feasible: false }) };
    const run = await runSearch(never, "random", { budget: 3, seed: 2 });
    expect(run.best).toBeNull();
    expect(run.feasibleFraction).toBe(0);
    expect(run.bestSoFar).toEqual([null, null, null]);
  });

  it("calls onTrial once per trial, in order, with the searcher, and awaits it before the next evaluation", async () => {
    const log: string[] = [];
    const searchers = new Set<Searcher>();
    const problem: Problem = { ...halfLine, evaluate: (c) => { log.push(`evaluate ${c.x}`); return halfLine.evaluate(c); } };
    const run = await runSearch(problem, "grid", {
      budget: 4,
      onTrial: async (t, searcher) => {
        searchers.add(searcher);
        expect(searcher.trials).toHaveLength(t.index + 1);
        expect(searcher.trials[t.index]).toBe(t);
        await sleep(1);
        log.push(`trial ${t.index}`);
      },
    });
    expect(searchers.size).toBe(1);
    expect(log).toEqual(["evaluate 0", "trial 0", "evaluate 0.3333333333333333", "trial 1", "evaluate 0.6666666666666666", "trial 2", "evaluate 1", "trial 3"]);
    expect(run.trials).toHaveLength(4);
  });

  it("awaits an async evaluate and times it as evaluation, not proposal", async () => {
    const slow: Problem = { ...bowl, evaluate: async (c) => { await sleep(20); return bowl.evaluate(c); } };
    const run = await runSearch(slow, "random", { budget: 5, seed: 4 });
    const sync = await runSearch(bowl, "random", { budget: 5, seed: 4 });
    expect(run.trials).toEqual(sync.trials);
    expect(run.evaluationSeconds).toHaveLength(5);
    expect(run.proposalSeconds).toHaveLength(5);
    for (const s of run.evaluationSeconds) expect(s).toBeGreaterThanOrEqual(0.015);
    for (const s of run.proposalSeconds) expect(s).toBeGreaterThanOrEqual(0);
    const total = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
    expect(total(run.proposalSeconds)).toBeLessThan(total(run.evaluationSeconds));
  });

  it("resumes a saved search (same trace as an uninterrupted one) and refuses one saved by another method", async () => {
    const full = await runSearch(bowl, "random", { budget: 6, seed: 9 });
    const part = await runSearch(bowl, "random", { budget: 3, seed: 9 });
    const resumed = await runSearch(bowl, "random", { budget: 6, resume: { ...part.state, options: { ...part.state.options, budget: 6 } } });
    expect(resumed.trials).toEqual(full.trials);
    expect(resumed.seed).toBe(9);
    await expect(runSearch(bowl, "grid", { budget: 3, resume: part.state })).rejects.toThrow("resume: the saved search used random, not grid");
  });

  it("refuses a malformed problem and a NaN objective, naming the problem", async () => {
    await expect(runSearch({ name: "x", space: line } as unknown as Problem, "grid", { budget: 2 })).rejects.toThrow(/no evaluate\(config\) function/);
    const bad: Problem = { name: "nan", space: line, evaluate: () => ({ feasible: true, value: NaN }) };
    await expect(runSearch(bad, "grid", { budget: 2 })).rejects.toThrow(/problem "nan" at \{"x":0\}: the objective is NaN/);
  });
});

describe("repeatSearch", () => {
  it("runs seeds seed, seed + 1, …, seed + K − 1, each as runSearch would, calling onRun after each", async () => {
    const seen: [number, number][] = [];
    const runs = await repeatSearch(bowl, "random", { budget: 4, seed: 5, repeat: 3 }, async (run, k) => {
      await sleep(1);
      seen.push([run.seed, k]);
    });
    expect(runs.map((r) => r.seed)).toEqual([5, 6, 7]);
    expect(seen).toEqual([[5, 0], [6, 1], [7, 2]]);
    const single = await runSearch(bowl, "random", { budget: 4, seed: 6 });
    expect(runs[1].trials).toEqual(single.trials);
    expect(runs[0].trials).not.toEqual(runs[1].trials);
    for (const r of runs) expect(r.state.options).not.toHaveProperty("repeat");
  });

  it("starts from seed 0 by default", async () => {
    const runs = await repeatSearch(bowl, "random", { budget: 2, repeat: 2 });
    expect(runs.map((r) => r.seed)).toEqual([0, 1]);
  });

  it("refuses a repeat count that is not a positive integer, before evaluating anything", async () => {
    let evaluations = 0;
    const counted: Problem = { ...bowl, evaluate: (c) => { evaluations++; return bowl.evaluate(c); } };
    for (const repeat of [0, -1, 1.5, NaN]) {
      await expect(repeatSearch(counted, "random", { budget: 2, repeat })).rejects.toThrow(`repeat must be a positive integer, got ${repeat}`);
    }
    expect(evaluations).toBe(0);
  });
});
