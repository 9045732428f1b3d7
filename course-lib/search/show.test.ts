// Lesson 09's figures and the HAR table as plain data: the BO step's band and LCB are those of the GP at the
// plotted points, the region map's grey is exactly the feasible set and its contours are the SVM's, the
// convergence figure has its quartile band per method, and the table formats a best trial (or its absence).
import { describe, expect, it } from "vitest";
import { CHART_COLOURS } from "../viz/charts";
import { testFunction } from "./functions";
import { GaussianProcess } from "./gp";
import type { Problem } from "./problem";
import type { ConvergenceSummary } from "./run";
import type { Trial, TrialPhase } from "./searchers";
import { boStepFigure, convergenceFigure, harTableOptions, regionFigure, regionStepsFigure } from "./show";
import { encode, type Config, type Space } from "./space";
import { SupportVectorClassifier } from "./svm";

interface Trace {
  type?: string;
  name?: string;
  x: number[];
  y: (number | null)[];
  z?: number[][];
  mode?: string;
  fill?: string;
  fillcolor?: string;
  showlegend?: boolean;
  text?: string[];
  line?: { color?: string; dash?: string; width?: number };
  marker?: { color?: string; symbol?: string };
  contours?: { start: number; end: number; coloring?: string };
}

const forrester = (x: number) => (6 * x - 2) ** 2 * Math.sin(12 * x - 4);

function forresterOn(low: number, high: number): Problem {
  const space: Space = [{ name: "x", type: "real", low, high }];
  return { name: "forrester", space, evaluate: (c: Config) => ({ feasible: true, value: forrester(((c.x as number) - low) / (high - low)) }) };
}

function trialAt(index: number, problem: Problem, config: Config, phase: TrialPhase): Trial {
  const r = problem.evaluate(config) as { feasible: boolean; value?: number };
  const t: Trial = { index, config, feasible: r.feasible, phase };
  if (r.feasible) t.value = r.value;
  return t;
}

/** A problem's trials at xs, and a GP fitted to them in the canonical coordinates. */
function boSetup(problem: Problem, xs: number[]) {
  const trials = xs.map((x, i) => trialAt(i, problem, { x }, i < 3 ? "initial" : "bo"));
  const gp = GaussianProcess.fit(trials.map((t) => encode(problem.space, t.config)), trials.map((t) => t.value as number), { seed: 1 });
  return { trials, gp };
}

const byName = (data: object[], name: string) => {
  const found = (data as Trace[]).filter((t) => t.name === name);
  expect(found, name).toHaveLength(1);
  return found[0];
};

