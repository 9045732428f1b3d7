// Lesson 09's figures and tables, so the notebook's cells stay short: one BO step on a 1-D problem (the
// GP's mean, its √β·σ band, the LCB and the next point), a 2-D map of the true and the SVM-estimated
// feasible region with the trials coloured by phase, convergence over seeds (median and quartiles), and the
// HAR table. Each *Figure / *TableOptions builds plain data (tested); the short-named functions display it.
import { CHART_COLOURS } from "../viz/charts";
import { table, type TableOptions } from "../viz/html-table";
import { plot, type DisplayOptions, type Figure } from "../viz/plot";
import { lowerConfidenceBound } from "./acquisition";
import type { GaussianProcess } from "./gp";
import type { Problem } from "./problem";
import type { ConvergenceSummary } from "./run";
import type { SearchMethod, Trial, TrialPhase } from "./searchers";
import { encode, type Config, type Space } from "./space";
import type { SupportVectorClassifier } from "./svm";

const PHASE_COLOURS: Record<TrialPhase, string> = {
  initial: "#6c757d", "phase-1": "#1976d2", "phase-2": "#d81b60", bo: "#d81b60", explore: "#ff8f00", grid: "#6c757d", random: "#6c757d",
};

function realDimension(space: Space, i: number, what: string): { name: string; low: number; high: number } {
  const d = space[i];
  if (!d || d.type !== "real") throw new RangeError(`${what} needs a real dimension ${i}, got ${JSON.stringify(d)}`);
  return { name: d.name, low: d.low as number, high: d.high as number };
}

export interface BoStepOptions {
  problem: Problem;
  gp: GaussianProcess;
  trials: readonly Trial[];
  beta: number;
  /** The proposal the searcher made from this GP. */
  next?: Config;
  title?: string;
  /** Points of the curves (default 200). */
  resolution?: number;
}

/** One BO step on a problem with one real dimension: truth, observations, μ ± √β·σ, LCB and the next point. */
export function boStepFigure(o: BoStepOptions): Figure {
  const { name, low, high } = realDimension(o.problem.space, 0, "boStepFigure");
  if (o.problem.space.length !== 1) throw new RangeError(`boStepFigure needs a 1-D problem, got ${o.problem.space.length} dimensions`);
  const n = o.resolution ?? 200;
  const xs = Array.from({ length: n }, (_, i) => low + ((high - low) * i) / (n - 1));
  const { mean, variance } = o.gp.predict(xs.map((x) => encode(o.problem.space, { [name]: x })));
  const sd = variance.map(Math.sqrt);
  const band = Math.sqrt(o.beta);
  const truth = xs.map((x) => {
    const r = o.problem.evaluate({ [name]: x });
    return r instanceof Promise || !r.feasible ? null : (r.value as number);
  });
  const lcb = mean.map((m, i) => lowerConfidenceBound(m, sd[i], o.beta));
  const data: object[] = [
    { x: xs, y: mean.map((m, i) => m + band * sd[i]), mode: "lines", line: { width: 0 }, showlegend: false, hoverinfo: "skip" },
    { x: xs, y: mean.map((m, i) => m - band * sd[i]), mode: "lines", line: { width: 0 }, fill: "tonexty", fillcolor: "rgba(25,118,210,0.15)", name: `μ ± √β·σ (β = ${o.beta.toPrecision(3)})` },
    { x: xs, y: truth, mode: "lines", name: "objective (unknown to the search)", line: { color: "#999", dash: "dot" } },
    { x: xs, y: mean, mode: "lines", name: "GP mean μ", line: { color: CHART_COLOURS[0] } },
    { x: xs, y: lcb, mode: "lines", name: "LCB = μ − √β·σ", line: { color: CHART_COLOURS[1] } },
    { x: o.trials.map((t) => t.config[name]), y: o.trials.map((t) => t.value ?? null), mode: "markers", name: "trials", marker: { color: "#222", size: 8 } },
  ];
  if (o.next) {
    const target = o.next[name] as number;
    const i = xs.reduce((b, x, k) => (Math.abs(x - target) < Math.abs(xs[b] - target) ? k : b), 0);
    data.push({ x: [o.next[name]], y: [lcb[i]], mode: "markers", name: "next trial (LCB's minimum)", marker: { color: CHART_COLOURS[1], size: 14, symbol: "star" } });
  }
  return {
    data,
    layout: { title: { text: o.title ?? `BO after ${o.trials.length} trials` }, xaxis: { title: { text: name } }, yaxis: { title: { text: "objective (minimised)" } }, height: 380 },
  };
}

export function boStepChart(o: BoStepOptions & DisplayOptions): void {
  plot(boStepFigure(o), o);
}

export interface RegionOptions {
  problem: Problem;
  trials: readonly Trial[];
  /** The SVM whose estimated region h(x) ≥ 0 (and h ≥ −margin) is drawn. */
  svm?: SupportVectorClassifier;
  margin?: number;
  title?: string;
  /** Grid points per side (default 60). */
  resolution?: number;
}

