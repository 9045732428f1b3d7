// Calibration: the real range [min, max] of every activation tensor, measured by running the float model
// on a representative dataset, and the int8 scale / zero point TFLite derives from a range.
//
// Methods (one per call):
// - "minmax": the smallest and largest value seen over all calibration samples (TFLite converter's default);
// - "moving-average": per-batch min and max smoothed by an exponential moving average, as TFMOT's
//   MovingAverageQuantizer does during QAT: m ← decay·m + (1 − decay)·batch. TFMOT starts at ±6 with
//   decay 0.999 over thousands of training steps; a calibration run has a few batches, so the average starts
//   at the first batch's value and the default decay is 0.9 (option movingAverageDecay);
// - "percentile": the (100 − p)-th and p-th percentiles (default p = 99.99), clipping rare outliers;
// - "mse": the clipping range whose int8 quantize-dequantize has the smallest mean squared error on the
//   observed values (searched over a histogram: a common scale factor for both ends, then each end alone).
// Percentile and MSE need the values' distribution: a first pass finds min/max, a second fills a histogram
// of `bins` bins over it. Every range is widened to contain 0, so that 0 (zero padding, ReLU's floor) is
// exactly representable. quantizeModel then widens ranges narrower than MIN_ACTIVATION_SCALE allows and fits
// op inputs to the scales their TFLM kernels accept (fitRangeToScale), recording each change.
import * as tf from "@tensorflow/tfjs";
import type { DisplayTarget } from "../viz/display";
import { roundHalfAway } from "./fixed-point";
import { stepProgress } from "./task-progress";

export type CalibrationMethod = "minmax" | "moving-average" | "percentile" | "mse";
export const CALIBRATION_METHODS: readonly CalibrationMethod[] = ["minmax", "moving-average", "percentile", "mse"];

export interface CalibrationOptions {
  method?: CalibrationMethod;
  /** For "percentile": keep this percentage of the values inside the range on each side (default 99.99). */
  percentile?: number;
  /** For "moving-average": the EMA decay (default 0.9, see the header). */
  movingAverageDecay?: number;
  /** Samples per forward pass (default 32). */
  batchSize?: number;
  /** Histogram bins for "percentile" and "mse" (default 2048). */
  bins?: number;
  /** Progress display: default shown inside a notebook only. */
  progress?: boolean | DisplayTarget;
}

/**
 * One tensor to calibrate: a symbolic tensor of the model (a layer output or a model input), or a value
 * computed eagerly from some of them (e.g. a conv's output before its activation, which no layer outputs).
 */
export type Probe =
  | { name: string; tensor: tf.SymbolicTensor }
  | { name: string; from: tf.SymbolicTensor[]; compute: (inputs: tf.Tensor[]) => tf.Tensor };

export type Range = [number, number];

/** Scale and zero point of an asymmetric int8 tensor covering [min, max] (TFLite's nudging). */
export interface ActivationParams {
  scale: number;
  zeroPoint: number;
}

const QMIN = -128;
const QMAX = 127;

// Re-exported so that calibration users find it next to activationParams; defined in fixed-point.ts.
export { roundHalfAway };

/**
 * TFLite's scale and nudged zero point for a real range (quantization_util NudgeQuantizationRange):
 * scale = (max − min)/255 stored as float32, zp = round(−128 − min/scale) clamped to int8. The range is first
 * widened to contain 0. An all-zero range [0, 0] gets scale 1/255 (every scale represents it exactly).
 * `bits` (default 8) gives the same rule on the signed b-bit grid [−2^(b−1), 2^(b−1)−1] (fake-quant.ts).
 */
export function activationParams(min: number, max: number, bits = 8): ActivationParams {
  if (!Number.isFinite(min) || !Number.isFinite(max) || min > max) {
    throw new RangeError(`activationParams: need finite min <= max, got [${min}, ${max}]`);
  }
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new RangeError(`activationParams: bits must be an integer in 2..8, got ${String(bits)}`);
  const qmin = -(2 ** (bits - 1));
  const qmax = 2 ** (bits - 1) - 1;
  const lo = Math.min(min, 0);
  const hi = Math.max(max, 0);
  const width = hi - lo;
  const scale = Math.fround(width > 0 ? width / (qmax - qmin) : 1 / (qmax - qmin));
  if (!(scale > 0)) throw new RangeError(`activationParams: range [${min}, ${max}] is too narrow for a float32 scale`);
  const zeroPoint = Math.min(qmax, Math.max(qmin, roundHalfAway(qmin - lo / scale)));
  return { scale, zeroPoint };
}

