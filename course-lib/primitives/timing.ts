// Measured cost of the building blocks: times single operators (or small blocks) on the active tfjs
// backend, inference only, so lesson 02 can compare the time per MAC of a standard convolution with a
// pointwise, depthwise, separable or dense layer doing the same amount of arithmetic.
//
// Why time per MAC: closed-form MACs (cost.ts) say how much arithmetic an operator does, not how fast a
// backend does it. Kernels differ in how well they reuse data from caches and registers; a 3x3 conv
// re-reads each input 9 * cOut times, a depthwise conv barely reuses anything, so it is memory-bound.
// XiNet (Ancilotto et al., ICCV 2023) calls the ratio of an operator's MAC throughput to the standard
// conv's its efficiency eta_op; `efficiencyVsReference` computes that ratio from our measurements.
//
// Method: each operator is its own one-layer model with a fixed input; the first `warmupRuns` calls are
// not timed (they allocate buffers, pick kernels and let V8 optimise), then `runs` calls of predict() +
// dataSync() (so asynchronous backends are timed end to end) are timed one by one and the median is kept:
// the median ignores the odd run slowed down by another process on a shared machine.
import * as tf from "@tensorflow/tfjs";
import { profileModel } from "../profiler/profile";
import { useOneThread } from "../runtime/backend";
import { defaultDisplayTarget, newDisplayId, type DisplayTarget } from "../viz/display";
import { escapeHtml } from "../viz/plot";

/** One operator to time: `build` turns the input into the operator's output (tfjs functional API). */
export interface OperatorCase {
  name: string;
  /** Input shape without the batch axis, e.g. [32, 32, 16]. */
  inputShape: number[];
  build(input: tf.SymbolicTensor): tf.SymbolicTensor;
}

export interface TimingOptions {
  /** Timed runs per operator (default 7); the median is reported. */
  runs?: number;
  /** Untimed runs before timing (default 2). */
  warmupRuns?: number;
  /** Batch size of each predict() call (default 1: a microcontroller runs one input at a time). */
  batchSize?: number;
  /** Title of the progress display. */
  title?: string;
  /** Where progress goes (default: the notebook, or the console outside Jupyter). */
  target?: DisplayTarget;
}

export interface OperatorTiming {
  name: string;
  /** MACs of one inference (batch 1), counted by the profiler. */
  macs: number;
  params: number;
  outputShape: number[];
  /** Median milliseconds per predict() call (for the whole batch). */
  medianMs: number;
  /** Every timed run, in milliseconds, in the order they ran. */
  runsMs: number[];
  /** Median nanoseconds per MAC (for the whole batch: medianMs / (macs * batchSize)). */
  nsPerMac: number;
  /** MACs per second at the median time. */
  macsPerSecond: number;
  batchSize: number;
  backend: string;
}

