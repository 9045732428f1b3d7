// Lesson 07's experiments, each over seeded parents and against a fair baseline, as plain functions the
// notebook and `npm run prune:study` both call:
// - unstructuredStudy: one-shot magnitude pruning with and without fine-tuning, and gradual (Zhu & Gupta)
//   pruning with the same fine-tuning steps, at several sparsities;
// - structuredStudy: filters removed by L1 norm or by the energy (nuclear-norm) criterion, the rebuilt
//   model fine-tuned, against the same small architecture trained from scratch (Liu et al. 2019);
// - layerDropStudy: a PhiNet trained with and without layer-drop, then the same blocks removed from both.
// Every arm starts from its own copy of the parent (rebuildModel), so no experiment sees another's pruned
// weights: the state leak that made an executed copy of MIT's lab report incomparable numbers.
import * as tf from "@tensorflow/tfjs";
import { withSeededRandom } from "../../nets/seeded";
import { profileModel } from "../../profiler/profile";
import { evaluate } from "../../train/evaluate";
import type { LabelledData } from "../../train/fit";
import { inTurn, meanSd, verdict, type MeanSd } from "../../train/seeds";
import { inferenceSpeed } from "../../train/speed";
import { stepProgress } from "../../quantize/task-progress";
import type { DisplayTarget } from "../../viz/display";
import { LESSON_BATCH_SIZE, trainForLesson } from "./lesson";
import { magnitudeMask, magnitudePrune, sparsityReport } from "./magnitude";
import { Pruner } from "./pruner";
import { channelPrune, maskChannels, type FilterCriterion } from "./structured";
import { dropBlocks, everyOtherBlock, residualBlocks, withLayerDrop } from "./layer-drop";
import { rebuildModel } from "./rebuild";
import { breakEvenSparsity, layerStorage, SPARSE_FORMATS, type SparseFormat } from "./storage";
import { quantizeModel } from "../../quantize/quantize-model";

/** A trained model and the seed that made it (weights, shuffle and Math.random draws). */
export interface SeededModel {
  seed: number;
  model: tf.LayersModel;
}

type Show = boolean | DisplayTarget;

const accuracyOf = (model: tf.LayersModel, data: LabelledData): number => evaluate(model, data).accuracy;

/** An independent copy of a trained model (same architecture and weights), uncompiled. */
export function copyModel(model: tf.LayersModel): tf.LayersModel {
  return rebuildModel(model);
}

function checkFractions(values: readonly number[], what: string, fn: string): void {
  if (!Array.isArray(values) || values.length === 0) throw new RangeError(`${fn}: ${what} must be a non-empty array, got ${JSON.stringify(values)}`);
  for (const v of values) if (typeof v !== "number" || !(v >= 0 && v < 1)) throw new RangeError(`${fn}: every ${what} must be in [0, 1), got ${String(v)}`);
}

function checkParents(parents: readonly SeededModel[], fn: string): void {
  if (!Array.isArray(parents) || parents.length === 0) throw new RangeError(`${fn}: needs at least one trained parent, got ${JSON.stringify(parents)}`);
}

// ---------------------------------------------------------------------------------------------------------
// Unstructured

export type UnstructuredMethod = "one-shot" | "one-shot + fine-tune" | "gradual";
export const UNSTRUCTURED_METHODS: readonly UnstructuredMethod[] = ["one-shot", "one-shot + fine-tune", "gradual"];

export interface UnstructuredOptions {
  parents: readonly SeededModel[];
  sparsities: readonly number[];
  /** Fine-tuning data (the gradual schedule runs over the same steps). */
  fineTune: LabelledData;
  fineTuneEpochs: number;
  test: LabelledData;
  show?: Show;
}

export interface UnstructuredRun {
  seed: number;
  method: UnstructuredMethod;
  sparsity: number;
  /** Zeros among the prunable kernels after the run (sparsityReport). */
  achieved: number;
  accuracy: number;
  parentAccuracy: number;
}

/** Fraction of the fine-tuning steps over which the gradual schedule ramps; the rest holds the final sparsity. */
export const GRADUAL_RAMP = 0.7;

