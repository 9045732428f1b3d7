// The pipeline's stages, each one call into the lesson that teaches it: lesson 10's firmware measures the
// board's instructions per MAC (calibrate), lesson 04 scales the net to the board (scale), lesson 06 trains
// a teacher and distils the student (teacher, student, distil), lesson 07 removes filters (prune), lesson
// 08 quantizes, with QAT when PTQ costs too much (quantize), lesson 10 runs the int8 graph on the board's
// QEMU machine (firmware), and course-lib/streaming runs it on raw audio with the front end in C (stream).
// Each stage takes plain inputs and returns a JSON result; models and graphs are files in its cache folder.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { RUNTIME_RESERVE } from "../boards/budget";
import { getBoard } from "../boards/catalogue";
import { distill } from "../compress/distill/distill";
import { channelPrune } from "../compress/prune/structured";
import type { KeywordsDataset } from "../data/keywords";
import { deployGraph, type DeployReport } from "../deploy/deploy";
import { FirmwareDoesNotFit } from "../deploy/errors";
import { elfSymbols } from "../deploy/elf";
import { deployTarget } from "../deploy/machines";
import { firmwareParts } from "../deploy/show";
import { keywordTrainStats } from "../data/keywords";
import { runStreamingOnBoard } from "../streaming/device";
import { NOT_KEYWORDS, streamClips } from "./stream";
import { phinet } from "../nets/phinet";
import { withSeededRandom, withSeededRandomAsync } from "../nets/seeded";
import { xinet } from "../nets/xinet";
import type { PhiNetOptions } from "../nets/phinet-plan";
import type { XiNetOptions } from "../nets/xinet-plan";
import { loadLayersModelFromFile, saveLayersModelToDir } from "../profiler/model-files";
import { profileModel } from "../profiler/profile";
import { activationMemory, quantizedFlash } from "../profiler/quantized";
import { foldBatchNormLayers } from "../quantize/fold";
import type { QuantizedGraph } from "../quantize/graph";
import { quantizationAwareTraining } from "../quantize/qat";
import { evaluateQuantized, quantizeInput, quantizeModel } from "../quantize/quantize-model";
import { ImpossibleBudgetError, scaleToBoard, type Family, type ScaleBudget } from "../scaling/scale";
import { argmax } from "../train/metrics";
import { evaluate } from "../train/evaluate";
import type { DisplayTarget } from "../viz/display";
import type { DistillStageOptions, PruneStageOptions, QuantizeStageOptions, ResolvedPipelineOptions, TeacherOptions, TrainOptions } from "./options";

/** The data every training stage reads, loaded once per run. */
export interface PipelineData {
  train: KeywordsDataset;
  validation: KeywordsDataset;
  test: KeywordsDataset;
  /** [H, W, C] of one example. */
  inputShape: [number, number, number];
  numClasses: number;
  classNames: readonly string[];
}

/** A model's footprint as the scaling stage measures it (int8 weights, int8 activations). */
export interface Footprint {
  params: number;
  macs: number;
  flashBytes: number;
  ramBytes: number;
}

export interface Accuracies {
  validation: number;
  test: number;
}

const MODEL_DIR = "model";

export function saveModel(model: tf.LayersModel, dir: string): Promise<string> {
  return saveLayersModelToDir(model, join(dir, MODEL_DIR));
}

export function loadModel(dir: string): Promise<tf.LayersModel> {
  return loadLayersModelFromFile(join(dir, MODEL_DIR, "model.json"));
}

export function saveGraph(graph: QuantizedGraph, dir: string): void {
  writeFileSync(join(dir, "graph.json"), JSON.stringify(graph));
}

export function loadGraph(dir: string): QuantizedGraph {
  return JSON.parse(readFileSync(join(dir, "graph.json"), "utf8")) as QuantizedGraph;
}

/** The footprint of a float model once it is int8 (lesson 02's profiler, batch norm folded). */
export function footprintOf(model: tf.LayersModel): Footprint {
  const t = profileModel(model).totals;
  return { params: t.params.trainable, macs: t.macs, flashBytes: t.flash.int8, ramBytes: t.peakRam.int8 };
}

