// Fused tf.moments for BatchNorm statistics on wasm. tfjs-core's moments is mean(x), x - mean, square,
// mean: four full passes (two of them writing full-size tensors) forward, and ~7 backward (two Tile
// broadcasts, the square and sub gradients, adds). Every BatchNormalization layer in training calls it,
// and on a PhiNet-like model those passes were a large share of a step: each full pass over the BN
// activations costs ~6-7 ms here (memory-bound).
//
// CourseMoments (x viewed as [rows, C], C % 4 == 0) → [mean, variance] per channel: two read-only SIMD
// passes (simd.wat channel_sums, channel_sq_dev; float64 accumulation; the same two-pass formula as
// tfjs-core, variance = mean((x - mean)^2)). Its gradient is one SIMD pass:
//   dx = dMean/n + dVariance · 2(x - mean)/n   (the x - mean term's own dependence on mean cancels,
//   since Σ(x - mean) = 0; tfjs-core's composed gradient gives the same up to rounding)
//
// installFusedMoments() replaces tfjs-core's exported `moments` (which tfjs-layers' BatchNormalization
// and tf.moments both read at call time, when loaded as CommonJS) with fusedMoments, which takes the
// fused path only on the wasm backend, for float32 x reduced over every axis but the last with
// C % 4 == 0; anything else (cpu, native, other axes) runs the stock op unchanged, so cpu stays the
// reference in the tests.
import * as tf from "@tensorflow/tfjs";
import { f64At, ptr, simd, withF64Scratch } from "./simd";
import { Attrs, f32, Inputs, newF32, runCourseKernel, WasmBackend } from "./wasm-util";

export function moments(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo[] {
  const { inputs: { x }, backend } = args;
  const C = x.shape[x.shape.length - 1];
  if (x.dtype !== "float32" || C % 4 !== 0) throw new Error(`CourseMoments: expected float32 x with a multiple of 4 channels, got ${x.dtype} [${x.shape}]`);
  const rows = tf.util.sizeFromShape(x.shape) / C;
  const mean = newF32(backend, [C]), variance = newF32(backend, [C]);
  withF64Scratch(backend, C, (acc) => {
    const lanes = simd(backend);
    lanes.channel_sums(ptr(backend, x), acc, rows, C);
    const mv = f32(backend, mean), sums = f64At(backend, acc, C);
    for (let c = 0; c < C; c++) mv[c] = sums[c] / rows;
    sums.fill(0);
    lanes.channel_sq_dev(ptr(backend, x), ptr(backend, mean), acc, rows, C);
    const vv = f32(backend, variance), sq = f64At(backend, acc, C);
    for (let c = 0; c < C; c++) vv[c] = sq[c] / rows;
  });
  return [mean, variance];
}

/** CourseMomentsGrad(x, mean, dMean, dVariance) → dx = dMean/n + dVariance·2(x - mean)/n. */
export function momentsGrad(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x, mean, dMean, dVariance }, backend } = args;
  const C = x.shape[x.shape.length - 1];
  const rows = tf.util.sizeFromShape(x.shape) / C;
  const dm = f32(backend, dMean), dv = f32(backend, dVariance);
  const k = new Float32Array(C), offset = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    k[c] = (2 * dv[c]) / rows;
    offset[c] = dm[c] / rows;
  }
  const out = newF32(backend, x.shape.slice());
  const kt = newF32(backend, [C], k), ot = newF32(backend, [C], offset);
  // (x - mean) * k + offset: the BatchNorm forward loop computes exactly this.
  simd(backend).batchnorm_forward(ptr(backend, x), ptr(backend, mean), ptr(backend, kt), ptr(backend, ot), ptr(backend, out), rows, C);
  backend.disposeData(kt.dataId);
  backend.disposeData(ot.dataId);
  return out;
}

export const MOMENTS_KERNELS = { CourseMoments: moments, CourseMomentsGrad: momentsGrad };

type MomentsFn = (x: tf.Tensor | tf.TensorLike, axis?: number | number[], keepDims?: boolean) => { mean: tf.Tensor; variance: tf.Tensor };

let installed = false;
/** tfjs-core's own moments, captured before the CommonJS export is replaced. */
let stockMoments: MomentsFn | undefined;

/**
 * tf.moments with the fused path on wasm (float32, every axis but the last, C % 4 == 0); the stock op
 * otherwise. Installed as tfjs-core's `moments` by installFusedMoments; also callable directly.
 */
export function fusedMoments(x: tf.Tensor | tf.TensorLike, axis?: number | number[], keepDims = false): { mean: tf.Tensor; variance: tf.Tensor } {
  if (x instanceof tf.Tensor && tf.getBackend() === "wasm" && x.dtype === "float32" && x.rank >= 2 && x.shape[x.rank - 1] % 4 === 0) {
    const axes = (axis === undefined || axis === null ? [...Array(x.rank).keys()] : tf.util.parseAxisParam(axis, x.shape)).sort((a, b) => a - b);
    const allButLast = axes.length === x.rank - 1 && axes.every((a, i) => a === i);
    if (allButLast && tf.getKernel("CourseMoments", "wasm")) {
      const [mean, variance] = runCourseKernel("CourseMoments", { x }) as tf.Tensor[];
      if (!keepDims) return { mean, variance };
      const kept = [...Array(x.rank - 1).fill(1), x.shape[x.rank - 1]];
      return { mean: tf.reshape(mean, kept), variance: tf.reshape(variance, kept) };
    }
  }
  return (stockMoments ?? tf.moments)(x, axis, keepDims);
}

/**
 * Registers the CourseMoments gradient and replaces tfjs-core's exported `moments` (once). This reaches
 * tf.moments and tfjs-layers' BatchNormalization when tfjs is loaded as CommonJS (tsx, tslab notebooks,
 * the benchmark). Under vitest tfjs is loaded as an ES module, whose exports cannot be replaced: there
 * the stock op runs (correct, only slower); tests call fusedMoments directly.
 */
export function installFusedMoments(): void {
  if (installed) return;
  tf.registerGradient({
    kernelName: "CourseMoments",
    inputsToSave: ["x"],
    outputsToSave: [true, false],
    gradFunc: (dys, saved) => {
      const [x, mean] = saved;
      const [dMean, dVariance] = (dys as (tf.Tensor | null)[]).map((d) => d ?? tf.zerosLike(mean));
      return { x: () => runCourseKernel("CourseMomentsGrad", { x, mean, dMean, dVariance }) as tf.Tensor };
    },
  });
  // The CommonJS exports object of tfjs-core (tfjs and tfjs-layers read `moments` from it at call time).
  // eslint-disable-next-line @typescript-eslint/no-var-requires
  const core = require("@tensorflow/tfjs-core") as { moments: MomentsFn };
  stockMoments = core.moments;
  core.moments = fusedMoments;
  installed = true;
}
