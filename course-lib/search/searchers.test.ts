// The searchers: same seed same trace, a saved state resumes exactly, no configuration proposed twice (and
// a clear error once a small space is used up), and the failure modes of constrained search: no feasible
// point in the initial design, every point feasible, none feasible, disconnected feasible regions, and an
// optimum on the boundary (where the defaults must not lose to random search).
import { describe, expect, it } from "vitest";
import { testFunction } from "./functions";
import { checkProblem, Problem } from "./problem";
import { convergence, repeatSearch, runSearch } from "./run";
import { SEARCH_METHODS, SearchMethod, Searcher, SearchState } from "./searchers";
import { Config, configKey, Space, spaceSize } from "./space";

const unitSquare: Space = [
  { name: "x", type: "real", low: 0, high: 1 },
  { name: "y", type: "real", low: 0, high: 1 },
];

function problemOf(name: string, space: Space, f: (c: Config) => number | null): Problem {
  return { name, space, evaluate: (c) => { const v = f(c); return v === null ? { feasible: false } : { feasible: true, value: v }; } };
}

const trace = (trials: readonly { config: Config; feasible: boolean; value?: number; phase: string }[]) =>
  trials.map((t) => ({ config: t.config, feasible: t.feasible, value: t.value, phase: t.phase }));

const options = { initialPoints: 5, candidates: 256, starts: 2 };

describe("determinism and resume", () => {
  const problem = testFunction("branin-ellipses");
  for (const method of SEARCH_METHODS) {
    it(`${method}: the same seed gives the same trace, another seed another one`, async () => {
      const a = await runSearch(problem, method, { ...options, budget: 14, seed: 7 });
      const b = await runSearch(problem, method, { ...options, budget: 14, seed: 7 });
      expect(trace(b.trials)).toEqual(trace(a.trials));
      if (method !== "grid") {
        const c = await runSearch(problem, method, { ...options, budget: 14, seed: 8 });
        expect(trace(c.trials)).not.toEqual(trace(a.trials));
      }
    });
  }

  for (const method of ["random", "bo-penalty", "bo-feasible", "svm-cbo"] as SearchMethod[]) {
    it(`${method}: a state saved after 8 trials, written as JSON and resumed, continues as the uninterrupted run`, async () => {
      const whole = await runSearch(problem, method, { ...options, budget: 16, seed: 3, phase1Budget: 3 });
      const part = await runSearch(problem, method, { ...options, budget: 8, seed: 3, phase1Budget: 3 });
      const saved = JSON.parse(JSON.stringify(part.state)) as SearchState;
      saved.options.budget = 16;
      const resumed = await runSearch(problem, method, { budget: 16, resume: saved });
      expect(trace(resumed.trials)).toEqual(trace(whole.trials));
      expect(resumed.trials.slice(8).map((t) => t.phase)).toContain(method === "svm-cbo" ? "phase-2" : method === "random" ? "random" : "bo");
    });
  }

  it("ask() repeats its proposal until it is told, and resume refuses another space", () => {
    const s = new Searcher("svm-cbo", unitSquare, { budget: 12, seed: 1, initialPoints: 3 });
    expect(s.ask()).toEqual(s.ask());
    const other: Space = [{ name: "x", type: "real", low: 0, high: 2 }, unitSquare[1]];
    expect(() => Searcher.resume(s.state(), other)).toThrow(/different space/);
  });
});