/** The footprint of the int8 graph itself: its constants and its activation peak. */
export function graphFootprint(graph: QuantizedGraph, macs: number, params: number): Footprint {
  return { params, macs, flashBytes: quantizedFlash(graph).total, ramBytes: activationMemory(graph).peak };
}

export function accuracies(model: tf.LayersModel, data: PipelineData): Accuracies {
  const score = (d: KeywordsDataset) => evaluate(model, { images: d.inputs, labels: d.labels }).accuracy;
  return { validation: score(data.validation), test: score(data.test) };
}

function buildNet(family: Family, options: Record<string, unknown>, seed: number): tf.LayersModel {
  return withSeededRandom(seed, () => (family === "phinet" ? phinet(options as unknown as PhiNetOptions) : xinet(options as unknown as XiNetOptions)));
}

/** micromind's [C, H, W] of the dataset's examples. */
export function chwShape(data: Pick<PipelineData, "inputShape">): number[] {
  const [h, w, c] = data.inputShape;
  return [c, h, w];
}

// ---------------------------------------------------------------------------------------------------------
// calibrate: instructions per MAC on the board, measured on a probe network

export interface CalibrateResult {
  /**
   * The probe the instructions per MAC come from: with a latency budget, the net that budget picks at the
   * memory probe's rate; without one, the memory probe. Its footprint as the profiler estimates it (what the
   * scale stage compares) and as its int8 graph has it.
   */
  probe: { family: Family; options: Record<string, unknown>; macs: number; estimate: Footprint; graph: Footprint };
  /** The largest net that fits the board with RUNTIME_RESERVE: what the reserve is measured on. */
  memoryProbe: { options: Record<string, unknown>; macs: number; perMac: number; estimate: Footprint; graph: Footprint };
  instructionsPerInference: number;
  perMac: number;
  kernels: string;
  clockMHz: number;
  /**
   * What the firmware needs beyond the profiler's estimate of the model, measured on the probe's ELF, plus
   * RESERVE_MARGIN: the reserve the scale stage keeps back instead of lesson 01's RUNTIME_RESERVE.
   */
  reserve: {
    /** Against the profiler's estimate (the scale stage's and the float stages' units). */
    flashBytes: number;
    ramBytes: number;
    /** Against the int8 graph's constants and activation peak (the quantize stage's units). */
    graphFlashBytes: number;
    graphRamBytes: number;
    /** The probe's firmware (without its test input) and, when the run streams, its streaming firmware (without the audio), as linked. */
    firmware: { flash: number; ram: number };
    streaming: { flash: number; ram: number } | null;
  };
}

/**
 * Added to the measured reserve: the scaled net is not the probe (another alpha has other layer widths,
 * and the estimate's small misses, e.g. alignment and per-channel parameters, grow with it) and the
 * pipeline's firmware carries more of the runtime's code paths than one inference of the probe.
 */
export const RESERVE_MARGIN = { flashBytes: 1024, ramBytes: 512 } as const;

/**
 * Builds untrained probes for the board's QEMU machine (the board's core, kernels and stack, but the
 * machine's memory, so a probe always links) and measures:
 *   - on the memory probe, the family's largest net that fits the board with RUNTIME_RESERVE (or with no
 *     reserve when that is too strict; when even that fails nothing fits and this stage says so): what the
 *     firmware needs beyond the profiler's estimate of the model (runtime code, stack, I/O, the estimate's
 *     error; the larger of the classifying firmware and, when the run streams, the streaming one with its C
 *     front end), which replaces the rule-of-thumb RUNTIME_RESERVE;
 *   - with a latency budget, on the rate probe (the net that budget allows at the memory probe's rate): the
 *     instructions per MAC that turn the budget into MACs.
 * The firmware stage measures the deployed model's own rate.
 */
