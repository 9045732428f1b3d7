// Fused gradients of element-wise ops on wasm. tfjs-core writes these gradients as chains of generic
// ops, each a full pass over the tensor plus an allocation, e.g. Relu6: lessEqual, step, mul, cast,
// mul (5 passes, two of them producing bool tensors); Square: mul, mul; Mean: ones, mul, div. In
// conv nets with BatchNorm (tf.moments = mean, sub, square, mean) and relu6/hard-swish these chains
// cost more than the convolutions. Each is replaced here by one SIMD pass (simd.wat) (see registerWasmGradient in
// wasm-util.ts: only while the wasm backend is active; cpu keeps tfjs-core's gradients as reference).
//
//   Relu6: dx = dy · g, g = 1 where 0 < x <= 6, else 0; NaN x gives NaN (as lessEqual * step does).
//          At the kinks the subgradient is tfjs-core's: 0 at x = 0, 1 at x = 6.
//   Relu:  dx = dy · step(x) (0 at x = 0), one pass instead of step, cast, mul.
//   Square: dx = 2 x dy.
//   Mean:  dx = broadcast(dy / n) over the reduced axes (tf.broadcastTo = the course's fast Tile).
import * as tf from "@tensorflow/tfjs";
import { ptr, simd } from "./simd";
import { Attrs, f32, Inputs, newF32, registerWasmGradient, runCourseKernel, WasmBackend } from "./wasm-util";

function sameShape(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  return a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
}

function assertFloatPair(kernel: string, dy: tf.TensorInfo, x: tf.TensorInfo): void {
  if (dy.dtype !== "float32" || x.dtype !== "float32" || !sameShape(dy, x)) {
    throw new Error(`${kernel}: expected float32 dy and x of the same shape, got ${dy.dtype} [${dy.shape}] and ${x.dtype} [${x.shape}]`);
  }
}

/** CourseRelu6Grad(dy, x) = dy · g, g = 1 for 0 < x <= 6, NaN for NaN x, else 0. */
export function relu6Grad(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { dy, x }, backend } = args;
  assertFloatPair("CourseRelu6Grad", dy, x);
  const out = newF32(backend, x.shape.slice());
  const n = tf.util.sizeFromShape(x.shape);
  simd(backend).relu6_grad(ptr(backend, x), ptr(backend, dy), ptr(backend, out), n);
  const xv = f32(backend, x), dyv = f32(backend, dy), ov = f32(backend, out);
  for (let i = n & ~3; i < n; i++) {
    const v = xv[i];
    ov[i] = dyv[i] * (v > 0 && v <= 6 ? 1 : v !== v ? NaN : 0);
  }
  return out;
}

/** CourseReluGrad(dy, x) = dy · step(x) (1 for x > 0, NaN for NaN x, else 0). */
export function reluGrad(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { dy, x }, backend } = args;
  assertFloatPair("CourseReluGrad", dy, x);
  const out = newF32(backend, x.shape.slice());
  const n = tf.util.sizeFromShape(x.shape);
  simd(backend).relu_grad(ptr(backend, x), ptr(backend, dy), ptr(backend, out), n);
  const xv = f32(backend, x), dyv = f32(backend, dy), ov = f32(backend, out);
  for (let i = n & ~3; i < n; i++) {
    const v = xv[i];
    ov[i] = dyv[i] * (v > 0 ? 1 : v !== v ? NaN : 0);
  }
  return out;
}

/** CourseSquareGrad(dy, x) = 2 · x · dy. */
export function squareGrad(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { dy, x }, backend } = args;
  assertFloatPair("CourseSquareGrad", dy, x);
  const out = newF32(backend, x.shape.slice());
  const n = tf.util.sizeFromShape(x.shape);
  simd(backend).square_grad(ptr(backend, x), ptr(backend, dy), ptr(backend, out), n);
  const xv = f32(backend, x), dyv = f32(backend, dy), ov = f32(backend, out);
  for (let i = n & ~3; i < n; i++) ov[i] = dyv[i] * (xv[i] * 2);
  return out;
}

export const ELEMENTWISE_GRAD_KERNELS = {
  CourseRelu6Grad: relu6Grad,
  CourseReluGrad: reluGrad,
  CourseSquareGrad: squareGrad,
};

export function registerElementwiseGradients(): string[] {
  registerWasmGradient("Relu6", (dy, [x]) => {
    if (x.dtype !== "float32" || dy.dtype !== "float32") return undefined;
    return { x: () => runCourseKernel("CourseRelu6Grad", { dy, x }) as tf.Tensor };
  });
  registerWasmGradient("Relu", (dy, [x]) => {
    if (x.dtype !== "float32" || dy.dtype !== "float32") return undefined;
    return { x: () => runCourseKernel("CourseReluGrad", { dy, x }) as tf.Tensor };
  });
  registerWasmGradient("Square", (dy, [x]) => {
    if (x.dtype !== "float32" || dy.dtype !== "float32") return undefined;
    return { x: () => runCourseKernel("CourseSquareGrad", { dy, x }) as tf.Tensor };
  });
  registerWasmGradient("Mean", (dy, [x], attrs) => {
    const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape);
    const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
    const keptShape = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
    return { x: () => tf.broadcastTo(tf.div(tf.reshape(dy, keptShape), reduceSize), x.shape) };
  });
  return ["Relu6", "Relu", "Square", "Mean"];
}
