// The pipeline's options: what the learner (or `npm run pipeline`) chooses, the presets that fill in the
// rest, and the checks that turn a bad value into an error naming it. Every stage reads only the resolved
// options, so the cache key of a stage is the part of these options it reads (see stages.ts).
import type { DetectionOptions as StreamingDetectionOptions } from "../streaming/detect";
import { BOARDS } from "../boards/catalogue";
import { deployTarget } from "../deploy/machines";
import type { KeywordFeatures } from "../data/keywords";
import type { FilterCriterion } from "../compress/prune/structured";
import type { Family } from "../scaling/scale";
import type { DisplayTarget } from "../viz/display";

export const PIPELINE_DATASETS = ["keywords"] as const;
export type PipelineDataset = (typeof PIPELINE_DATASETS)[number];

/** How much work each stage does: "full" for the command line, "quick" for the notebook, "test" for npm test. */
export type PipelinePreset = "full" | "quick" | "test";

export interface DataOptions {
  /** Train clips kept (a seeded random subset of the train split), null for all. */
  trainLimit: number | null;
  /** Whole speakers of the train split held out for validation (model selection, the QAT decision). */
  validationFraction: number;
  /** Test clips scored in float and by the integer interpreter, null for the whole test split. */
  testLimit: number | null;
}

export interface TrainOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export interface TeacherOptions extends TrainOptions {
  /** The teacher is a wider PhiNet of the same depth budget: it does not have to fit the board. */
  alpha: number;
  numLayers: number;
}

export interface DistillStageOptions {
  temperature: number;
  /** Weight of the soft (teacher) term; 1 − alpha weighs the labels. */
  alpha: number;
}

export interface PruneStageOptions {
  /** Fraction of the filters of every prunable channel group removed (structured: the saving is real). */
  ratio: number;
  criterion: FilterCriterion;
  /** Fine-tune epochs after the cut (distilled from the teacher when the distil stage ran). */
  epochs: number;
}

export interface QuantizeStageOptions {
  /** Train clips used to calibrate the activation ranges. */
  calibrationClips: number;
  /** QAT runs when PTQ loses more than this many points of validation accuracy. */
  qatThresholdPoints: number;
  /** Run QAT whatever PTQ loses. */
  forceQat: boolean;
  qatEpochs: number;
}

export interface FirmwareStageOptions {
  /** The test split's first N clips run on the board's QEMU machine. */
  clips: number;
}

/** The shipped raw audio has 4 test clips of each of the 10 words: the streaming stage plays at most these. */
export const STREAM_CLIPS_MAX = 40;

/** The streaming firmware's posterior smoothing (course-lib/streaming/detect.ts); silence and unknown are never reported. */
export type DetectionOptions = Omit<StreamingDetectionOptions, "ignore">;

export interface StreamStageOptions {
  /** Raw test clips (shipped audio) played one after the other into the streaming firmware. */
  clips: number;
  /** The model runs every strideFrames new feature frames (20 ms each). */
  strideFrames: number;
  detection: DetectionOptions;
}

export interface PipelineOptions {
  dataset: PipelineDataset;
  /** A catalogue board with a QEMU machine (course-lib/boards/catalogue.ts), e.g. "stm32l476rg". */
  board: string;
  /** Latency budget of one inference at the board's clock, in ms; null for none (flash and RAM only). */
  budgetMs?: number | null;
  seed?: number;
  preset?: PipelinePreset;
  features?: KeywordFeatures;
  family?: Family;
  /** Name of the run's folder under outDir (default `<dataset>-<board>-<features>-s<seed>`). */
  run?: string;
  /** Default build/pipeline. */
  outDir?: string;
  /** Default <outDir>/cache. */
  cacheDir?: string;
  /** PhiNet/XiNet options held fixed while scaling (numLayers, downsamplingLayers...). */
  net?: Record<string, unknown>;
  data?: Partial<DataOptions>;
  teacher?: Partial<TeacherOptions>;
  train?: Partial<TrainOptions>;
  /** false skips distillation (the student trained from scratch goes on). */
  distill?: Partial<DistillStageOptions> | false;
  /** false skips pruning. */
  prune?: Partial<PruneStageOptions> | false;
  quantize?: Partial<QuantizeStageOptions>;
  /** false stops after quantization (no firmware). */
  firmware?: Partial<FirmwareStageOptions> | false;
  /** false skips the streaming firmware. */
  stream?: (Partial<Omit<StreamStageOptions, "detection">> & { detection?: Partial<DetectionOptions> }) | false;
  /** Progress display: default the notebook inside a kernel, lines on a console target, false for none. */
  display?: DisplayTarget | false;
}