export async function calibrateStage(o: ResolvedPipelineOptions, data: PipelineData, dir: string): Promise<CalibrateResult> {
  let probe: ScaleStageResult;
  try {
    probe = scaleStage(o, data, null, { ...RUNTIME_RESERVE, what: "kept for the runtime (RUNTIME_RESERVE)" });
  } catch (e) {
    if (!(e instanceof ImpossibleBudgetError)) throw e;
    try {
      probe = scaleStage(o, data, null, { flashBytes: 0, ramBytes: 0, what: "" });
    } catch (bare) {
      // Not even with nothing kept back: the message with RUNTIME_RESERVE is the one a learner can act on.
      if (bare instanceof ImpossibleBudgetError) throw e;
      throw bare;
    }
  }
  const target = deployTarget(o.board);
  const first = await probeFirmware(o, data, probe, join(dir, "memory-probe"), true);
  const { classify, streaming, graph: graphed } = first;
  const estimate = probe.footprint;
  const flash = Math.max(classify.flash, streaming?.flash ?? 0);
  const ram = Math.max(classify.ram, streaming?.ram ?? 0);
  const reserve: CalibrateResult["reserve"] = {
    flashBytes: Math.max(0, flash - estimate.flashBytes) + RESERVE_MARGIN.flashBytes,
    ramBytes: Math.max(0, ram - estimate.ramBytes) + RESERVE_MARGIN.ramBytes,
    graphFlashBytes: Math.max(0, flash - graphed.flashBytes) + RESERVE_MARGIN.flashBytes,
    graphRamBytes: Math.max(0, ram - graphed.ramBytes) + RESERVE_MARGIN.ramBytes,
    firmware: classify, streaming,
  };
  const memoryProbe = { options: probe.options, macs: first.report.instructions.macs, perMac: first.report.instructions.perMac, estimate, graph: graphed };
  let rate = first;
  let rateProbe = probe;
  if (o.budgetMs !== null) {
    // Instructions per MAC fall as nets grow (each operator's fixed cost is spread over more MACs): the
    // memory probe may be far larger than what the latency budget allows, so the rate is measured again on
    // the net the budget picks at the first rate, which is close in size to what the scale stage will pick.
    const macs = macBudget(o.budgetMs, target.clockMHz, first.report.instructions.perMac);
    rateProbe = scaleStage(o, data, macs, { flashBytes: reserve.flashBytes, ramBytes: reserve.ramBytes, what: "that the probe's firmware measured beyond the model" });
    rate = await probeFirmware(o, data, rateProbe, join(dir, "rate-probe"), false);
  }
  return {
    probe: { family: o.family, options: rateProbe.options, macs: rate.report.instructions.macs, estimate: rateProbe.footprint, graph: rate.graph },
    memoryProbe,
    instructionsPerInference: rate.report.instructions.perInference,
    perMac: rate.report.instructions.perMac,
    kernels: rate.report.kernels,
    clockMHz: target.clockMHz,
    reserve,
  };
}