describe("boStepFigure", () => {
  const problem = forresterOn(0, 1);
  const { trials, gp } = boSetup(problem, [0, 0.35, 0.7, 1]);
  const beta = 4;

  it("draws μ ± √β·σ of gp.predict at the plotted x, the LCB μ − √β·σ, the truth and the trials", () => {
    const fig = boStepFigure({ problem, gp, trials, beta });
    const data = fig.data as Trace[];
    expect(data).toHaveLength(6);
    const xs = data[0].x;
    expect(xs).toHaveLength(200);
    expect(xs[0]).toBe(0);
    expect(xs[199]).toBe(1);
    const { mean, variance } = gp.predict(xs.map((x) => [x]));
    const sd = variance.map(Math.sqrt);
    // the upper edge first (no fill), then the lower edge filled to it
    const [upper, lower] = data;
    expect(upper.fill).toBeUndefined();
    expect(upper.showlegend).toBe(false);
    expect(lower.fill).toBe("tonexty");
    expect(lower.name).toBe("μ ± √β·σ (β = 4.00)");
    xs.forEach((_, i) => {
      expect(upper.y[i]).toBeCloseTo(mean[i] + 2 * sd[i], 10);
      expect(lower.y[i]).toBeCloseTo(mean[i] - 2 * sd[i], 10);
    });
    const mu = byName(data, "GP mean μ");
    const lcb = byName(data, "LCB = μ − √β·σ");
    const truth = byName(data, "objective (unknown to the search)");
    xs.forEach((x, i) => {
      expect(mu.y[i]).toBeCloseTo(mean[i], 10);
      expect(lcb.y[i]).toBeCloseTo(mean[i] - 2 * sd[i], 10);
      expect(truth.y[i]).toBeCloseTo(forrester(x), 12);
    });
    // the band has width: σ is not zero between the observations (and about zero at them)
    expect(Math.max(...sd)).toBeGreaterThan(0.1);
    const at = gp.predict([[0.35]]);
    expect(Math.sqrt(at.variance[0])).toBeLessThan(1e-2);
    const observed = byName(data, "trials");
    expect(observed.x).toEqual([0, 0.35, 0.7, 1]);
    expect(observed.y).toEqual([0, 0.35, 0.7, 1].map(forrester));
    expect((fig.layout as { title: { text: string } }).title.text).toBe("BO after 4 trials");
  });

  it("puts the next-point marker at the given configuration, on the LCB curve at the nearest plotted x", () => {
    const fig = boStepFigure({ problem, gp, trials, beta, next: { x: 0.757 }, resolution: 101, title: "step" });
    const data = fig.data as Trace[];
    expect(data).toHaveLength(7);
    const next = byName(data, "next trial (LCB's minimum)");
    expect(next.x).toEqual([0.757]);
    expect(next.marker?.symbol).toBe("star");
    // the nearest plotted x at resolution 101 is 0.76 (not 0.75 below it)
    expect(data[0].x[76]).toBeCloseTo(0.76, 14);
    const { mean, variance } = gp.predict([[data[0].x[76]]]);
    expect(next.y[0]).toBeCloseTo(mean[0] - 2 * Math.sqrt(variance[0]), 10);
    expect(next.y[0]).toBe(byName(data, "LCB = μ − √β·σ").y[76]);
    expect((fig.layout as { title: { text: string } }).title.text).toBe("step");
  });

  it("predicts at the canonical (encoded) coordinates, not the raw x, on a box other than [0, 1]", () => {
    const shifted = forresterOn(2, 4);
    const s = boSetup(shifted, [2, 2.7, 3.4, 4]);
    const fig = boStepFigure({ problem: shifted, gp: s.gp, trials: s.trials, beta: 1, resolution: 5 });
    const data = fig.data as Trace[];
    expect(data[0].x).toEqual([2, 2.5, 3, 3.5, 4]);
    const { mean, variance } = s.gp.predict([0, 0.25, 0.5, 0.75, 1].map((u) => [u]));
    const lcb = byName(data, "LCB = μ − √β·σ");
    mean.forEach((m, i) => expect(lcb.y[i]).toBeCloseTo(m - Math.sqrt(variance[i]), 10));
    expect(byName(data, "trials").x).toEqual([2, 2.7, 3.4, 4]);
  });

  it("refuses a 2-D problem and a categorical dimension", () => {
    const branin = testFunction("branin-ellipses");
    expect(() => boStepFigure({ problem: branin, gp, trials: [], beta })).toThrow("boStepFigure needs a 1-D problem, got 2 dimensions");
    const categorical: Problem = { name: "c", space: [{ name: "a", type: "categorical", values: ["p", "q"] }], evaluate: () => ({ feasible: false }) };
    expect(() => boStepFigure({ problem: categorical, gp, trials: [], beta })).toThrow(/boStepFigure needs a real dimension 0/);
  });
});

