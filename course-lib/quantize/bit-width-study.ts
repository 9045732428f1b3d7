// Lesson 08's low-bit experiments, as functions the notebook calls and prints: accuracy against weight bit
// width for uniform and power-of-two weights (post-training, simulated), and quantization-aware training
// against post-training quantization at one bit width. Every number is measured here over seeded runs
// (course-lib/train/seeds.ts: meanSd, verdict); nothing is stored.
//
//   npx tsx course-lib/quantize/bit-width-study.ts           # the notebook's settings (≈ 20-30 s on wasm)
//   npx tsx course-lib/quantize/bit-width-study.ts --full    # more digits and epochs (for the closing note)
//
// What is quantized: the weights only (fakeQuantizeModelWeights, per output channel, symmetric); the
// activations stay float in both studies, so the tables isolate the weight bit width. (The int8 graph of
// a QAT model, activations included, is quantizeModel's job; see qat.test.ts.)
import * as tf from "@tensorflow/tfjs";
import { fakeQuantizeModelWeights, cloneModel, type FakeQuantScheme } from "./fake-quant";
import { quantizationAwareTraining } from "./qat";
import { fitWithProgress, type LabelledData } from "../train/fit";
import { evaluate } from "../train/evaluate";
import { meanSd, verdict, inTurn, type MeanSd } from "../train/seeds";
import { withSeededRandomAsync } from "../nets/seeded";
import { loadMnist } from "../data/mnist";
import { initBackend } from "../runtime/backend";

export interface StudyData {
  train: LabelledData;
  test: LabelledData;
}

export interface StudyOptions extends StudyData {
  /** Builds a fresh, compiled float model (called inside a seeded scope). */
  build: () => tf.LayersModel;
  /** Float training epochs. */
  epochs: number;
  /** Seeds, one run each (≥ 2 for a verdict; default [0, 1, 2]). */
  seeds?: number[];
  batchSize?: number;
}

export interface AccuracyRow {
  /** "float", or e.g. "4-bit power-of-two PTQ". */
  label: string;
  scheme: FakeQuantScheme | "float";
  bits: number | null;
  method: "float" | "PTQ" | "QAT";
  /** Test accuracy of each seed's run, in seed order. */
  accuracies: number[];
  summary: MeanSd;
}

function row(label: string, scheme: AccuracyRow["scheme"], bits: number | null, method: AccuracyRow["method"], accuracies: number[]): AccuracyRow {
  return { label, scheme, bits, method, accuracies, summary: meanSd(accuracies) };
}

async function trainFloat(o: StudyOptions, seed: number): Promise<tf.LayersModel> {
  return withSeededRandomAsync(seed, async () => {
    const model = o.build();
    await fitWithProgress(model, o.train, { epochs: o.epochs, batchSize: o.batchSize, seed, title: `float model, seed ${seed}` });
    return model;
  });
}

export interface BitWidthSweepOptions extends StudyOptions {
  /** Weight bit widths (default [8, 6, 4, 3, 2]). */
  bits?: number[];
  /** Weight schemes (default uniform and power-of-two). */
  schemes?: FakeQuantScheme[];
  granularity?: "per-channel" | "per-tensor";
}

/** Post-training weight quantization of one float model per seed, at every bit width and scheme. */
export async function bitWidthSweep(o: BitWidthSweepOptions): Promise<AccuracyRow[]> {
  const seeds = o.seeds ?? [0, 1, 2];
  const bitsList = o.bits ?? [8, 6, 4, 3, 2];
  const schemes = o.schemes ?? ["uniform", "power-of-two"];
  const perSeed = await inTurn(seeds, async (seed) => {
    const model = await trainFloat(o, seed);
    try {
      const acc: Record<string, number> = { float: evaluate(model, o.test).accuracy };
      for (const scheme of schemes) {
        for (const bits of bitsList) {
          const q = fakeQuantizeModelWeights(model, { bits, scheme, granularity: o.granularity });
          acc[`${scheme}/${bits}`] = evaluate(q, o.test).accuracy;
          q.dispose();
        }
      }
      return acc;
    } finally {
      model.dispose();
    }
  });
  const rows = [row("float", "float", null, "float", perSeed.map((a) => a.float))];
  for (const scheme of schemes) {
    for (const bits of bitsList) rows.push(row(`${bits}-bit ${scheme} PTQ`, scheme, bits, "PTQ", perSeed.map((a) => a[`${scheme}/${bits}`])));
  }
  return rows;
}