export async function unstructuredStudy(o: UnstructuredOptions): Promise<UnstructuredRun[]> {
  const fn = "unstructuredStudy";
  checkParents(o.parents, fn);
  checkFractions(o.sparsities, "sparsity", fn);
  const steps = o.fineTuneEpochs * Math.ceil(o.fineTune.images.shape[0] / LESSON_BATCH_SIZE);
  const progress = stepProgress("unstructured pruning runs", o.parents.length * o.sparsities.length * 2, o.show);
  let done = 0;
  const runs: UnstructuredRun[] = [];
  await inTurn(o.parents, async (parent) => {
    const parentAccuracy = accuracyOf(parent.model, o.test);
    for (const sparsity of o.sparsities) {
      const oneShot = copyModel(parent.model);
      magnitudePrune(oneShot, sparsity);
      runs.push({ seed: parent.seed, method: "one-shot", sparsity, achieved: sparsityReport(oneShot).total.sparsity, accuracy: accuracyOf(oneShot, o.test), parentAccuracy });
      // Fine-tuning with the one-shot mask held (hard pruning): the mask recomputed at the first step is the
      // same one, since the pruned weights are the zeros.
      const held = new Pruner(oneShot, { sparsity, mode: "hard" });
      await trainForLesson(oneShot, o.fineTune, { epochs: o.fineTuneEpochs, seed: parent.seed, display: false, onBatchEnd: () => held.step() });
      runs.push({ seed: parent.seed, method: "one-shot + fine-tune", sparsity, achieved: sparsityReport(oneShot).total.sparsity, accuracy: accuracyOf(oneShot, o.test), parentAccuracy });
      oneShot.dispose();
      progress.step(++done);
      const gradual = copyModel(parent.model);
      const end = Math.max(1, Math.round(GRADUAL_RAMP * steps));
      const schedule = { initialSparsity: 0, finalSparsity: sparsity, beginStep: 0, endStep: end, frequency: Math.max(1, Math.round(end / 10)) };
      const rising = new Pruner(gradual, { sparsity: schedule, mode: "hard" });
      await trainForLesson(gradual, o.fineTune, { epochs: o.fineTuneEpochs, seed: parent.seed, display: false, onBatchEnd: () => rising.step() });
      runs.push({ seed: parent.seed, method: "gradual", sparsity, achieved: sparsityReport(gradual).total.sparsity, accuracy: accuracyOf(gradual, o.test), parentAccuracy });
      gradual.dispose();
      progress.step(++done);
    }
  });
  progress.finish();
  return runs;
}

export interface UnstructuredSummary {
  method: UnstructuredMethod;
  sparsity: number;
  accuracy: MeanSd;
  /** Mean ± sd over seeds of (pruned − parent) accuracy. */
  drop: MeanSd;
}