function positiveInteger(value: number, what: string): number {
  if (!Number.isInteger(value) || value < 1) throw new RangeError(`timeOperators: ${what} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Median of a non-empty list (mean of the two middle values for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median: expected at least one value, got an empty list");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** An in-place progress line in the notebook (plain lines in a console), for loops longer than a few seconds. */
export function stepProgress(title: string, total: number, target: DisplayTarget = defaultDisplayTarget()) {
  const started = performance.now();
  const id = newDisplayId();
  let shown = false;
  const render = (done: number, label: string) => {
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    const text = `${title}: ${done}/${total} ${label} (${seconds} s)`;
    const pct = Math.round((100 * done) / total);
    const html =
      `<div style="font:13px sans-serif"><b>${escapeHtml(title)}</b> ${done}/${total} · ${escapeHtml(label)} · ${seconds} s` +
      `<div style="background:#eee;width:320px;height:8px;margin-top:3px"><div style="background:#1f77b4;width:${pct}%;height:8px"></div></div></div>`;
    const bundle = { "text/html": html, "text/plain": text };
    if (!shown) {
      target.show(bundle, id);
      shown = true;
    } else {
      target.update(bundle, id);
    }
  };
  return {
    /** Says what is running now (updates in place in a notebook; silent in a console to avoid noise). */
    working(done: number, label: string) {
      if (target.kind !== "console") render(done, label);
    },
    /** Reports a finished step (updates in place in a notebook; a line in a console, except for the many small steps of long loops). */
    step(done: number, label: string) {
      if (target.kind !== "console" || done === total || total <= 12) render(done, label);
    },
  };
}

/**
 * Times each operator's inference on the active backend (see the header for the method). Runs are
 * interleaved, one run of every operator per round, so a burst of load from another process slows all
 * operators alike instead of whichever happened to be running: the ratios between operators stay fair.
 */
export async function timeOperators(cases: OperatorCase[], options: TimingOptions = {}): Promise<OperatorTiming[]> {
  if (!Array.isArray(cases) || cases.length === 0) throw new RangeError("timeOperators: expected a non-empty list of operator cases");
  const runs = positiveInteger(options.runs ?? 7, "runs");
  const warmupRuns = options.warmupRuns ?? 2;
  if (!Number.isInteger(warmupRuns) || warmupRuns < 0) throw new RangeError(`timeOperators: warmupRuns must be a non-negative integer, got ${String(warmupRuns)}`);
  const batchSize = positiveInteger(options.batchSize ?? 1, "batchSize");
  // A microcontroller runs an operator on one core. A thread pool (COURSE_THREADS) splits even batch-1
  // operators into tiles and adds its own synchronisation, which reorders their per-MAC efficiency
  // (runtime/README.md, Threads), so the process drops to one thread before timing.
  useOneThread("timeOperators times operators as one microcontroller core runs them");
  const rounds = warmupRuns + runs;
  const progress = stepProgress(options.title ?? `Timing ${cases.length} operators on ${tf.getBackend()}`, rounds, options.target);
  progress.working(0, `building ${cases.length} models`);
  const built = cases.map((c, index) => {
    const input = tf.input({ shape: c.inputShape });
    const model = tf.model({ inputs: input, outputs: c.build(input), name: `timed_${index}` });
    const profile = profileModel(model);
    const x = tf.randomUniform([batchSize, ...c.inputShape], -1, 1, "float32", 7 + index);
    return { c, model, profile, x, runsMs: [] as number[] };
  });
  const once = (b: (typeof built)[number]): number => {
    const t0 = performance.now();
    tf.tidy(() => {
      (b.model.predict(b.x) as tf.Tensor).dataSync();
    });
    return performance.now() - t0;
  };
  try {
    for (let round = 0; round < rounds; round++) {
      const warm = round < warmupRuns;
      for (const b of built) {
        const ms = once(b);
        if (!warm) b.runsMs.push(ms);
      }
      progress.step(round + 1, warm ? `warm-up round ${round + 1}/${warmupRuns}` : `timed round ${round - warmupRuns + 1}/${runs}`);
      // Yield to the event loop so the progress display is flushed while we measure.
      await new Promise((resolve) => setImmediate(resolve));
    }
    return built.map((b) => {
      const medianMs = median(b.runsMs);
      const macs = b.profile.totals.macs;
      return {
        name: b.c.name, macs, params: b.profile.totals.params.total, outputShape: b.model.outputs[0].shape.slice(1) as number[],
        medianMs, runsMs: b.runsMs, nsPerMac: macs > 0 ? (medianMs * 1e6) / (macs * batchSize) : NaN,
        macsPerSecond: (macs * batchSize) / (medianMs / 1000), batchSize, backend: tf.getBackend(),
      };
    });
  } finally {
    for (const b of built) {
      b.x.dispose();
      b.model.dispose();
    }
  }
}

/**
 * XiNet's eta_op: each operator's MAC throughput divided by the reference operator's (usually the
 * standard 3x3 conv). Above 1 means more MACs per second than the reference, below 1 fewer.
 */
export function efficiencyVsReference(timings: OperatorTiming[], referenceName: string): { name: string; efficiency: number }[] {
  const ref = timings.find((t) => t.name === referenceName);
  if (!ref) {
    throw new RangeError(`efficiencyVsReference: no timing named ${JSON.stringify(referenceName)}; expected one of: ${timings.map((t) => t.name).join(", ")}`);
  }
  return timings.map((t) => ({ name: t.name, efficiency: t.macsPerSecond / ref.macsPerSecond }));
}