export interface QatVsPtqOptions extends StudyOptions {
  /** Weight bits (default 4). */
  bits?: number;
  scheme?: FakeQuantScheme;
  /** Weight scales per output channel (default) or one per tensor (harsher at low bit widths). */
  granularity?: "per-channel" | "per-tensor";
  /** Fine-tuning epochs after the float training (default 2). */
  fineTuneEpochs?: number;
  /** Learning rate of both fine-tunes (default 1e-3, Adam). */
  fineTuneLearningRate?: number;
}

export interface QatVsPtqResult {
  rows: AccuracyRow[];
  /** verdict(QAT accuracies, PTQ accuracies) by the course's rule (gap > 2 sd); null with one seed. */
  verdict: "helps" | "hurts" | "no clear change" | null;
}

/**
 * Fair comparison at one weight bit width. Per seed: train the float model, then fine-tune two copies for
 * the same epochs with the same optimizer: one in float (then PTQ of its weights), one with QAT (weight-only
 * fake quantization, straight-through estimator). Both have had the same total training.
 */
export async function qatVsPtq(o: QatVsPtqOptions): Promise<QatVsPtqResult> {
  const seeds = o.seeds ?? [0, 1, 2];
  const bits = o.bits ?? 4;
  const scheme = o.scheme ?? "uniform";
  const fineTuneEpochs = o.fineTuneEpochs ?? 2;
  const lr = o.fineTuneLearningRate ?? 1e-3;
  const granularity = o.granularity ?? "per-channel";
  const perSeed = await inTurn(seeds, async (seed) =>
    withSeededRandomAsync(seed, async () => {
      const base = await trainFloat(o, seed);
      const floatCopy = cloneModel(base);
      const qatCopy = cloneModel(base);
      try {
        floatCopy.compile({ optimizer: tf.train.adam(lr), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
        await fitWithProgress(floatCopy, o.train, { epochs: fineTuneEpochs, batchSize: o.batchSize, seed: seed + 1000, title: `float fine-tune, seed ${seed}` });
        const floatAcc = evaluate(floatCopy, o.test).accuracy;
        const ptq = fakeQuantizeModelWeights(floatCopy, { bits, scheme, granularity });
        const ptqAcc = evaluate(ptq, o.test).accuracy;
        ptq.dispose();
        const qat = await quantizationAwareTraining(qatCopy, o.train, {
          weightBits: bits,
          weightScheme: scheme,
          granularity,
          activationBits: null,
          optimizer: tf.train.adam(lr),
          fit: { epochs: fineTuneEpochs, batchSize: o.batchSize, seed: seed + 1000, title: `${bits}-bit QAT, seed ${seed}` },
        });
        // The kernels now hold exactly the quantized weights; re-quantizing (same α, same levels) is a no-op.
        const qatAcc = evaluate(qat.model, o.test).accuracy;
        qat.model.dispose();
        qat.trainingModel.dispose();
        return { floatAcc, ptqAcc, qatAcc };
      } finally {
        base.dispose();
        floatCopy.dispose();
        qatCopy.dispose();
      }
    }),
  );
  const ptqRuns = perSeed.map((r) => r.ptqAcc), qatRuns = perSeed.map((r) => r.qatAcc);
  return {
    rows: [
      row("float (same total training)", "float", null, "float", perSeed.map((r) => r.floatAcc)),
      row(`${bits}-bit ${scheme} PTQ`, scheme, bits, "PTQ", ptqRuns),
      row(`${bits}-bit ${scheme} QAT`, scheme, bits, "QAT", qatRuns),
    ],
    verdict: seeds.length >= 2 ? verdict(qatRuns, ptqRuns) : null,
  };
}

/** The rows as a plain-text table: label, per-seed accuracies, mean ± sd (percent). */
export function formatAccuracyTable(rows: AccuracyRow[]): string {
  const width = Math.max(...rows.map((r) => r.label.length));
  return rows
    .map((r) => `${r.label.padEnd(width)}  ${r.accuracies.map((a) => (100 * a).toFixed(1).padStart(5)).join(" ")}   ${(100 * r.summary.mean).toFixed(1)} ± ${(100 * r.summary.sd).toFixed(1)}%`)
    .join("\n");
}

/** The small MNIST CNN both studies use: two stride-2 3×3 convs (8, 16 filters, ReLU), flatten, dense softmax. */
export function studyCnn(): tf.LayersModel {
  const model = tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [28, 28, 1], filters: 8, kernelSize: 3, strides: 2, activation: "relu" }),
      tf.layers.conv2d({ filters: 16, kernelSize: 3, strides: 2, activation: "relu" }),
      tf.layers.flatten(),
      tf.layers.dense({ units: 10, activation: "softmax" }),
    ],
  });
  model.compile({ optimizer: tf.train.adam(3e-3), loss: "categoricalCrossentropy", metrics: ["accuracy"] });
  return model;
}

