// Simulated ("fake") quantization: quantize then dequantize in float, so a float model shows the error of
// a bit width or a level set that int8 kernels cannot run (2-7 bits, power-of-two or additive-power-of-two
// weights). Every function returns float values that lie exactly on the quantizer's levels.
//
// Schemes (b = bits, 2..8):
// - "uniform", symmetric (weights, TFLite style): levels q·s, q ∈ [−(2^(b−1)−1), 2^(b−1)−1] (narrow range,
//   zero point 0), s = max|x| / (2^(b−1)−1), stored as float32. At b = 8 this is TFLite's int8 weight scheme.
// - "uniform", asymmetric (activations): q ∈ [−2^(b−1), 2^(b−1)−1], s = (hi−lo)/(2^b−1) with the range
//   widened to contain 0, zero point z = round(qmin − lo/s) clamped; value = (q − z)·s. At b = 8 this is
//   TFLite's int8 activation scheme (real = (q − zp)·scale).
// - "power-of-two" (log2): one sign bit and b−1 bits of magnitude code; code 0 is zero and codes 1..2^(b−1)−1
//   are α·2^−j for j = 2^(b−1)−2 … 0, with α = max|x|. Level set: {0} ∪ {±α·2^−j : 0 ≤ j ≤ 2^(b−1)−2}, i.e.
//   2^b − 1 levels, as many as narrow-range uniform. b = 2 is ternary {−α, 0, α}; b = 4 reaches α/64.
// - "additive-power-of-two" (APoT, Li, Dong & Wang, ICLR 2020): each magnitude is a sum of n power-of-two
//   terms p_i ∈ {0} ∪ {2^−(i + j·n)}, rescaled so the largest sum is α. The b−1 magnitude bits are split
//   into terms of k = 2 bits (the paper's choice; an odd remainder becomes a last 1-bit term, our choice),
//   so 2^(b−1) magnitudes, sign-symmetric: 2^b − 1 levels. b = 5 is the paper's k = 2, n = 2 set.
// Rounding: to the nearest level (ties away from zero, as TfLiteRound in TFLite's quantizer).
import * as tf from "@tensorflow/tfjs";
import { roundHalfAway } from "./fixed-point";
import { activationParams } from "./calibrate";

// Re-exported for fake-quant users (index.ts exports the same function once); defined in fixed-point.ts.
export { roundHalfAway };

export type FakeQuantScheme = "uniform" | "power-of-two" | "additive-power-of-two";

export interface FakeQuantOptions {
  /** Bit width, an integer 2..8. */
  bits: number;
  scheme: FakeQuantScheme;
  /** Uniform only: symmetric narrow range with zero point 0 (default true, the weight scheme); false = asymmetric. */
  symmetric?: boolean;
  /** Per-channel: one scale per index of this axis (negative counts from the end). Default: per-tensor. */
  axis?: number;
  /** The range to quantize to, [min, max] (per-tensor only). Default: the data's own min/max (or max|x|). */
  range?: [number, number];
}

function checkBits(bits: unknown): number {
  if (typeof bits !== "number" || !Number.isInteger(bits) || bits < 2 || bits > 8) {
    throw new RangeError(`fake quantization: bits must be an integer from 2 to 8, got ${String(bits)}`);
  }
  return bits;
}

function checkScheme(scheme: unknown): FakeQuantScheme {
  if (scheme !== "uniform" && scheme !== "power-of-two" && scheme !== "additive-power-of-two") {
    throw new RangeError(`fake quantization: scheme must be "uniform", "power-of-two" or "additive-power-of-two", got ${JSON.stringify(scheme)}`);
  }
  return scheme;
}

function checkRange(range: unknown): [number, number] {
  if (!Array.isArray(range) || range.length !== 2 || !range.every((v) => typeof v === "number" && Number.isFinite(v)) || range[0] > range[1]) {
    throw new RangeError(`fake quantization: range must be [min, max] with finite min ≤ max, got ${JSON.stringify(range)}`);
  }
  return [range[0], range[1]];
}

// ---------------------------------------------------------------------------------------------------------
// Level sets (magnitudes normalised to a largest level of 1)

/** Sorted magnitudes in [0, 1] of the power-of-two quantizer: 0 and 2^−j for j = 2^(b−1)−2 … 0. */
export function powerOfTwoMagnitudes(bits: number): number[] {
  const codes = 2 ** (checkBits(bits) - 1); // magnitude codes, code 0 = zero
  const mags = [0];
  for (let j = codes - 2; j >= 0; j--) mags.push(2 ** -j);
  return mags;
}

