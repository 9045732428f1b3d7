// Shapes shared by the benchmark parent (harness.ts), its tfjs child (worker.ts) and build/bench.json readers.
import type { BenchModelName, ParamCounts } from "./models";
import type { StepProfile } from "../runtime/step-profile";

/** Line prefix a child process prints its JSON result after (tfjs may print its own lines on stdout). */
export const RESULT_PREFIX = "BENCH_RESULT ";

/**
 * tfjs backends the benchmark can measure: the course's three (through initBackend with COURSE_BACKEND), plus
 * "wasm-stock", the WebAssembly backend as shipped, without the course's training kernels.
 */
export type TfjsBackendTarget = "node" | "wasm" | "wasm-threads" | "cpu" | "wasm-stock";
export const TFJS_BACKEND_TARGETS: readonly TfjsBackendTarget[] = ["node", "wasm", "wasm-threads", "cpu", "wasm-stock"];

/** A worker target: a backend, or "default" = whatever initBackend() picks with no request. */
export type BenchTarget = TfjsBackendTarget | "default";

/** A speed target: the row it applies to and the least ratios to PyTorch 1 thread (null: no target). */
export interface BenchTargetSpec {
  backend: TfjsBackendTarget;
  trainRatio: number;
  inferRatio: number | null;
  what: string;
}

/** The PyTorch rows: one thread (the reference for the targets) and all cores. */
export type TorchTarget = "torch-1t" | "torch-all";

export interface MeasureSettings {
  /** Seconds one measurement (all reps together) should take; sets the number of timed batches. */
  budgetSec: number;
  reps: number;
  minBatches: number;
  maxBatches: number;
  /** Samples of the untimed first call (default: one full batch). The slow cpu backend warms up on fewer. */
  warmupSamples?: number;
  /** Use exactly this many timed batches, skipping the speed estimate (used to cap the cpu backend). */
  fixedBatches?: number;
}

export interface WorkerConfig {
  target: BenchTarget;
  models: BenchModelName[];
  paramsOnly: boolean;
  train: MeasureSettings;
  infer: MeasureSettings;
  /** Also profile one training step kernel by kernel (--profile). */
  profile?: boolean;
}

export interface PhaseResult {
  /** Median over the timed reps. */
  samplesPerSec: number;
  /** Timed batches per rep. */
  batches: number;
  batchSize: number;
  reps: number;
  repSamplesPerSec: number[];
  /** Wall time of all timed reps. */
  seconds: number;
  /** With --rounds: the median of each round (samplesPerSec is their median). */
  roundSamplesPerSec?: number[];
  /** PyTorch rows: the rate of each process measured (samplesPerSec is the fastest; harness.ts TORCH_PROCESSES). */
  processSamplesPerSec?: number[];
}

export interface WorkerModelResult {
  model: BenchModelName;
  params: ParamCounts;
  train?: PhaseResult;
  infer?: PhaseResult;
  trainError?: string;
  inferError?: string;
  /** One training step kernel by kernel (with --profile). */
  profile?: StepProfile;
  profileError?: string;
}

export interface WorkerOutput {
  target: BenchTarget;
  status: "ok" | "unavailable";
  /** Why the backend could not be initialised. */
  reason?: string;
  /** The course's name of the backend that was initialised (for "default": what initBackend() chose). */
  backendName?: string;
  tfBackend?: string;
  detail?: string;
  tfjs: string;
  results: WorkerModelResult[];
}

export interface TorchOutput {
  torch: string;
  python: string;
  threads: number;
  blasThreadsEnv: Record<string, string | null>;
  results: { model: BenchModelName; params: ParamCounts; train?: PhaseResult; infer?: PhaseResult }[];
}

/** One row of the report: a model measured on one tfjs backend or PyTorch configuration. */
export interface BenchRow {
  model: BenchModelName;
  backend: TfjsBackendTarget | TorchTarget;
  framework: "tfjs" | "torch";
  /** ok: measured; unavailable: the backend could not load (reason); error: a phase failed (see errors). */
  status: "ok" | "unavailable" | "error";
  reason?: string;
  detail?: string;
  isDefaultBackend: boolean;
  train: PhaseResult | null;
  infer: PhaseResult | null;
  trainError?: string;
  inferError?: string;
  /** Set when the measurement was deliberately cut short (cpu backend, --quick). */
  note?: string;
  /** Samples/s divided by PyTorch 1-thread's for the same model (null without a reference). */
  ratioToTorch1t: { train: number | null; infer: number | null };
  ratioToTorchAll: { train: number | null; infer: number | null };
  /** Only for the course wasm rows (all threads, one thread): PASS when every target of that row is met. */
  verdict: "PASS" | "BELOW" | null;
  verdictReason?: string;
  /** One training step kernel by kernel (with --profile). */
  profile?: StepProfile;
}

export interface ModelSummary {
  name: BenchModelName;
  description: string;
  inputShape: number[];
  trainBatch: number;
  inferBatch: number;
  params: { tfjs: ParamCounts | null; torch: ParamCounts | null; equal: boolean | null };
}

export interface BenchReport {
  schema: "tinyml-course-bench/1";
  date: string;
  durationSec: number;
  options: { models: BenchModelName[]; backends: TfjsBackendTarget[]; quick: boolean; torch: boolean; rounds: number };
  machine: {
    cpuModel: string;
    cores: number;
    totalMemoryGiB: number;
    platform: string;
    arch: string;
    node: string;
    tfjs: string;
    torch: string | null;
    python: string | null;
    /** os.loadavg() (1, 5, 15 min) before and after the run: other work on the machine skews every number. */
    loadAverage: { start: number[]; end: number[] };
  };
  defaultBackend: { name: string | null; detail: string };
  torch: { available: boolean; reason?: string };
  /** The speed targets (ratios to PyTorch on one thread) and the row each applies to. */
  targets: { reference: "torch-1t"; rows: BenchTargetSpec[] };
  models: ModelSummary[];
  rows: BenchRow[];
  /** Backends that were asked for but could not be initialised, with the reason. */
  skipped: { backend: string; reason: string }[];
  /** Problems that make the run fail (exit code 1): parameter mismatches, broken backends. */
  problems: string[];
  /** The int8-interpreter rows (absent with --no-int8). */
  int8?: { targetMacPerSec: number; rows: Int8Row[] };
}

/** Models of the int8-interpreter rows (int8-worker.ts): LeNet and the course's keyword-spotting PhiNet. */
export type Int8ModelName = "lenet" | "keyword-phinet";
export const INT8_MODEL_NAMES: readonly Int8ModelName[] = ["lenet", "keyword-phinet"];

export interface Int8WorkerConfig {
  models: Int8ModelName[];
  budgetSec: number;
  reps: number;
  targetMacPerSec: number;
}

/** One int8 row: runQuantized (one input per call) next to the same float network on wasm at batch 1. */
export interface Int8Row {
  model: Int8ModelName;
  description: string;
  /** conv/depthwise/dense multiply-accumulates per inference. */
  macs: number;
  graphOps: number;
  quantizeSec: number;
  int8: { inferPerSec: number; macPerSec: number; repInferPerSec: number[]; calls: number };
  floatBatch1: { backend: string; inferPerSec: number; macPerSec: number; repInferPerSec: number[]; calls: number };
  int8VsFloat: number;
  /** PASS when runQuantized reaches the MAC/s target (INT8_TARGET_MAC_PER_SEC in harness.ts). */
  verdict: "PASS" | "BELOW";
}

export interface Int8WorkerOutput {
  backend: string;
  detail: string;
  rows: Int8Row[];
}
