// Direct SIMD loops for the regular 2-D convolution (simd.wat: conv1ch_forward, conv_filter_grad), used
// where XNNPACK's GEMM tiles fit badly:
// - the forward pass of a one-channel input (CI = 1: the first layer of a digit, greyscale-image or
//   spectrogram net), which has only FH*FW products per output, too few for a GEMM tile;
// - the filter gradient, which as a GEMM first writes the FH*FW*CI x N*OH*OW patch matrix (3.7 MB for
//   LeNet's conv1 at batch 64) and reads it back, and then hands XNNPACK dy as the "weights" it packs anew
//   on every call (dy is a new tensor each step); the direct loop reads x in place, four filter taps at a time.
// On LeNet's conv1 (64x28x28x1, 5x5 -> 8) the forward went from 1.8 to 0.5 ms and the filter gradient from
// 2.9 to 0.4 ms (tf.profile, one run on the course's 2-core machine); PhiNet-like's pointwise filter
// gradients with 48-144 output channels take 0.3-0.15x the GEMM's time (A/B with a fresh dy per call).
//
// Both loops read x through zero padding when the convolution pads (the forward a padded copy of the batch,
// the filter gradient one padded image at a time), so every tap of every output position reads memory inside
// it; unpadded inputs are read in place. Channels come 8 at a time, hence CO % 8 == 0; other shapes keep the
// GEMM path (conv2d-grad.ts) and XNNPACK's convolution.
import * as tf from "@tensorflow/tfjs";
import { ptr, simd } from "./simd";
import { f32, newF32, WasmBackend } from "./wasm-util";

type ConvInfo = tf.backend_util.Conv2DInfo;

/** Whether the direct one-channel forward loop handles this convolution (NHWC float32 is the caller's check). */
export function isOneChannelConv(c: ConvInfo): boolean {
  return c.inChannels === 1 && hasChannelBlocks(c);
}

/** Output channels in whole blocks of 8 and a non-empty output: what both loops need. */
function hasChannelBlocks(c: ConvInfo): boolean {
  return c.outChannels % 8 === 0 && c.outChannels > 0 && c.outHeight > 0 && c.outWidth > 0;
}

interface PaddedInput {
  tensor: tf.TensorInfo;
  /** Width of the padded copy, in pixels. */
  width: number;
  /** Bytes per image of the padded copy. */
  imageBytes: number;
  /** Whether tensor is a new buffer the caller must dispose. */
  owned: boolean;
}

/**
 * Copies one image of x (H rows of W*CI floats at heap index `from`) into the interior of a padded image at
 * heap index `to` (rows W + left + right wide, the interior `top` rows down): copyWithin on the whole heap,
 * one call per row, no view per row.
 */
function copyIntoPadded(heap: Float32Array, from: number, to: number, c: ConvInfo): void {
  const { inHeight: H, inWidth: W, inChannels: CI } = c;
  const { top, left, right } = c.padInfo;
  const rowLength = W * CI, paddedRow = (W + left + right) * CI;
  for (let h = 0; h < H; h++) heap.copyWithin(to + (h + top) * paddedRow + left * CI, from + h * rowLength, from + (h + 1) * rowLength);
}

/**
 * x [N, H, W, CI] zero-padded to [N, H + top + bottom, W + left + right, CI] (x itself when nothing pads): one
 * fill and one copyWithin per row (copyIntoPadded). Not the stock PadV2: its per-element loop took 8.5 ms of the
 * 9.5 ms filter gradient of PhiNet-like's stem ([64, 96, 96, 3]); this takes about 1 ms.
 */
function paddedInput(backend: WasmBackend, x: tf.TensorInfo, c: ConvInfo): PaddedInput {
  const { top, bottom, left, right } = c.padInfo;
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: CI } = c;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) {
    return { tensor: x, width: W, imageBytes: H * W * CI * 4, owned: false };
  }
  const Hp = H + top + bottom, Wp = W + left + right;
  const out = newF32(backend, [N, Hp, Wp, CI]);
  const dst = f32(backend, out);
  dst.fill(0);
  const heap = new Float32Array(dst.buffer);
  const from0 = f32(backend, x).byteOffset / 4, to0 = dst.byteOffset / 4;
  for (let b = 0; b < N; b++) copyIntoPadded(heap, from0 + b * H * W * CI, to0 + b * Hp * Wp * CI, c);
  return { tensor: out, width: Wp, imageBytes: Hp * Wp * CI * 4, owned: true };
}