/** Sorted magnitudes in [0, 1] of the additive-power-of-two quantizer (see the header). */
export function additivePowerOfTwoMagnitudes(bits: number): number[] {
  const magnitudeBits = checkBits(bits) - 1;
  const termBits: number[] = [];
  for (let left = magnitudeBits; left > 0; left -= 2) termBits.push(Math.min(2, left));
  const n = termBits.length;
  // Term i takes 0 or one of 2^(k_i) − 1 powers 2^−(i + j·n); the exponents of different terms never
  // coincide, so all 2^(b−1) sums are distinct.
  let sums = [0];
  for (let i = 0; i < n; i++) {
    const choices = [0];
    for (let j = 0; j < 2 ** termBits[i] - 1; j++) choices.push(2 ** -(i + j * n));
    const next: number[] = [];
    for (const s of sums) for (const p of choices) next.push(s + p);
    sums = next;
  }
  const largest = Math.max(...sums); // γ of the paper: the largest sum maps to α
  return Array.from(new Set(sums.map((s) => s / largest))).sort((a, b) => a - b);
}

/** The normalised magnitude set of a non-uniform scheme. */
function magnitudesOf(scheme: FakeQuantScheme, bits: number): number[] {
  if (scheme === "power-of-two") return powerOfTwoMagnitudes(bits);
  if (scheme === "additive-power-of-two") return additivePowerOfTwoMagnitudes(bits);
  throw new Error(`magnitudesOf: "${scheme}" has no fixed magnitude set (it is uniform)`);
}

/**
 * Every level (sorted, ascending) a quantizer can output for a tensor whose scale parameter is `alpha`
 * (max|x| for symmetric schemes). For asymmetric uniform use `uniformAsymmetricParams` instead.
 */
export function quantizerLevels(scheme: FakeQuantScheme, bits: number, alpha: number): number[] {
  checkScheme(scheme);
  if (scheme === "uniform") {
    const qmax = 2 ** (checkBits(bits) - 1) - 1;
    const s = symmetricScale(alpha, bits);
    const levels: number[] = [];
    for (let q = -qmax; q <= qmax; q++) levels.push(q * s);
    return levels;
  }
  const mags = magnitudesOf(scheme, bits).map((m) => m * alpha);
  return [...mags.slice(1).reverse().map((m) => -m), ...mags];
}

// ---------------------------------------------------------------------------------------------------------
// Plain-number quantizers (exact, in double; scales rounded to float32 as a .tflite stores them)

/** Scale of the symmetric narrow-range uniform quantizer: float32(maxAbs / (2^(b−1)−1)); 1 when maxAbs is 0. */
export function symmetricScale(maxAbs: number, bits: number): number {
  const qmax = 2 ** (checkBits(bits) - 1) - 1;
  if (!(maxAbs >= 0) || !Number.isFinite(maxAbs)) throw new RangeError(`symmetricScale: maxAbs must be finite and ≥ 0, got ${maxAbs}`);
  return maxAbs === 0 ? 1 : Math.fround(maxAbs / qmax);
}

/** Scale and zero point of the asymmetric uniform quantizer for [min, max] (TFLite's rule; the range is widened to contain 0). */
export function uniformAsymmetricParams(range: [number, number], bits: number): { scale: number; zeroPoint: number; qmin: number; qmax: number } {
  const [min, max] = checkRange(range);
  const qmin = -(2 ** (checkBits(bits) - 1));
  const qmax = 2 ** (bits - 1) - 1;
  // An all-zero range keeps scale 1 here (its zero point is qmin); otherwise TFLite's nudging, written once.
  if (Math.min(min, 0) === Math.max(max, 0)) return { scale: 1, zeroPoint: qmin, qmin, qmax };
  return { ...activationParams(min, max, bits), qmin, qmax };
}

/** Symmetric uniform quantize-dequantize of `values` with scale from `maxAbs` (default: their own max|x|). */
export function quantizeUniformSymmetric(values: ArrayLike<number>, bits: number, maxAbs = maxAbsOf(values)): Float32Array {
  const s = symmetricScale(maxAbs, bits);
  const qmax = 2 ** (bits - 1) - 1;
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.min(qmax, Math.max(-qmax, roundHalfAway(values[i] / s))) * s + 0; // + 0 turns −0 into 0
  return out;
}

