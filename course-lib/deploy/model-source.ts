// What `npm run deploy -- --model <spec>` deploys: the spec is a tfjs layers model.json (as model.save()
// writes it), `builtin:<name>` (a lesson model of lesson 08's lessonModels()), or an int8 .tflite file (from
// TensorFlow's converter or exportTflite, read with lesson 08's readTflite). A float model is quantized with
// lesson 08's quantizeModel, calibrated on a course dataset (`--calibration digits`) or on N seeded uniform
// inputs (`random:<N>` or `random:<N>:<lo>,<hi>`, for models with no dataset); a builtin without
// --calibration uses its lesson's own calibration batch. A .tflite is already quantized: no calibration.
//
// Test inputs (what the firmware runs and the interpreter checks): examples of the calibration dataset's test
// split when there is one (quantized with the graph's input parameters), else seeded uniform int8 values.
// Every choice is named in `description`, so the CLI prints what it deployed.
import * as fs from "node:fs";
import * as path from "node:path";
import * as tf from "@tensorflow/tfjs";
import { loadFashion } from "../data/fashion";
import { loadKeywords } from "../data/keywords";
import { loadMnist } from "../data/mnist";
import { loadMotion, perAxisStatistics } from "../data/motion";
import { mulberry32, seededPermutation } from "../data/random";
import { loadLayersModelFromFile } from "../profiler/model-files";
import type { QuantizedGraph } from "../quantize/graph";
import { lessonModels, liveBatchNorms, type LessonModel } from "../quantize/lesson-models";
import { quantizeInput, quantizeModel } from "../quantize/quantize-model";
import { readTflite } from "../quantize/tflite/reader";
import { seededInputs, slug } from "./deploy";

export interface DeployModel {
  graph: QuantizedGraph;
  /** File-system-friendly name (graph.name too): the builtin's slug, the model's folder or file name. */
  name: string;
  /** One line: what was loaded and how it was calibrated. */
  description: string;
  /** Where sampleInputs takes its inputs from, e.g. "the digits test split" or "seeded uniform int8". */
  testInputs: string;
  /** `count` quantized test inputs, chosen by `seed` (same seed, same inputs). */
  sampleInputs(count: number, seed: number): Int8Array[];
}

export interface LoadDeployModelOptions {
  /** A dataset name of CALIBRATION_DATASETS, or "random:<N>" / "random:<N>:<lo>,<hi>". */
  calibration?: string;
}

/** Examples per calibration batch taken from a dataset's train split. */
export const CALIBRATION_EXAMPLES = 200;
/** Test-split examples kept for sampleInputs (the most test inputs a dataset gives). */
export const TEST_POOL = 256;
/** The seed of random:<N> calibration inputs. */
export const RANDOM_CALIBRATION_SEED = 1;
/** The seed liveBatchNorms gets for an untrained builtin (as deploy.test.ts). */
const BUILTIN_BN_SEED = 7;

// ---------------------------------------------------------------------------------------------------------
// Calibration datasets: the course's loaders, train split for calibration, test split for test inputs.

export interface CalibrationDataset {
  /** One example's shape, as the model must take it. */
  exampleShape: number[];
  description: string;
  /** Up to `limit` examples of a split (shuffled with seed 1), [n, ...exampleShape]; the caller disposes it. */
  load(split: "train" | "test", limit: number): Promise<tf.Tensor>;
}

async function inputsOf<T extends { inputs: tf.Tensor; dispose(): void }>(loading: Promise<T>): Promise<tf.Tensor> {
  const d = await loading;
  const x = d.inputs.clone();
  d.dispose();
  return x;
}

export const CALIBRATION_DATASETS: Readonly<Record<string, CalibrationDataset>> = {
  digits: {
    exampleShape: [28, 28, 1],
    description: "MNIST digits in [0, 1] (loadMnist seed 42)",
    load: async (split, limit) => {
      const mnist = loadMnist({ seed: 42 });
      const images = mnist[split].images;
      const x = images.slice(0, Math.min(limit, images.shape[0]));
      mnist.dispose();
      return x;
    },
  },
  fashion: {
    exampleShape: [28, 28, 1],
    description: "Fashion-MNIST in [0, 1] (loadFashion seed 1)",
    load: (split, limit) => inputsOf(loadFashion({ split, seed: 1, limit })),
  },
  keywords: {
    exampleShape: [49, 40, 1],
    description: "keyword log-mel features, standardised (loadKeywords seed 1)",
    load: (split, limit) => inputsOf(loadKeywords({ split, seed: 1, limit })),
  },
  "keywords-mfcc": {
    exampleShape: [49, 10, 1],
    description: "keyword MFCC features, standardised (loadKeywords features mfcc, seed 1)",
    load: (split, limit) => inputsOf(loadKeywords({ split, seed: 1, limit, features: "mfcc" })),
  },
  motion: {
    exampleShape: [128, 6],
    description: "motion windows 128×6, standardised (loadMotion seed 1)",
    load: (split, limit) => inputsOf(loadMotion({ split, seed: 1, limit })),
  },
  "motion-statistics": {
    exampleShape: [24],
    description: "per-axis statistics of the motion windows (perAxisStatistics, loadMotion seed 1)",
    load: async (split, limit) => {
      const windows = await inputsOf(loadMotion({ split, seed: 1, limit }));
      const stats = perAxisStatistics(windows as tf.Tensor3D);
      windows.dispose();
      return stats;
    },
  },
};

