// runStreamingOnBoard(): the capstone's keyword spotter on an emulated board, checked against software
// written independently of the C. The model (codegen.ts), the front end's tables (frontend-tables.ts), the
// stream's parameters and the test audio become C next to c/stream_app.c and c/frontend.c; buildFirmware
// links them for the board (the audio in a region of its own beyond the board's flash: it stands in for a
// microphone and is not part of the firmware), runOnQemu runs them with the instruction counter, and the
// UART (protocol.ts) is held against:
//   - features: features.ts on the same samples (float64), then generate-keywords.ts's uint8 rounding;
//   - outputs: runQuantized on the device's own int8 inputs, which it prints frame by frame: bit for bit;
//   - detections: detect.ts on the device's own outputs: exactly;
// and the instruction counts become the work per frame, per inference and per second of audio, and the
// share of the board's clock it needs (an estimate, as deploy.ts labels latency: QEMU counts instructions).
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { logMelSpectrogram, mfccFromLogMel, resolveConfig } from "../data/audio/features";
import { KEYWORD_CLASSES } from "../data/keywords";
import { buildFirmware } from "../deploy/build";
import { REPO_ROOT, checkKernelSet, type KernelSet } from "../deploy/c/sources";
import { generateModelSources } from "../deploy/codegen";
import { slug } from "../deploy/deploy";
import { memoryBeyondFlash } from "../deploy/linker-script";
import { checkLinkMemory, deployTarget, withMachineMemory, type DeployTarget, type LinkMemory } from "../deploy/machines";
import { checkPlan, planMemory } from "../deploy/planner";
import { runOnQemu } from "../deploy/qemu";
import type { QuantizedGraph } from "../quantize/graph";
import { prepareQuantized, runQuantized } from "../quantize/interpreter";
import { quantizeInput } from "../quantize/quantize-model";
import { detectKeywords, resolveDetectionOptions, type Detection, type DetectionOptions } from "./detect";
import { frontEndTables, logMelToUint8, logMelValues, type StreamingFeatures } from "./frontend-tables";
import { parseStreamOutput, type StreamOutput } from "./protocol";
import { realTimeLoad } from "./real-time";
import { AUDIO_SECTION, FRONTEND_SOURCES, STREAM_APP_SOURCE, audioSource, clipToInt16, streamConfigSources } from "./stream-sources";

export type StreamingStage = "generate" | "build" | "run" | "compare";

export interface StreamingOptions {
  /** A catalogue board id whose flash is smaller than its QEMU machine's code memory (room for the audio), e.g. "stm32l476rg". */
  board: string;
  /** The test audio, one clip after another: int16 samples, or floats in [-1, 1) (×32768, rounded). */
  clips: (Int16Array | Float32Array)[];
  /** Class index of each clip (what a listener should hear), for the per-clip summary. */
  labels?: number[];
  /** Class names for the summary; default the keyword dataset's 12 when the model has 12 outputs. */
  classNames?: readonly string[];
  /** What the model takes per frame: 40 log-mel bins or 10 MFCCs. */
  features: StreamingFeatures;
  /** The train split's per-bin / per-coefficient statistics (keywordTrainStats(features)). */
  normalization: { mean: number[]; std: number[] };
  /** A new inference every this many frames (default 10: 200 ms at the 20 ms hop). */
  strideFrames?: number;
  detection: DetectionOptions;
  /** Default: "optimized" on cores with the DSP extension. */
  kernels?: KernelSet;
  /** Default build/streaming/<model>-<board>. */
  outDir?: string;
  onProgress?: (stage: StreamingStage, detail?: string) => void;
  /** QEMU's time limit (default 60 s). */
  timeoutMs?: number;
  /** "board" (default): the board's flash and RAM, the audio beyond the flash; "machine": the QEMU machine's whole memory less the audio (withMachineMemory), to measure a firmware that may not fit the board. */
  memory?: LinkMemory;
}

