// Sum and Mean on wasm accumulating in float64. The stock kernels accumulate in float32, and BatchNorm
// statistics over N*H*W values (tens of thousands) then drift far enough from the cpu backend to move
// gradients visibly (measured, see course-lib/runtime/README.md). Reductions over a contiguous run of
// axes (the usual case: BatchNorm reduces [0,1,2] of NHWC, a loss reduces everything, a softmax the
// last axis) are done in place as out[a,b] = Σ_r x[a,r,b] without transposing; other axis sets and
// non-float32 inputs go to the stock kernel. The two common shapes run as SIMD loops (simd.wat, float64
// lanes): everything into one value (inner = 1, e.g. a loss) and per-channel sums over rows (inner a
// multiple of 4, e.g. BatchNorm statistics of NHWC); the rest in JS.
import * as tf from "@tensorflow/tfjs";
import { f64At, ptr, simd, withF64Scratch } from "./simd";
import { Attrs, f32, Inputs, newF32, runStock, WasmBackend } from "./wasm-util";

function reduce(name: "Sum" | "Mean", args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  if (x.dtype !== "float32") return runStock(name, args.inputs, attrs, backend);
  const rank = x.shape.length;
  const axes = tf.util.parseAxisParam(attrs.axis as number | number[], x.shape).sort((p, q) => p - q);
  const contiguous = axes.every((a, i) => i === 0 || a === axes[i - 1] + 1);
  if (!contiguous || rank === 0) return runStock(name, args.inputs, attrs, backend);
  const first = axes.length ? axes[0] : 0;
  const last = axes.length ? axes[axes.length - 1] : -1;
  const outer = tf.util.sizeFromShape(x.shape.slice(0, first));
  const reduced = tf.util.sizeFromShape(x.shape.slice(first, last + 1));
  const inner = tf.util.sizeFromShape(x.shape.slice(last + 1));
  const outShape = attrs.keepDims
    ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d))
    : x.shape.filter((_, i) => !axes.includes(i));
  const out = newF32(backend, outShape);
  const scale = name === "Mean" ? 1 / reduced : 1;
  if (inner === 1) {
    const lanes = simd(backend);
    const base = ptr(backend, x), ov = f32(backend, out), xv = f32(backend, x);
    const vecLen = reduced & ~3;
    for (let a = 0; a < outer; a++) {
      let s = vecLen ? lanes.sum_all(base + a * reduced * 4, vecLen) : 0;
      for (let r = a * reduced + vecLen; r < (a + 1) * reduced; r++) s += xv[r];
      ov[a] = name === "Mean" ? s / reduced : s;
    }
  } else if (inner % 4 === 0) {
    withF64Scratch(backend, inner, (acc) => {
      const lanes = simd(backend);
      const base = ptr(backend, x);
      for (let a = 0; a < outer; a++) {
        const sums = f64At(backend, acc, inner);
        sums.fill(0);
        lanes.channel_sums(base + a * reduced * inner * 4, acc, reduced, inner);
        const ov = f32(backend, out);
        for (let i = 0; i < inner; i++) ov[a * inner + i] = sums[i] * scale;
      }
    });
  } else {
    const xv = f32(backend, x), ov = f32(backend, out);
    const acc = new Float64Array(inner);
    for (let a = 0; a < outer; a++) {
      acc.fill(0);
      let xi = a * reduced * inner;
      for (let r = 0; r < reduced; r++) {
        for (let i = 0; i < inner; i++) acc[i] += xv[xi + i];
        xi += inner;
      }
      const o = a * inner;
      for (let i = 0; i < inner; i++) ov[o + i] = acc[i] * scale;
    }
  }
  return out;
}

export const sum = (args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) => reduce("Sum", args);
export const mean = (args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }) => reduce("Mean", args);
