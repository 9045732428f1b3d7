// BatchMatMul on wasm with transposed operands. The stock kernel hands transposeA/transposeB to a slow
// non-XNNPACK loop: a [9216,96]ᵀ @ [9216,16] product took ~12 ms against ~1 ms untransposed. Every
// dense layer's gradient is such a product (dW = xᵀ·dy, dx = dy·Wᵀ). Here the operand is transposed
// explicitly (SIMD transpose, simd.ts) and the product runs on the XNNPACK path.
import * as tf from "@tensorflow/tfjs";
import { transposeLastTwo } from "./simd";
import { Attrs, Inputs, runStock, WasmBackend } from "./wasm-util";


export function batchMatMul(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { a, b }, backend, attrs } = args;
  if ((!attrs.transposeA && !attrs.transposeB) || a.dtype !== "float32" || b.dtype !== "float32" || a.shape.length < 2 || b.shape.length < 2) {
    return runStock("BatchMatMul", args.inputs, attrs, backend);
  }
  const temps: tf.TensorInfo[] = [];
  const aT = attrs.transposeA ? transposeLastTwo(backend, a) : a;
  if (aT !== a) temps.push(aT);
  const bT = attrs.transposeB ? transposeLastTwo(backend, b) : b;
  if (bT !== b) temps.push(bT);
  try {
    return runStock("BatchMatMul", { a: aT, b: bT }, { ...attrs, transposeA: false, transposeB: false }, backend);
  } finally {
    for (const t of temps) backend.disposeData(t.dataId);
  }
}