/** min / mean / max of a per-frame or per-inference instruction count. */
export interface CountSummary {
  mean: number;
  min: number;
  max: number;
}

export interface FeatureCheck {
  features: StreamingFeatures;
  /** Values per frame in the model's input (40 log-mel bins or 10 MFCCs). */
  width: number;
  /** Largest |device − features.ts| of the log-mel values before rounding (float32 against float64). */
  maxAbsLogMelDelta: number;
  /** uint8 log-mel values that differ from the TypeScript rounding, of `uint8Total`. */
  uint8Differing: number;
  uint8Total: number;
  uint8DifferingFraction: number;
  /** Largest |device − TS| of a uint8 value, in quantisation steps (0.1 in ln units). */
  maxUint8Step: number;
  /** Every device uint8 is the dataset's rounding of the device's own float log-mel (exact by construction). */
  roundingOfOwnLogMel: boolean;
  /** Device int8 input values that differ from the training pipeline (keywords.ts's float32 normalisation + quantizeInput) applied to the device's uint8, of the total; ±1 at most. */
  inputDiffering: number;
  inputTotal: number;
  maxInputStep: number;
  /** The tolerances of the checks (see FEATURE_TOLERANCE). */
  tolerance: typeof FEATURE_TOLERANCE;
  withinTolerance: boolean;
}

export interface OutputCheck {
  inferences: number;
  /** Every output byte equals runQuantized on the device's own int8 input. */
  bitExact: boolean;
  firstMismatch: null | { inference: number; index: number; expected: number; got: number };
}

export interface DeviceDetection extends Detection {
  /** The frame after which the inference ran, and the end of its input window in seconds of audio. */
  frame: number;
  atSeconds: number;
  /** The clip the window ends in, and the class's name. */
  clip: number;
  label: string;
}

export interface DetectionCheck {
  /** What the device reported. */
  device: DeviceDetection[];
  /** detect.ts on the device's outputs. */
  reference: Detection[];
  /** Same inferences, classes, sums and counts. */
  equal: boolean;
  /** Per clip: its label (when given) and the classes detected while a window ended inside it. */
  perClip: { clip: number; label: string | null; detected: string[] }[];
}

export interface WorkReport {
  /** Instructions of the front end per frame (hop buffer, FFT, mel, log, rounding, normalisation). */
  frontEndPerFrame: CountSummary;
  /** Instructions of the model per inference (first operator to the end of the last). */
  modelPerInference: CountSummary;
  /** The rest of an inference: the copy of the ring into the model's input and the smoothing/detection step. */
  streamingPerInference: CountSummary;
  framesPerSecond: number;
  inferencesPerSecond: number;
  /** frontEndPerFrame · frames/s + (model + streaming) · inferences/s. */
  perSecondOfAudio: number;
  realTime: {
    clockMHz: number;
    /** perSecondOfAudio / (clockMHz · 10⁶): the share of the core at one instruction per cycle. */
    coreFraction: number;
    keepsUp: boolean;
    note: string;
  };
}

export interface StreamingMemory {
  /** Firmware flash from the ELF (text + data), without the audio. */
  flash: number;
  /** data + bss (bss includes the stack region). */
  ram: number;
  /** The test audio's bytes, in their own region beyond the board's flash. */
  audioBytes: number;
  stackPeak: number;
  /** The model's arena (inside ram). */
  arena: number;
  /** The ring of int8 input rows (inside ram). */
  ringBytes: number;
  /** The front end's const tables (inside flash). */
  frontEndTables: number;
  sections: { text: number; data: number; bss: number };
}

