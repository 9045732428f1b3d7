// FusedBatchNorm (tf.batchNorm, which every BatchNormalization layer runs) on wasm: forward kernel
// and fused gradient, SIMD loops in simd.wat for per-channel vectors of a multiple of 4 channels.
//
// Forward: the stock kernel took ~8 ms for a [64,24,24,48] tensor (4x a plain multiply); here
// y = (x - mean) * k + offset with k = scale / sqrt(variance + eps) precomputed per channel.
//
// tfjs-core's gradient builds ~13 full-size passes (sub, mul, tile, mul, mul, and four mul+sum chains,
// one per input). With y = (x - mean) · r · scale + offset, r = 1/sqrt(variance + eps), the five
// gradients need only two per-channel sums, Σdy and Σdy·(x - mean), which one pass over x and dy
// accumulates (float64, channels innermost) while writing dx = dy · r · scale:
//   dx = dy·r·scale            dMean = -r·scale·Σdy          dVariance = -½·r³·scale·Σdy(x-mean)
//   dScale = r·Σdy(x-mean)     dOffset = Σdy
// Used when mean/variance/scale are per-channel vectors of the last axis (BatchNormalization layers
// over NHWC); other layouts keep the stock gradient.
import * as tf from "@tensorflow/tfjs";
import { f64At, ptr, simd, withF64Scratch } from "./simd";
import { Attrs, f32, Inputs, newF32, registerWasmGradient, runCourseKernel, runStock, WasmBackend } from "./wasm-util";

/** CourseBatchNormGrad(dy, x, mean, variance, [scale]) → [dx, dMean, dVariance, dScale, dOffset]. */
export function batchNormGrad(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo[] {
  const { inputs: { dy, x, mean, variance, scale }, backend, attrs } = args;
  const C = x.shape[x.shape.length - 1];
  for (const [name, t] of Object.entries({ mean, variance, scale })) {
    if (t && (t.shape.length !== 1 || t.shape[0] !== C)) {
      throw new Error(`CourseBatchNormGrad: ${name} must have shape [${C}] (the last axis of x), got [${t.shape}]`);
    }
  }
  const eps = attrs.varianceEpsilon as number;
  const dx = newF32(backend, x.shape.slice());
  const vectors = [0, 1, 2, 3].map(() => newF32(backend, [C]));
  const xv = f32(backend, x);
  const mv = f32(backend, mean), vv = f32(backend, variance), sv = scale ? f32(backend, scale) : undefined;
  const r = new Float64Array(C), k = new Float64Array(C), m = new Float64Array(C);
  for (let c = 0; c < C; c++) {
    r[c] = 1 / Math.sqrt(vv[c] + eps);
    k[c] = r[c] * (sv ? sv[c] : 1);
    m[c] = mv[c];
  }
  const sumDy = new Float64Array(C), sumDyXm = new Float64Array(C);
  const rows = xv.length / C;
  if (C % 4 === 0) {
    const kf = newF32(backend, [C], Float32Array.from(k));
    withF64Scratch(backend, 2 * C, (acc) => {
      simd(backend).batchnorm_grad(ptr(backend, x), ptr(backend, dy), ptr(backend, mean), ptr(backend, kf), ptr(backend, dx), acc, rows, C);
      const sums = f64At(backend, acc, 2 * C);
      sumDy.set(sums.subarray(0, C));
      sumDyXm.set(sums.subarray(C));
    });
    backend.disposeData(kf.dataId);
  } else {
    const xv2 = f32(backend, x), dyv = f32(backend, dy), dxv = f32(backend, dx);
    for (let row = 0, i = 0; row < rows; row++) {
      for (let c = 0; c < C; c++, i++) {
        const d = dyv[i];
        sumDy[c] += d;
        sumDyXm[c] += d * (xv2[i] - m[c]);
        dxv[i] = d * k[c];
      }
    }
  }
  // Views taken again: the allocations above may have grown the heap.
  const [dMean, dVariance, dScale, dOffset] = vectors.map((t) => f32(backend, t));
  const sv2 = scale ? f32(backend, scale) : undefined;
  for (let c = 0; c < C; c++) {
    const s = sv2 ? sv2[c] : 1;
    dMean[c] = -r[c] * s * sumDy[c];
    dVariance[c] = -0.5 * r[c] * r[c] * r[c] * s * sumDyXm[c];
    dScale[c] = r[c] * sumDyXm[c];
    dOffset[c] = sumDy[c];
  }
  return [dx, ...vectors];
}

/** FusedBatchNorm forward; per-channel vectors of length C % 4 == 0 on the SIMD path, else stock. */
export function fusedBatchNorm(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x, mean, variance, offset, scale }, backend, attrs } = args;
  const C = x.shape[x.shape.length - 1];
  const vector = (t: tf.TensorInfo | undefined) => !t || (t.dtype === "float32" && tf.util.sizeFromShape(t.shape) === C && t.shape.length === 1);
  if (x.dtype !== "float32" || C % 4 !== 0 || ![mean, variance, offset, scale].every(vector)) {
    return runStock("FusedBatchNorm", args.inputs, attrs, backend);
  }
  const eps = attrs.varianceEpsilon as number;
  const vv = f32(backend, variance), sv = scale ? f32(backend, scale) : undefined;
  const ov = offset ? f32(backend, offset) : undefined;
  const k = new Float32Array(C), b = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    k[c] = (sv ? sv[c] : 1) / Math.sqrt(vv[c] + eps);
    b[c] = ov ? ov[c] : 0;
  }
  const out = newF32(backend, x.shape.slice());
  const kt = newF32(backend, [C], k), bt = newF32(backend, [C], b);
  simd(backend).batchnorm_forward(ptr(backend, x), ptr(backend, mean), ptr(backend, kt), ptr(backend, bt), ptr(backend, out), tf.util.sizeFromShape(x.shape) / C, C);
  backend.disposeData(kt.dataId);
  backend.disposeData(bt.dataId);
  return out;
}

export const BATCHNORM_GRAD_KERNELS = { CourseBatchNormGrad: batchNormGrad };

export function registerBatchNormGradient(): string[] {
  registerWasmGradient("FusedBatchNorm", (dy, saved, attrs) => {
    const [x, mean, variance, scale] = saved;
    const C = x.shape[x.shape.length - 1];
    const perChannel = (t: tf.Tensor | undefined) => !t || (t.rank === 1 && t.shape[0] === C && t.dtype === "float32");
    if (x.dtype !== "float32" || dy.dtype !== "float32" || !perChannel(mean) || !perChannel(variance) || !perChannel(scale)) {
      return undefined;
    }
    // One kernel call computes all five, eagerly: the tape runs each input's closure inside its own
    // tidy, which would dispose outputs made lazily in the first closure before the others ask for
    // them. Outputs the tape does not use are freed with the backward pass's other intermediates.
    const [dx, dMean, dVariance, dScale, dOffset] = runCourseKernel(
      "CourseBatchNormGrad",
      scale ? { dy, x, mean, variance, scale } : { dy, x, mean, variance },
      { varianceEpsilon: attrs.varianceEpsilon },
    ) as tf.Tensor[];
    return { x: () => dx, mean: () => dMean, variance: () => dVariance, scale: () => dScale, offset: () => dOffset };
  });
  return ["FusedBatchNorm"];
}