export function summarizeUnstructured(runs: readonly UnstructuredRun[]): UnstructuredSummary[] {
  const out: UnstructuredSummary[] = [];
  for (const method of UNSTRUCTURED_METHODS) {
    for (const sparsity of [...new Set(runs.map((r) => r.sparsity))].sort((a, b) => a - b)) {
      const rows = runs.filter((r) => r.method === method && r.sparsity === sparsity);
      if (rows.length === 0) continue;
      out.push({ method, sparsity, accuracy: meanSd(rows.map((r) => r.accuracy)), drop: meanSd(rows.map((r) => r.accuracy - r.parentAccuracy)) });
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Structured

export interface StructuredOptions {
  parents: readonly SeededModel[];
  /** Fraction of the filters removed from every prunable group. */
  ratios: readonly number[];
  criteria: readonly FilterCriterion[];
  /** Inputs the energy criterion looks at (a validation batch, never test data). */
  calibration: tf.Tensor;
  fineTune: LabelledData;
  fineTuneEpochs: number;
  /** The from-scratch baseline trains on this for `scratchEpochs` (Liu et al.'s Scratch-E: the parent's epochs). */
  scratchTrain: LabelledData;
  scratchEpochs: number;
  test: LabelledData;
  show?: Show;
}

export type StructuredArm = FilterCriterion | "scratch";

export interface StructuredRun {
  seed: number;
  arm: StructuredArm;
  ratio: number;
  /** Test accuracy straight after the rebuild (NaN for scratch). */
  accuracyBefore: number;
  /** After fine-tuning (or after training, for scratch). */
  accuracy: number;
  parentAccuracy: number;
  params: number;
  macs: number;
  /** int8 peak activation RAM from the profiler. */
  peakRamBytes: number;
  flashBytes: number;
}

export async function structuredStudy(o: StructuredOptions): Promise<StructuredRun[]> {
  const fn = "structuredStudy";
  checkParents(o.parents, fn);
  checkFractions(o.ratios, "ratio", fn);
  const total = o.parents.length * o.ratios.length * (o.criteria.length + 1);
  const progress = stepProgress("structured pruning runs", total, o.show);
  let done = 0;
  const runs: StructuredRun[] = [];
  const sizes = (m: tf.LayersModel) => {
    const p = profileModel(m);
    return { params: p.totals.params.total, macs: p.totals.macs, peakRamBytes: p.totals.peakRam.int8, flashBytes: p.totals.flash.int8 };
  };
  await inTurn(o.parents, async (parent) => {
    const parentAccuracy = accuracyOf(parent.model, o.test);
    for (const ratio of o.ratios) {
      let architecture: tf.LayersModel | null = null;
      for (const criterion of o.criteria) {
        const { model } = channelPrune(parent.model, ratio, { criterion, calibration: o.calibration });
        const accuracyBefore = accuracyOf(model, o.test);
        await trainForLesson(model, o.fineTune, { epochs: o.fineTuneEpochs, seed: parent.seed, display: false });
        runs.push({ seed: parent.seed, arm: criterion, ratio, accuracyBefore, accuracy: accuracyOf(model, o.test), parentAccuracy, ...sizes(model) });
        if (architecture === null) architecture = model;
        else model.dispose();
        progress.step(++done);
      }
      // The same small architecture from fresh seeded weights, trained as long as the parent was.
      const scratch = withSeededRandom(parent.seed + 1000, () => rebuildModel(architecture as tf.LayersModel, { weights: "fresh" }));
      (architecture as tf.LayersModel).dispose();
      await trainForLesson(scratch, o.scratchTrain, { epochs: o.scratchEpochs, seed: parent.seed, display: false });
      runs.push({ seed: parent.seed, arm: "scratch", ratio, accuracyBefore: NaN, accuracy: accuracyOf(scratch, o.test), parentAccuracy, ...sizes(scratch) });
      scratch.dispose();
      progress.step(++done);
    }
  });
  progress.finish();
  return runs;
}

export interface StructuredSummary {
  arm: StructuredArm;
  ratio: number;
  accuracyBefore: MeanSd | null;
  accuracy: MeanSd;
  params: number;
  macs: number;
  peakRamBytes: number;
  flashBytes: number;
  /** Against the from-scratch runs of the same ratio ("baseline" for scratch itself). */
  verdictVsScratch: "helps" | "hurts" | "no clear change" | "baseline";
}

export function summarizeStructured(runs: readonly StructuredRun[]): StructuredSummary[] {
  const out: StructuredSummary[] = [];
  for (const ratio of [...new Set(runs.map((r) => r.ratio))].sort((a, b) => a - b)) {
    const scratch = runs.filter((r) => r.ratio === ratio && r.arm === "scratch").map((r) => r.accuracy);
    for (const arm of [...new Set(runs.map((r) => r.arm))]) {
      const rows = runs.filter((r) => r.ratio === ratio && r.arm === arm);
      if (rows.length === 0) continue;
      const acc = rows.map((r) => r.accuracy);
      out.push({
        arm, ratio,
        accuracyBefore: arm === "scratch" ? null : meanSd(rows.map((r) => r.accuracyBefore)),
        accuracy: meanSd(acc),
        params: rows[0].params, macs: rows[0].macs, peakRamBytes: rows[0].peakRamBytes, flashBytes: rows[0].flashBytes,
        verdictVsScratch: arm === "scratch" ? "baseline" : scratch.length >= 2 && acc.length >= 2 ? verdict(acc, scratch) : "no clear change",
      });
    }
  }
  return out;
}

export interface InferenceTiming {
  ratio: number;
  /** ms per example, batch of `batchSize`: the parent, the masked copy (same shapes, zeros) and the rebuilt model. */
  parentMs: number;
  maskedMs: number;
  rebuiltMs: number;
  macsParent: number;
  macsRebuilt: number;
}

/**
 * Inference time of the parent, the masked model and the rebuilt one at each ratio (L1 criterion), one
 * parent. Zeros cost as much as any weight in a dense kernel; only the smaller model is faster.
 */
export async function structuredTiming(parent: tf.LayersModel, ratios: readonly number[], options: { batchSize?: number; minSeconds?: number } = {}): Promise<InferenceTiming[]> {
  checkFractions(ratios, "ratio", "structuredTiming");
  const shape = parent.inputs[0].shape.slice(1) as number[];
  const speed = async (m: tf.LayersModel) => (await inferenceSpeed(m, shape, { batchSize: options.batchSize ?? 64, minSeconds: options.minSeconds ?? 0.3 })).msPerSample;
  const parentMs = await speed(parent);
  const macsParent = profileModel(parent).totals.macs;
  return inTurn(ratios, async (ratio) => {
    const { model, plan } = channelPrune(parent, ratio, { criterion: "l1" });
    const masked = maskChannels(parent, plan);
    const row = { ratio, parentMs, maskedMs: await speed(masked), rebuiltMs: await speed(model), macsParent, macsRebuilt: profileModel(model).totals.macs };
    model.dispose();
    masked.dispose();
    return row;
  });
}

// ---------------------------------------------------------------------------------------------------------
// Layer-drop

export interface LayerDropOptions {
  seeds: readonly number[];
  /** A fresh seeded model with identity-skip residual blocks (e.g. buildLayerDropPhiNet). */
  build: (seed: number) => tf.LayersModel;
  /** The layer-drop rate of the layer-drop arm. */
  rate: number;
  train: LabelledData;
  epochs: number;
  /** Brief fine-tuning after the blocks are removed. */
  fineTune: LabelledData;
  fineTuneEpochs: number;
  test: LabelledData;
  /** Which blocks to remove; default every other one (everyOtherBlock). */
  drop?: (blocks: string[]) => string[];
  show?: Show;
}

export type LayerDropArm = "plain" | "layer-drop";

export interface LayerDropRun {
  seed: number;
  arm: LayerDropArm;
  dropped: string[];
  fullAccuracy: number;
  droppedAccuracy: number;
  fineTunedAccuracy: number;
  fullParams: number;
  droppedParams: number;
  fullMacs: number;
  droppedMacs: number;
}

export async function layerDropStudy(o: LayerDropOptions): Promise<LayerDropRun[]> {
  const fn = "layerDropStudy";
  if (!Array.isArray(o.seeds) || o.seeds.length === 0) throw new RangeError(`${fn}: seeds must be a non-empty array, got ${JSON.stringify(o.seeds)}`);
  const progress = stepProgress("layer-drop runs", o.seeds.length * 2, o.show);
  let done = 0;
  const runs: LayerDropRun[] = [];
  await inTurn(o.seeds, async (seed) => {
    for (const arm of ["plain", "layer-drop"] as const) {
      const base = o.build(seed);
      const model = arm === "plain" ? base : withLayerDrop(base, { rate: o.rate });
      if (model !== base) base.dispose();
      await trainForLesson(model, o.train, { epochs: o.epochs, seed, display: false });
      const blocks = residualBlocks(model).map((b) => b.name);
      const dropped = (o.drop ?? ((b: string[]) => everyOtherBlock(b)))(blocks);
      const full = dropBlocks(model, []);
      const small = dropBlocks(model, dropped);
      const [pf, ps] = [profileModel(full), profileModel(small)];
      const row: LayerDropRun = {
        seed, arm, dropped, fullAccuracy: accuracyOf(full, o.test), droppedAccuracy: accuracyOf(small, o.test), fineTunedAccuracy: NaN,
        fullParams: pf.totals.params.total, droppedParams: ps.totals.params.total, fullMacs: pf.totals.macs, droppedMacs: ps.totals.macs,
      };
      await trainForLesson(small, o.fineTune, { epochs: o.fineTuneEpochs, seed, display: false });
      row.fineTunedAccuracy = accuracyOf(small, o.test);
      runs.push(row);
      for (const m of [model, full, small]) m.dispose();
      progress.step(++done);
    }
  });
  progress.finish();
  return runs;
}

/** Per arm: accuracy with all blocks, with the blocks removed, and after the brief fine-tuning, over seeds. */
export interface LayerDropSummary {
  arm: string;
  dropped: string[];
  full: MeanSd;
  removed: MeanSd;
  fineTuned: MeanSd;
  params: [number, number];
  macs: [number, number];
}

export function summarizeLayerDrop(runs: readonly LayerDropRun[]): LayerDropSummary[] {
  if (!Array.isArray(runs) || runs.length === 0) throw new RangeError("summarizeLayerDrop: no runs");
  return [...new Set(runs.map((r) => r.arm))].map((arm) => {
    const rows = runs.filter((r) => r.arm === arm);
    return {
      arm, dropped: rows[0].dropped,
      full: meanSd(rows.map((r) => r.fullAccuracy)), removed: meanSd(rows.map((r) => r.droppedAccuracy)), fineTuned: meanSd(rows.map((r) => r.fineTunedAccuracy)),
      params: [rows[0].fullParams, rows[0].droppedParams], macs: [rows[0].fullMacs, rows[0].droppedMacs],
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// Sparse storage against sparsity

export interface StorageCurve {
  layer: string;
  /** The sparsities asked for. */
  sparsities: number[];
  /** Zeros among the layer's int8 weights: at least the pruned share (int8 rounds tiny weights to 0 too). */
  int8Sparsity: number[];
  /** Bytes of the layer's int8 weights in each format at each sparsity, index bytes included. */
  bytes: Record<SparseFormat, number[]>;
  /** Above this int8 sparsity each format is smaller than dense (breakEvenSparsity at the layer's shape). */
  breakEven: Record<SparseFormat, number>;
}

/**
 * Prunes `layer` of a copy of `model` to each sparsity (magnitude, the other layers untouched), quantizes the
 * copy as lesson 08 does, and encodes the layer's int8 weights in every format: the bytes come from real
 * weights, not from the formulas.
 */
export function storageCurve(model: tf.LayersModel, layer: string, sparsities: readonly number[], calibration: tf.Tensor): StorageCurve {
  const fn = "storageCurve";
  checkFractions(sparsities, "sparsity", fn);
  if (!model.layers.some((l) => l.name === layer)) throw new RangeError(`${fn}: no layer named "${layer}" in model "${model.name}"`);
  const bytes = Object.fromEntries(SPARSE_FORMATS.map((f) => [f, [] as number[]])) as Record<SparseFormat, number[]>;
  const int8Sparsity: number[] = [];
  let shape: [number, number] | null = null;
  for (const s of sparsities) {
    const copy = copyModel(model);
    const [kernel, ...rest] = copy.getLayer(layer).getWeights();
    const mask = magnitudeMask(kernel.dataSync(), s);
    const pruned = tf.tidy(() => kernel.mul(tf.tensor(mask, kernel.shape, "float32")));
    copy.getLayer(layer).setWeights([pruned, ...rest]);
    pruned.dispose();
    const row = layerStorage(quantizeModel(copy, { calibration })).layers.find((l) => l.layer === layer);
    copy.dispose();
    if (!row) throw new RangeError(`${fn}: layer "${layer}" has no conv, depthwise or dense weights in the quantized graph`);
    shape = [row.rows, row.cols];
    int8Sparsity.push(row.sparsity);
    for (const f of SPARSE_FORMATS) bytes[f].push(row.bytes[f]);
  }
  const [rows, cols] = shape as [number, number];
  const breakEven = Object.fromEntries(SPARSE_FORMATS.map((f) => [f, breakEvenSparsity(f, rows, cols)])) as Record<SparseFormat, number>;
  return { layer, sparsities: [...sparsities], int8Sparsity, bytes, breakEven };
}