export interface ResolvedPipelineOptions {
  dataset: PipelineDataset;
  board: string;
  budgetMs: number | null;
  seed: number;
  preset: PipelinePreset;
  features: KeywordFeatures;
  family: Family;
  run: string;
  outDir: string;
  cacheDir: string;
  net: Record<string, unknown>;
  data: DataOptions;
  teacher: TeacherOptions;
  train: TrainOptions;
  distill: DistillStageOptions | false;
  prune: PruneStageOptions | false;
  quantize: QuantizeStageOptions;
  firmware: FirmwareStageOptions | false;
  stream: StreamStageOptions | false;
}

type PresetValues = Omit<ResolvedPipelineOptions, "dataset" | "board" | "budgetMs" | "seed" | "preset" | "features" | "family" | "run" | "outDir" | "cacheDir">;

const DETECTION: DetectionOptions = { window: 3, threshold: 0.6, suppression: 5 };

/**
 * The presets. "full" is the command line's default (minutes per board on a laptop); "quick" is what the
 * notebook runs for two boards within its time budget; "test" is the smallest run that still goes through
 * every stage (npm test). The net's depth is fixed at 7 blocks (micromind's default) with downsampling at
 * blocks 5 and 7, so that scaling trades width (alpha, beta, t0) for the board.
 */
export const PIPELINE_PRESETS: Readonly<Record<PipelinePreset, PresetValues>> = {
  full: {
    net: { numLayers: 7 },
    data: { trainLimit: null, validationFraction: 0.15, testLimit: null },
    teacher: { alpha: 0.75, numLayers: 4, epochs: 12, batchSize: 64, learningRate: 0.005 },
    train: { epochs: 20, batchSize: 64, learningRate: 0.005 },
    distill: { temperature: 4, alpha: 0.9 },
    prune: { ratio: 0.25, criterion: "l1", epochs: 6 },
    quantize: { calibrationClips: 256, qatThresholdPoints: 1, forceQat: false, qatEpochs: 3 },
    firmware: { clips: 48 },
    stream: { clips: 4, strideFrames: 10, detection: DETECTION },
  },
  quick: {
    net: { numLayers: 7 },
    data: { trainLimit: 1200, validationFraction: 0.15, testLimit: null },
    teacher: { alpha: 0.5, numLayers: 4, epochs: 6, batchSize: 64, learningRate: 0.005 },
    train: { epochs: 6, batchSize: 64, learningRate: 0.005 },
    distill: { temperature: 4, alpha: 0.9 },
    prune: { ratio: 0.25, criterion: "l1", epochs: 2 },
    quantize: { calibrationClips: 128, qatThresholdPoints: 1, forceQat: false, qatEpochs: 1 },
    firmware: { clips: 24 },
    stream: { clips: 3, strideFrames: 10, detection: DETECTION },
  },
  test: {
    net: { numLayers: 7 },
    data: { trainLimit: 360, validationFraction: 0.15, testLimit: 120 },
    teacher: { alpha: 0.25, numLayers: 4, epochs: 1, batchSize: 64, learningRate: 0.005 },
    train: { epochs: 1, batchSize: 64, learningRate: 0.005 },
    distill: { temperature: 4, alpha: 0.9 },
    prune: { ratio: 0.25, criterion: "l1", epochs: 1 },
    quantize: { calibrationClips: 32, qatThresholdPoints: 1, forceQat: false, qatEpochs: 1 },
    firmware: { clips: 6 },
    stream: { clips: 2, strideFrames: 10, detection: DETECTION },
  },
};

export class PipelineOptionError extends RangeError {
  constructor(message: string) {
    super(`pipeline: ${message}`);
    this.name = "PipelineOptionError";
  }
}

const fail = (message: string): never => {
  throw new PipelineOptionError(message);
};

function checkKeys(what: string, given: object | undefined, allowed: readonly string[]): void {
  if (given === undefined) return;
  if (given === null || typeof given !== "object" || Array.isArray(given)) fail(`${what} must be an object, got ${JSON.stringify(given)}`);
  for (const k of Object.keys(given)) {
    if (!allowed.includes(k)) fail(`unknown option ${what}.${k}; expected one of ${allowed.join(", ")}`);
  }
}

