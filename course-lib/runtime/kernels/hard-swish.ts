// A fused hard-swish op: hardSwish(x) = x · relu6(x + 3) / 6 (MobileNetV3, PhiNet).
//
// Written with generic ops it costs 4 full passes forward (add, relu6, div, mul) and ~6 backward
// (two muls, div, the relu6 mask chain, an add of the two branches). On wasm it is one kernel each way
// (CourseHardSwish, CourseHardSwishGrad, SIMD loops in simd.wat). On other backends hardSwish() runs the composed ops, so
// cpu results are the reference the tests compare against.
//
// Gradient (the subgradient the composed op gets from tfjs-core, kinks included):
//   x <= -3: 0          -3 < x <= 3: (2x + 3) / 6          x > 3: 1
// i.e. 0 at x = -3 (relu6's gradient is 0 at 0) and 1.5 at x = 3 (relu6's gradient is 1 at 6,
// so the composed derivative is relu6(6)/6 + 3/6). NaN propagates in both directions.
import * as tf from "@tensorflow/tfjs";
import { ptr, simd } from "./simd";
import { Attrs, f32, Inputs, newF32, runCourseKernel, WasmBackend } from "./wasm-util";

export function hardSwishForward(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype !== "float32") throw new Error(`CourseHardSwish: expected a float32 tensor, got ${x.dtype}`);
  const out = newF32(backend, x.shape.slice());
  const n = tf.util.sizeFromShape(x.shape);
  simd(backend).hard_swish(ptr(backend, x), ptr(backend, out), n);
  const xv = f32(backend, x), ov = f32(backend, out);
  for (let i = n & ~3; i < n; i++) {
    const v = xv[i];
    const t = v + 3;
    const r = t < 0 ? 0 : t > 6 ? 6 : t; // NaN passes through
    ov[i] = v * Math.fround(r * Math.fround(1 / 6));
  }
  return out;
}

export function hardSwishGrad(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { dy, x }, backend } = args;
  if (x.dtype !== "float32" || dy.dtype !== "float32" || x.shape.join() !== dy.shape.join()) {
    throw new Error(`CourseHardSwishGrad: expected float32 dy and x of the same shape, got [${dy.shape}] and [${x.shape}]`);
  }
  const out = newF32(backend, x.shape.slice());
  const n = tf.util.sizeFromShape(x.shape);
  simd(backend).hard_swish_grad(ptr(backend, x), ptr(backend, dy), ptr(backend, out), n);
  const xv = f32(backend, x), dyv = f32(backend, dy), ov = f32(backend, out);
  for (let i = n & ~3; i < n; i++) {
    const v = xv[i];
    ov[i] = v > 3 ? dyv[i] : v > -3 ? dyv[i] * Math.fround((2 * v + 3) * Math.fround(1 / 6)) : v !== v ? NaN : 0;
  }
  return out;
}

export const HARD_SWISH_KERNELS = { CourseHardSwish: hardSwishForward, CourseHardSwishGrad: hardSwishGrad };

let gradientRegistered = false;

/** Registers the gradient of the CourseHardSwish kernel (idempotent). */
export function registerHardSwishGradient(): string[] {
  if (!gradientRegistered) {
    tf.registerGradient({
      kernelName: "CourseHardSwish",
      inputsToSave: ["x"],
      gradFunc: (dy, [x]) => ({ x: () => runCourseKernel("CourseHardSwishGrad", { dy: dy as tf.Tensor, x }) as tf.Tensor }),
    });
    gradientRegistered = true;
  }
  return ["CourseHardSwish"];
}

/**
 * hard-swish(x) = x · relu6(x + 3) / 6, differentiable. One fused kernel on the wasm backend (with the
 * course kernels registered by initBackend); the composed tfjs ops elsewhere.
 */
export function hardSwish<T extends tf.Tensor>(x: T): T {
  if (tf.getBackend() === "wasm" && tf.getKernel("CourseHardSwish", "wasm") && x.dtype === "float32") {
    return runCourseKernel("CourseHardSwish", { x }) as T;
  }
  return tf.tidy(() => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6))) as T;
}