/** The untrained probe as firmware linked against the machine's memory (and, when asked and the run streams, as the streaming firmware). */
async function probeFirmware(o: ResolvedPipelineOptions, data: PipelineData, probe: ScaleStageResult, dir: string, withStream: boolean) {
  const model = buildNet(o.family, probe.options, o.seed);
  try {
    const calibration = data.train.inputs.slice(0, Math.min(32, data.train.size));
    const graph = quantizeModel(withSoftmax(model), { calibration, name: "calibration probe", progress: false });
    calibration.dispose();
    const report = await deployGraph(graph, { board: o.board, memory: "machine", count: 1, seed: o.seed, outDir: join(dir, "firmware") });
    const parts = firmwareParts(report, await elfSymbols(report.files.elf), {
      model: readFileSync(join(report.dir, "model.c"), "utf8"), inputs: readFileSync(join(report.dir, "inputs.c"), "utf8"),
    });
    const classify = { flash: parts.flash.total - parts.flash.testInputs, ram: parts.ram.total };
    // The streaming firmware carries the front end (FFT, mel tables, ring): the model must fit beside it.
    let streaming: { flash: number; ram: number } | null = null;
    if (withStream && o.stream) {
      const { clips } = await streamClips(1);
      const r = await runStreamingOnBoard(graph, {
        board: o.board, memory: "machine", clips, features: o.features, normalization: keywordTrainStats(o.features),
        strideFrames: o.stream.strideFrames, detection: { ...o.stream.detection, ignore: NOT_KEYWORDS }, outDir: join(dir, "stream"),
      });
      streaming = { flash: r.memory.flash, ram: r.memory.ram };
    }
    return { report, classify, streaming, graph: graphFootprint(graph, probe.footprint.macs, probe.footprint.params) };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------
// scale: the largest net of the family that fits the board's flash, RAM and MAC budgets

export interface ScaleStageResult {
  family: Family;
  hyperparameters: Record<string, number>;
  options: Record<string, unknown>;
  footprint: Footprint;
  /** What the network may use: the board minus RUNTIME_RESERVE, and the MACs of the latency budget. */
  budget: ScaleBudget;
  /** The next alpha step and the budgets it breaks (why the chosen network is the largest). */
  next: { alpha: number; breaks: string[]; reason: string };
}

/** The MACs one inference may take within budgetMs at the board's clock and the measured instructions per MAC. */
export function macBudget(budgetMs: number, clockMHz: number, perMac: number): number {
  return Math.floor((budgetMs / 1000) * clockMHz * 1e6 / perMac);
}

/** Bytes the scale stage keeps back from the board's flash and RAM, and what they are for (for error messages). */
export interface StageReserve {
  flashBytes: number;
  ramBytes: number;
  what: string;
}

export function scaleStage(o: ResolvedPipelineOptions, data: PipelineData, macs: number | null, reserve: StageReserve): ScaleStageResult {
  const board = getBoard(o.board);
  try {
    const r = scaleToBoard({
      family: o.family, board: o.board, reserve: { flashBytes: reserve.flashBytes, ramBytes: reserve.ramBytes }, inputShape: chwShape(data), numClasses: data.numClasses,
      precision: "int8", budget: macs === null ? undefined : { macs }, fixed: o.net,
    });
    r.model.dispose();
    const m = r.measured;
    return {
      family: o.family, hyperparameters: r.hyperparameters, options: r.options,
      footprint: { params: m.params, macs: m.macs, flashBytes: m.flashBytes, ramBytes: m.ramBytes }, budget: r.budget,
      next: { alpha: r.next.alpha, breaks: r.next.breaks, reason: r.next.reason },
    };
  } catch (e) {
    if (!(e instanceof ImpossibleBudgetError)) throw e;
    const what = e.budget === "macs"
      ? `${e.need.toLocaleString("en-US")} MACs, but ${o.budgetMs} ms at ${board.clockMHz} MHz allows ${e.limit.toLocaleString("en-US")}`
      : `${e.need.toLocaleString("en-US")} B of ${e.budget === "flash" ? "flash" : "RAM"}, but ${board.name} has ${(e.budget === "flash" ? board.flashBytes : board.ramBytes).toLocaleString("en-US")} B ` +
        `minus ${(e.budget === "flash" ? reserve.flashBytes : reserve.ramBytes).toLocaleString("en-US")} B ${reserve.what} = ${e.limit.toLocaleString("en-US")} B`;
    const advice = e.budget === "macs"
      ? "Raise the latency budget or pick a faster board."
      : `Pick a board with more ${e.budget === "flash" ? "flash" : "RAM"}${e.budget === "ram" && o.features === "logmel" ? ", or the smaller MFCC input (features: \"mfcc\")" : ""}.`;
    throw new ImpossibleBudgetError(
      `pipeline: no ${o.family} fits ${board.name}: the smallest one (${Object.entries(e.smallest).map(([k, v]) => `${k} ${v}`).join(", ")}) needs ${what}. ${advice}`,
      { budget: e.budget, need: e.need, limit: e.limit, family: e.family, smallest: e.smallest },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------
// teacher, student (from scratch), distil

export interface TrainedResult {
  footprint: Footprint;
  accuracy: Accuracies;
  /** Mean training loss of the last epoch. */
  finalLoss: number;
  epochs: number;
}

function trainingData(data: PipelineData) {
  return { images: data.train.inputs, labels: data.train.labels };
}

export async function teacherStage(o: { seed: number; teacher: TeacherOptions }, data: PipelineData, dir: string, display: DisplayTarget | false): Promise<TrainedResult> {
  const t = o.teacher;
  const model = buildNet("phinet", { inputShape: data.inputShape, inputLayout: "hwc", includeTop: true, numClasses: data.numClasses, alpha: t.alpha, numLayers: t.numLayers }, o.seed + 1000);
  try {
    const fit = await distill({
      student: model, data: trainingData(data), loss: { temperature: 1, alpha: 0 }, epochs: t.epochs, batchSize: t.batchSize,
      seed: o.seed, learningRate: t.learningRate, title: "teacher", display,
    });
    await saveModel(model, dir);
    return { footprint: footprintOf(model), accuracy: accuracies(model, data), finalLoss: fit.history[fit.history.length - 1].loss, epochs: t.epochs };
  } finally {
    model.dispose();
  }
}

/** The scaled student trained on the labels alone (the baseline distillation must beat) or distilled. */
export async function studentStage(
  o: { seed: number; family: Family; train: TrainOptions },
  scale: ScaleStageResult,
  data: PipelineData,
  dir: string,
  display: DisplayTarget | false,
  kd: { teacher: tf.LayersModel; options: DistillStageOptions } | null,
): Promise<TrainedResult> {
  const model = buildNet(o.family, scale.options, o.seed);
  try {
    const fit = await distill({
      teacher: kd?.teacher ?? null, student: model, data: trainingData(data),
      loss: kd ? { temperature: kd.options.temperature, alpha: kd.options.alpha } : { temperature: 1, alpha: 0 },
      epochs: o.train.epochs, batchSize: o.train.batchSize, seed: o.seed, learningRate: o.train.learningRate,
      title: kd ? "student, distilled" : "student, from scratch", display,
    });
    await saveModel(model, dir);
    return { footprint: footprintOf(model), accuracy: accuracies(model, data), finalLoss: fit.history[fit.history.length - 1].loss, epochs: o.train.epochs };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------
// prune: structured, then a fine-tune (distilled when a teacher is there)

export interface PruneResult extends TrainedResult {
  /** Accuracy right after the filters were removed, before the fine-tune. */
  beforeFineTune: Accuracies;
  groups: number;
}

export async function pruneStage(
  o: { seed: number; train: TrainOptions; prune: PruneStageOptions },
  parent: tf.LayersModel,
  data: PipelineData,
  dir: string,
  display: DisplayTarget | false,
  kd: { teacher: tf.LayersModel; options: DistillStageOptions } | null,
): Promise<PruneResult> {
  const calibration = o.prune.criterion === "energy" ? data.train.inputs.slice(0, Math.min(64, data.train.size)) : undefined;
  const { model, plan } = channelPrune(parent, o.prune.ratio, { criterion: o.prune.criterion, calibration });
  calibration?.dispose();
  try {
    const beforeFineTune = accuracies(model, data);
    let finalLoss = NaN;
    if (o.prune.epochs > 0) {
      const fit = await distill({
        teacher: kd?.teacher ?? null, student: model, data: trainingData(data),
        loss: kd ? { temperature: kd.options.temperature, alpha: kd.options.alpha } : { temperature: 1, alpha: 0 },
        epochs: o.prune.epochs, batchSize: o.train.batchSize, seed: o.seed, learningRate: o.train.learningRate / 2,
        title: "pruned student, fine-tune", display,
      });
      finalLoss = fit.history[fit.history.length - 1].loss;
    }
    await saveModel(model, dir);
    return { footprint: footprintOf(model), accuracy: accuracies(model, data), beforeFineTune, finalLoss, epochs: o.prune.epochs, groups: plan.groups.length };
  } finally {
    model.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------
// quantize: PTQ, and QAT when PTQ loses more than the threshold on validation

export interface QuantizeResult {
  method: "ptq" | "qat";
  footprint: Footprint;
  /** The float model the int8 graph came from (validation and test). */
  float: Accuracies;
  ptq: Accuracies;
  qat: (Accuracies & { epochs: number; trainingFloat: Accuracies }) | null;
  /** The chosen graph's accuracy through the integer interpreter. */
  int8: Accuracies;
  /** Points of validation accuracy PTQ lost against the float model. */
  ptqLossPoints: number;
  reason: string;
  /** Predicted class of every scored test clip through the integer interpreter. */
  testPredictions: number[];
}

/** The logits model with a softmax on top: the deployed graph outputs int8 probabilities (scale 1/256). */
export function withSoftmax(model: tf.LayersModel): tf.LayersModel {
  const probabilities = tf.layers.softmax({ name: "probabilities" }).apply(model.outputs[0]) as tf.SymbolicTensor;
  return tf.model({ inputs: model.inputs, outputs: probabilities, name: model.name });
}

function int8Accuracies(graph: QuantizedGraph, data: PipelineData): Accuracies & { predictions: Int32Array } {
  const v = evaluateQuantized(graph, data.validation.inputs, data.validation.labels);
  const t = evaluateQuantized(graph, data.test.inputs, data.test.labels);
  return { validation: v.accuracy, test: t.accuracy, predictions: t.predictions };
}

export async function quantizeStage(
  o: { seed: number; board: string; train: TrainOptions; quantize: QuantizeStageOptions },
  model: tf.LayersModel,
  data: PipelineData,
  dir: string,
  display: DisplayTarget | false,
): Promise<QuantizeResult> {
  const q = o.quantize;
  const float = accuracies(model, data);
  const calibration = data.train.inputs.slice(0, Math.min(q.calibrationClips, data.train.size));
  const name = `keyword spotter (${o.board})`;
  try {
    const ptqGraph = quantizeModel(withSoftmax(model), { calibration, name, progress: false });
    const ptq = int8Accuracies(ptqGraph, data);
    const ptqLossPoints = (float.validation - ptq.validation) * 100;
    let graph = ptqGraph;
    let chosen = ptq;
    let method: "ptq" | "qat" = "ptq";
    let qat: QuantizeResult["qat"] = null;
    let reason = `PTQ lost ${ptqLossPoints.toFixed(1)} points of validation accuracy (threshold ${q.qatThresholdPoints}): PTQ kept`;
    if (q.forceQat || ptqLossPoints > q.qatThresholdPoints) {
      const folded = foldBatchNormLayers(model);
      try {
        const run = await withSeededRandomAsync(o.seed, () => quantizationAwareTraining(folded, trainingData(data), {
          weightBits: 8, fromLogits: true, fit: { epochs: q.qatEpochs, batchSize: o.train.batchSize, seed: o.seed, title: "QAT", display },
        }));
        const qatGraph = quantizeModel(withSoftmax(run.model), { calibration, activationRanges: run.activationRanges, name, progress: false });
        const qatAcc = int8Accuracies(qatGraph, data);
        const trainingFloat = accuracies(run.trainingModel, data);
        qat = { validation: qatAcc.validation, test: qatAcc.test, epochs: q.qatEpochs, trainingFloat };
        const why = q.forceQat ? "QAT forced" : `PTQ lost ${ptqLossPoints.toFixed(1)} points (> ${q.qatThresholdPoints})`;
        if (qatAcc.validation >= ptq.validation) {
          graph = qatGraph;
          chosen = qatAcc;
          method = "qat";
          reason = `${why}: QAT ran and kept (validation ${(qatAcc.validation * 100).toFixed(1)} % vs PTQ ${(ptq.validation * 100).toFixed(1)} %)`;
        } else {
          reason = `${why}: QAT ran but did worse on validation (${(qatAcc.validation * 100).toFixed(1)} % vs PTQ ${(ptq.validation * 100).toFixed(1)} %): PTQ kept`;
        }
        run.model.dispose();
      } finally {
        folded.dispose();
      }
    }
    saveGraph(graph, dir);
    const fp = footprintOf(model);
    return {
      method, footprint: graphFootprint(graph, fp.macs, fp.params), float, ptq: { validation: ptq.validation, test: ptq.test }, qat,
      int8: { validation: chosen.validation, test: chosen.test }, ptqLossPoints, reason, testPredictions: Array.from(chosen.predictions),
    };
  } finally {
    calibration.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------
// firmware: the int8 graph on the board's QEMU machine, the first N scored test clips compiled in

export interface FirmwareResult {
  clips: number;
  /** Firmware builds the clips were split over (the clips are compiled into flash, which a small board runs out of). */
  builds: number;
  labels: number[];
  /** argmax of the firmware's int8 outputs, per clip. */
  predictions: number[];
  /** argmax of the integer interpreter's outputs on the same clips. */
  interpreterPredictions: number[];
  bitExact: boolean;
  accuracy: number;
  interpreterAccuracy: number;
  /** The firmware's flash without the compiled-in test clips (on a device the input comes from the microphone). */
  flashBytes: number;
  /** The flash of the largest build, test clips included. */
  flashWithClipsBytes: number;
  ramBytes: number;
  arenaBytes: number;
  stackPeakBytes: number;
  instructionsPerInference: number;
  macs: number;
  perMac: number;
  latencyMs: number;
  clockMHz: number;
  kernels: string;
  elf: string;
  latencyNote: string;
}

/**
 * Runs the first `clips` scored test clips on the board. The clips are compiled into the firmware's flash, so
 * when they do not all fit beside the model (a 64 KB board holds a few), they run in several builds of as many
 * clips as fit; the model's own flash is reported without them.
 */
export async function firmwareStage(
  o: { board: string; seed: number; firmware: { clips: number } },
  graph: QuantizedGraph,
  data: PipelineData,
  dir: string,
  onProgress?: (detail: string) => void,
): Promise<FirmwareResult> {
  const n = Math.min(o.firmware.clips, data.test.size);
  const per = data.test.inputs.shape.slice(1).reduce((a, b) => a * b, 1);
  const values = data.test.inputs.slice(0, n).dataSync();
  const inputs = Array.from({ length: n }, (_, k) => quantizeInput(graph, values.subarray(k * per, (k + 1) * per)));
  const labels = Array.from(data.test.classIndices.slice(0, n));
  const reports: DeployReport[] = [];
  let batch = n;
  for (let start = 0; start < n;) {
    const part = inputs.slice(start, start + batch);
    try {
      const report = await deployGraph(graph, {
        board: o.board, inputs: part, outDir: join(dir, "firmware"),
        onProgress: (stage, detail) => onProgress?.(`clips ${start + 1}-${start + part.length}: ${stage}${detail ? `, ${detail}` : ""}`),
      });
      reports.push(report);
      start += part.length;
    } catch (e) {
      // Too many clips in flash: retry with as many as the overflow leaves room for; the model alone must fit.
      if (!(e instanceof FirmwareDoesNotFit) || e.region !== "FLASH" || part.length === 1) throw e;
      const fewer = part.length - Math.ceil(e.overflowBytes / per) - 1;
      if (fewer < 1) throw e;
      batch = fewer;
    }
  }
  const predictions = reports.flatMap((r) => r.outputs.map((out) => argmax(out)));
  const interpreterPredictions = reports.flatMap((r) => r.expected.map((out) => argmax(out)));
  const score = (p: number[]) => p.filter((c, k) => c === labels[k]).length / n;
  const last = reports[reports.length - 1];
  const largest = reports.reduce((a, b) => (b.memory.flash > a.memory.flash ? b : a));
  const weightedInstructions = reports.reduce((sum, r) => sum + r.instructions.perInference * r.inputs, 0) / n;
  return {
    clips: n, builds: reports.length, labels, predictions, interpreterPredictions, bitExact: reports.every((r) => r.bitExact),
    accuracy: score(predictions), interpreterAccuracy: score(interpreterPredictions),
    flashBytes: largest.memory.flash - largest.inputs * per, flashWithClipsBytes: largest.memory.flash,
    ramBytes: last.memory.ram, arenaBytes: last.memory.arena, stackPeakBytes: Math.max(...reports.map((r) => r.memory.stackPeak)),
    instructionsPerInference: weightedInstructions, macs: last.instructions.macs, perMac: weightedInstructions / last.instructions.macs,
    latencyMs: (weightedInstructions / (last.latency.clockMHz * 1e6)) * 1e3, clockMHz: last.latency.clockMHz, kernels: last.kernels, elf: last.files.elf,
    latencyNote: last.latency.note,
  };
}

/** The board's flash and RAM as the firmware stages check them (the whole chip: the linker enforces it). */
export function boardMemory(board: string): { flashBytes: number; ramBytes: number; clockMHz: number; name: string } {
  const t = deployTarget(board);
  return { flashBytes: t.flashBytes, ramBytes: t.ramBytes, clockMHz: t.clockMHz, name: t.name };
}
