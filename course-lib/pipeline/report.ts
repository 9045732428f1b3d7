// The pipeline's report: one row per stage (what the model costs and how accurate it is at that point),
// the firmware's check against the integer interpreter, and the streaming run, as JSON (report.json, for
// tests and graders) and as a self-contained HTML page (report.html, for people).
import { formatBytes } from "../boards/units";
import { escapeHtml } from "../viz/plot";
import { tableHtml, tableText, type TableCell, type TableOptions } from "../viz/html-table";
import type { ResolvedPipelineOptions } from "./options";

export type StageName = "calibrate" | "scale" | "teacher" | "student" | "distil" | "prune" | "quantize" | "firmware" | "stream";

export const STAGE_TITLES: Readonly<Record<StageName, string>> = {
  calibrate: "calibrate (instructions/MAC)",
  scale: "scale to the board",
  teacher: "teacher",
  student: "student from scratch",
  distil: "student distilled",
  prune: "pruned + fine-tuned",
  quantize: "int8",
  firmware: "firmware on QEMU",
  stream: "streaming firmware",
};

export interface StageRow {
  stage: StageName;
  title: string;
  params: number | null;
  macs: number | null;
  flashBytes: number | null;
  ramBytes: number | null;
  /** Where flash and RAM come from: the profiler's int8 estimate, the int8 graph, or the firmware's ELF. */
  footprintSource: string;
  /** Test-split accuracy (fractions): float model, integer interpreter, firmware on the clips it ran. */
  accuracy: { float: number | null; int8: number | null; firmware: number | null };
  /** Validation accuracy of the stage's model (what the pipeline's choices use). */
  validation: number | null;
  instructions: number | null;
  /** instructions / clock at one instruction per cycle: an estimate (QEMU counts instructions, not cycles). */
  latencyMs: number | null;
  /** Seconds the stage's computation took (when it ran: a cache hit reports the original time). */
  seconds: number;
  cached: boolean;
  /** Whether the stage's footprint fits the budget; null for the teacher, which is not deployed. */
  withinBudget: boolean | null;
  key: string;
  note: string;
}

export interface StreamSummary {
  clips: number;
  /** The word of each clip, in the order they were played. */
  words: string[];
  /** Where each clip sits in the shipped test audio (loadKeywordAudio({ split: "test" }).sourceIndices) and in the stream. */
  audio: { sourceIndex: number; label: number; startSeconds: number; seconds: number }[];
  /** What the device reported: the end of the detecting window in seconds of the stream, and the clip it ends in. */
  detections: { timeSeconds: number; keyword: string; score: number; clip: number }[];
  perClip: { clip: number; word: string | null; detected: string[] }[];
  /** Every inference's probabilities (unsmoothed), at the end of its input window. */
  inferences: { timeSeconds: number; probabilities: number[] }[];
  bitExact: boolean;
  detectionsMatch: boolean;
  features: { maxAbsDifference: number; differingFraction: number; tolerance: string };
  instructionsPerSecondOfAudio: number;
  frontEndPerFrame: number;
  modelPerInference: number;
  coreFraction: number;
  keepsUp: boolean;
  flashBytes: number;
  ramBytes: number;
  audioBytes: number;
}

export interface PipelineReport {
  run: string;
  dataset: string;
  board: { id: string; name: string; flashBytes: number; ramBytes: number; clockMHz: number };
  /**
   * What the deployed model may use: the board minus the reserve the calibrate stage measured (the probe's
   * firmware beyond its model, plus a margin), and the MACs of the latency budget at the probe's rate.
   * flashBytes/ramBytes are in the profiler's estimate (the float stages' rows), int8Graph in the int8
   * graph's constants and activation peak (the int8 row); the firmware rows are held to the board itself.
   */
  budget: {
    flashBytes: number; ramBytes: number; int8Graph: { flashBytes: number; ramBytes: number }; reserve: { flashBytes: number; ramBytes: number }; macs: number | null; budgetMs: number | null; perMac: number };
  options: Omit<ResolvedPipelineOptions, "outDir" | "cacheDir">;
  stages: StageRow[];
  /** The student that went on: "distil" when distillation beat training from scratch on validation. */
  selected: { stage: "student" | "distil"; reason: string };
  quantization: { method: "ptq" | "qat"; reason: string };
  firmware: null | {
    clips: number; bitExact: boolean; accuracy: number; interpreterAccuracyOnClips: number; interpreterAccuracyTest: number;
    labels: number[]; predictions: number[]; confusion: number[][]; latencyMs: number; budgetMet: boolean | null;
  };
  stream: StreamSummary | null;
  classNames: string[];
  seconds: number;
  files: { json: string; html: string };
}

const pct = (x: number | null) => (x === null ? "–" : `${(x * 100).toFixed(1)} %`);
const count = (x: number | null) => (x === null ? "–" : Math.round(x).toLocaleString("en-US"));
const bytes = (x: number | null) => (x === null ? "–" : formatBytes(x));

