// Batch-norm folding: at inference a batch norm is a fixed per-channel affine map, so it can be merged
// into the conv or dense layer right before it. Deployment tools (the TFLite converter, lesson 08's
// quantizer) do this before anything else, which is why a BN costs no MACs and no flash on the device.
//
// A BN layer computes, per output channel c (tfjs: (x - mean) * rsqrt(variance + epsilon) * gamma + beta):
//   y = gamma[c] * (x - mean[c]) / sqrt(variance[c] + epsilon) + beta[c]  =  f[c] * x + (beta[c] - f[c] * mean[c])
// with f[c] = gamma[c] / sqrt(variance[c] + epsilon). Applied to a layer's output x = W * input + b:
//   W'[..., c] = f[c] * W[..., c]        b'[c] = f[c] * (b[c] - mean[c]) + beta[c]   (b = 0 without a bias)
// Fold before computing int8 weight scales: the scales must describe the folded weights.
import * as tf from "@tensorflow/tfjs";

/**
 * Where a kernel keeps its output channels:
 * - "conv": on the last axis: Conv2D [kh, kw, cIn, cOut], Conv1D [k, cIn, cOut], Dense [in, out];
 * - "depthwise": on the last two axes: DepthwiseConv2D [kh, kw, c, m], output channel c·m + q.
 */
export type KernelLayout = "conv" | "depthwise";

/** The four numbers per channel of a batch norm; gamma (scale) and beta (offset) may be absent. */
export interface BatchNormParams {
  /** Trained scale γ (default 1 for a BN built with scale: false). */
  gamma?: ArrayLike<number>;
  /** Trained offset β (default 0 for a BN built with center: false). */
  beta?: ArrayLike<number>;
  /** Moving mean μ, collected during training, not trained by gradient descent. */
  movingMean: ArrayLike<number>;
  /** Moving variance σ², collected during training, not trained by gradient descent. */
  movingVariance: ArrayLike<number>;
  /** Added to the variance before the square root (tfjs default 1e-3). */
  epsilon: number;
}

/** A kernel and bias with the batch norm folded in (plain data: JSON-able, backend-free). */
export interface FoldedWeights {
  kernel: Float32Array;
  kernelShape: number[];
  bias: Float32Array;
}

function outputChannels(shape: number[], layout: KernelLayout): number {
  if (!Array.isArray(shape) || shape.length < 2 || !shape.every((d) => Number.isInteger(d) && d > 0)) {
    throw new RangeError(`foldBatchNorm: kernel shape must be >= 2 positive integers, got ${JSON.stringify(shape)}`);
  }
  if (layout === "conv") return shape[shape.length - 1];
  if (layout === "depthwise") {
    if (shape.length !== 4) throw new RangeError(`foldBatchNorm: a depthwise kernel is [kh, kw, c, m], got shape ${JSON.stringify(shape)}`);
    return shape[2] * shape[3];
  }
  throw new RangeError(`foldBatchNorm: layout must be "conv" or "depthwise", got ${JSON.stringify(layout)}`);
}

function perChannel(values: ArrayLike<number> | undefined, channels: number, what: string, fallback: number): Float64Array {
  const out = new Float64Array(channels).fill(fallback);
  if (values === undefined) return out;
  if (values === null || typeof values.length !== "number" || values.length !== channels) {
    throw new RangeError(`foldBatchNorm: ${what} must have one value per output channel (${channels}), got ${values === null ? "null" : `${values.length} values`}`);
  }
  for (let c = 0; c < channels; c++) {
    if (!Number.isFinite(values[c])) throw new RangeError(`foldBatchNorm: ${what}[${c}] must be a finite number, got ${String(values[c])}`);
    out[c] = values[c];
  }
  return out;
}

/**
 * Folds a batch norm into the kernel and bias of the layer before it (see the header for the formulas).
 * `bias` is the layer's bias, or null when it has none (the folded layer then gains one: C values).
 * Works for conv, dense and depthwise kernels (`layout`); the result is computed in float64 and stored
 * as float32, as the layers store it.
 */
