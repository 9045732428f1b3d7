// Forward element-wise kernels on wasm that tf.moments (every BatchNormalization layer in training)
// runs on full-size tensors: Square and Sub. The stock Square is a scalar loop (~0.85 ns per element,
// ~2x a SIMD multiply), and the stock Sub with a per-channel vector broadcast over NHWC takes XNNPACK's
// generic broadcasting path (~1.2 ns per element). Here both are SIMD loops (simd.wat); every other
// dtype or broadcast pattern goes to the stock kernel.
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