export interface StreamingReport {
  model: string;
  target: { id: string; name: string; machine: string; core: string; clockMHz: number; flashBytes: number; ramBytes: number };
  kernels: KernelSet;
  dir: string;
  stream: { clips: number; samples: number; seconds: number; frames: number; inferences: number; windowFrames: number; strideFrames: number };
  features: FeatureCheck;
  outputs: OutputCheck;
  detections: DetectionCheck;
  work: WorkReport;
  memory: StreamingMemory;
  /** features.withinTolerance, outputs.bitExact and detections.equal. */
  passed: boolean;
  files: { elf: string; uart: string; report: string };
}

/**
 * How close the device's features must be to features.ts. The device computes in float32 and TypeScript in
 * float64: the FFT (9 radix-2 stages), the mel sums and the log each round at about 6e-8 relative, which
 * moves ln E by up to a few 1e-5 in quiet bands (measured: 1.0e-5 on the device tests' 3 clips, 4.4e-5 on one
 * shipped test clip of each class). 1e-3 leaves more than an order of margin and is still 1 % of the 0.1
 * quantisation step, so a uint8 value can only flip when TypeScript's value lies within 1e-3 of a rounding
 * boundary, and then by one step: with values spread evenly across a step that is at most 2 % of them, and at
 * the measured differences well under 0.1 % (none of 23 520 flipped); a flip rate above 0.5 % means a real error.
 */
export const FEATURE_TOLERANCE = { maxAbsLogMelDelta: 1e-3, uint8DifferingFraction: 5e-3, maxUint8Step: 1, maxInputStep: 1 } as const;

function summary(values: number[]): CountSummary {
  if (values.length === 0) return { mean: 0, min: 0, max: 0 };
  return { mean: values.reduce((s, v) => s + v, 0) / values.length, min: Math.min(...values), max: Math.max(...values) };
}

function resolveKernels(target: DeployTarget, kernels: KernelSet | undefined): KernelSet {
  if (kernels === undefined) return target.hasDsp ? "optimized" : "reference";
  checkKernelSet(kernels, "runStreamingOnBoard: kernels");
  if (kernels === "optimized" && !target.hasDsp) throw new RangeError(`runStreamingOnBoard: ${target.id} (${target.core}) has no DSP extension; use kernels "reference"`);
  return kernels;
}

/** Instructions per frame and per inference from the marks, in the order the UART lines came (see stream_app.c). */
export function streamingInstructions(marks: number[], order: ("f" | "i")[], ops: number): { frontEnd: number[]; model: number[]; streaming: number[] } {
  const frontEnd: number[] = [];
  const model: number[] = [];
  const streaming: number[] = [];
  let p = 0;
  for (const kind of order) {
    if (kind === "f") {
      if (p + 2 > marks.length) break;
      frontEnd.push(marks[p + 1] - marks[p]);
      p += 2;
    } else {
      if (p + ops + 3 > marks.length) break;
      const m = marks[p + 1 + ops] - marks[p + 1];
      model.push(m);
      streaming.push(marks[p + ops + 2] - marks[p] - m);
      p += ops + 3;
    }
  }
  if (p !== marks.length) {
    throw new Error(`runStreamingOnBoard: the instruction counter recorded ${marks.length} marks, but ${order.filter((o) => o === "f").length} frames and ${order.filter((o) => o === "i").length} inferences of a ${ops}-op model account for ${p}`);
  }
  return { frontEnd, model, streaming };
}