export function foldBatchNorm(
  kernel: { values: ArrayLike<number>; shape: number[] },
  bias: ArrayLike<number> | null,
  bn: BatchNormParams,
  layout: KernelLayout,
): FoldedWeights {
  const channels = outputChannels(kernel?.shape, layout);
  const size = kernel.shape.reduce((a, b) => a * b, 1);
  if (!kernel.values || kernel.values.length !== size) {
    throw new RangeError(`foldBatchNorm: kernel of shape ${JSON.stringify(kernel.shape)} needs ${size} values, got ${kernel.values?.length}`);
  }
  if (typeof bn?.epsilon !== "number" || !(bn.epsilon >= 0) || !Number.isFinite(bn.epsilon)) {
    throw new RangeError(`foldBatchNorm: epsilon must be a finite number >= 0, got ${String(bn?.epsilon)}`);
  }
  const gamma = perChannel(bn.gamma, channels, "gamma", 1);
  const beta = perChannel(bn.beta, channels, "beta", 0);
  const mean = perChannel(bn.movingMean, channels, "movingMean", NaN);
  const variance = perChannel(bn.movingVariance, channels, "movingVariance", NaN);
  const b = perChannel(bias ?? undefined, channels, "bias", 0);
  const factor = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    if (!(variance[c] + bn.epsilon > 0)) {
      throw new RangeError(`foldBatchNorm: movingVariance[${c}] + epsilon must be > 0, got ${variance[c]} + ${bn.epsilon}`);
    }
    factor[c] = gamma[c] / Math.sqrt(variance[c] + bn.epsilon);
  }
  // Row-major: the output channel of flat index i is i mod C for both layouts (for depthwise, the last
  // two axes [c, m] flatten to c·m + q, tfjs's output channel order).
  const folded = new Float32Array(size);
  for (let i = 0; i < size; i++) folded[i] = kernel.values[i] * factor[i % channels];
  const foldedBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) foldedBias[c] = factor[c] * (b[c] - mean[c]) + beta[c];
  return { kernel: folded, kernelShape: [...kernel.shape], bias: foldedBias };
}

const LAYOUT_OF_CLASS: Record<string, KernelLayout> = {
  Conv1D: "conv", Conv2D: "conv", Dense: "conv", DepthwiseConv2D: "depthwise",
};

/** Rank of the layer's input including the batch axis, or NaN when the layer has no single input yet. */
function inputRank(layer: tf.layers.Layer): number {
  try {
    const input = layer.input;
    return Array.isArray(input) ? NaN : input.shape.length;
  } catch {
    return NaN; // not yet applied, or applied more than once (tfjs throws on .input)
  }
}

/** The statistics of a tfjs BatchNormalization layer over the last axis, as foldBatchNorm takes them. */
export function batchNormParamsOf(bn: tf.layers.Layer): BatchNormParams {
  if (bn?.getClassName?.() !== "BatchNormalization") {
    throw new TypeError(`batchNormParamsOf: expected a BatchNormalization layer, got ${bn?.getClassName?.() ?? typeof bn}`);
  }
  const config = bn.getConfig() as { axis: number; epsilon: number; center: boolean; scale: boolean };
  if (config.axis !== -1 && config.axis !== inputRank(bn) - 1) {
    throw new RangeError(`batchNormParamsOf: layer "${bn.name}" normalises axis ${config.axis}; only the last (channel) axis folds`);
  }
  const weights = bn.getWeights().map((w) => w.dataSync() as Float32Array);
  // tfjs creates the weights in this order: gamma (if scale), beta (if center), moving mean, moving variance.
  const gamma = config.scale ? weights.shift() : undefined;
  const beta = config.center ? weights.shift() : undefined;
  const [movingMean, movingVariance] = weights;
  return { gamma, beta, movingMean, movingVariance, epsilon: config.epsilon };
}

/**
 * Folds tfjs batch-norm layer `bn` into `target`, the Conv1D, Conv2D, DepthwiseConv2D or Dense layer whose
 * output it normalises. Returns the weights for the same layer built with a bias:
 * `folded.setWeights([tf.tensor(f.kernel, f.kernelShape), tf.tensor(f.bias)])`.
 */
export function foldBatchNormInto(target: tf.layers.Layer, bn: tf.layers.Layer): FoldedWeights {
  const cls = target?.getClassName?.();
  const layout = cls === undefined ? undefined : LAYOUT_OF_CLASS[cls];
  if (layout === undefined) {
    throw new TypeError(`foldBatchNormInto: can fold into ${Object.keys(LAYOUT_OF_CLASS).join(", ")}; got ${cls ?? typeof target}`);
  }
  const [kernel, bias] = target.getWeights();
  return foldBatchNorm(
    { values: kernel.dataSync(), shape: kernel.shape },
    bias ? bias.dataSync() : null,
    batchNormParamsOf(bn),
    layout,
  );
}

/**
 * Gives a batch-norm layer statistics far from the identity, as a trained one has (γ in [0.5, 1.5],
 * β and μ in [-1, 1], σ² in [0.5, 2]), reproducibly from `seed`. For demonstrations and tests of folding:
 * a fresh BN (γ 1, β 0, μ 0, σ² 1) would fold into an almost unchanged kernel.
 */
export function randomizeBatchNorm(bn: tf.layers.Layer, seed: number): void {
  const { gamma, beta } = batchNormParamsOf(bn);
  const shape = bn.getWeights()[bn.getWeights().length - 1].shape;
  const ranges: [number, number][] = [
    ...(gamma ? [[0.5, 1.5] as [number, number]] : []), ...(beta ? [[-1, 1] as [number, number]] : []),
    [-1, 1], [0.5, 2],
  ];
  const values = ranges.map(([lo, hi], i) => tf.randomUniform(shape, lo, hi, "float32", seed + i));
  bn.setWeights(values);
  tf.dispose(values);
}