describe("regionFigure", () => {
  const problem = testFunction("branin-ellipses");
  const feasibleAt = (x: number, y: number) => (problem.evaluate({ x, y }) as { feasible: boolean }).feasible;
  // The SVM on a 7 × 7 grid of the unit square (the box is [0, 1]², so canonical = raw coordinates).
  const train = Array.from({ length: 49 }, (_, k) => [(k % 7) / 6, Math.floor(k / 7) / 6]);
  const svm = SupportVectorClassifier.fit(train, train.map(([x, y]) => feasibleAt(x, y)), { C: 100 });
  const configs: [number, number, TrialPhase][] = [
    [0.3, 0.25, "initial"], [0.9, 0.1, "initial"], [0.1, 0.9, "initial"], [0.35, 0.3, "initial"],
    [0.6, 0.05, "phase-1"], [0.8, 0.88, "phase-1"],
    [0.5, 0.2, "phase-2"], [0.54, 0.15, "phase-2"], [0.95, 0.6, "phase-2"],
  ];
  const trials = configs.map(([x, y, phase], i) => trialAt(i, problem, { x, y }, phase));

  it("grey z is 1 exactly where the problem is feasible (rows are y, columns x)", () => {
    const fig = regionFigure({ problem, trials, resolution: 41 });
    const data = fig.data as Trace[];
    const heat = data[0];
    expect(heat.type).toBe("heatmap");
    expect(heat.x).toHaveLength(41);
    expect(heat.y).toHaveLength(41);
    const z = heat.z as number[][];
    let ones = 0;
    heat.y.forEach((y, j) => heat.x.forEach((x, i) => {
      expect(z[j][i]).toBe(feasibleAt(x, y as number) ? 1 : 0);
      ones += z[j][i];
    }));
    // about the 40 % of the box, and not symmetric in x ↔ y (so the orientation is tested)
    expect(ones / 41 ** 2).toBeGreaterThan(0.35);
    expect(ones / 41 ** 2).toBeLessThan(0.45);
    expect(z.some((row, j) => row.some((v, i) => v !== z[i][j]))).toBe(true);
    // no SVM, no contours
    expect(data.filter((t) => t.type === "contour")).toHaveLength(0);
  });

  it("draws the SVM's h(x) = 0 (solid) and h(x) = −margin (dashed) contours", () => {
    const fig = regionFigure({ problem, trials, svm, margin: 0.3, resolution: 21 });
    const contours = (fig.data as Trace[]).filter((t) => t.type === "contour");
    expect(contours).toHaveLength(2);
    const [zero, margin] = contours;
    expect(zero.contours).toMatchObject({ start: 0, end: 0, coloring: "none" });
    expect(zero.line?.dash).toBe("solid");
    expect(margin.contours).toMatchObject({ start: -0.3, end: -0.3, coloring: "none" });
    expect(margin.line?.dash).toBe("dash");
    expect(margin.name).toBe("phase-2 limit h(x) = −0.3");
    const z = zero.z as number[][];
    zero.y.forEach((y, j) => zero.x.forEach((x, i) => expect(z[j][i]).toBeCloseTo(svm.decision([x, y as number]), 12)));
    // h is a real classifier of this region: its sign agrees with the truth on most of the grid
    let agree = 0;
    zero.y.forEach((y, j) => zero.x.forEach((x, i) => { if ((z[j][i] >= 0) === feasibleAt(x, y as number)) agree++; }));
    expect(agree / 21 ** 2).toBeGreaterThan(0.8);
    // without a margin only the boundary
    expect((regionFigure({ problem, trials, svm, resolution: 5 }).data as Trace[]).filter((t) => t.type === "contour")).toHaveLength(1);
  });

  it("has one scatter trace per (phase, feasibility) with its trials, circles where feasible, crosses where not", () => {
    const fig = regionFigure({ problem, trials, svm, margin: 0.3, resolution: 5 });
    const scatters = (fig.data as Trace[]).filter((t) => t.type === "scatter");
    const expected: { name: string; symbol: string; points: [number, number][]; text: string[] }[] = [];
    for (const phase of ["initial", "phase-1", "phase-2"] as const) {
      for (const ok of [true, false]) {
        const ts = trials.filter((t) => t.phase === phase && t.feasible === ok);
        if (ts.length === 0) continue;
        expected.push({
          name: `${phase}, ${ok ? "feasible" : "infeasible"}`, symbol: ok ? "circle" : "x",
          points: ts.map((t) => [t.config.x as number, t.config.y as number]), text: ts.map((t) => `trial ${t.index + 1}`),
        });
      }
    }
    // the hand-picked trials cover both outcomes in every phase
    expect(trials.map((t) => t.feasible)).toEqual([true, false, false, true, false, true, true, true, false]);
    expect(expected.map((e) => e.name)).toEqual(["initial, feasible", "initial, infeasible", "phase-1, feasible", "phase-1, infeasible", "phase-2, feasible", "phase-2, infeasible"]);
    expect(scatters.map((s) => ({ name: s.name, symbol: s.marker?.symbol, points: s.x.map((x, i) => [x, s.y[i]]), text: s.text }))).toEqual(expected);
    expect(scatters[0].marker?.color).not.toBe(scatters[4].marker?.color);
    expect(scatters[0].marker?.color).toBe(scatters[1].marker?.color);
    const layout = fig.layout as { title: { text: string }; xaxis: { range: number[] } };
    expect(layout.title.text).toBe("branin-ellipses: 9 trials (grey = truly feasible)");
    expect(layout.xaxis.range).toEqual([0, 1]);
  });

  it("refuses a 1-D problem", () => {
    expect(() => regionFigure({ problem: forresterOn(0, 1), trials: [] })).toThrow("regionFigure needs a 2-D problem, got 1 dimensions");
  });
});