function checkOptions(graph: QuantizedGraph, options: StreamingOptions) {
  if (options === null || typeof options !== "object") throw new RangeError("runStreamingOnBoard: options must be an object with board, clips, features, normalization and detection");
  const boardTarget = deployTarget(options.board);
  const memory = checkLinkMemory(options.memory, "runStreamingOnBoard");
  const audioBytes = Array.isArray(options.clips) ? 4 * Math.ceil(options.clips.reduce((s, c) => s + (c?.length ?? 0), 0) / 2) : 0;
  const target = memory === "machine" ? withMachineMemory(boardTarget, Math.max(4, audioBytes)) : boardTarget;
  const audioRegion = memoryBeyondFlash(target);
  if (!audioRegion) {
    throw new RangeError(
      `runStreamingOnBoard: ${target.id}'s flash (${target.flash.bytes} bytes) fills its QEMU machine's code memory, leaving no room for the test audio outside the firmware; ` +
        "expected a catalogue board with less flash than its machine, e.g. stm32l476rg or stm32f303k8",
    );
  }
  if (options.features !== "logmel" && options.features !== "mfcc") {
    throw new RangeError(`runStreamingOnBoard: features must be "logmel" or "mfcc", got ${JSON.stringify(options.features)}`);
  }
  if (!Array.isArray(options.clips) || options.clips.length === 0) throw new RangeError("runStreamingOnBoard: clips must be a non-empty array of int16 or float clips");
  const clips = options.clips.map((c, i) => clipToInt16(c, i));
  const config = resolveConfig();
  const samples = clips.reduce((s, c) => s + c.length, 0);
  if (samples < config.frameLength) throw new RangeError(`runStreamingOnBoard: ${samples} samples of audio make no frame (a frame is ${config.frameLength})`);
  if (2 * samples > audioRegion.bytes) throw new RangeError(`runStreamingOnBoard: ${2 * samples} bytes of audio do not fit the ${audioRegion.bytes} bytes beyond ${target.id}'s flash`);
  const strideFrames = options.strideFrames ?? 10;
  if (!(Number.isInteger(strideFrames) && strideFrames >= 1)) throw new RangeError(`runStreamingOnBoard: strideFrames must be an integer >= 1, got ${strideFrames}`);
  const detection = resolveDetectionOptions(options.detection);
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) throw new RangeError(`runStreamingOnBoard: graph "${graph.name}" must have one input and one output, has ${graph.inputs.length} and ${graph.outputs.length}`);
  const width = options.features === "mfcc" ? config.numMfcc : config.numMelBins;
  // The input must be [1,] frames × width [× 1]: one row per frame, as the ring is copied in.
  const inputShape = graph.tensors[graph.inputs[0]].shape;
  const core = inputShape.slice(inputShape.length > 2 && inputShape[0] === 1 ? 1 : 0);
  if (core.length === 3 && core[2] === 1) core.pop();
  if (core.length !== 2 || core[1] !== width) {
    throw new RangeError(`runStreamingOnBoard: the graph's input [${inputShape}] is not frames × ${width} ${options.features} values (expected e.g. [1, 49, ${width}, 1])`);
  }
  const windowFrames = core[0];
  const output = graph.tensors[graph.outputs[0]];
  const classes = output.shape.reduce((a, b) => a * b, 1);
  const q = output.quant;
  if (!q || q.scale[0] !== Math.fround(1 / 256) || q.zeroPoint[0] !== -128) {
    throw new RangeError(
      `runStreamingOnBoard: the graph's output must be an int8 softmax (scale 1/256, zero point -128) for the detection's probabilities, got scale ${q?.scale[0]}, zero point ${q?.zeroPoint[0]}`,
    );
  }
  const bad = detection.ignore.find((c) => c >= classes);
  if (bad !== undefined) throw new RangeError(`runStreamingOnBoard: detection.ignore lists class ${bad}, but the model has ${classes} outputs`);
  const classNames = options.classNames ?? (classes === KEYWORD_CLASSES.length ? KEYWORD_CLASSES : Array.from({ length: classes }, (_, k) => `class ${k}`));
  if (classNames.length !== classes) throw new RangeError(`runStreamingOnBoard: classNames has ${classNames.length} names for ${classes} classes`);
  if (options.labels !== undefined && (!Array.isArray(options.labels) || options.labels.length !== clips.length || options.labels.some((l) => !(Number.isInteger(l) && l >= 0 && l < classes)))) {
    throw new RangeError(`runStreamingOnBoard: labels must hold one class index (0..${classes - 1}) per clip (${clips.length}), got ${JSON.stringify(options.labels)}`);
  }
  return { target, audioRegion, clips, samples, config, strideFrames, detection, width, windowFrames, classes, classNames, features: options.features, labels: options.labels };
}