export interface LowBitStudySettings {
  /** MNIST digits loaded (80 % train, 10 % test). */
  digits: number;
  epochs: number;
  fineTuneEpochs: number;
  seeds: number[];
  /** Weight bit widths of the QAT-vs-PTQ comparison (4, and 2 where PTQ collapses). */
  qatBits: number[];
}

/** The notebook's settings: both studies together take about 20-30 s on this machine's wasm backend. */
export const NOTEBOOK_STUDY: LowBitStudySettings = { digits: 3000, epochs: 4, fineTuneEpochs: 2, seeds: [0, 1, 2], qatBits: [4, 2] };
/** Larger settings for the closing note (a few minutes). */
export const FULL_STUDY: LowBitStudySettings = { digits: 10000, epochs: 6, fineTuneEpochs: 2, seeds: [0, 1, 2], qatBits: [4, 2] };

/**
 * Both studies on MNIST with studyCnn: the bit-width sweep (uniform vs power-of-two) and QAT vs PTQ at
 * each of settings.qatBits (one result per bit width, in that order).
 */
export async function lowBitStudy(settings: LowBitStudySettings = NOTEBOOK_STUDY): Promise<{ sweep: AccuracyRow[]; qat: QatVsPtqResult[]; seconds: number; digits: { train: number; test: number } }> {
  const started = performance.now();
  const mnist = loadMnist({ limit: settings.digits });
  try {
    const common = { train: mnist.train, test: mnist.test, build: studyCnn, epochs: settings.epochs, seeds: settings.seeds };
    const sweep = await bitWidthSweep(common);
    const qat = await inTurn(settings.qatBits, (bits) => qatVsPtq({ ...common, bits, fineTuneEpochs: settings.fineTuneEpochs }));
    return { sweep, qat, seconds: (performance.now() - started) / 1000, digits: { train: mnist.train.size, test: mnist.test.size } };
  } finally {
    mnist.dispose();
  }
}

if (require.main === module) {
  (async () => {
    const info = await initBackend({ backend: "wasm" });
    const settings = process.argv.includes("--full") ? FULL_STUDY : NOTEBOOK_STUDY;
    const { setDefaultDisplayTarget, createCaptureTarget } = await import("../viz/display");
    setDefaultDisplayTarget(createCaptureTarget()); // no per-epoch lines
    const r = await lowBitStudy(settings);
    console.log(`backend ${info.name}; ${JSON.stringify(settings)}; ${r.digits.train} train / ${r.digits.test} test digits; weights only, per output channel`);
    console.log(formatAccuracyTable(r.sweep));
    for (const q of r.qat) console.log(`${formatAccuracyTable(q.rows)}\nQAT vs PTQ at ${q.rows[1].bits} bits: ${q.verdict}`);
    console.log(`${r.seconds.toFixed(1)} s`);
  })();
}