describe("convergenceFigure", () => {
  const summary = (median: (number | null)[]): ConvergenceSummary => ({
    trials: median.map((_, i) => i + 1),
    median,
    lower: median.map((m) => (m === null ? null : m - 1)),
    upper: median.map((m) => (m === null ? null : m + 1)),
    withoutFeasible: median.map((m) => (m === null ? 1 : 0)),
  });

  it("has three traces per method (upper, lower filled to it, median) and the optimum line", () => {
    const a = summary([null, 5, 3, 2]);
    const b = summary([6, 4, 4, 1]);
    const fig = convergenceFigure([{ method: "random", summary: a }, { method: "svm-cbo", summary: b }], { optimum: -1, seeds: 10 });
    const data = fig.data as Trace[];
    expect(data).toHaveLength(7);
    [a, b].forEach((s, k) => {
      const [upper, lower, median] = data.slice(3 * k, 3 * k + 3);
      expect(upper.y).toEqual(s.upper);
      expect(upper.fill).toBeUndefined();
      expect(upper.showlegend).toBe(false);
      expect(lower.y).toEqual(s.lower);
      expect(lower.fill).toBe("tonexty");
      expect(lower.fillcolor).toBe(`${CHART_COLOURS[k]}33`);
      expect(median.y).toEqual(s.median);
      expect(median.x).toEqual([1, 2, 3, 4]);
      expect(median.line?.color).toBe(CHART_COLOURS[k]);
    });
    expect(data[2].name).toBe("random (median, quartile band)");
    expect(data[5].name).toBe("svm-cbo (median, quartile band)");
    const optimum = data[6];
    expect(optimum.name).toBe("optimum f*");
    expect(optimum.x).toEqual([1, 4]);
    expect(optimum.y).toEqual([-1, -1]);
    expect((fig.layout as { title: { text: string } }).title.text).toBe("Best feasible value against trials (10 seeds)");
  });

  it("leaves the optimum line out without an optimum (but keeps an optimum of 0), and throws on no series", () => {
    const s = [{ method: "grid", summary: summary([3, 2]) }];
    expect(convergenceFigure(s).data).toHaveLength(3);
    expect(convergenceFigure(s, { optimum: 0 }).data).toHaveLength(4);
    expect((convergenceFigure(s).layout as { title: { text: string } }).title.text).toBe("Best feasible value against trials");
    expect(() => convergenceFigure([])).toThrow("convergenceFigure: no methods to plot");
  });
});

