// Forward element-wise kernels on wasm that run on full-size activations: Square and Sub (tf.moments,
// every BatchNormalization layer in training) and Add (the bias add of every conv and dense layer with
// an activation: in training tfjs-core's fused conv2d/matMul fall back to conv + add + activation). The
// stock Square is a scalar loop (~0.85 ns per element, ~2x a SIMD multiply); the stock Sub and Add with
// a per-channel vector broadcast over NHWC take XNNPACK's generic broadcasting path (1.2-2.4 ns per
// element: 0.7 ms of a 17 ms LeNet step for its first conv's bias). Here they are SIMD loops
// (simd.wat); every other dtype or broadcast pattern goes to the stock kernel.
import * as tf from "@tensorflow/tfjs";
import { ptr, simd } from "./simd";
import { Attrs, f32, Inputs, newF32, runStock, WasmBackend } from "./wasm-util";

export function square(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype !== "float32") return runStock("Square", args.inputs, args.attrs, backend);
  const out = newF32(backend, x.shape.slice());
  const n = tf.util.sizeFromShape(x.shape);
  simd(backend).square(ptr(backend, x), ptr(backend, out), n);
  const xv = f32(backend, x), ov = f32(backend, out);
  for (let i = n & ~3; i < n; i++) ov[i] = xv[i] * xv[i];
  return out;
}

/** True when b broadcasts over a as one value per channel of a's last axis: b's shape is [..1.., C]. */
function isChannelVector(a: tf.TensorInfo, b: tf.TensorInfo): boolean {
  const C = a.shape[a.shape.length - 1];
  if (b.shape.length === 0 || b.shape.length > a.shape.length || b.shape[b.shape.length - 1] !== C) return false;
  return b.shape.slice(0, -1).every((d) => d === 1);
}

export function sub(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { a, b }, backend } = args;
  const C = a.shape[a.shape.length - 1];
  if (a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || C % 4 !== 0 || !isChannelVector(a, b)) {
    return runStock("Sub", args.inputs, args.attrs, backend);
  }
  const out = newF32(backend, a.shape.slice());
  simd(backend).sub_channels(ptr(backend, a), ptr(backend, b), ptr(backend, out), tf.util.sizeFromShape(a.shape) / C, C);
  return out;
}

/** a + b where one operand is a per-channel vector of the other (a bias add); else the stock Add. */
export function add(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { a, b }, backend } = args;
  // Addition commutes exactly in IEEE arithmetic, so the vector may be either operand.
  const [x, v] = isChannelVector(a, b) ? [a, b] : [b, a];
  const C = x.shape[x.shape.length - 1];
  if (a.dtype !== "float32" || b.dtype !== "float32" || x.shape.length < 2 || C % 4 !== 0 || !isChannelVector(x, v)) {
    return runStock("Add", args.inputs, args.attrs, backend);
  }
  const out = newF32(backend, x.shape.slice());
  simd(backend).add_channels(ptr(backend, x), ptr(backend, v), ptr(backend, out), tf.util.sizeFromShape(x.shape) / C, C);
  return out;
}