/** Asymmetric uniform quantize-dequantize of `values` into `range` (default: their own [min, max]). */
export function quantizeUniformAsymmetric(values: ArrayLike<number>, bits: number, range: [number, number] = minMaxOf(values)): Float32Array {
  const { scale, zeroPoint, qmin, qmax } = uniformAsymmetricParams(range, bits);
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const q = Math.min(qmax, Math.max(qmin, roundHalfAway(values[i] / scale) + zeroPoint));
    out[i] = (q - zeroPoint) * scale + 0;
  }
  return out;
}

/** Nearest level of a sorted magnitude set (ties to the larger magnitude, i.e. away from zero). */
function nearestMagnitude(m: number, mags: readonly number[]): number {
  let lo = 0, hi = mags.length - 1;
  if (m >= mags[hi]) return mags[hi];
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (mags[mid] <= m) lo = mid;
    else hi = mid;
  }
  return m - mags[lo] < mags[hi] - m ? mags[lo] : mags[hi];
}

function quantizeWithMagnitudes(values: ArrayLike<number>, mags: readonly number[], alpha: number): Float32Array {
  if (!(alpha >= 0) || !Number.isFinite(alpha)) throw new RangeError(`fake quantization: alpha (max|x|) must be finite and ≥ 0, got ${alpha}`);
  const out = new Float32Array(values.length);
  if (alpha === 0) return out;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Math.sign(v) * nearestMagnitude(Math.abs(v) / alpha, mags) * alpha + 0;
  }
  return out;
}

/** Power-of-two quantize-dequantize: levels {0, ±α·2^−j}, α = `maxAbs` (default max|x|). */
export function quantizePowerOfTwo(values: ArrayLike<number>, bits: number, maxAbs = maxAbsOf(values)): Float32Array {
  return quantizeWithMagnitudes(values, powerOfTwoMagnitudes(bits), maxAbs);
}

/** Additive-power-of-two quantize-dequantize (Li et al. 2020), α = `maxAbs` (default max|x|). */
export function quantizeAdditivePowerOfTwo(values: ArrayLike<number>, bits: number, maxAbs = maxAbsOf(values)): Float32Array {
  return quantizeWithMagnitudes(values, additivePowerOfTwoMagnitudes(bits), maxAbs);
}

/** Quantize-dequantize plain numbers, per-tensor, with any scheme (weights: symmetric by default). */
export function fakeQuantizeValues(values: ArrayLike<number>, options: Omit<FakeQuantOptions, "axis">): Float32Array {
  const bits = checkBits(options.bits);
  const scheme = checkScheme(options.scheme);
  const range = options.range ? checkRange(options.range) : undefined;
  if (scheme === "uniform" && options.symmetric === false) return quantizeUniformAsymmetric(values, bits, range ?? minMaxOf(values));
  if (options.symmetric === false) throw new RangeError(`fake quantization: scheme "${scheme}" is sign-symmetric; symmetric: false is only for "uniform"`);
  const alpha = range ? Math.max(Math.abs(range[0]), Math.abs(range[1])) : maxAbsOf(values);
  if (scheme === "uniform") return quantizeUniformSymmetric(values, bits, alpha);
  return quantizeWithMagnitudes(values, magnitudesOf(scheme, bits), alpha);
}

function maxAbsOf(values: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < values.length; i++) m = Math.max(m, Math.abs(values[i]));
  return m;
}

function minMaxOf(values: ArrayLike<number>): [number, number] {
  let lo = Infinity, hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i]);
    hi = Math.max(hi, values[i]);
  }
  if (!values.length) return [0, 0];
  return [lo, hi];
}

// ---------------------------------------------------------------------------------------------------------
// Tensor version

function roundAwayTensor(t: tf.Tensor): tf.Tensor {
  return tf.mul(tf.sign(t), tf.floor(tf.add(tf.abs(t), 0.5)));
}

/**
 * Asymmetric uniform quantize-dequantize of `x` into the range [lo, hi] given as tensors (scalars, or
 * broadcastable per-channel), widened to contain 0, TFLite's scale and zero point. Also returns the range
 * the levels actually span, [(qmin − z)·s, (qmax − z)·s] (TF's "nudged" min/max), which the clipped
 * straight-through gradient of QAT uses.
 */