describe("harTableOptions", () => {
  const best: Trial = {
    index: 17, phase: "phase-2", feasible: true, value: 0.0877,
    config: { filters: 8, dropout: 0.123, activation: "relu" },
    info: { validationAccuracy: 0.9123, testAccuracy: 0.9, flashBytes: 20480, ramBytes: 5222, macs: 1234567 },
  };

  it("formats a best trial: accuracy %, KB, MACs and the configuration", () => {
    const t = harTableOptions([{ board: "nano33", method: "svm-cbo", trials: 40, infeasibleFraction: 0.25, best }]);
    expect(t.title).toBe("Best deployable HAR CNN per board and method");
    expect(t.columns).toHaveLength(10);
    expect(t.rows).toEqual([["nano33", "svm-cbo", 40, "25 %", "91.2 %", "90.0 %", "20.0 KB", "5.1 KB", "1,234,567", "filters 8, dropout 0.12, activation relu"]]);
  });

  it("says none deployable when there is no best trial, and dashes what is unknown", () => {
    const t = harTableOptions([
      { board: "pico", method: "random", trials: 40, infeasibleFraction: 1, best: null },
      { board: "pico", method: "baseline", trials: 1, infeasibleFraction: null, best: { ...best, info: { validationAccuracy: 0.8 } } },
    ], "HAR");
    expect(t.title).toBe("HAR");
    expect(t.rows[0]).toEqual(["pico", "random", 40, "100 %", "none deployable", "–", "–", "–", "–", ""]);
    expect(t.rows[1]).toEqual(["pico", "baseline", 1, "–", "80.0 %", "–", "–", "–", "–", "filters 8, dropout 0.12, activation relu"]);
  });
});

describe("regionStepsFigure", () => {
  it("puts each step's region traces on its own axes, with one legend and a title per panel", () => {
    const problem = testFunction("branin-ellipses");
    const trials: Trial[] = [
      { index: 0, config: { x: 0.3, y: 0.25 }, feasible: true, value: 0, phase: "initial" },
      { index: 1, config: { x: 0.9, y: 0.1 }, feasible: false, phase: "initial" },
      { index: 2, config: { x: 0.8, y: 0.88 }, feasible: true, value: 1, phase: "phase-1" },
    ];
    const X = trials.map((t) => encode(problem.space, t.config));
    const svm = SupportVectorClassifier.fit(X.slice(0, 2), [true, false], { C: 10 });
    const steps = [{ trials: trials.slice(0, 2), svm, title: "after 2" }, { trials, title: "after 3" }, { trials, title: "again" }];
    const fig = regionStepsFigure(problem, steps, { columns: 2, resolution: 5 });
    const data = fig.data as { xaxis: string; yaxis: string; showlegend: boolean; type?: string; x?: unknown[] }[];
    const single = steps.map((st) => (regionFigure({ problem, trials: st.trials, svm: st.svm, resolution: 5 }).data as unknown[]).length);
    expect(data).toHaveLength(single.reduce((a, b) => a + b, 0));
    expect(data.slice(0, single[0]).every((t) => t.xaxis === "x" && t.yaxis === "y")).toBe(true);
    expect(data.slice(single[0], single[0] + single[1]).every((t) => t.xaxis === "x2" && t.yaxis === "y2")).toBe(true);
    // The phase-1 points first appear in the second panel, so their legend entry comes from there; nothing twice.
    const named = data as unknown as { name: string; showlegend: boolean }[];
    const legend = named.filter((t) => t.showlegend).map((t) => t.name);
    expect(new Set(legend).size).toBe(legend.length);
    expect(legend).toContain("phase-1, feasible");
    expect(named.slice(single[0] + single[1]).some((t) => t.showlegend)).toBe(false);
    const layout = fig.layout as { grid: { rows: number; columns: number }; annotations: { text: string }[] };
    expect(layout.grid).toMatchObject({ rows: 2, columns: 2 });
    expect(layout.annotations.map((a) => a.text)).toEqual(["after 2", "after 3", "again"]);
    expect(() => regionStepsFigure(problem, [])).toThrow(/no steps/);
  });
});
