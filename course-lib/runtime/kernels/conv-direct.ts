// Direct SIMD loops for the regular 2-D convolution (simd.wat: conv1ch_forward, conv_filter_grad), used
// where XNNPACK's GEMM tiles fit badly:
// - the forward pass of a one-channel input (CI = 1: the first layer of a digit, greyscale-image or
//   spectrogram net), which has only FH*FW products per output, too few for a GEMM tile;
// - the filter gradient with at most 32 output channels, which as a GEMM first writes the FH*FW*CI x
//   N*OH*OW patch matrix (3.7 MB for LeNet's conv1 at batch 64) and reads it back; the direct loop reads
//   x in place, four filter taps at a time.
// On LeNet's conv1 (64x28x28x1, 5x5 -> 8) the forward went from 1.8 to 0.5 ms and the filter gradient from
// 2.9 to 0.4 ms (tf.profile, one run on the course's 2-core machine).
//
// Both loops read x through a zero-padded copy when the convolution pads, so every tap of every output
// position reads memory inside the copy; unpadded inputs are read in place. Channels come 8 at a time,
// hence CO % 8 == 0; other shapes keep the GEMM path (conv2d-grad.ts) and XNNPACK's convolution.
import * as tf from "@tensorflow/tfjs";
import { ptr, simd } from "./simd";
import { f32, newF32, runStock, WasmBackend } from "./wasm-util";

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

/** x [N, H, W, CI] zero-padded to [N, H + top + bottom, W + left + right, CI] (the stock PadV2 kernel; x itself when nothing pads). */
function paddedInput(backend: WasmBackend, x: tf.TensorInfo, c: ConvInfo): PaddedInput {
  const { top, bottom, left, right } = c.padInfo;
  const { inHeight: H, inWidth: W, inChannels: CI } = c;
  if (top === 0 && bottom === 0 && left === 0 && right === 0) {
    return { tensor: x, width: W, imageBytes: H * W * CI * 4, owned: false };
  }
  const paddings = [[0, 0], [top, bottom], [left, right], [0, 0]];
  const out = runStock("PadV2", { x }, { paddings, constantValue: 0 }, backend);
  const Wp = W + left + right;
  return { tensor: out, width: Wp, imageBytes: (H + top + bottom) * Wp * CI * 4, owned: true };
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
 * Whether the direct filter-gradient loop handles this convolution: 8 output channels at a time, at most
 * 32. Each block of 8 channels re-reads the input taps, so wide outputs favour the GEMM: against it, on the
 * bench models' layers, direct took 0.35-0.95x the time for CO 8-32 and 1.1-1.3x for CO 48-144.
 */
export function isDirectFilterGrad(c: ConvInfo): boolean {
  return hasChannelBlocks(c) && c.outChannels <= 32;
}

/**
 * dW [FH, FW, CI, CO] = sum over output positions of the input patch times dy, each (fh, fw, ci) row of
 * dW a "tap" at its own byte offset into the padded image, four taps per pass over the positions.
 */
export function directConvFilterGrad(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, c: ConvInfo): tf.TensorInfo {
  const { filterHeight: FH, filterWidth: FW, inChannels: CI, outChannels: CO } = c;
  const taps = FH * FW * CI;
  const groups = Math.ceil(taps / 4);
  const padded = paddedInput(backend, x, c);
  const Wp = padded.width;
  // One byte offset per tap into the padded image; the last group's unused slots read offset 0.
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
  const offsetsPtr = (backend.typedArrayFromHeap(offsetsT) as Int32Array).byteOffset;
  simd(backend).conv_filter_grad(
    ptr(backend, padded.tensor), ptr(backend, dy), ptr(backend, acc), offsetsPtr, groups,
    c.batchSize, c.outHeight, c.outWidth, padded.imageBytes, c.strideHeight * Wp * CI * 4, c.strideWidth * CI * 4, CO,
  );
  backend.disposeData(offsetsT.dataId);
  if (padded.owned) backend.disposeData(padded.tensor.dataId);
  const dW = newF32(backend, [FH, FW, CI, CO], f32(backend, acc).slice(0, taps * CO));
  backend.disposeData(acc.dataId);
  return dW;
}