/**
 * A 2-D map: the true feasible region (grey), the SVM's estimated boundary h(x) = 0 (solid) and the margin
 * line h(x) = −margin (dashed), and the trials, coloured by the phase that proposed them, circles where
 * feasible and crosses where not.
 */
export function regionFigure(o: RegionOptions): Figure {
  if (o.problem.space.length !== 2) throw new RangeError(`regionFigure needs a 2-D problem, got ${o.problem.space.length} dimensions`);
  const dx = realDimension(o.problem.space, 0, "regionFigure");
  const dy = realDimension(o.problem.space, 1, "regionFigure");
  const n = o.resolution ?? 60;
  const xs = Array.from({ length: n }, (_, i) => dx.low + ((dx.high - dx.low) * i) / (n - 1));
  const ys = Array.from({ length: n }, (_, i) => dy.low + ((dy.high - dy.low) * i) / (n - 1));
  const feasible = ys.map((y) => xs.map((x) => {
    const r = o.problem.evaluate({ [dx.name]: x, [dy.name]: y });
    return r instanceof Promise ? null : r.feasible ? 1 : 0;
  }));
  const data: object[] = [
    { type: "heatmap", x: xs, y: ys, z: feasible, colorscale: [[0, "#ffffff"], [1, "#d9d9d9"]], showscale: false, hoverinfo: "skip", name: "truly feasible" },
  ];
  if (o.svm) {
    const svm = o.svm;
    const h = ys.map((y) => xs.map((x) => svm.decision(encode(o.problem.space, { [dx.name]: x, [dy.name]: y }))));
    const contour = (level: number, dash: string, label: string) => ({
      type: "contour", x: xs, y: ys, z: h, showscale: false, contours: { start: level, end: level, size: 1, coloring: "none" },
      line: { color: "#1976d2", width: 2, dash }, name: label, showlegend: true, hoverinfo: "skip",
    });
    data.push(contour(0, "solid", "SVM boundary h(x) = 0"));
    if (o.margin) data.push(contour(-o.margin, "dash", `phase-2 limit h(x) = −${o.margin}`));
  }
  const phases = [...new Set(o.trials.map((t) => t.phase))];
  for (const phase of phases) {
    for (const ok of [true, false]) {
      const ts = o.trials.filter((t) => t.phase === phase && t.feasible === ok);
      if (ts.length === 0) continue;
      data.push({
        x: ts.map((t) => t.config[dx.name]), y: ts.map((t) => t.config[dy.name]), mode: "markers", type: "scatter",
        name: `${phase}, ${ok ? "feasible" : "infeasible"}`, text: ts.map((t) => `trial ${t.index + 1}`),
        marker: { color: PHASE_COLOURS[phase], size: 9, symbol: ok ? "circle" : "x", line: { width: 1, color: "#fff" } },
      });
    }
  }
  return {
    data,
    layout: {
      title: { text: o.title ?? `${o.problem.name}: ${o.trials.length} trials (grey = truly feasible)` },
      xaxis: { title: { text: dx.name }, range: [dx.low, dx.high] }, yaxis: { title: { text: dy.name }, range: [dy.low, dy.high], scaleanchor: "x" },
      height: 460, width: 560,
    },
  };
}

export function regionChart(o: RegionOptions & DisplayOptions): void {
  plot(regionFigure(o), o);
}

/**
 * Small multiples of regionFigure: one panel per step (e.g. after each phase-1 trial), `columns` per row,
 * each kind of trace once in the legend. Each panel is regionFigure's traces moved to its own axes.
 */
export function regionStepsFigure(problem: Problem, steps: readonly { trials: readonly Trial[]; svm?: SupportVectorClassifier; title: string }[], options: { columns?: number; resolution?: number; title?: string } = {}): Figure {
  if (steps.length === 0) throw new RangeError("regionStepsFigure: no steps to draw");
  const columns = Math.min(options.columns ?? 4, steps.length);
  const rows = Math.ceil(steps.length / columns);
  const data: object[] = [];
  const layout: Record<string, unknown> = {
    title: { text: options.title ?? `${problem.name}: the SVM's boundary (blue) against the truth (grey), step by step` },
    grid: { rows, columns, pattern: "independent" }, height: 230 * rows + 110, margin: { t: 110 }, showlegend: true, annotations: [] as object[],
  };
  const inLegend = new Set<string>(); // each kind of trace once, from the first panel that has it
  const [dx, dy] = [realDimension(problem.space, 0, "regionStepsFigure"), realDimension(problem.space, 1, "regionStepsFigure")];
  steps.forEach((step, k) => {
    const suffix = k === 0 ? "" : String(k + 1);
    const panel = regionFigure({ problem, trials: step.trials, svm: step.svm, resolution: options.resolution ?? 30 });
    for (const trace of panel.data as Record<string, unknown>[]) {
      const name = String(trace.name);
      const showlegend = trace.showlegend !== false && !inLegend.has(name);
      if (showlegend) inLegend.add(name);
      data.push({ ...trace, xaxis: `x${suffix}`, yaxis: `y${suffix}`, showlegend, legendgroup: name });
    }
    layout[`xaxis${suffix}`] = { range: [dx.low, dx.high], showticklabels: false };
    layout[`yaxis${suffix}`] = { range: [dy.low, dy.high], showticklabels: false };
    (layout.annotations as object[]).push({ text: step.title, xref: `x${suffix} domain`, yref: `y${suffix} domain`, x: 0.5, y: 1.12, showarrow: false, font: { size: 11 } });
  });
  return { data, layout };
}