export type CalibrationSpec =
  | { kind: "dataset"; dataset: string }
  | { kind: "random"; count: number; range: [number, number] };

const RANDOM_SYNTAX = `"random:<N>" or "random:<N>:<lo>,<hi>" (N seeded uniform inputs in [lo, hi], default [-1, 1])`;

/** Parses --calibration: a dataset name or random:<N>[:<lo>,<hi>]. */
export function parseCalibration(text: string): CalibrationSpec {
  if (text.startsWith("random")) {
    const m = /^random:(\d+)(?::(-?\d+(?:\.\d+)?),(-?\d+(?:\.\d+)?))?$/.exec(text);
    if (!m) throw new RangeError(`calibration ${JSON.stringify(text)}: expected ${RANDOM_SYNTAX}`);
    const count = Number(m[1]);
    if (count < 1 || count > 10_000) throw new RangeError(`calibration ${JSON.stringify(text)}: N must be 1..10000, got ${count}`);
    const range: [number, number] = m[2] === undefined ? [-1, 1] : [Number(m[2]), Number(m[3])];
    if (!(range[0] < range[1])) throw new RangeError(`calibration ${JSON.stringify(text)}: lo must be below hi, got [${range}]`);
    return { kind: "random", count, range };
  }
  if (!Object.prototype.hasOwnProperty.call(CALIBRATION_DATASETS, text)) {
    throw new RangeError(`unknown calibration ${JSON.stringify(text)}; expected a dataset (${Object.keys(CALIBRATION_DATASETS).join(", ")}) or ${RANDOM_SYNTAX}`);
  }
  return { kind: "dataset", dataset: text };
}

/** `count` seeded uniform floats per input of `shape` in `range`: [count, ...shape]. */
export function randomCalibration(shape: number[], count: number, range: [number, number], seed = RANDOM_CALIBRATION_SEED): tf.Tensor {
  const size = shape.reduce((a, b) => a * b, 1);
  const random = mulberry32(seed);
  const data = new Float32Array(count * size);
  for (let i = 0; i < data.length; i++) data[i] = range[0] + (range[1] - range[0]) * random();
  return tf.tensor(data, [count, ...shape]);
}

// ---------------------------------------------------------------------------------------------------------
// Model specs.

/** The builtin names: `builtin:<slug>` for each lesson model. */
export function builtinNames(): { spec: string; name: string }[] {
  return lessonModels().map((m) => ({ spec: `builtin:${slug(m.name)}`, name: m.name }));
}

function findBuiltin(key: string): LessonModel {
  const all = lessonModels();
  const found = all.find((m) => slug(m.name) === key || m.name === key);
  if (!found) {
    const listed = all.map((m) => `builtin:${slug(m.name)}`).join(", ");
    const what = key === "" ? "--model builtin needs a name" : `no builtin model ${JSON.stringify(key)}`;
    throw new RangeError(`${what}; expected one of: ${listed}`);
  }
  return found;
}