/** y = act(conv(x, filter) + bias), act relu or linear; bias null means zeros. */
export function oneChannelConvForward(
  backend: WasmBackend, x: tf.TensorInfo, filter: tf.TensorInfo, bias: tf.TensorInfo | null, c: ConvInfo, relu: boolean,
): tf.TensorInfo {
  const CO = c.outChannels;
  const zeroBias = bias === null ? newF32(backend, [CO]) : null;
  if (zeroBias) f32(backend, zeroBias).fill(0);
  const padded = paddedInput(backend, x, c);
  const out = newF32(backend, [c.batchSize, c.outHeight, c.outWidth, CO]);
  const Wp = padded.width;
  simd(backend).conv1ch_forward(
    ptr(backend, padded.tensor), ptr(backend, filter), ptr(backend, zeroBias ?? bias!), ptr(backend, out),
    c.batchSize, c.outHeight, c.outWidth, c.filterHeight, c.filterWidth,
    padded.imageBytes, c.strideHeight * Wp * 4, c.strideWidth * 4, c.dilationHeight * Wp * 4, c.dilationWidth * 4,
    CO, relu ? 1 : 0,
  );
  if (padded.owned) backend.disposeData(padded.tensor.dataId);
  if (zeroBias) backend.disposeData(zeroBias.dataId);
  return out;
}

/**
 * Whether the direct filter-gradient loop handles this convolution: output channels in blocks of 8. Against
 * the GEMM path, with a fresh dy per call as in training, on the bench models' layers (one run, ms): LeNet's
 * 5x5 -> 16 0.65 vs 1.36; PhiNet-like's stem 2.4 vs 7.5 and its pointwise 8 -> 48, 16 -> 96, 24 -> 144
 * 0.97 vs 6.7, 0.76 vs 3.1, 0.43 vs 1.3. (An earlier A/B that reused one dy tensor let XNNPACK keep its packed
 * copy and made the GEMM look faster for CO >= 48.)
 */
export function isDirectFilterGrad(c: ConvInfo): boolean {
  return hasChannelBlocks(c);
}

/**
 * dW [FH, FW, CI, CO] = sum over output positions of the input patch times dy, each (fh, fw, ci) row of
 * dW a "tap" at its own byte offset into the (padded) image, four taps per pass over the positions.
 * A padded convolution pads one image at a time into a scratch image that stays in cache (its border is
 * zeroed once), and the loop runs image by image: padding the whole batch first wrote and re-read 7 MB for
 * PhiNet-like's stem, 2 of its 3 ms.
 */
export function directConvFilterGrad(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, c: ConvInfo): tf.TensorInfo {
  const { filterHeight: FH, filterWidth: FW, inChannels: CI, outChannels: CO } = c;
  const { batchSize: N, inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = c;
  const { top, bottom, left, right } = c.padInfo;
  const pads = top > 0 || bottom > 0 || left > 0 || right > 0;
  const Hp = H + top + bottom, Wp = W + left + right;
  const taps = FH * FW * CI;
  const groups = Math.ceil(taps / 4);
  // One byte offset per tap into the (padded) image; the last group's unused slots read offset 0.
  const offsets = new Int32Array(groups * 4);
  for (let fh = 0; fh < FH; fh++) {
    for (let fw = 0; fw < FW; fw++) {
      for (let ci = 0; ci < CI; ci++) {
        offsets[(fh * FW + fw) * CI + ci] = ((fh * c.dilationHeight * Wp + fw * c.dilationWidth) * CI + ci) * 4;
      }
    }
  }
  const offsetsT = backend.makeOutput([offsets.length], "int32", undefined, offsets);
  const acc = newF32(backend, [groups * 4, CO]);
  f32(backend, acc).fill(0);
  const image = pads ? newF32(backend, [Hp, Wp, CI]) : null;
  // Allocation is over: heap offsets and views taken from here on stay valid.
  const offsetsPtr = (backend.typedArrayFromHeap(offsetsT) as Int32Array).byteOffset;
  const imageBytes = Hp * Wp * CI * 4;
  const rowStep = c.strideHeight * Wp * CI * 4, colStep = c.strideWidth * CI * 4;
  const { conv_filter_grad } = simd(backend);
  if (image === null) {
    conv_filter_grad(ptr(backend, x), ptr(backend, dy), ptr(backend, acc), offsetsPtr, groups, N, OH, OW, imageBytes, rowStep, colStep, CO);
  } else {
    const scratch = f32(backend, image);
    scratch.fill(0); // the border stays zero: each image overwrites only the interior
    const heap = new Float32Array(scratch.buffer);
    const x0 = f32(backend, x).byteOffset / 4, image0 = scratch.byteOffset / 4;
    const dy0 = ptr(backend, dy), accPtr = ptr(backend, acc);
    for (let b = 0; b < N; b++) {
      copyIntoPadded(heap, x0 + b * H * W * CI, image0, c);
      conv_filter_grad(image0 * 4, dy0 + b * OH * OW * CO * 4, accPtr, offsetsPtr, groups, 1, OH, OW, imageBytes, rowStep, colStep, CO);
    }
    backend.disposeData(image.dataId);
  }
  backend.disposeData(offsetsT.dataId);
  const dW = newF32(backend, [FH, FW, CI, CO], f32(backend, acc).slice(0, taps * CO));
  backend.disposeData(acc.dataId);
  return dW;
}
