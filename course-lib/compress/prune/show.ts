// Lesson 07's figures and tables, so the notebook's cells stay short: weight histograms, accuracy against
// sparsity per method (mean ± sd over seeds), the structured-pruning table against the from-scratch
// baseline, and the layer-drop comparison. Each *Figure / *TableOptions builds plain data (tested); the
// short-named functions display it.
import * as tf from "@tensorflow/tfjs";
import { CHART_COLOURS } from "../../viz/charts";
import { table, type TableOptions } from "../../viz/html-table";
import { plot, type DisplayOptions, type Figure } from "../../viz/plot";
import { meanSd } from "../../train/seeds";
import type { LayerDropSummary, StructuredSummary, UnstructuredSummary } from "./study";

const pct = (x: number, digits = 1): string => (100 * x).toFixed(digits);
const pm = (m: { mean: number; sd: number }, digits = 1): string => `${pct(m.mean, digits)} ± ${pct(m.sd, digits)}`;

/**
 * Histogram of a layer's kernel values, before and after pruning as two overlaid series. Zeros are left
 * out of the pruned series' bins and reported in the legend instead: a spike of 90 % of the weights at 0
 * would flatten everything else.
 */
export function weightHistogramFigure(series: { name: string; values: ArrayLike<number> }[], title: string, bins = 60): Figure {
  if (!Array.isArray(series) || series.length === 0) throw new RangeError("weightHistogram: no series to plot");
  let lo = Infinity, hi = -Infinity;
  for (const s of series) for (const v of Array.from(s.values)) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
  if (!Number.isFinite(lo) || lo === hi) throw new RangeError(`weightHistogram: the values span no range (min ${lo}, max ${hi})`);
  const width = (hi - lo) / bins;
  const centres = Array.from({ length: bins }, (_, i) => lo + (i + 0.5) * width);
  const data = series.map((s, k) => {
    const counts = new Array<number>(bins).fill(0);
    let zeros = 0;
    for (const v of Array.from(s.values)) {
      if (v === 0) { zeros++; continue; }
      counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
    }
    return {
      type: "bar", name: `${s.name} (${zeros.toLocaleString("en-US")} exact zeros not drawn)`, x: centres, y: counts, opacity: 0.6,
      marker: { color: CHART_COLOURS[k % CHART_COLOURS.length] },
    };
  });
  return {
    data,
    layout: {
      title: { text: title }, height: 360, barmode: "overlay", bargap: 0, margin: { l: 60, r: 20, t: 60, b: 50 },
      xaxis: { title: { text: "weight value" } }, yaxis: { title: { text: "weights per bin" } },
    },
  };
}

/** The weights of `layer`'s kernel (its first weight) as a Float32Array. */
export function kernelValues(model: tf.LayersModel, layer: string): Float32Array {
  const w = model.getLayer(layer).getWeights()[0];
  if (!w) throw new RangeError(`kernelValues: layer "${layer}" has no weights`);
  return w.dataSync() as Float32Array;
}

export function weightHistogram(series: { name: string; values: ArrayLike<number> }[], options: DisplayOptions & { title?: string; bins?: number } = {}): void {
  plot(weightHistogramFigure(series, options.title ?? "Weight values", options.bins), options);
}

/** Test accuracy against sparsity, one line per method, with seed error bars. */
export function unstructuredFigure(summaries: readonly UnstructuredSummary[], parentAccuracy: readonly number[], title = "Unstructured pruning: accuracy against sparsity"): Figure {
  if (!Array.isArray(summaries) || summaries.length === 0) throw new RangeError("unstructuredFigure: no summaries to plot");
  const methods = [...new Set(summaries.map((s) => s.method))];
  const dense = meanSd([...parentAccuracy]);
  const xs = summaries.map((s) => 100 * s.sparsity);
  const data: object[] = methods.map((method, i) => {
    const rows = summaries.filter((s) => s.method === method);
    return {
      type: "scatter", mode: "lines+markers", name: method, x: rows.map((r) => 100 * r.sparsity), y: rows.map((r) => 100 * r.accuracy.mean),
      error_y: { type: "data", array: rows.map((r) => 100 * r.accuracy.sd), visible: true }, line: { color: CHART_COLOURS[i % CHART_COLOURS.length] },
    };
  });
  data.push({
    type: "scatter", mode: "lines", name: `dense parent (${pm(dense)} %)`, x: [Math.min(...xs), Math.max(...xs)],
    y: [100 * dense.mean, 100 * dense.mean], line: { dash: "dot", color: "#555" },
  });
  return {
    data,
    layout: {
      title: { text: title }, height: 400, margin: { l: 60, r: 20, t: 60, b: 50 },
      xaxis: { title: { text: "sparsity of the pruned layers, %" } }, yaxis: { title: { text: "test accuracy, % (mean ± sd over seeds)" } },
    },
  };
}

export function unstructuredChart(summaries: readonly UnstructuredSummary[], parentAccuracy: readonly number[], options: DisplayOptions & { title?: string } = {}): void {
  plot(unstructuredFigure(summaries, parentAccuracy, options.title), options);
}

