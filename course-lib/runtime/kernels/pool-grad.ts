// MaxPoolGrad on wasm in JS typed-array loops. The stock kernel is a per-element C++ loop that, in a
// measured training step, cost more than the convolution it follows. Here each pooling window is
// scanned once for all channels at a time (channels innermost, contiguous), keeping the position of the
// first strict maximum per channel, which is the same tie-breaking as the cpu backend (ties are common
// after a ReLU), and dy is added at that position.
// Non-overlapping windows (stride = pool size, no padding: the usual 2x2/2 pooling) with C % 4 == 0 run
// as a SIMD loop (simd.wat, maxpool_grad_row) that finds the first position equal to the forward
// output (the `output` input, the max of the window), which is the same position.
import * as tf from "@tensorflow/tfjs";
import { ptr, simd } from "./simd";
import { Attrs, f32, Inputs, newF32, WasmBackend } from "./wasm-util";

export function maxPoolGrad(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { dy, input }, backend, attrs } = args;
  const c = tf.backend_util.computePool2DInfo(
    input.shape as [number, number, number, number], attrs.filterSize as [number, number], attrs.strides as [number, number],
    1, attrs.pad as "same", attrs.dimRoundingMode as "round" | undefined,
  );
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sh, strideWidth: sw, effectiveFilterHeight: FH, effectiveFilterWidth: FW } = c;
  const pt = c.padInfo.top, pl = c.padInfo.left;
  const dx = newF32(backend, input.shape.slice());
  const output = args.inputs.output;
  const noPadding = pt === 0 && pl === 0 && c.padInfo.bottom === 0 && c.padInfo.right === 0;
  if (output && noPadding && sh === FH && sw === FW && C % 4 === 0 && input.dtype === "float32" && c.dilationHeight === 1 && c.dilationWidth === 1) {
    if (OH * FH !== H || OW * FW !== W) f32(backend, dx).fill(0); // rows/columns no window covers
    const lanes = simd(backend);
    const xp = ptr(backend, input), op = ptr(backend, output), dyp = ptr(backend, dy), dxp = ptr(backend, dx);
    for (let b = 0; b < N; b++) {
      for (let oh = 0; oh < OH; oh++) {
        const inRow = ((b * H + oh * FH) * W) * C * 4;
        const outRow = ((b * OH + oh) * OW) * C * 4;
        lanes.maxpool_grad_row(xp + inRow, op + outRow, dyp + outRow, dxp + inRow, OW, C, FH, FW, W);
      }
    }
    return dx;
  }
  const xv = f32(backend, input), dyv = f32(backend, dy), dxv = f32(backend, dx);
  dxv.fill(0);
  const best = new Float32Array(C);
  const bestAt = new Int32Array(C);
  for (let b = 0; b < N; b++) {
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(0, oh * sh - pt), h1 = Math.min(H, oh * sh - pt + FH);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.max(0, ow * sw - pl), w1 = Math.min(W, ow * sw - pl + FW);
        best.fill(-Infinity);
        bestAt.fill(-1);
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const xi = ((b * H + ih) * W + iw) * C;
            for (let ch = 0; ch < C; ch++) {
              const v = xv[xi + ch];
              if (v > best[ch]) {
                best[ch] = v;
                bestAt[ch] = xi + ch;
              }
            }
          }
        }
        const di = ((b * OH + oh) * OW + ow) * C;
        for (let ch = 0; ch < C; ch++) {
          const at = bestAt[ch];
          if (at >= 0) dxv[at] += dyv[di + ch];
        }
      }
    }
  }
  return dx;
}
