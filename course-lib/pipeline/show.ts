// Lesson 11's figures of pipeline reports: the stage table, accuracy per stage (one line per board), flash
// and RAM per stage against the board's budget, the firmware's confusion matrix on its clips, and the
// streaming firmware's probabilities over time with its detections.
import { barFigure, heatmapFigure, lineFigure, type Figure } from "../viz/plot";
import { withReferenceLines } from "../viz/charts";
import { table } from "../viz/html-table";
import { stageTableOptions, type PipelineReport, type StageRow } from "./report";

/** Shows the stage table of a report. */
export function stageTable(report: PipelineReport): void {
  table(stageTableOptions(report));
}

/** The accuracy a stage reports: firmware on its clips, else int8, else float (test split), or null. */
export function stageAccuracy(row: StageRow): number | null {
  return row.accuracy.firmware ?? row.accuracy.int8 ?? row.accuracy.float;
}

const DEPLOYED: StageRow["stage"][] = ["student", "distil", "prune", "quantize", "firmware"];

/** Test accuracy (%) at each deployed stage, one group of bars per stage and one colour per report (board). */
export function stageAccuracyFigure(reports: PipelineReport[]): Figure {
  if (!Array.isArray(reports) || reports.length === 0) throw new RangeError("stageAccuracyFigure: give at least one pipeline report");
  const stages = DEPLOYED.filter((s) => reports.some((r) => r.stages.some((row) => row.stage === s)));
  const titles = stages.map((s) => reports[0].stages.find((row) => row.stage === s)?.title ?? s);
  const values: Record<string, number[]> = {};
  for (const r of reports) {
    values[r.board.name] = stages.map((s) => {
      const row = r.stages.find((x) => x.stage === s);
      const a = row ? stageAccuracy(row) : null;
      return a === null ? NaN : a * 100;
    });
  }
  return barFigure({ labels: titles, values, title: "Test accuracy at each stage (firmware: on its clips)", yLabel: "accuracy (%)" });
}

/** Flash and RAM (KB) of each stage of one report, with the model's budget as dashed lines. */
export function stageFootprintFigure(report: PipelineReport): Figure {
  const rows = report.stages.filter((s) => s.flashBytes !== null && s.stage !== "teacher");
  const kb = (x: number | null) => (x === null ? NaN : x / 1024);
  const figure = barFigure({
    labels: rows.map((r) => r.title),
    values: { "flash (KB)": rows.map((r) => kb(r.flashBytes)), "RAM (KB)": rows.map((r) => kb(r.ramBytes)) },
    title: `${report.board.name}: flash and RAM per stage`, yLabel: "KB",
  });
  return withReferenceLines(figure, [
    { axis: "y", value: report.board.flashBytes / 1024, label: `board flash ${report.board.flashBytes / 1024} KB`, colour: "#1f77b4" },
    { axis: "y", value: report.board.ramBytes / 1024, label: `board RAM ${report.board.ramBytes / 1024} KB`, colour: "#ff7f0e" },
  ]);
}

/** The firmware's confusion matrix on the clips it ran (rows: true class, columns: predicted). */
export function firmwareConfusionFigure(report: PipelineReport): Figure {
  const f = report.firmware;
  if (!f) throw new RangeError(`firmwareConfusionFigure: run ${report.run} has no firmware stage`);
  return heatmapFigure({
    z: f.confusion, x: report.classNames, y: report.classNames, showValues: true,
    title: `${report.board.name}: firmware predictions on ${f.clips} test clips`, xLabel: "predicted", yLabel: "true",
  });
}

/**
 * The streaming firmware's run: each played word's probability at every inference (unsmoothed, at the end
 * of its 980 ms input window), the detections as markers, the clip boundaries and the detection threshold
 * (which applies to the smoothed score, so a marker can sit below it) as dashed lines.
 */
export function streamTimelineFigure(report: PipelineReport): Figure {
  const s = report.stream;
  if (!s) throw new RangeError(`streamTimelineFigure: run ${report.run} has no stream stage`);
  const x = s.inferences.map((i) => i.timeSeconds);
  const words = [...new Set([...s.words, ...s.detections.map((d) => d.keyword)])];
  const series = words.map((w) => {
    const k = report.classNames.indexOf(w);
    return { name: w, x, y: s.inferences.map((i) => i.probabilities[k]) };
  });
  const figure = lineFigure({ series, title: `${report.board.name}: the streaming firmware on ${s.clips} clips (${s.words.join(", ")})`, xLabel: "seconds of audio", yLabel: "probability", markers: true });
  figure.data.push({
    type: "scatter", mode: "markers+text", name: "detected", x: s.detections.map((d) => d.timeSeconds), y: s.detections.map((d) => d.score),
    text: s.detections.map((d) => d.keyword), textposition: "top center", marker: { symbol: "star", size: 14, color: "black" },
  });
  const threshold = report.options.stream ? report.options.stream.detection.threshold : null;
  return withReferenceLines(figure, [
    ...s.audio.slice(1).map((a) => ({ axis: "x" as const, value: a.startSeconds, colour: "#999999" })),
    ...(threshold === null ? [] : [{ axis: "y" as const, value: threshold, label: `threshold ${threshold} (smoothed score)`, colour: "#d62728" }]),
  ]);
}