/**
 * The smallest activation scale quantizeModel gives a calibrated tensor: 2^-24, i.e. a range at least
 * 255·2^-24 ≈ 1.5e-5 wide. A narrower range means values below float32's resolution next to 1 (its unit
 * roundoff is 2^-24): in a network whose other tensors are O(1) such a tensor is numerically zero, and its
 * tiny scale would give requantization multipliers TFLM cannot express (LOGISTIC/TANH refuse input scales
 * below 2^-28, SOFTMAX below 2^-26). Untrained deep nets produce such ranges (activations shrink block after
 * block); trained ones practically never do. quantizeModel records every range it widens.
 */
export const MIN_ACTIVATION_SCALE = 2 ** -24;

/**
 * `r` (which contains 0) stretched or shrunk by one factor about 0 until activationParams gives a scale in
 * [atLeast, below): the zero point, i.e. where 0 sits among the 256 levels, stays as calibrated. Returns `r`
 * itself when its scale is already inside. Shrinking clips the tensor's extremes; widening loses nothing.
 */
export function fitRangeToScale(r: Range, limits: { atLeast?: number; below?: number }): Range {
  const atLeast = limits.atLeast ?? 0;
  const below = limits.below ?? Infinity;
  if (!(atLeast >= 0 && below > atLeast)) throw new RangeError(`fitRangeToScale: need 0 <= atLeast < below, got [${atLeast}, ${below})`);
  let [lo, hi] = [Math.min(r[0], 0), Math.max(r[1], 0)];
  let s = activationParams(lo, hi).scale;
  if (s >= atLeast && s < below) return r;
  // The width is > 0 here: a zero range gets scale 1/255, far inside any sensible limits; if not, give up.
  if (!(hi - lo > 0)) throw new RangeError(`fitRangeToScale: the range [${r[0]}, ${r[1]}] has scale ${s}, outside [${atLeast}, ${below})`);
  const target = s < atLeast ? atLeast : below * (1 - 2 ** -12);
  // Scale the range by k, then nudge: float32 rounding of the new scale can land just outside.
  let k = target / s;
  for (let i = 0; i < 64 && !(s >= atLeast && s < below); i++) {
    [lo, hi] = [Math.min(r[0], 0) * k, Math.max(r[1], 0) * k];
    s = activationParams(lo, hi).scale;
    k *= s < atLeast ? 1 + 2 ** -16 : 1 - 2 ** -16;
  }
  if (!(s >= atLeast && s < below)) throw new RangeError(`fitRangeToScale: could not fit [${r[0]}, ${r[1]}] to a scale in [${atLeast}, ${below})`);
  return [lo, hi];
}

/** The real range an (scale, zeroPoint) pair covers: [(−128 − zp)·s, (127 − zp)·s]. */
export function paramsRange(p: ActivationParams): Range {
  return [(QMIN - p.zeroPoint) * p.scale, (QMAX - p.zeroPoint) * p.scale];
}

/** A histogram with equal-width bins over [lo, hi]. */
export interface Histogram {
  lo: number;
  hi: number;
  counts: Float64Array;
}

function addToHistogram(h: Histogram, values: ArrayLike<number>): void {
  const n = h.counts.length;
  const width = h.hi - h.lo;
  if (!(width > 0)) {
    h.counts[0] += values.length;
    return;
  }
  const k = n / width;
  for (let i = 0; i < values.length; i++) {
    let b = Math.floor((values[i] - h.lo) * k);
    if (b < 0) b = 0;
    else if (b >= n) b = n - 1;
    h.counts[b]++;
  }
}

/** The value below which `fraction` of the histogram's mass lies (linear inside a bin). */
function quantile(h: Histogram, fraction: number): number {
  const total = h.counts.reduce((a, b) => a + b, 0);
  const width = (h.hi - h.lo) / h.counts.length;
  const target = fraction * total;
  let acc = 0;
  for (let b = 0; b < h.counts.length; b++) {
    const c = h.counts[b];
    if (acc + c >= target && c > 0) return h.lo + (b + (target - acc) / c) * width;
    acc += c;
  }
  return h.hi;
}