/** Generate, build, run on QEMU and check: see the header. */
export async function runStreamingOnBoard(graph: QuantizedGraph, options: StreamingOptions): Promise<StreamingReport> {
  const o = checkOptions(graph, options);
  const { target, config, width, windowFrames, classes } = o;
  const kernels = resolveKernels(target, options.kernels);
  const progress = options.onProgress ?? (() => undefined);
  const inputT = graph.tensors[graph.inputs[0]];

  progress("generate", `${graph.operators.length} operators, ${o.features === "mfcc" ? "MFCC" : "log-mel"} front end, ${o.clips.length} clips`);
  const plans = planMemory(graph);
  checkPlan(graph, plans.course);
  const model = generateModelSources(graph, plans.course, { inputs: [new Int8Array(windowFrames * width)], kernels });
  const tables = frontEndTables({ features: options.features, normalization: options.normalization, input: { scale: inputT.quant!.scale[0], zeroPoint: inputT.quant!.zeroPoint[0] } });
  const audio = audioSource(o.clips);
  const files: Record<string, string> = {
    "model.h": model.files["model.h"],
    "model.c": model.files["model.c"],
    ...tables.files,
    ...streamConfigSources({ windowFrames, strideFrames: o.strideFrames, classes, detection: o.detection, audioSamples: audio.samples, clips: o.clips.length }),
    "audio.c": audio.text,
  };
  const dir = resolve(options.outDir ?? join(REPO_ROOT, "build", "streaming", `${slug(graph.name)}-${target.id}`));
  mkdirSync(dir, { recursive: true });
  const sources = Object.entries(files).map(([name, text]) => {
    writeFileSync(join(dir, name), text);
    return join(dir, name);
  });

  progress("build", `arm-none-eabi-gcc for ${target.core}, audio beyond the flash at 0x${o.audioRegion.origin.toString(16)}`);
  const built = await buildFirmware({
    dir, sources, target, kernels, app: STREAM_APP_SOURCE, extraSources: [...FRONTEND_SOURCES],
    extraRegions: [{ name: "AUDIO", ...o.audioRegion, sections: [AUDIO_SECTION], what: "test audio standing in for the microphone" }],
  });

  progress("run", `qemu-system-arm -M ${target.machine}, ${(o.samples / config.sampleRate).toFixed(1)} s of audio`);
  const run = await runOnQemu({ elf: built.elf, target, countInstructions: true, timeoutMs: options.timeoutMs ?? 60_000 });
  const uartPath = join(dir, "uart.txt");
  writeFileSync(uartPath, run.uart);
  const app = parseStreamOutput(run.uart);
  if (app.hardfault || !app.ended) throw new Error(`runStreamingOnBoard: the firmware ${app.hardfault ? "faulted" : "stopped without \"end\""} after ${app.frames.length} frames; UART in ${uartPath}`);

  progress("compare", `${app.frames.length} frames, ${app.inferences.length} inferences`);
  const report: StreamingReport = {
    model: graph.name,
    target: { id: target.id, name: target.name, machine: target.machine, core: target.core, clockMHz: target.clockMHz, flashBytes: target.flashBytes, ramBytes: target.ramBytes },
    kernels, dir,
    stream: {
      clips: o.clips.length, samples: o.samples, seconds: o.samples / config.sampleRate, frames: app.frames.length, inferences: app.inferences.length,
      windowFrames, strideFrames: o.strideFrames,
    },
    features: checkFeatures(graph, app, o.clips, options),
    outputs: checkOutputs(graph, app, windowFrames),
    detections: checkDetections(app, o),
    work: work(app, run.marks ?? [], graph.operators.length, target, o.strideFrames, config.frameStep / config.sampleRate),
    memory: {
      flash: built.flash, ram: built.ram, audioBytes: built.extraRegions.find((r) => r.name === "AUDIO")?.bytes ?? 0, stackPeak: app.stackPeak ?? 0,
      arena: model.arenaBytes, ringBytes: windowFrames * width, frontEndTables: tables.tableBytes, sections: built.sizes,
    },
    passed: false,
    files: { elf: built.elf, uart: uartPath, report: join(dir, "report.json") },
  };
  report.passed = report.features.withinTolerance && report.outputs.bitExact && report.detections.equal;
  writeFileSync(report.files.report, JSON.stringify(report, null, 2) + "\n");
  return report;
}

