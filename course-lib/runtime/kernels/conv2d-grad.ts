// Gradients of the regular 2-D convolution on wasm: Conv2DBackpropFilter (missing from the stock wasm
// backend, so conv nets could not train at all) and Conv2DBackpropInput (the stock one is a plain C++
// loop, slow enough to dominate a training step).
//
// Both reduce to one big matrix product done by the wasm backend's own XNNPACK matmul:
//   filter grad: dW[K=FH*FW*CI, CO] = patchesᵀ[K, M=N*OH*OW] @ dy[M, CO]   (patches gathered by the
//                SIMD module's im2col_row, simd.wat)
//   input grad : cols[M, K] = dy[M, CO] @ Wᵀ[CO, K], then col2im (simd.wat) scatter-adds cols into dx,
//                or, for stride-1 'same' convolutions, one XNNPACK convolution of dy with the flipped,
//                transposed filter.
// 1x1 stride-1 unpadded convolutions (pointwise) skip the gather/scatter entirely (SIMD transposes); filter
// gradients with output channels in blocks of 8 skip the GEMM (the direct loop of conv-direct.ts).
import * as tf from "@tensorflow/tfjs";
import { directConvFilterGrad, isDirectFilterGrad } from "./conv-direct";
import { ptr, simd, transpose2dFast } from "./simd";
import { assertChannelsLast, Attrs, f32, Inputs, matmul, newF32, runStock, reshapedView, WasmBackend } from "./wasm-util";

type ConvInfo = tf.backend_util.Conv2DInfo;

function isPointwise(c: ConvInfo): boolean {
  return (
    c.filterHeight === 1 && c.filterWidth === 1 && c.strideHeight === 1 && c.strideWidth === 1 &&
    c.padInfo.top === 0 && c.padInfo.left === 0 && c.padInfo.bottom === 0 && c.padInfo.right === 0
  );
}

/** [lo, hi) of output positions o with 0 <= o*s + off < size (empty when hi <= lo). */
function validRange(off: number, s: number, size: number, outSize: number): [number, number] {
  const lo = Math.min(outSize, Math.max(0, Math.ceil(-off / s)));
  const hi = Math.max(lo, Math.min(outSize, Math.ceil((size - off) / s)));
  return [lo, hi];
}

/**
 * Writes patchesᵀ: row k = (fh, fw, ci), column m = (b, oh, ow), value x[b, oh*s+fh*d-pt, ow*s+fw*d-pl, ci]
 * (0 outside the input). One SIMD-module call per row (simd.wat, im2col_row; contiguous rows, as for
 * one input channel at stride 1, 4 floats per step): a JS loop here cost ~13 ms of a 27 ms LeNet
 * training step (short strided inner loops).
 */
function gatherPatchesTransposed(backend: WasmBackend, x: tf.TensorInfo, c: ConvInfo, out: tf.TensorInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: CI, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = c;
  const pt = c.padInfo.top, pl = c.padInfo.left;
  const M = N * OH * OW;
  const lanes = simd(backend);
  const xp = ptr(backend, x), op = ptr(backend, out);
  for (let fh = 0; fh < c.filterHeight; fh++) {
    const offH = fh * dh - pt;
    const [ohLo, ohHi] = validRange(offH, sh, H, OH);
    for (let fw = 0; fw < c.filterWidth; fw++) {
      const offW = fw * dw - pl;
      const [owLo, owHi] = validRange(offW, sw, W, OW);
      const rowOh = owHi > owLo ? [ohLo, ohHi] : [0, 0]; // no valid column: the whole row is zero
      // 4 channels per call (one v128 load per input position) when CI % 4 == 0
      const step = CI % 4 === 0 ? 4 : 1;
      for (let ci = 0; ci < CI; ci += step) {
        const row = (fh * c.filterWidth + fw) * CI + ci;
        const c0 = (offH * W + offW) * CI + ci;
        if (step === 4) lanes.im2col_rows4(xp, op + row * M * 4, N, OH, OW, rowOh[0], rowOh[1], owLo, owHi, c0, H * W * CI, sh * W * CI, sw * CI, M);
        else lanes.im2col_row(xp, op + row * M * 4, N, OH, OW, rowOh[0], rowOh[1], owLo, owHi, c0, H * W * CI, sh * W * CI, sw * CI);
      }
    }
  }
}

export function conv2DBackpropFilter(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  assertChannelsLast("Conv2DBackpropFilter", attrs.dataFormat);
  const filterShape = attrs.filterShape as [number, number, number, number];
  const c = tf.backend_util.computeConv2DInfo(
    x.shape as [number, number, number, number], filterShape, attrs.strides as [number, number], 1,
    attrs.pad as "same", attrs.dimRoundingMode as "round" | undefined, false, "channelsLast",
  );
  if (isDirectFilterGrad(c)) return directConvFilterGrad(backend, x, dy, c);
  return gemmConvFilterGrad(backend, x, dy, c);
}