const sameShape = (a: readonly (number | null)[], b: readonly number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

const UNIFORM = "seeded uniform int8 values";

/** Seeded uniform int8 test inputs (deploy.ts's seededInputs). */
function uniformInputs(graph: QuantizedGraph): DeployModel["sampleInputs"] {
  return (count, seed) => seededInputs(graph, count, seed);
}

/** Test inputs drawn (by seed) from a pool of the dataset's test examples, quantized for the graph. */
function datasetInputs(graph: QuantizedGraph, pool: Float32Array, exampleSize: number, dataset: string): DeployModel["sampleInputs"] {
  const available = pool.length / exampleSize;
  return (count, seed) => {
    if (!(Number.isInteger(count) && count >= 1 && count <= available)) {
      throw new RangeError(`test inputs: ${count} requested; the ${dataset} test split gives 1..${available}`);
    }
    const order = seededPermutation(available, seed);
    return Array.from(order.subarray(0, count), (k) => quantizeInput(graph, pool.subarray(k * exampleSize, (k + 1) * exampleSize)));
  };
}

/** Loads, calibrates and quantizes the model a --model spec names (see the header). */
export async function loadDeployModel(spec: string, options: LoadDeployModelOptions = {}): Promise<DeployModel> {
  const calibration = options.calibration === undefined ? undefined : parseCalibration(options.calibration);

  if (spec === "builtin" || spec.startsWith("builtin:")) {
    const entry = findBuiltin(spec.slice("builtin:".length));
    const name = slug(entry.name);
    return quantizeFloat(() => entry.build(), entry.inputShape, name, calibration, {
      what: `lesson model "${entry.name}" (untrained, seeded weights)`,
      ownCalibration: { batch: () => entry.calibration(32), description: `32 of ${entry.calibrationSource}` },
      liveBatchNorms: true,
    });
  }

  if (spec.toLowerCase().endsWith(".tflite")) {
    if (calibration) throw new RangeError(`--calibration ${JSON.stringify(options.calibration)} does not apply to ${spec}: a .tflite model is already quantized`);
    if (!fs.existsSync(spec)) throw new Error(`model file not found: ${spec} (expected an int8 .tflite)`);
    const name = slug(path.basename(spec, path.extname(spec)));
    const graph = readTflite(new Uint8Array(fs.readFileSync(spec)), { name });
    return { graph, name, description: `int8 .tflite ${path.resolve(spec)} (read with readTflite)`, testInputs: UNIFORM, sampleInputs: uniformInputs(graph) };
  }

  if (spec.toLowerCase().endsWith(".json")) {
    if (!fs.existsSync(spec)) throw new Error(`model file not found: ${spec} (expected a tfjs layers model.json)`);
    if (!calibration) {
      throw new RangeError(`--model ${spec} is a float model: give --calibration <dataset> (${Object.keys(CALIBRATION_DATASETS).join(", ")}) or ${RANDOM_SYNTAX}`);
    }
    const base = path.basename(spec, ".json");
    const name = slug(base === "model" ? path.basename(path.dirname(path.resolve(spec))) : base);
    const model = await loadLayersModelFromFile(spec);
    const inputShape = model.inputs[0].shape.slice(1).map((d) => d ?? -1);
    return quantizeFloat(() => model, inputShape, name, calibration, { what: `tfjs model ${path.resolve(spec)}` });
  }

  throw new RangeError(`--model ${JSON.stringify(spec)}: expected a tfjs model.json, builtin:<name> (see --model builtin) or an int8 .tflite file`);
}

interface FloatSource {
  what: string;
  /** A builtin's own calibration, used when no --calibration is given. */
  ownCalibration?: { batch: () => Promise<tf.Tensor>; description: string };
  /** Give the batch norms of an untrained model their input's statistics (liveBatchNorms). */
  liveBatchNorms?: boolean;
}

async function quantizeFloat(build: () => tf.LayersModel, inputShape: number[], name: string, calibration: CalibrationSpec | undefined, source: FloatSource): Promise<DeployModel> {
  let batch: tf.Tensor;
  let calibrationText: string;
  let pool: { data: Float32Array; dataset: string } | undefined;
  if (calibration?.kind === "dataset") {
    const dataset = CALIBRATION_DATASETS[calibration.dataset];
    if (!sameShape(inputShape, dataset.exampleShape)) {
      throw new RangeError(`--calibration ${calibration.dataset} gives inputs of shape [${dataset.exampleShape}]; the model takes [${inputShape.map((d) => (d < 0 ? "?" : d))}]`);
    }
    batch = await dataset.load("train", CALIBRATION_EXAMPLES);
    const test = await dataset.load("test", TEST_POOL);
    pool = { data: test.dataSync() as Float32Array, dataset: calibration.dataset };
    test.dispose();
    calibrationText = `${batch.shape[0]} train examples of ${calibration.dataset} (${dataset.description})`;
  } else if (calibration?.kind === "random") {
    if (inputShape.some((d) => d < 0)) throw new RangeError(`random calibration needs a fixed input shape; the model takes [${inputShape.map((d) => (d < 0 ? "?" : d))}]`);
    batch = randomCalibration(inputShape, calibration.count, calibration.range);
    calibrationText = `${calibration.count} seeded uniform inputs in [${calibration.range}] (mulberry32 seed ${RANDOM_CALIBRATION_SEED})`;
  } else if (source.ownCalibration) {
    batch = await source.ownCalibration.batch();
    calibrationText = source.ownCalibration.description;
  } else {
    throw new Error("quantizeFloat: no calibration given"); // loadDeployModel checks this first
  }
  const model = build();
  try {
    const live = source.liveBatchNorms === true && model.layers.some((l) => l.getClassName() === "BatchNormalization");
    if (live) liveBatchNorms(model, batch, BUILTIN_BN_SEED);
    const what = live ? `${source.what}, batch norms given their input's statistics (liveBatchNorms)` : source.what;
    const graph = quantizeModel(model, { calibration: batch, name, progress: false });
    const exampleSize = inputShape.reduce((a, b) => a * b, 1);
    const sampleInputs = pool ? datasetInputs(graph, pool.data, exampleSize, pool.dataset) : uniformInputs(graph);
    const testInputs = pool ? `examples of the ${pool.dataset} test split` : UNIFORM;
    return { graph, name, description: `${what}, quantized by quantizeModel on ${calibrationText}`, testInputs, sampleInputs };
  } finally {
    model.dispose();
    batch.dispose();
  }
}
