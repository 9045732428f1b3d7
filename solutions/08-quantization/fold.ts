// Lesson 08 exercise 08.4: model solution (see exercises/08-quantization/fold.ts for the task). Same formulas
// as course-lib/primitives/batch-norm.ts, which the graded tests compare against (and against tfjs itself).

export interface BatchNormParams {
  gamma?: ArrayLike<number>;
  beta?: ArrayLike<number>;
  movingMean: ArrayLike<number>;
  movingVariance: ArrayLike<number>;
  epsilon: number;
}

export type KernelLayout = "conv" | "depthwise";

export interface FoldedWeights {
  kernel: Float32Array;
  kernelShape: number[];
  bias: Float32Array;
}

function perChannel(values: ArrayLike<number> | null | undefined, channels: number, what: string, fallback: number): Float64Array {
  const out = new Float64Array(channels).fill(fallback);
  if (values === undefined || values === null) return out;
  if (values.length !== channels) {
    throw new RangeError(`foldBatchNorm: ${what} has ${values.length} values, expected one per output channel (${channels})`);
  }
  for (let c = 0; c < channels; c++) out[c] = values[c];
  return out;
}

export function foldBatchNorm(
  kernel: { values: ArrayLike<number>; shape: number[] },
  bias: ArrayLike<number> | null,
  bn: BatchNormParams,
  layout: KernelLayout,
): FoldedWeights {
  const shape = kernel.shape;
  const channels = layout === "depthwise" ? shape[shape.length - 2] * shape[shape.length - 1] : shape[shape.length - 1];
  const gamma = perChannel(bn.gamma, channels, "gamma", 1);
  const beta = perChannel(bn.beta, channels, "beta", 0);
  const mean = perChannel(bn.movingMean, channels, "movingMean", NaN);
  const variance = perChannel(bn.movingVariance, channels, "movingVariance", NaN);
  const b = perChannel(bias, channels, "bias", 0);
  const factor = new Float64Array(channels);
  for (let c = 0; c < channels; c++) {
    if (!(variance[c] + bn.epsilon > 0)) {
      throw new RangeError(`foldBatchNorm: movingVariance[${c}] + epsilon = ${variance[c]} + ${bn.epsilon} must be > 0`);
    }
    factor[c] = gamma[c] / Math.sqrt(variance[c] + bn.epsilon);
  }
  const folded = new Float32Array(kernel.values.length);
  for (let i = 0; i < folded.length; i++) folded[i] = kernel.values[i] * factor[i % channels];
  const foldedBias = new Float32Array(channels);
  for (let c = 0; c < channels; c++) foldedBias[c] = factor[c] * (b[c] - mean[c]) + beta[c];
  return { kernel: folded, kernelShape: [...shape], bias: foldedBias };
}
