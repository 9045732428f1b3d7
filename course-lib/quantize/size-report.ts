// The flash of each lesson model three ways, for lesson 08 and its closing note: float32 weights (4 B per
// tfjs parameter), the int8 QuantizedGraph's exact flash (profiler/quantized.ts: int8 weights, int32 biases,
// one float32 scale + int32 zero point per channel) and the bytes of the .tflite file exportTflite writes
// (the same constants plus the flatbuffer's tensors, operators and metadata). Also the int8 graph's
// activation peak, and lesson 02's estimates from profileModel next to the graph's exact figures.
// Sizes depend only on architecture and quantization granularity, never on the trained weight values, so
// untrained models give the same table as trained ones.
//
// CLI: `npm run quantize:sizes [-- --json]` prints the markdown table for every lesson model (lesson-models.ts).
import * as tf from "@tensorflow/tfjs";
import { profileModel } from "../profiler/profile";
import { quantizedFootprint } from "../profiler/quantized";
import { lessonModels, type LessonModel } from "./lesson-models";
import { quantizeModel, type QuantizeOptions } from "./quantize-model";
import { exportTflite } from "./tflite/writer";

export interface SizeRow {
  model: string;
  lesson: string;
  /** tfjs countParams(): every weight, BN running statistics included. */
  params: number;
  /** 4 · params: the float32 model as tfjs holds it. */
  float32Bytes: number;
  /** quantizedFootprint(graph).flash.total: int8 weights + int32 biases + quantization parameters. */
  int8GraphFlash: number;
  /** Of which int8 weights (flash.weights). */
  weightsBytes: number;
  /** Of which int32 biases (flash.biases). */
  biasBytes: number;
  /** exportTflite(graph).length. */
  tfliteBytes: number;
  /** quantizedFootprint(graph).activations.peak: the largest set of live int8 buffers (16-B aligned). */
  activationPeak: number;
  /** Operators in the graph (after BN folding and activation fusion). */
  ops: number;
  /** Lesson 02's profileModel estimates: float32 and int8 flash (BN folded) and int8 peak RAM (in-place activations). */
  estimate: { float32Flash: number; int8Flash: number; int8PeakRam: number };
}

export interface ModelSizesOptions {
  /** Calibration examples per model (default 16): ranges do not change any size, so a few suffice. */
  calibrationCount?: number;
  /** Passed to quantizeModel (default per-channel conv weights, per-tensor dense weights). */
  weights?: QuantizeOptions["weights"];
  /** Called after each model, e.g. to print progress. */
  onRow?: (row: SizeRow) => void;
}

/** Builds, calibrates, quantizes and exports each entry and measures it. Models and tensors are disposed. */
export async function modelSizes(entries: LessonModel[], options: ModelSizesOptions = {}): Promise<SizeRow[]> {
  const rows: SizeRow[] = [];
  for (const entry of entries) {
    const model = entry.build();
    let calibration: tf.Tensor | undefined;
    try {
      calibration = await entry.calibration(options.calibrationCount ?? 16);
      const graph = quantizeModel(model, { calibration, weights: options.weights, name: entry.name, progress: false });
      const footprint = quantizedFootprint(graph);
      const profile = profileModel(model).totals;
      const params = model.countParams();
      const row: SizeRow = {
        model: entry.name,
        lesson: entry.lesson,
        params,
        float32Bytes: 4 * params,
        int8GraphFlash: footprint.flash.total,
        weightsBytes: footprint.flash.weights,
        biasBytes: footprint.flash.biases,
        tfliteBytes: exportTflite(graph).length,
        activationPeak: footprint.activations.peak,
        ops: graph.operators.length,
        estimate: { float32Flash: profile.flash.float32, int8Flash: profile.flash.int8, int8PeakRam: profile.peakRam.int8 },
      };
      rows.push(row);
      options.onRow?.(row);
    } catch (e) {
      throw new Error(`modelSizes: lesson model "${entry.name}": ${(e as Error).message}`);
    } finally {
      calibration?.dispose();
      model.dispose();
    }
  }
  return rows;
}

const bytes = (n: number): string => n.toLocaleString("en-US");

/** The rows as a markdown table, with a note on what each column counts. */
export function formatSizeTable(rows: SizeRow[]): string {
  const header = ["model", "params", "float32 B", "float32 B, BN folded", "int8 graph flash B", "(int8 weights B)", "(int32 biases B)", ".tflite B", "int8 / float32 folded", "activation peak B", "lesson-02 estimate: int8 flash / peak RAM B"];
  const lines = [`| ${header.join(" | ")} |`, `|${header.map((_, i) => (i === 0 ? " --- " : " ---: ")).join("|")}|`];
  for (const r of rows) {
    lines.push(`| ${[r.model, bytes(r.params), bytes(r.float32Bytes), bytes(r.estimate.float32Flash), bytes(r.int8GraphFlash), bytes(r.weightsBytes), bytes(r.biasBytes), bytes(r.tfliteBytes),
      `${((100 * r.int8GraphFlash) / r.estimate.float32Flash).toFixed(1)}%`, bytes(r.activationPeak), `${bytes(r.estimate.int8Flash)} / ${bytes(r.estimate.int8PeakRam)}`].join(" | ")} |`);
  }
  return [
    lines.join("\n"),
    "",
    "Untrained weights: sizes depend only on the architecture and the quantization scheme, not on the weight values.",
    "params: tfjs countParams() (BN statistics included), float32 B = 4 × params; BN folded: profileModel's float32 flash. int8 graph flash: int8 weights + int32 biases",
    "+ a float32 scale and int32 zero point per channel of every tensor (per-channel conv/depthwise weights, per-tensor dense).",
    ".tflite B: exportTflite's file (the same constants + flatbuffer structure). Activation peak: live int8 buffers, 16-B aligned,",
    "no in-place reuse (TFLM). The lesson-02 estimate folds BN and counts in-place activations, unaligned.",
  ].join("\n");
}

/** `npm run quantize:sizes [-- --json]`. */
export async function main(argv: string[], out: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const unknown = argv.filter((a) => a !== "--json");
  if (unknown.length > 0) {
    err(`usage: npm run quantize:sizes [-- --json]; unknown argument(s): ${unknown.join(" ")}`);
    return 2;
  }
  await tf.setBackend("cpu");
  const t0 = performance.now();
  const rows = await modelSizes(lessonModels(), { onRow: (r) => err(`  ${r.model}: ${r.ops} ops, ${bytes(r.tfliteBytes)} B .tflite`) });
  out(argv.includes("--json") ? JSON.stringify(rows, null, 2) : formatSizeTable(rows));
  err(`${rows.length} lesson models in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  return 0;
}

if (require.main === module) {
  tf.env().set("PROD", true); // silences tfjs's "install tfjs-node" banner: sizes need no speed
  main(process.argv.slice(2)).then(
    (code) => { process.exitCode = code; },
    (e) => { console.error(`error: ${(e as Error).message}`); process.exitCode = 1; },
  );
}