/** The stage table: one row per stage, as the notebook and report.html show it. */
export function stageTableOptions(report: PipelineReport): TableOptions {
  const rows: TableCell[][] = report.stages.map((s) => {
    const fits = s.withinBudget === false ? { text: bytes(s.flashBytes), color: "#b71c1c", title: "over the board's budget" } : bytes(s.flashBytes);
    return [
      s.title, count(s.params), count(s.macs), fits, bytes(s.ramBytes), pct(s.accuracy.float), pct(s.accuracy.int8), pct(s.accuracy.firmware),
      count(s.instructions), s.latencyMs === null ? "–" : s.latencyMs.toFixed(2), s.cached ? `${s.seconds.toFixed(1)} (cached)` : s.seconds.toFixed(1),
    ];
  });
  const b = report.budget;
  return {
    title: `${report.dataset} on ${report.board.name}: one row per stage`,
    columns: ["stage", "params", "MACs", "flash", "RAM", "acc float", "acc int8", "acc firmware", "instructions", "latency ms", "seconds"],
    rows,
    caption:
      `Budget for the model: ${formatBytes(b.flashBytes)} flash, ${formatBytes(b.ramBytes)} RAM as the profiler estimates it, ` +
      `${formatBytes(b.int8Graph.flashBytes)} / ${formatBytes(b.int8Graph.ramBytes)} as the int8 graph counts it (the board minus what the calibration probe's firmware measured beyond its model)` +
      (b.macs !== null ? `, ${b.macs.toLocaleString("en-US")} MACs (${b.budgetMs} ms at ${report.board.clockMHz} MHz, ${b.perMac.toFixed(2)} instructions/MAC)` : "") +
      `. Flash/RAM: int8 estimates from the profiler until the int8 graph, then the graph's constants and activation peak, then the firmware's ELF ` +
      `(whole program). Accuracy on the test split (${report.options.data.testLimit ?? "all"} clips); firmware on its ${report.firmware?.clips ?? 0} clips. ` +
      `Latency = instructions / clock: an estimate.`,
  };
}

export function stageTableText(report: PipelineReport): string {
  return tableText(stageTableOptions(report));
}

function confusionHtml(report: PipelineReport): string {
  const f = report.firmware;
  if (!f) return "";
  const used = report.classNames.map((_, c) => c).filter((c) => f.labels.includes(c) || f.predictions.includes(c));
  const head = `<tr><th>true \\ predicted</th>${used.map((c) => `<th>${escapeHtml(report.classNames[c])}</th>`).join("")}</tr>`;
  const body = used.map((r) => `<tr><th>${escapeHtml(report.classNames[r])}</th>${used.map((c) => {
    const v = f.confusion[r][c];
    const bg = v === 0 ? "" : r === c ? "background:#c8e6c9" : "background:#ffcdd2";
    return `<td style="text-align:right;${bg}">${v}</td>`;
  }).join("")}</tr>`).join("");
  return `<h2>Firmware predictions on ${f.clips} test clips</h2><table border="1" cellspacing="0" cellpadding="4">${head}${body}</table>`;
}

/** report.html: a page that needs nothing but a browser. */
export function reportHtml(report: PipelineReport): string {
  const f = report.firmware;
  const s = report.stream;
  const lines = [
    `<p>Seed ${report.options.seed}, preset "${report.options.preset}", ${report.options.features} features, ${report.options.family}; ` +
      `${report.seconds.toFixed(0)} s in all. Student kept: ${escapeHtml(report.selected.reason)}. Quantization: ${escapeHtml(report.quantization.reason)}.</p>`,
  ];
  if (f) {
    lines.push(`<p>Firmware: ${f.bitExact ? "bit-exact with" : "<b>differs from</b>"} the integer interpreter on ${f.clips} clips; accuracy ${pct(f.accuracy)} on them ` +
      `(interpreter ${pct(f.interpreterAccuracyOnClips)} on them, ${pct(f.interpreterAccuracyTest)} on the scored test split); ${f.latencyMs.toFixed(2)} ms estimated` +
      (f.budgetMet === null ? "" : f.budgetMet ? ", within the latency budget" : ", <b>over the latency budget</b>") + ".</p>");
  }
  if (s) {
    lines.push(`<p>Streaming: ${s.clips} clips (${s.words.map(escapeHtml).join(", ")}) → detected ${s.detections.map((d) => `${escapeHtml(d.keyword)} at ${d.timeSeconds.toFixed(2)} s`).join(", ") || "nothing"}; ` +
      `${Math.round(s.instructionsPerSecondOfAudio).toLocaleString("en-US")} instructions per second of audio = ${(s.coreFraction * 100).toFixed(1)} % of the core: ${s.keepsUp ? "keeps up" : "<b>does not keep up</b>"} in real time. ` +
      `Features vs TypeScript: max |Δ| ${s.features.maxAbsDifference.toExponential(2)}, ${(s.features.differingFraction * 100).toFixed(3)} % of the uint8 values differ (${escapeHtml(s.features.tolerance)}).</p>`);
  }
  return `<!doctype html><html><head><meta charset="utf-8"><title>pipeline ${escapeHtml(report.run)}</title>` +
    `<style>body{font:14px/1.5 system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em}table{border-collapse:collapse}</style></head><body>` +
    `<h1>${escapeHtml(report.run)}</h1>${tableHtml(stageTableOptions(report))}${lines.join("")}${confusionHtml(report)}` +
    `<p style="color:#666">Written by course-lib/pipeline (npm run pipeline). report.json holds every number.</p></body></html>\n`;
}