export function regionStepsChart(problem: Problem, steps: Parameters<typeof regionStepsFigure>[1], options: Parameters<typeof regionStepsFigure>[2] & DisplayOptions = {}): void {
  plot(regionStepsFigure(problem, steps, options), options);
}

/** Convergence: for each method, the median best feasible value against trials with its quartile band. */
export function convergenceFigure(series: readonly { method: SearchMethod | string; summary: ConvergenceSummary }[], options: { title?: string; optimum?: number; seeds?: number } = {}): Figure {
  if (series.length === 0) throw new RangeError("convergenceFigure: no methods to plot");
  const data: object[] = [];
  series.forEach((s, k) => {
    const colour = CHART_COLOURS[k % CHART_COLOURS.length];
    const fill = colour.startsWith("#") ? `${colour}33` : colour;
    data.push({ x: s.summary.trials, y: s.summary.upper, mode: "lines", line: { width: 0, color: colour }, showlegend: false, hoverinfo: "skip" });
    data.push({ x: s.summary.trials, y: s.summary.lower, mode: "lines", line: { width: 0, color: colour }, fill: "tonexty", fillcolor: fill, showlegend: false, hoverinfo: "skip" });
    data.push({ x: s.summary.trials, y: s.summary.median, mode: "lines", name: `${s.method} (median, quartile band)`, line: { color: colour, width: 2 } });
  });
  if (options.optimum !== undefined) {
    const trials = series[0].summary.trials;
    data.push({ x: [trials[0], trials[trials.length - 1]], y: [options.optimum, options.optimum], mode: "lines", name: "optimum f*", line: { color: "#222", dash: "dot" } });
  }
  return {
    data,
    layout: {
      title: { text: options.title ?? `Best feasible value against trials${options.seeds ? ` (${options.seeds} seeds)` : ""}` },
      xaxis: { title: { text: "trials" } }, yaxis: { title: { text: "best feasible value so far (lower is better)" } }, height: 420,
    },
  };
}

export function convergenceChart(series: Parameters<typeof convergenceFigure>[0], options: Parameters<typeof convergenceFigure>[1] & DisplayOptions = {}): void {
  plot(convergenceFigure(series, options), options);
}

/** One row of the HAR table: a method's best deployable model on a board (or the baseline's). */
export interface HarRow {
  board: string;
  method: string;
  trials: number;
  /** Fraction of the trials that did not deploy. */
  infeasibleFraction: number | null;
  best: Trial | null;
}

const kb = (bytes: unknown) => (typeof bytes === "number" ? `${(bytes / 1024).toFixed(1)} KB` : "–");

/** The talk's kind of table: accuracy, RAM, flash and MACs of the best deployable configuration per method. */
export function harTableOptions(rows: readonly HarRow[], title = "Best deployable HAR CNN per board and method"): TableOptions {
  return {
    title,
    columns: ["board", "method", "trials", "infeasible", "validation acc.", "test acc.", "flash (int8)", "RAM (arena)", "MACs", "configuration"],
    rows: rows.map((r) => {
      const info = (r.best?.info ?? {}) as Record<string, unknown>;
      const pct = (v: unknown) => (typeof v === "number" ? `${(100 * v).toFixed(1)} %` : "–");
      return [
        r.board, r.method, r.trials, r.infeasibleFraction === null ? "–" : `${(100 * r.infeasibleFraction).toFixed(0)} %`,
        r.best ? pct(info.validationAccuracy) : "none deployable", pct(info.testAccuracy), kb(info.flashBytes), kb(info.ramBytes),
        typeof info.macs === "number" ? info.macs.toLocaleString("en-US") : "–",
        r.best ? Object.entries(r.best.config).map(([k, v]) => `${k} ${typeof v === "number" && !Number.isInteger(v) ? v.toPrecision(2) : v}`).join(", ") : "",
      ];
    }),
    caption: "flash = int8 weights, biases and quantization parameters of the quantized graph; RAM = its peak arena; budgets = datasheet flash and SRAM minus the course's runtime reserve",
  };
}

export function harTable(rows: readonly HarRow[], title?: string): void {
  table(harTableOptions(rows, title));
}