export function fakeQuantizeAsymmetric(x: tf.Tensor, lo: tf.Tensor, hi: tf.Tensor, bits: number): { values: tf.Tensor; nudgedMin: tf.Tensor; nudgedMax: tf.Tensor } {
  checkBits(bits);
  const qmin = -(2 ** (bits - 1)), qmax = 2 ** (bits - 1) - 1;
  const low = tf.minimum(lo, 0), high = tf.maximum(hi, 0);
  const span = tf.sub(high, low);
  const scale = tf.where(tf.greater(span, 0), tf.div(span, qmax - qmin), tf.onesLike(span));
  const zeroPoint = tf.clipByValue(roundAwayTensor(tf.sub(qmin, tf.div(low, scale))), qmin, qmax);
  const q = tf.clipByValue(tf.add(roundAwayTensor(tf.div(x, scale)), zeroPoint), qmin, qmax);
  return {
    values: tf.add(tf.mul(tf.sub(q, zeroPoint), scale), 0), // + 0 turns −0 into 0
    nudgedMin: tf.mul(tf.sub(qmin, zeroPoint), scale),
    nudgedMax: tf.mul(tf.sub(qmax, zeroPoint), scale),
  };
}

/**
 * Quantize-dequantize a tensor (returns a new float32 tensor on the current backend). Per-channel when
 * `axis` is given: each index of that axis gets its own scale from its own values. Built from plain tfjs
 * ops, so it works inside tf.tidy and on every backend; rounding is half away from zero, as in the
 * plain-number functions (tf.round would round half to even).
 */
export function fakeQuantize(x: tf.Tensor, options: FakeQuantOptions): tf.Tensor {
  const bits = checkBits(options.bits);
  const scheme = checkScheme(options.scheme);
  const symmetric = options.symmetric ?? true;
  if (!symmetric && scheme !== "uniform") throw new RangeError(`fakeQuantize: scheme "${scheme}" is sign-symmetric; symmetric: false is only for "uniform"`);
  if (options.range && options.axis !== undefined) throw new RangeError("fakeQuantize: give either range (per-tensor) or axis (per-channel, ranges from the data), not both");
  const range = options.range ? checkRange(options.range) : undefined;
  let axis: number | undefined;
  if (options.axis !== undefined) {
    axis = options.axis < 0 ? options.axis + x.rank : options.axis;
    if (!Number.isInteger(axis) || axis < 0 || axis >= x.rank) throw new RangeError(`fakeQuantize: axis ${options.axis} is out of range for a rank-${x.rank} tensor`);
  }
  return tf.tidy(() => {
    const xf = x.toFloat();
    const reduceAxes = axis === undefined ? undefined : [...Array(x.rank).keys()].filter((a) => a !== axis);
    const reduce = (t: tf.Tensor, op: "max" | "min") => (reduceAxes === undefined ? tf[op](t) : tf[op](t, reduceAxes, true));

    if (scheme === "uniform" && !symmetric) {
      const lo = range ? tf.scalar(range[0]) : reduce(xf, "min");
      const hi = range ? tf.scalar(range[1]) : reduce(xf, "max");
      return fakeQuantizeAsymmetric(xf, lo, hi, bits).values;
    }
    const alpha = range ? tf.scalar(Math.max(Math.abs(range[0]), Math.abs(range[1]))) : reduce(tf.abs(xf), "max");
    const safeAlpha = tf.where(tf.greater(alpha, 0), alpha, tf.onesLike(alpha));
    if (scheme === "uniform") {
      const qmax = 2 ** (bits - 1) - 1;
      const scale = tf.where(tf.greater(alpha, 0), tf.div(alpha, qmax), tf.onesLike(alpha));
      return tf.add(tf.mul(tf.clipByValue(roundAwayTensor(tf.div(xf, scale)), -qmax, qmax), scale), 0);
    }
    // Non-uniform: the index of the nearest magnitude is the number of midpoints at or below |x|/α.
    const mags = magnitudesOf(scheme, bits);
    const mids = mags.slice(1).map((m, i) => (m + mags[i]) / 2);
    const m = tf.div(tf.abs(xf), safeAlpha);
    const index = tf.sum(tf.greaterEqual(m.expandDims(-1), tf.tensor1d(mids)).toInt(), -1);
    const level = tf.gather(tf.tensor1d(mags), index);
    return tf.add(tf.mul(tf.mul(tf.sign(xf), level), tf.where(tf.greater(alpha, 0), alpha, tf.zerosLike(alpha))), 0);
  });
}