/** Percentile range: [(100 − p)-th, p-th] percentile of the histogram. */
export function percentileRange(h: Histogram, percentile: number): Range {
  if (!(percentile > 50 && percentile <= 100)) throw new RangeError(`percentileRange: percentile must be in (50, 100], got ${percentile}`);
  const f = percentile / 100;
  return [Math.min(quantile(h, 1 - f), 0), Math.max(quantile(h, f), 0)];
}

/** Sum of squared int8 quantize-dequantize errors over the histogram (bin centres) for range [lo, hi]. */
export function histogramQuantError(h: Histogram, lo: number, hi: number): number {
  const { scale, zeroPoint } = activationParams(lo, hi);
  const width = (h.hi - h.lo) / h.counts.length;
  let err = 0;
  for (let b = 0; b < h.counts.length; b++) {
    const c = h.counts[b];
    if (c === 0) continue;
    const v = h.lo + (b + 0.5) * width;
    let q = roundHalfAway(v / scale) + zeroPoint;
    q = q < QMIN ? QMIN : q > QMAX ? QMAX : q;
    const d = v - (q - zeroPoint) * scale;
    err += c * d * d;
  }
  return err;
}

/**
 * MSE range: the clipping range with the smallest int8 quantize-dequantize MSE on the histogram. Searches a
 * common factor a·[min, max] (a in (0, 1], 100 steps), then the low end alone and the high end alone.
 */
export function mseRange(h: Histogram, steps = 100): Range {
  const min = Math.min(h.lo, 0);
  const max = Math.max(h.hi, 0);
  if (!(max - min > 0)) return [min, max];
  let best: Range = [min, max];
  let bestErr = histogramQuantError(h, min, max);
  const consider = (lo: number, hi: number) => {
    if (!(hi - lo > 0)) return;
    const e = histogramQuantError(h, lo, hi);
    if (e < bestErr) {
      bestErr = e;
      best = [lo, hi];
    }
  };
  for (let i = 1; i < steps; i++) consider((min * i) / steps, (max * i) / steps);
  const hi0 = best[1];
  if (min < 0) for (let i = 1; i <= steps; i++) consider((min * i) / steps, hi0);
  const lo1 = best[0];
  if (max > 0) for (let i = 1; i <= steps; i++) consider(lo1, (max * i) / steps);
  return best;
}

function requireOptions(o: CalibrationOptions): Required<Omit<CalibrationOptions, "progress">> {
  const method = o.method ?? "minmax";
  if (!CALIBRATION_METHODS.includes(method)) {
    throw new RangeError(`calibration method must be one of ${CALIBRATION_METHODS.join(", ")}, got ${JSON.stringify(method)}`);
  }
  const percentile = o.percentile ?? 99.99;
  if (!(percentile > 50 && percentile <= 100)) throw new RangeError(`percentile must be in (50, 100], got ${percentile}`);
  const movingAverageDecay = o.movingAverageDecay ?? 0.9;
  if (!(movingAverageDecay >= 0 && movingAverageDecay < 1)) throw new RangeError(`movingAverageDecay must be in [0, 1), got ${movingAverageDecay}`);
  const batchSize = o.batchSize ?? 32;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new RangeError(`batchSize must be a positive integer, got ${batchSize}`);
  const bins = o.bins ?? 2048;
  if (!Number.isInteger(bins) || bins < 16) throw new RangeError(`bins must be an integer >= 16, got ${bins}`);
  return { method, percentile, movingAverageDecay, batchSize, bins };
}

/** Every layer output of `model` (and its inputs), keyed by layer name: the default probe set. */
export function layerOutputProbes(model: tf.LayersModel): Probe[] {
  const probes: Probe[] = [];
  for (const layer of model.layers) {
    const out = layer.output;
    if (Array.isArray(out)) throw new Error(`calibrate: layer "${layer.name}" (${layer.getClassName()}) has several outputs`);
    probes.push({ name: layer.name, tensor: out });
  }
  return probes;
}

/**
 * Runs the float model over `calibration` (a batch of representative inputs, [N, ...inputShape]) in batches,
 * and returns the calibrated range of every probe (default: every layer output, by layer name).
 * One multi-output tf.model evaluates all probes per batch; every batch is tidy'd.
 */