function int(what: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
    fail(`${what} must be an integer ${max === Infinity ? `>= ${min}` : `in ${min}..${max}`}, got ${JSON.stringify(v)}`);
  }
  return v as number;
}

function num(what: string, v: unknown, ok: (x: number) => boolean, expected: string): number {
  if (typeof v !== "number" || !Number.isFinite(v) || !ok(v)) fail(`${what} must be ${expected}, got ${JSON.stringify(v)}`);
  return v as number;
}

/** Merges a section over its preset, or false; rejects unknown keys. */
function section<T extends object>(what: string, preset: T, given: Partial<T> | false | undefined): T {
  checkKeys(what, given === false ? undefined : given, Object.keys(preset));
  return { ...preset, ...(given || {}) } as T;
}

const OPTION_NAMES = [
  "dataset", "board", "budgetMs", "seed", "preset", "features", "family", "run", "outDir", "cacheDir", "net", "data", "teacher",
  "train", "distill", "prune", "quantize", "firmware", "stream", "display",
];

/** Boards the pipeline can deploy to: catalogue boards with a QEMU machine. */
export function pipelineBoards(): string[] {
  return BOARDS.filter((b) => b.qemuMachine !== null).map((b) => b.id);
}

/** Fills in the preset and checks every value; the error names the option, the value and what is expected. */
export function resolvePipelineOptions(options: PipelineOptions, defaultOutDir: string): ResolvedPipelineOptions {
  if (options === null || typeof options !== "object") fail(`options must be an object with a dataset and a board, got ${JSON.stringify(options)}`);
  for (const k of Object.keys(options)) if (!OPTION_NAMES.includes(k)) fail(`unknown option ${JSON.stringify(k)}; expected one of ${OPTION_NAMES.join(", ")}`);
  const dataset = options.dataset;
  if (!PIPELINE_DATASETS.includes(dataset as PipelineDataset)) {
    fail(`dataset ${JSON.stringify(dataset)} is not there; the pipeline knows ${PIPELINE_DATASETS.map((d) => JSON.stringify(d)).join(", ")} (datasets/<name>)`);
  }
  const boards = pipelineBoards();
  if (typeof options.board !== "string" || !boards.includes(options.board)) {
    const known = BOARDS.some((b) => b.id === options.board);
    fail(
      known
        ? `board ${JSON.stringify(options.board)} has no QEMU machine to run its firmware on; expected one of ${boards.join(", ")}`
        : `unknown board ${JSON.stringify(options.board)}; expected one of ${boards.join(", ")}`,
    );
  }
  deployTarget(options.board);
  const preset = options.preset ?? "full";
  if (!(preset in PIPELINE_PRESETS)) fail(`preset must be one of ${Object.keys(PIPELINE_PRESETS).join(", ")}, got ${JSON.stringify(preset)}`);
  const p = PIPELINE_PRESETS[preset];
  const budgetMs = options.budgetMs ?? null;
  if (budgetMs !== null) num("budgetMs", budgetMs, (x) => x > 0, "a latency in ms > 0 (or null for none)");
  const seed = int("seed", options.seed ?? 1, 0);
  const features = options.features ?? "mfcc";
  if (features !== "mfcc" && features !== "logmel") fail(`features must be "mfcc" (49x10) or "logmel" (49x40), got ${JSON.stringify(features)}`);
  const family = options.family ?? "phinet";
  if (family !== "phinet" && family !== "xinet") fail(`family must be "phinet" or "xinet", got ${JSON.stringify(family)}`);
  const run = options.run ?? `${dataset}-${options.board}-${features}-s${seed}`;
  if (typeof run !== "string" || !/^[A-Za-z0-9._-]+$/.test(run)) fail(`run must be a folder name of letters, digits, ".", "_" or "-", got ${JSON.stringify(run)}`);
  const outDir = options.outDir ?? defaultOutDir;
  const cacheDir = options.cacheDir ?? `${outDir}/cache`;
  for (const [k, v] of [["outDir", outDir], ["cacheDir", cacheDir]] as const) if (typeof v !== "string" || v === "") fail(`${k} must be a directory path, got ${JSON.stringify(v)}`);
  if (options.net !== undefined && (options.net === null || typeof options.net !== "object" || Array.isArray(options.net))) fail(`net must be an object of ${family} options, got ${JSON.stringify(options.net)}`);
  for (const k of ["alpha", "beta", "t0", "gamma", "inputShape", "includeTop", "numClasses"]) {
    if (options.net && k in options.net) fail(`net.${k} is set by the pipeline (scaling searches alpha/beta/t0/gamma; the input and the head come from the dataset); remove it`);
  }
  const net = { ...p.net, ...(options.net ?? {}) };

  const data = section("data", p.data, options.data);
  if (data.trainLimit !== null) int("data.trainLimit", data.trainLimit, 24);
  if (data.testLimit !== null) int("data.testLimit", data.testLimit, 12);
  num("data.validationFraction", data.validationFraction, (x) => x > 0 && x < 0.5, "a fraction in (0, 0.5)");
  const trainSection = (what: string, t: TrainOptions) => {
    int(`${what}.epochs`, t.epochs, 1, 1000);
    int(`${what}.batchSize`, t.batchSize, 1, 4096);
    num(`${what}.learningRate`, t.learningRate, (x) => x > 0 && x < 1, "a learning rate in (0, 1)");
  };
  const teacher = section("teacher", p.teacher, options.teacher);
  trainSection("teacher", teacher);
  num("teacher.alpha", teacher.alpha, (x) => x > 0 && x <= 3, "a width multiplier in (0, 3]");
  int("teacher.numLayers", teacher.numLayers, 3, 12);
  const train = section("train", p.train, options.train);
  trainSection("train", train);
  const distill = options.distill === false ? false : section("distill", p.distill as DistillStageOptions, options.distill);
  if (distill) {
    num("distill.temperature", distill.temperature, (x) => x > 0, "a temperature > 0");
    num("distill.alpha", distill.alpha, (x) => x >= 0 && x <= 1, "a weight in [0, 1]");
  }
  const prune = options.prune === false ? false : section("prune", p.prune as PruneStageOptions, options.prune);
  if (prune) {
    num("prune.ratio", prune.ratio, (x) => x > 0 && x < 1, "a fraction of filters in (0, 1) (use prune: false to skip pruning)");
    if (!["l1", "l2", "energy"].includes(prune.criterion)) fail(`prune.criterion must be "l1", "l2" or "energy", got ${JSON.stringify(prune.criterion)}`);
    int("prune.epochs", prune.epochs, 0, 1000);
  }
  const quantize = section("quantize", p.quantize, options.quantize);
  int("quantize.calibrationClips", quantize.calibrationClips, 1, 4096);
  num("quantize.qatThresholdPoints", quantize.qatThresholdPoints, (x) => x >= 0, "accuracy points >= 0");
  if (typeof quantize.forceQat !== "boolean") fail(`quantize.forceQat must be true or false, got ${JSON.stringify(quantize.forceQat)}`);
  int("quantize.qatEpochs", quantize.qatEpochs, 1, 1000);
  const firmware = options.firmware === false ? false : section("firmware", p.firmware as FirmwareStageOptions, options.firmware);
  if (firmware) int("firmware.clips", firmware.clips, 1, 720);
  let stream: StreamStageOptions | false = false;
  if (options.stream !== false && firmware !== false) {
    const ps = p.stream as StreamStageOptions;
    const given = options.stream ?? {};
    checkKeys("stream", given, Object.keys(ps));
    const detection = section("stream.detection", ps.detection, given.detection);
    stream = { ...ps, ...given, detection };
    int("stream.clips", stream.clips, 1, STREAM_CLIPS_MAX);
    int("stream.strideFrames", stream.strideFrames, 1, 49);
    int("stream.detection.window", detection.window, 1, 100);
    num("stream.detection.threshold", detection.threshold, (x) => x > 0 && x <= 1, "a probability in (0, 1]");
    int("stream.detection.suppression", detection.suppression, 0, 1000);
  } else if (options.stream && firmware === false) {
    fail("stream needs the firmware stage: remove firmware: false or set stream: false");
  }
  return { dataset: dataset as PipelineDataset, board: options.board, budgetMs, seed, preset, features, family, run, outDir, cacheDir, net, data, teacher, train, distill, prune, quantize, firmware, stream };
}