// ---------------------------------------------------------------------------------------------------------
// Whole models

export interface FakeQuantWeightsOptions {
  bits: number;
  scheme: FakeQuantScheme;
  /** "per-channel" (default; the output channel of conv/dense, the channel of depthwise, as TFLite) or "per-tensor". */
  granularity?: "per-channel" | "per-tensor";
}

/** Layer classes whose kernels we fake-quantize, and the weight names that are kernels. */
export const KERNEL_NAMES: Record<string, string[]> = {
  Dense: ["kernel"],
  Conv2D: ["kernel"],
  DepthwiseConv2D: ["depthwise_kernel"],
  SeparableConv2D: ["depthwise_kernel", "pointwise_kernel"],
};

/**
 * Fake-quantizes one kernel as TFLite would lay its channels out: conv [kh, kw, in, out] and dense [in, out]
 * per output channel (last axis); depthwise [kh, kw, in, mult] per in·mult channel (the last two axes
 * together, TFLite's channel index c·mult + m).
 */
export function fakeQuantizeKernel(kernel: tf.Tensor, layerClass: string, weightName: string, options: FakeQuantWeightsOptions): tf.Tensor {
  const common = { bits: options.bits, scheme: options.scheme, symmetric: true } as const;
  if ((options.granularity ?? "per-channel") === "per-tensor") return fakeQuantize(kernel, common);
  if (layerClass === "DepthwiseConv2D" || weightName === "depthwise_kernel") {
    return tf.tidy(() => {
      const [kh, kw, cin, mult] = kernel.shape;
      return fakeQuantize(kernel.reshape([kh, kw, cin * mult]), { ...common, axis: 2 }).reshape(kernel.shape);
    });
  }
  return fakeQuantize(kernel, { ...common, axis: kernel.rank - 1 });
}

/**
 * A copy of `model` (same architecture and names, new variables) whose kernels are fake-quantized;
 * biases stay float (in int8 they become int32 at the accumulator's scale, so they add almost no error).
 * Batch normalization is NOT folded here: a model with a BatchNormalization layer is rejected, because
 * the int8 graph quantizes the folded kernel, not this one; fold it first (course-lib/quantize/fold.ts).
 * Any other layer that has weights (e.g. PReLU, Embedding) is an error naming it.
 */
export function fakeQuantizeModelWeights(model: tf.LayersModel, options: FakeQuantWeightsOptions): tf.LayersModel {
  checkBits(options.bits);
  checkScheme(options.scheme);
  if (options.granularity !== undefined && options.granularity !== "per-channel" && options.granularity !== "per-tensor") {
    throw new RangeError(`fakeQuantizeModelWeights: granularity must be "per-channel" or "per-tensor", got ${JSON.stringify(options.granularity)}`);
  }
  const copy = cloneModel(model);
  tf.tidy(() => {
    for (let i = 0; i < model.layers.length; i++) {
      const layer = model.layers[i];
      const className = layer.getClassName();
      const kernels = KERNEL_NAMES[className];
      if (!kernels) {
        if (className === "BatchNormalization") {
          throw new Error(`fakeQuantizeModelWeights: layer "${layer.name}" is BatchNormalization; fold it into the preceding layer first (the int8 graph quantizes folded kernels)`);
        }
        if (layer.weights.length) {
          throw new Error(`fakeQuantizeModelWeights: layer "${layer.name}" (${className}) has weights but no known kernel to quantize`);
        }
        continue;
      }
      const values = layer.getWeights();
      const quantized = values.map((w, k) => {
        const name = layer.weights[k].originalName.split("/").pop() as string;
        return kernels.includes(name) ? fakeQuantizeKernel(w, className, name, options) : w;
      });
      copy.layers[i].setWeights(quantized);
    }
  });
  return copy;
}

/** A structural copy of a model with its own variables, holding the same weight values. */
export function cloneModel(model: tf.LayersModel): tf.LayersModel {
  const config = model.getConfig() as unknown as tf.serialization.ConfigDict;
  const copy =
    model instanceof tf.Sequential
      ? (tf.Sequential.fromConfig(tf.Sequential, config) as tf.LayersModel)
      : (tf.LayersModel.fromConfig(tf.LayersModel, config) as tf.LayersModel);
  copy.setWeights(model.getWeights());
  return copy;
}