export function calibrateActivations(
  model: tf.LayersModel,
  calibration: tf.Tensor,
  probes: Probe[] = layerOutputProbes(model),
  options: CalibrationOptions = {},
): Record<string, Range> {
  const o = requireOptions(options);
  if (model.inputs.length !== 1) throw new Error(`calibrate: the model must have one input, "${model.name}" has ${model.inputs.length}`);
  const input = model.inputs[0];
  const want = input.shape.slice(1);
  if (calibration.rank !== want.length + 1 || want.some((d, i) => d !== null && d !== calibration.shape[i + 1])) {
    throw new RangeError(`calibrate: calibration data must be [N, ${want.join(", ")}], got [${calibration.shape.join(", ")}]`);
  }
  const n = calibration.shape[0];
  if (n < 1) throw new RangeError("calibrate: calibration data has no samples");
  // The symbolic tensors to fetch: every probe's tensor or sources, de-duplicated; the input comes for free.
  const fetched: tf.SymbolicTensor[] = [];
  const index = new Map<number, number>();
  const need = (t: tf.SymbolicTensor) => {
    if (t.id === input.id || index.has(t.id)) return;
    index.set(t.id, fetched.length);
    fetched.push(t);
  };
  for (const p of probes) ("tensor" in p ? [p.tensor] : p.from).forEach(need);
  const probeModel = fetched.length > 0 ? tf.model({ inputs: input, outputs: fetched }) : null;
  const batches = Math.ceil(n / o.batchSize);
  const histogramPass = o.method === "percentile" || o.method === "mse";
  const progress = stepProgress(`calibrating ${probes.length} tensors (${o.method})`, batches * (histogramPass ? 2 : 1), options.progress);

  /** Runs one batch and hands every probe's values (as tensors, inside a tidy) to `use`. */
  const runBatch = (b: number, use: (values: tf.Tensor[]) => void) => {
    tf.tidy(() => {
      const start = b * o.batchSize;
      const size = Math.min(o.batchSize, n - start);
      const x = tf.slice(calibration, start, size);
      const outs = probeModel === null ? [] : ([] as tf.Tensor[]).concat(probeModel.predict(x) as tf.Tensor | tf.Tensor[]);
      const valueOf = (t: tf.SymbolicTensor) => (t.id === input.id ? x : outs[index.get(t.id) as number]);
      use(probes.map((p) => ("tensor" in p ? valueOf(p.tensor) : p.compute(p.from.map(valueOf)))));
    });
  };

  const mins = new Float64Array(probes.length).fill(Infinity);
  const maxs = new Float64Array(probes.length).fill(-Infinity);
  const emaMin = new Float64Array(probes.length);
  const emaMax = new Float64Array(probes.length);
  for (let b = 0; b < batches; b++) {
    runBatch(b, (values) => {
      const stats = tf.stack(values.flatMap((v) => [tf.min(v), tf.max(v)])).dataSync();
      for (let i = 0; i < probes.length; i++) {
        const lo = stats[2 * i];
        const hi = stats[2 * i + 1];
        if (!Number.isFinite(lo) || !Number.isFinite(hi)) {
          throw new Error(`calibrate: tensor "${probes[i].name}" has non-finite values (min ${lo}, max ${hi}) in calibration batch ${b}`);
        }
        mins[i] = Math.min(mins[i], lo);
        maxs[i] = Math.max(maxs[i], hi);
        const d = o.movingAverageDecay;
        emaMin[i] = b === 0 ? lo : d * emaMin[i] + (1 - d) * lo;
        emaMax[i] = b === 0 ? hi : d * emaMax[i] + (1 - d) * hi;
      }
    });
    progress.step(b + 1);
  }
  const ranges: Record<string, Range> = {};
  const put = (i: number, lo: number, hi: number) => {
    ranges[probes[i].name] = [Math.min(lo, 0), Math.max(hi, 0)];
  };
  if (!histogramPass) {
    for (let i = 0; i < probes.length; i++) {
      if (o.method === "minmax") put(i, mins[i], maxs[i]);
      else put(i, emaMin[i], emaMax[i]);
    }
    progress.finish();
    return ranges;
  }
  const histograms: Histogram[] = probes.map((_, i) => ({ lo: mins[i], hi: maxs[i], counts: new Float64Array(o.bins) }));
  for (let b = 0; b < batches; b++) {
    runBatch(b, (values) => values.forEach((v, i) => addToHistogram(histograms[i], v.dataSync())));
    progress.step(batches + b + 1);
  }
  histograms.forEach((h, i) => {
    const [lo, hi] = o.method === "percentile" ? percentileRange(h, o.percentile) : mseRange(h);
    put(i, lo, hi);
  });
  progress.finish();
  return ranges;
}