function checkFeatures(graph: QuantizedGraph, app: StreamOutput, clips: Int16Array[], options: StreamingOptions): FeatureCheck {
  const all = new Float64Array(clips.reduce((s, c) => s + c.length, 0));
  let at = 0;
  for (const c of clips) for (let i = 0; i < c.length; i++) all[at++] = c[i] / 32768;
  const ts = logMelSpectrogram(all);
  if (ts.frames !== app.frames.length) throw new Error(`runStreamingOnBoard: the device computed ${app.frames.length} frames, features.ts ${ts.frames} of the same ${all.length} samples`);
  const bins = ts.bins;
  let maxDelta = 0;
  let differing = 0;
  let maxStep = 0;
  let ownRounding = true;
  for (const f of app.frames) {
    for (let m = 0; m < bins; m++) {
      const reference = ts.data[f.index * bins + m];
      maxDelta = Math.max(maxDelta, Math.abs(f.logMel[m] - reference));
      const step = Math.abs(f.quantised[m] - logMelToUint8(reference));
      if (step > 0) differing++;
      maxStep = Math.max(maxStep, step);
      if (f.quantised[m] !== logMelToUint8(f.logMel[m])) ownRounding = false;
    }
  }
  // The device's int8 rows against the training pipeline applied to the device's own uint8 values.
  let inputDiffering = 0;
  let maxInputStep = 0;
  const width = app.header!.width;
  for (const f of app.frames) {
    const expected = trainingInputRow(graph, f.quantised, options.features, options.normalization);
    for (let k = 0; k < width; k++) {
      const step = Math.abs(expected[k] - f.row[k]);
      if (step > 0) inputDiffering++;
      maxInputStep = Math.max(maxInputStep, step);
    }
  }
  const total = app.frames.length * bins;
  const fraction = total > 0 ? differing / total : 0;
  const t = FEATURE_TOLERANCE;
  return {
    features: options.features, width,
    maxAbsLogMelDelta: maxDelta, uint8Differing: differing, uint8Total: total, uint8DifferingFraction: fraction, maxUint8Step: maxStep,
    roundingOfOwnLogMel: ownRounding,
    inputDiffering, inputTotal: app.frames.length * width, maxInputStep,
    tolerance: t,
    withinTolerance: maxDelta <= t.maxAbsLogMelDelta && fraction <= t.uint8DifferingFraction && maxStep <= t.maxUint8Step && ownRounding && maxInputStep <= t.maxInputStep,
  };
}

/**
 * One frame's int8 model input as training made it from the dataset's uint8 log-mel: keywords.ts dequantises
 * into float32, derives MFCCs (mfccFromLogMel) if asked, standardises into a Float32Array, and quantizeInput
 * rounds half away from zero. The device folds these steps into one float32 multiply-add, so it may differ
 * by one step where a value lands on a rounding boundary.
 */
export function trainingInputRow(graph: QuantizedGraph, quantised: Uint8Array, features: StreamingFeatures, normalization: { mean: number[]; std: number[] }): Int8Array {
  const dequantised = logMelValues();
  const values = Float32Array.from(quantised, (q) => dequantised[q]);
  const row = features === "mfcc" ? mfccFromLogMel(values, 1, values.length, normalization.mean.length) : values;
  const normalised = Float32Array.from(row, (v, k) => (v - normalization.mean[k]) / normalization.std[k]);
  // quantizeInput takes whole inputs: pad the row to the graph's input size and keep the row's part.
  const padded = new Float32Array(prepareQuantized(graph).inputSize);
  padded.set(normalised);
  return quantizeInput(graph, padded).slice(0, normalised.length);
}