export function unstructuredTableOptions(summaries: readonly UnstructuredSummary[], title = "Unstructured pruning over seeds"): TableOptions {
  if (!Array.isArray(summaries) || summaries.length === 0) throw new RangeError("unstructuredTable: no summaries to show");
  const sparsities = [...new Set(summaries.map((s) => s.sparsity))].sort((a, b) => a - b);
  const methods = [...new Set(summaries.map((s) => s.method))];
  return {
    title,
    columns: ["method", ...sparsities.map((s) => `${pct(s, 0)} % sparse`)],
    rows: methods.map((m) => [m, ...sparsities.map((s) => {
      const row = summaries.find((x) => x.method === m && x.sparsity === s);
      return row ? `${pm(row.accuracy)} (${row.drop.mean >= 0 ? "+" : ""}${pct(row.drop.mean)})` : "—";
    })]),
    caption: `test accuracy %, mean ± sd over ${summaries[0].accuracy.n} seeds; in brackets the mean change from each seed's dense parent (points)`,
  };
}

export function unstructuredTable(summaries: readonly UnstructuredSummary[], title?: string): void {
  table(unstructuredTableOptions(summaries, title));
}

/** One row per arm and ratio: size, work, memory and accuracy, with the verdict against scratch. */
export function structuredTableOptions(summaries: readonly StructuredSummary[], parent: { params: number; macs: number; peakRamBytes: number; flashBytes: number; accuracy: readonly number[] }, title = "Structured pruning over seeds"): TableOptions {
  if (!Array.isArray(summaries) || summaries.length === 0) throw new RangeError("structuredTable: no summaries to show");
  return {
    title,
    columns: ["filters removed", "arm", "parameters", "MACs", "int8 peak RAM B", "int8 flash B", "accuracy before fine-tuning %", "test accuracy %", "vs scratch"],
    rows: [
      ["0 %", "parent", parent.params, parent.macs, parent.peakRamBytes, parent.flashBytes, "—", pm(meanSd([...parent.accuracy])), "—"],
      ...summaries.map((s) => [
        `${pct(s.ratio, 0)} %`, s.arm, s.params, s.macs, s.peakRamBytes, s.flashBytes,
        s.accuracyBefore ? pm(s.accuracyBefore) : "—", pm(s.accuracy), s.verdictVsScratch,
      ]),
    ],
    caption: `mean ± sd over ${summaries[0].accuracy.n} seeds; "scratch" is the pruned architecture trained from new weights for the parent's epochs ` +
      `(Liu et al. 2019); "helps" / "hurts" only when the gap exceeds twice the larger seed sd`,
  };
}

export function structuredTable(summaries: readonly StructuredSummary[], parent: Parameters<typeof structuredTableOptions>[1], title?: string): void {
  table(structuredTableOptions(summaries, parent, title));
}

/** Accuracy against MACs: each arm's points at each ratio, the parent as one point. */
export function structuredFigure(summaries: readonly StructuredSummary[], parent: { macs: number; accuracy: readonly number[] }, title = "Structured pruning: accuracy against MACs"): Figure {
  if (!Array.isArray(summaries) || summaries.length === 0) throw new RangeError("structuredFigure: no summaries to plot");
  const arms = [...new Set(summaries.map((s) => s.arm))];
  const dense = meanSd([...parent.accuracy]);
  const data: object[] = arms.map((arm, i) => {
    const rows = summaries.filter((s) => s.arm === arm).sort((a, b) => a.macs - b.macs);
    return {
      type: "scatter", mode: "lines+markers", name: arm, x: rows.map((r) => r.macs), y: rows.map((r) => 100 * r.accuracy.mean),
      error_y: { type: "data", array: rows.map((r) => 100 * r.accuracy.sd), visible: true }, line: { color: CHART_COLOURS[i % CHART_COLOURS.length] },
    };
  });
  data.push({
    type: "scatter", mode: "markers", name: "dense parent", x: [parent.macs], y: [100 * dense.mean],
    error_y: { type: "data", array: [100 * dense.sd], visible: true }, marker: { size: 10, color: "#555", symbol: "star" },
  });
  return {
    data,
    layout: {
      title: { text: title }, height: 400, margin: { l: 60, r: 20, t: 60, b: 50 },
      xaxis: { title: { text: "MACs per inference (log scale)" }, type: "log" }, yaxis: { title: { text: "test accuracy, % (mean ± sd over seeds)" } },
    },
  };
}

export function structuredChart(summaries: readonly StructuredSummary[], parent: { macs: number; accuracy: readonly number[] }, options: DisplayOptions & { title?: string } = {}): void {
  plot(structuredFigure(summaries, parent, options.title), options);
}

export function layerDropTableOptions(summaries: readonly LayerDropSummary[], title = "Blocks removed after training with and without layer-drop"): TableOptions {
  if (!Array.isArray(summaries) || summaries.length === 0) throw new RangeError("layerDropTable: no summaries to show");
  return {
    title,
    columns: ["trained", "blocks removed", "parameters", "MACs", "all blocks %", "blocks removed %", "after fine-tuning %"],
    rows: summaries.map((s) => [
      s.arm, s.dropped.join(", "), `${s.params[0].toLocaleString("en-US")} → ${s.params[1].toLocaleString("en-US")}`,
      `${s.macs[0].toLocaleString("en-US")} → ${s.macs[1].toLocaleString("en-US")}`, pm(s.full), pm(s.removed), pm(s.fineTuned),
    ]),
    caption: `test accuracy %, mean ± sd over ${summaries[0].full.n} seeds`,
  };
}

export function layerDropTable(summaries: readonly LayerDropSummary[], title?: string): void {
  table(layerDropTableOptions(summaries, title));
}