describe("a small discrete space", () => {
  const space: Space = [
    { name: "n", type: "integer", low: 0, high: 3 },
    { name: "kind", type: "categorical", values: ["a", "b", "c"] },
  ];
  const problem = problemOf("grid-toy", space, (c) => (c.n === 0 ? null : ((c.n as number) - 2) ** 2 + (c.kind === "b" ? 0 : 1)));
  const feasibleEverywhere = problemOf("grid-toy-all", space, (c) => ((c.n as number) - 2) ** 2 + (c.kind === "b" ? 0 : 1));

  for (const method of SEARCH_METHODS) {
    it(`${method}: proposes all ${spaceSize(space)} configurations once each, valid values only, then says the space is used up`, async () => {
      for (const p of [problem, feasibleEverywhere]) {
        const s = new Searcher(method, space, { budget: 13, seed: 2, initialPoints: 4, candidates: 64 });
        const seen = new Set<string>();
        for (let i = 0; i < 12; i++) {
          const c = s.ask();
          expect(Number.isInteger(c.n) && (c.n as number) >= 0 && (c.n as number) <= 3).toBe(true);
          expect(["a", "b", "c"]).toContain(c.kind);
          const key = configKey(space, c);
          expect(seen.has(key), `${method} proposed ${key} twice`).toBe(false);
          seen.add(key);
          s.tell(c, await p.evaluate(c));
        }
        expect(() => s.ask()).toThrow(/every configuration of the space \(12\) has been evaluated/);
        expect(s.best()?.config).toEqual({ n: 2, kind: "b" });
      }
    });
  }
});

describe("failure modes", () => {
  // Feasible only in the top-right corner square (4 % of the box): a 5-point design usually misses it.
  const corner = problemOf("corner", unitSquare, (c) => ((c.x as number) > 0.8 && (c.y as number) > 0.8 ? (c.x as number) + (c.y as number) : null));

  it("no feasible point in the initial design: every model-based method keeps exploring and SVM-CBO finds the region", async () => {
    for (const seed of [1, 2, 3]) {
      for (const method of ["bo-penalty", "bo-feasible", "svm-cbo"] as SearchMethod[]) {
        const run = await runSearch(corner, method, { ...options, budget: 30, seed });
        expect(run.trials.length).toBe(30);
        if (method === "svm-cbo") {
          expect(run.trials.slice(0, 5).some((t) => t.feasible), `seed ${seed}: the design must miss the corner for this test to mean anything`).toBe(false);
          expect(run.best, `svm-cbo seed ${seed} found no feasible point in 30 trials`).toBeDefined();
        }
      }
    }
  });

  it("every point feasible: SVM-CBO treats the whole box as the region and converges like BO", async () => {
    const sphere = problemOf("sphere", unitSquare, (c) => ((c.x as number) - 0.3) ** 2 + ((c.y as number) - 0.6) ** 2);
    const run = await runSearch(sphere, "svm-cbo", { ...options, budget: 25, seed: 4 });
    expect(run.feasibleFraction).toBe(1);
    expect(run.trials.some((t) => t.phase === "phase-2")).toBe(true);
    expect(run.best?.value).toBeLessThan(1e-3);
  });

  it("no point feasible: every method spends its budget without crashing and reports no best", async () => {
    const nowhere = problemOf("nowhere", unitSquare, () => null);
    for (const method of SEARCH_METHODS) {
      const run = await runSearch(nowhere, method, { ...options, budget: 9, seed: 1 });
      expect(run.trials.length).toBe(9);
      expect(run.best).toBeNull();
      expect(run.feasibleFraction).toBe(0);
    }
  });

  it("disconnected regions: SVM-CBO's phase 1 finds both ellipses of branin-ellipses", async () => {
    const problem = testFunction("branin-ellipses");
    const inSecond = (c: Config) => (c.x as number) > 0.6 && (c.y as number) > 0.7; // the small ellipse near (5/6, 7/8)
    let both = 0;
    for (const seed of [1, 2, 3, 4]) {
      const run = await runSearch(problem, "svm-cbo", { budget: 40, seed });
      const feasible = run.trials.filter((t) => t.feasible);
      if (feasible.some((t) => inSecond(t.config)) && feasible.some((t) => !inSecond(t.config))) both++;
    }
    expect(both).toBeGreaterThanOrEqual(3);
  });

  it("optimum on the boundary: with its defaults SVM-CBO does not lose to random search (median best over 10 seeds, 40 trials)", async () => {
    for (const name of ["rosenbrock-disk", "simionescu"]) {
      const problem = testFunction(name);
      const median = async (method: SearchMethod) => convergence(await repeatSearch(problem, method, { budget: 40, seed: 10, repeat: 10 })).median[39] as number;
      const random = await median("random");
      const svmCbo = await median("svm-cbo");
      expect(svmCbo, `${name}: svm-cbo ${svmCbo} vs random ${random}`).toBeLessThanOrEqual(random);
    }
  });
});