function checkOutputs(graph: QuantizedGraph, app: StreamOutput, windowFrames: number): OutputCheck {
  const width = app.header!.width;
  let firstMismatch: OutputCheck["firstMismatch"] = null;
  for (const inf of app.inferences) {
    const input = new Int8Array(windowFrames * width);
    for (let r = 0; r < windowFrames; r++) input.set(app.frames[inf.frame - windowFrames + 1 + r].row, r * width);
    const expected = runQuantized(graph, input);
    const i = expected.findIndex((v, k) => v !== inf.output[k]);
    if (i >= 0) {
      firstMismatch = { inference: inf.index, index: i, expected: expected[i], got: inf.output[i] };
      break;
    }
  }
  return { inferences: app.inferences.length, bitExact: firstMismatch === null, firstMismatch };
}

function checkDetections(app: StreamOutput, o: ReturnType<typeof checkOptions>): DetectionCheck {
  const reference = detectKeywords(app.inferences.map((i) => i.output), o.detection);
  const key = (d: { inference: number; class: number; sum: number; count: number }) => `${d.inference}:${d.class}:${d.sum}:${d.count}`;
  const equal = reference.length === app.detections.length && reference.every((d, k) => key(d) === key(app.detections[k]));
  const clipStarts: number[] = [];
  let at = 0;
  for (const c of o.clips) {
    clipStarts.push(at);
    at += c.length;
  }
  const clipOf = (sample: number) => {
    let k = 0;
    while (k + 1 < clipStarts.length && clipStarts[k + 1] <= sample) k++;
    return k;
  };
  const device: DeviceDetection[] = app.detections.map((d) => {
    const frame = app.inferences[d.inference].frame;
    const end = frame * o.config.frameStep + o.config.frameLength; // one past the window's last sample
    return {
      inference: d.inference, class: d.class, score: d.sum / (256 * d.count), sum: d.sum, count: d.count,
      frame, atSeconds: end / o.config.sampleRate, clip: clipOf(end - 1), label: o.classNames[d.class],
    };
  });
  const perClip = o.clips.map((_, clip) => ({
    clip,
    label: o.labels ? o.classNames[o.labels[clip]] : null,
    detected: device.filter((d) => d.clip === clip).map((d) => d.label),
  }));
  return { device, reference, equal, perClip };
}

function work(app: StreamOutput, marks: number[], ops: number, target: DeployTarget, strideFrames: number, hopSeconds: number): WorkReport {
  const counted = streamingInstructions(marks, app.order, ops);
  const frontEndPerFrame = summary(counted.frontEnd);
  const modelPerInference = summary(counted.model);
  const streamingPerInference = summary(counted.streaming);
  const load = realTimeLoad({
    frontEndPerFrame: frontEndPerFrame.mean, modelPerInference: modelPerInference.mean + streamingPerInference.mean,
    hopMs: hopSeconds * 1000, strideFrames, clockMHz: target.clockMHz,
  });
  return {
    frontEndPerFrame, modelPerInference, streamingPerInference,
    framesPerSecond: load.framesPerSecond, inferencesPerSecond: load.inferencesPerSecond, perSecondOfAudio: load.instructionsPerSecond,
    realTime: {
      clockMHz: target.clockMHz, coreFraction: load.coreFraction, keepsUp: load.keepsUp,
      note: `instructions per second of audio / ${target.clockMHz} MHz at one instruction per cycle: an estimate (QEMU counts instructions, not cycles; wait states, multi-cycle instructions and the microphone's interrupts make the real board busier)`,
    },
  };
}
