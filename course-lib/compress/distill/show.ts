// Lesson 06's figures and tables, so the notebook's cells stay short: the study's accuracy against data
// size with seed error bars, and its summary table with the verdict of each arm.
import { plot, type DisplayOptions, type Figure } from "../../viz/plot";
import { CHART_COLOURS } from "../../viz/charts";
import { table, type TableOptions } from "../../viz/html-table";
import type { DistillationSummary } from "./study";

const pct = (x: number, digits = 1) => `${(100 * x).toFixed(digits)}`;
const signed = (x: number) => `${x >= 0 ? "+" : ""}${pct(x)}`;

/** Test accuracy (mean ± sd over seeds) against training examples, one line per arm. */
export function distillationFigure(summaries: DistillationSummary[], title = "Student accuracy against training data"): Figure {
  if (!Array.isArray(summaries) || summaries.length === 0) throw new RangeError("distillationFigure: no summaries to plot");
  const arms = [...new Set(summaries.map((s) => s.arm))];
  const data = arms.map((arm, i) => {
    const rows = summaries.filter((s) => s.arm === arm).sort((a, b) => a.examples - b.examples);
    return {
      type: "scatter", mode: "lines+markers", name: arm,
      x: rows.map((r) => r.examples), y: rows.map((r) => 100 * r.accuracy.mean),
      error_y: { type: "data", array: rows.map((r) => 100 * r.accuracy.sd), visible: true },
      line: { color: CHART_COLOURS[i % CHART_COLOURS.length] },
    };
  });
  return {
    data,
    layout: {
      title: { text: title }, height: 400, margin: { l: 60, r: 20, t: 60, b: 50 },
      xaxis: { title: { text: "training examples the student sees (log scale)" }, type: "log" },
      yaxis: { title: { text: "test accuracy, % (mean ± sd over seeds)" } },
    },
  };
}

export function distillationChart(summaries: DistillationSummary[], options: DisplayOptions & { title?: string } = {}): void {
  plot(distillationFigure(summaries, options.title), options);
}

/** The summary as table options (for `table` in a notebook, `tableText` on a terminal): one row per arm and size. */
export function distillationTableOptions(summaries: DistillationSummary[], title = "Students over seeds"): TableOptions {
  if (!Array.isArray(summaries) || summaries.length === 0) throw new RangeError("distillationTable: no summaries to show");
  return {
    title,
    columns: ["examples", "arm", "test accuracy %", "gain (points)", "paired gain", "seeds won", "verdict", "agrees with teacher %", "train s", "teacher s"],
    rows: summaries.map((s) => {
      const base = s.verdict === "baseline";
      return [
        s.examples, s.arm, `${pct(s.accuracy.mean)} ± ${pct(s.accuracy.sd)}`,
        base ? "—" : signed(s.gain), base ? "—" : `${signed(s.pairedGain.mean)} ± ${pct(s.pairedGain.sd)}`,
        base ? "—" : `${s.wins} / ${s.accuracy.n}`, s.verdict, pct(s.agreement.mean, 0), s.trainSeconds.mean.toFixed(1),
        s.teacherSeconds.mean.toFixed(2),
      ];
    }),
    caption: `n = ${summaries[0].accuracy.n} seeds per row; paired gain: mean ± sd of the per-seed differences from scratch; ` +
      `verdict "helps" / "hurts" only when the gap exceeds twice the larger seed sd (lesson 05's rule); ` +
      `train s: the student's epochs, teacher s: the one cached teacher pass`,
  };
}

/** The summary as a table: accuracy mean ± sd, gain over the baseline, verdict, agreement with the teacher, time. */
export function distillationTable(summaries: DistillationSummary[], title?: string): void {
  table(distillationTableOptions(summaries, title));
}