describe("acquisition options", () => {
  it("log-EI and the GP-UCB β schedule are deterministic, change the trace, and β_t grows", async () => {
    const problem = testFunction("michalewicz");
    const base = await runSearch(problem, "bo-penalty", { ...options, budget: 14, seed: 2 });
    for (const extra of [{ acquisition: "log-ei" as const }, { beta: "gp-ucb" as const }]) {
      const a = await runSearch(problem, "bo-penalty", { ...options, ...extra, budget: 14, seed: 2 });
      const b = await runSearch(problem, "bo-penalty", { ...options, ...extra, budget: 14, seed: 2 });
      expect(trace(b.trials)).toEqual(trace(a.trials));
      expect(trace(a.trials.slice(5))).not.toEqual(trace(base.trials.slice(5)));
    }
    const s = new Searcher("svm-cbo", unitSquare, { budget: 30, beta: "gp-ucb", initialPoints: 5 });
    // Continuous form, d = 2, δ = 0.1, scaled by 1/5: at t = 1, 0.2 · 2·log(π²/0.3).
    expect(s.betaAt(5)).toBeCloseTo(0.2 * 2 * Math.log((Math.PI * Math.PI) / 0.3), 12);
    expect(s.betaAt(20)).toBeGreaterThan(s.betaAt(10));
    expect(() => new Searcher("bo-feasible", unitSquare, { budget: 20, acquisition: "ucb" as "lcb" })).toThrow(/acquisition must be "lcb" or "log-ei", got "ucb"/);
  });
});

describe("errors name the problem", () => {
  it("budget below the initial design, unknown method, bad options", () => {
    expect(() => new Searcher("svm-cbo", unitSquare, { budget: 4, initialPoints: 5 })).toThrow(/budget 4 is below the initial design of 5 points/);
    expect(() => new Searcher("bo" as SearchMethod, unitSquare, { budget: 10 })).toThrow(/unknown search method "bo"; expected one of grid, random/);
    expect(() => new Searcher("svm-cbo", unitSquare, { budget: 10, initialPoints: 5, phase1Budget: 6 })).toThrow(/initialPoints 5 \+ phase1Budget 6 exceed the budget 10/);
    expect(() => new Searcher("random", unitSquare, { budget: 0 })).toThrow(/budget must be a positive integer, got 0/);
    expect(() => new Searcher("svm-cbo", unitSquare, { budget: 20, margin: -1 })).toThrow(/margin must be a finite number >= 0, got -1/);
    expect(() => new Searcher("random", [{ name: "x", type: "real", low: 1, high: 0 }], { budget: 3 })).toThrow(/\[1, 0\] is inverted/);
  });

  it("NaN or infinite objectives are refused with the configuration, never turned into a score", async () => {
    const bad = problemOf("nan-valley", unitSquare, (c) => ((c.x as number) > 0.5 ? NaN : 1));
    await expect(runSearch(bad, "random", { budget: 20, seed: 0 })).rejects.toThrow(/problem "nan-valley" at \{"x":0\.[5-9]\d*,"y":[\d.]+\}: the objective is NaN; NaN or infinite values are not scores/);
    const infinite = problemOf("inf", unitSquare, () => Infinity);
    await expect(runSearch(infinite, "grid", { budget: 4 })).rejects.toThrow(/the objective is Infinity/);
    const s = new Searcher("random", unitSquare, { budget: 3 });
    expect(() => s.tell(s.ask(), { feasible: true, value: NaN })).toThrow(/a feasible result needs a finite value, got NaN/);
    expect(() => s.tell({ x: 2, y: 0 }, { feasible: false })).toThrow(/x = 2 is not a number in \[0, 1\]/);
  });

  it("a problem without evaluate, or with a bad space", () => {
    expect(() => checkProblem({ name: "p", space: unitSquare })).toThrow(/problem "p" has no evaluate\(config\) function/);
    expect(() => checkProblem({ name: "p", space: [{ name: "k", type: "categorical" }], evaluate: () => ({ feasible: false }) })).toThrow(/a categorical dimension needs a non-empty values array/);
  });
});
