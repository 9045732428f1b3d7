// Data-movement kernels on wasm that the stock backend made needlessly slow.
//
// Slice: the stock kernel calls backend.readSync(x), which copies the WHOLE input out of the wasm heap
// before copying the slice: model.fit/predict slice every batch out of the full data set, so each batch
// cost a full data-set copy. Here the slice is copied straight from a heap view.
// Tile: the stock C++ kernel computes a source index per output element (~490 ms to tile a [48] vector to
// [64,48,48,48], which the BatchNorm gradient does for every BN layer). Here the innermost run is copied
// once and then doubled with copyWithin, so the cost is that of writing the output.
// Identity: the stock kernel allocates and copies; like the cpu backend's, this one shares the data
// (tensors are immutable) and only counts a reference. Gradients call it hundreds of times per step.
// Cast: a cast to the dtype the tensor already has (tfjs-core's gradients and tf.moments do this to
// float32 tensors ~90 times per PhiNet training step) shares the data, as the cpu backend does; the
// stock wasm kernel copied the whole tensor every time. Real conversions go to the stock kernel.
// GatherV2: model.fit gathers every shuffled batch out of the whole data set; the stock kernel computes
// an index per element (113 ms for one 64-image 96x96x3 batch). Here each gathered slice is one
// contiguous copy.
import * as tf from "@tensorflow/tfjs";
import { Attrs, Inputs, runStock, WasmBackend } from "./wasm-util";

export function slice(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  if (x.dtype === "string" || x.shape.length === 0) return runStock("Slice", args.inputs, attrs, backend);
  const [begin, size] = tf.slice_util.parseSliceParams(x as unknown as tf.Tensor, attrs.begin as number[], attrs.size as number[]);
  const out = backend.makeOutput(size, x.dtype);
  if (tf.util.sizeFromShape(size) === 0) return out;
  const xv = backend.typedArrayFromHeap(x), ov = backend.typedArrayFromHeap(out);
  const rank = x.shape.length;
  const strides = tf.util.computeStrides(x.shape);
  // Merge the trailing dimensions that are taken whole into one contiguous run.
  let runDim = rank - 1;
  while (runDim > 0 && begin[runDim] === 0 && size[runDim] === x.shape[runDim]) runDim--;
  const run = tf.util.sizeFromShape(size.slice(runDim));
  const runStart = (i: number[]) => {
    let off = 0;
    for (let d = 0; d < runDim; d++) off += (begin[d] + i[d]) * strides[d];
    return off + begin[runDim] * (runDim < rank - 1 ? strides[runDim] : 1);
  };
  const outerShape = size.slice(0, runDim);
  const outerCount = tf.util.sizeFromShape(outerShape);
  const idx = new Array(runDim).fill(0);
  for (let o = 0; o < outerCount; o++) {
    const s = runStart(idx);
    (ov as Float32Array).set((xv as Float32Array).subarray(s, s + run), o * run);
    for (let d = runDim - 1; d >= 0; d--) {
      if (++idx[d] < outerShape[d]) break;
      idx[d] = 0;
    }
  }
  return out;
}

export function tile(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  const reps = attrs.reps as number[];
  if (x.dtype === "string" || reps.length !== x.shape.length) return runStock("Tile", args.inputs, attrs, backend);
  const rank = x.shape.length;
  const outShape = x.shape.map((d, i) => d * reps[i]);
  const out = backend.makeOutput(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const xv = backend.typedArrayFromHeap(x) as Float32Array, ov = backend.typedArrayFromHeap(out) as Float32Array;
  // outBlock[d] = elements of out spanned by one index of dimension d-1, i.e. prod(outShape[d..]).
  const outBlock = new Array(rank + 1).fill(1);
  const xBlock = new Array(rank + 1).fill(1);
  for (let d = rank - 1; d >= 0; d--) {
    outBlock[d] = outBlock[d + 1] * outShape[d];
    xBlock[d] = xBlock[d + 1] * x.shape[d];
  }
  // Fills out[outOff .. outOff + outBlock[d]) from x[xOff ..] for dimensions d.. (recursively), then
  // repeats the filled part of dimension d reps[d] times by doubling copies.
  const fill = (d: number, xOff: number, outOff: number): void => {
    const single = outBlock[d + 1] * x.shape[d]; // one repetition of dimension d
    if (d === rank - 1) {
      ov.set(xv.subarray(xOff, xOff + x.shape[d]), outOff);
    } else {
      for (let i = 0; i < x.shape[d]; i++) fill(d + 1, xOff + i * xBlock[d + 1], outOff + i * outBlock[d + 1]);
    }
    let filled = single;
    const total = single * reps[d];
    while (filled < total) {
      const n = Math.min(filled, total - filled);
      ov.copyWithin(outOff + filled, outOff, outOff + n);
      filled += n;
    }
  };
  fill(0, 0, 0);
  return out;
}

export function identity(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x }, backend } = args;
  if (x.dtype === "string") return runStock("Identity", args.inputs, args.attrs, backend);
  backend.incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
}

export function cast(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x }, backend, attrs } = args;
  if (x.dtype === attrs.dtype && x.dtype !== "string") {
    backend.incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  }
  return runStock("Cast", args.inputs, attrs, backend);
}

export function gatherV2(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x, indices }, backend, attrs } = args;
  const batchDims = (attrs.batchDims as number | undefined) ?? 0;
  if (batchDims !== 0 || (x.dtype !== "float32" && x.dtype !== "int32") || indices.dtype !== "int32") {
    return runStock("GatherV2", args.inputs, attrs, backend);
  }
  const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
  const outer = tf.util.sizeFromShape(x.shape.slice(0, axis));
  const inner = tf.util.sizeFromShape(x.shape.slice(axis + 1));
  const axisSize = x.shape[axis];
  const outShape = [...x.shape.slice(0, axis), ...indices.shape, ...x.shape.slice(axis + 1)];
  const out = backend.makeOutput(outShape, x.dtype);
  if (tf.util.sizeFromShape(outShape) === 0) return out;
  const xv = backend.typedArrayFromHeap(x) as Float32Array, ov = backend.typedArrayFromHeap(out) as Float32Array;
  const idx = backend.typedArrayFromHeap(indices) as Int32Array;
  for (let i = 0; i < idx.length; i++) {
    if (idx[i] < 0 || idx[i] >= axisSize) {
      backend.disposeData(out.dataId);
      throw new Error(`GatherV2: index ${idx[i]} (at position ${i}) is not in [0, ${axisSize - 1}]`);
    }
  }
  let o = 0;
  for (let a = 0; a < outer; a++) {
    const base = a * axisSize * inner;
    for (let i = 0; i < idx.length; i++, o += inner) {
      const s = base + idx[i] * inner;
      ov.set(xv.subarray(s, s + inner), o);
    }
  }
  return out;
}