/** dW as one XNNPACK matrix product of the gathered patches with dy. */
export function gemmConvFilterGrad(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, c: ConvInfo): tf.TensorInfo {
  const M = c.batchSize * c.outHeight * c.outWidth;
  const K = c.filterHeight * c.filterWidth * c.inChannels;
  const CO = c.outChannels;
  let patchesT: tf.TensorInfo;
  if (isPointwise(c)) {
    patchesT = transpose2dFast(backend, x, M, K);
  } else {
    patchesT = newF32(backend, [K, M]);
    gatherPatchesTransposed(backend, x, c, patchesT);
  }
  const dW = matmul(backend, patchesT, dy, K, M, CO);
  backend.disposeData(patchesT.dataId);
  return reshapedView(dW, [c.filterHeight, c.filterWidth, c.inChannels, CO]);
}

/**
 * Scatter-adds cols[m=(b,oh,ow), k=(fh,fw,ci)] into dx (the adjoint of the patch gather), in the SIMD
 * module (simd.wat, col2im): the JS loop took ~15 ms for PhiNet's stride-2 stem.
 */
function col2im(backend: WasmBackend, cols: tf.TensorInfo, c: ConvInfo, dx: tf.TensorInfo): void {
  const geometry = Int32Array.from([
    c.batchSize, c.inHeight, c.inWidth, c.inChannels, c.outHeight, c.outWidth, c.filterHeight, c.filterWidth,
    c.strideHeight, c.strideWidth, c.dilationHeight, c.dilationWidth, c.padInfo.top, c.padInfo.left,
  ]);
  const g = backend.makeOutput([geometry.length], "int32", undefined, geometry);
  try {
    f32(backend, dx).fill(0);
    const gp = (backend.typedArrayFromHeap(g) as Int32Array).byteOffset;
    simd(backend).col2im(ptr(backend, cols), ptr(backend, dx), gp);
  } finally {
    backend.disposeData(g.dataId);
  }
}

export function conv2DBackpropInput(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  assertChannelsLast("Conv2DBackpropInput", attrs.dataFormat);
  const inputShape = attrs.inputShape as [number, number, number, number];
  const filterShape = filter.shape as [number, number, number, number];
  const c = tf.backend_util.computeConv2DInfo(
    inputShape, filterShape, attrs.strides as [number, number], 1, attrs.pad as "same",
    attrs.dimRoundingMode as "round" | undefined, false, "channelsLast",
  );
  const { filterHeight: FH, filterWidth: FW, inChannels: CI, outChannels: CO } = c;
  const M = c.batchSize * c.outHeight * c.outWidth;
  const K = FH * FW * CI;

  if (isPointwise(c)) {
    // dx[M, CI] = dy[M, CO] @ Wᵀ[CO, CI]
    const wT = transpose2dFast(backend, filter, CI, CO);
    const dx = matmul(backend, dy, wT, M, CO, CI);
    backend.disposeData(wT.dataId);
    return reshapedView(dx, inputShape.slice());
  }

  const padTop = FH - 1 - c.padInfo.top;
  const padLeft = FW - 1 - c.padInfo.left;
  const padBottom = c.inHeight - c.outHeight + c.padInfo.top;
  const padRight = c.inWidth - c.outWidth + c.padInfo.left;
  // The flipped-filter convolution computes all FH*FW taps for every input pixel (N*H*W*K*CO MACs), the
  // matmul only the M = N*OH*OW output positions' (M*K*CO) plus a col2im pass. For 'same' convolutions
  // these tie; for 'valid' ones (LeNet's 5x5: H*W = 2.25 OH*OW) the matmul path measured 20-30% faster.
  const flipWork = c.inHeight * c.inWidth, matmulWork = c.outHeight * c.outWidth;
  if (c.strideHeight === 1 && c.strideWidth === 1 && Math.min(padTop, padLeft, padBottom, padRight) >= 0 && flipWork <= 1.2 * matmulWork) {
    // Stride 1: dx = correlation of dy (padded) with the spatially flipped filter, in/out channels swapped.
    const flipped = newF32(backend, [FH, FW, CO, CI]);
    const w = f32(backend, filter);
    const fl = f32(backend, flipped);
    for (let fh = 0; fh < FH; fh++) {
      for (let fw = 0; fw < FW; fw++) {
        const src = ((FH - 1 - fh) * FW + (FW - 1 - fw)) * CI * CO;
        const dst = (fh * FW + fw) * CO * CI;
        for (let ci = 0; ci < CI; ci++) {
          for (let co = 0; co < CO; co++) fl[dst + co * CI + ci] = w[src + ci * CO + co];
        }
      }
    }
    const dx = runStock(
      "Conv2D",
      { x: dy, filter: flipped },
      { strides: [1, 1], pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]], dataFormat: "NHWC", dilations: [1, 1] },
      backend,
    );
    backend.disposeData(flipped.dataId);
    return dx;
  }

  // General case: cols[M, K] = dy[M, CO] @ Wᵀ[CO, K], then scatter-add.
  const wT = transpose2dFast(backend, filter, K, CO);
  const cols = matmul(backend, dy, wT, M, CO, K);
  backend.disposeData(wT.dataId);
  const dx = newF32(backend, inputShape.slice());
  col2im(backend, cols, c, dx);
  backend.disposeData(cols.dataId);
  return dx;
}
