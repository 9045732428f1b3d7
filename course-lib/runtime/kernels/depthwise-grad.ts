// Gradients of the depthwise convolution on wasm (both missing from the stock wasm backend):
//
//   DepthwiseConv2dNativeBackpropFilter: dW[fh,fw,c,m] = Σ_{b,oh,ow} x[b, oh*s+fh*d-pt, ow*s+fw*d-pl, c]
//     · dy[b,oh,ow,c*M+m]. Tight typed-array loops with the channel loop innermost (contiguous in both
//     x and dy); the valid output ranges per filter tap are computed up front, so no padded copy and no
//     bounds test in the inner loops. Accumulates in float64. (A channel-major variant, transposing x
//     and dy first so each tap is a dot product over contiguous rows, measured slower in 3 of 4 shapes.)
//     Multiplier 1 with C % 4 == 0 (every depthwise layer of the course's models) runs the per-tap
//     accumulation as a SIMD loop (simd.wat, depthwise_filter_tap): ~10x the JS loop.
//   DepthwiseConv2dNativeBackpropInput: multiplier 1 with C % 4 == 0 (every depthwise layer of the course's
//     models) scatter-adds dy · w into dx one filter tap at a time, image by image (simd.wat,
//     depthwise_input_tap). Otherwise the wasm backend's own (XNNPACK) depthwise convolution of dy with the
//     spatially flipped filter: stride s > 1 first spreads dy out with s-1 zeros between samples (3/4 of
//     its work on zeros at stride 2), channel multiplier M > 1 convolves each of the C*M dy channels and
//     sums each group of M. Against that route (one run, PhiNet-like's layers, ms): stride 2 2.2 vs 5.4,
//     2.0 vs 4.4, 0.7 vs 2.1; stride 1 0.5-2.0 vs 0.65-2.2.
import * as tf from "@tensorflow/tfjs";
import { f64At, ptr, simd, withF64Scratch } from "./simd";
import { Attrs, f32, Inputs, newF32, runStock, WasmBackend } from "./wasm-util";

function depthwiseInfo(xShape: number[], filterShape: number[], attrs: Attrs): tf.backend_util.Conv2DInfo {
  const dilations = (attrs.dilations ?? [1, 1]) as [number, number] | number;
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number], filterShape as [number, number, number, number],
    attrs.strides as [number, number], dilations, attrs.pad as "same", attrs.dimRoundingMode as "round" | undefined, true,
  );
}

/** [lo, hi) of output positions o with 0 <= o*s + off < size. */
function validRange(off: number, s: number, size: number, outSize: number): [number, number] {
  const lo = Math.max(0, Math.ceil(-off / s));
  const hi = Math.min(outSize, Math.ceil((size - off) / s));
  return [lo, Math.max(lo, hi)];
}

/** A filter tap (fh, fw) that reaches the input: its index fh*FW+fw and the output ranges it covers. */
interface DepthwiseTap { index: number; ohLo: number; rows: number; owLo: number; cols: number; offH: number; offW: number }

/** The taps with a non-empty output range, in (fh, fw) order. */
function validTaps(c: tf.backend_util.Conv2DInfo): DepthwiseTap[] {
  const { inHeight: H, inWidth: W, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = c;
  const taps: DepthwiseTap[] = [];
  for (let fh = 0; fh < FH; fh++) {
    const offH = fh * dh - c.padInfo.top;
    const [ohLo, ohHi] = validRange(offH, sh, H, OH);
    for (let fw = 0; fw < FW; fw++) {
      const offW = fw * dw - c.padInfo.left;
      const [owLo, owHi] = validRange(offW, sw, W, OW);
      if (ohHi > ohLo && owHi > owLo) taps.push({ index: fh * FW + fw, ohLo, rows: ohHi - ohLo, owLo, cols: owHi - owLo, offH, offW });
    }
  }
  return taps;
}

export function depthwiseConv2dNativeBackpropFilter(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const filterShape = attrs.filterShape as number[];
  const c = depthwiseInfo(x.shape, filterShape, attrs);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = c;
  const M = c.outChannels / C;
  const CM = C * M;
  const out = newF32(backend, filterShape.slice());
  if (M === 1 && C % 4 === 0) {
    depthwiseFilterSimd(backend, x, dy, out, c);
    return out;
  }
  const xv = f32(backend, x), dyv = f32(backend, dy), dW = f32(backend, out);
  dW.fill(0); // taps that never reach the input keep a zero gradient
  const acc = new Float64Array(CM);
  for (const t of validTaps(c)) {
    acc.fill(0);
    for (let b = 0; b < N; b++) {
      for (let oh = t.ohLo; oh < t.ohLo + t.rows; oh++) {
        const ih = oh * sh + t.offH;
        let xi = ((b * H + ih) * W + t.owLo * sw + t.offW) * C;
        let di = ((b * OH + oh) * OW + t.owLo) * CM;
        const xStep = sw * C;
        if (M === 1) {
          for (let ow = 0; ow < t.cols; ow++, xi += xStep, di += CM) {
            for (let ch = 0; ch < C; ch++) acc[ch] += xv[xi + ch] * dyv[di + ch];
          }
        } else {
          for (let ow = 0; ow < t.cols; ow++, xi += xStep, di += CM) {
            for (let ch = 0; ch < C; ch++) {
              const xval = xv[xi + ch];
              const o = ch * M;
              for (let m = 0; m < M; m++) acc[o + m] += xval * dyv[di + o + m];
            }
          }
        }
      }
    }
    dW.set(acc, t.index * CM);
  }
  return out;
}

/**
 * The multiplier-1 filter gradient with the per-tap accumulation in SIMD (simd.wat), C % 4 == 0. Image by
 * image, all taps of one image in turn, so its x and dy stay in cache; each tap has its own float64
 * accumulators, which see the images in the same order as a tap-by-tap pass would (the same sums).
 */
function depthwiseFilterSimd(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, out: tf.TensorInfo, c: tf.backend_util.Conv2DInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = c;
  const taps = c.filterHeight * c.filterWidth;
  withF64Scratch(backend, taps * C, (acc) => {
    const lanes = simd(backend);
    const xp = ptr(backend, x), dyp = ptr(backend, dy);
    const valid = validTaps(c);
    for (let b = 0; b < N; b++) {
      for (const t of valid) {
        const xi = ((b * H + t.ohLo * sh + t.offH) * W + t.owLo * sw + t.offW) * C;
        const di = ((b * OH + t.ohLo) * OW + t.owLo) * C;
        lanes.depthwise_filter_tap(xp + 4 * xi, dyp + 4 * di, acc + 8 * t.index * C, t.rows, t.cols, 4 * sw * C, 4 * sh * W * C, 4 * OW * C, C);
      }
    }
    f32(backend, out).set(f64At(backend, acc, taps * C)); // [FH, FW, C, 1]: tap-major, as the accumulators
  });
}

/**
 * The multiplier-1 input gradient as per-tap strided scatter-adds in SIMD (simd.wat, depthwise_input_tap),
 * C % 4 == 0: dx[b, oh*s+fh*d-pt, ow*s+fw*d-pl, c] += dy[b, oh, ow, c] · w[fh, fw, c], taps in order.
 */
function depthwiseInputSimd(backend: WasmBackend, dy: tf.TensorInfo, filter: tf.TensorInfo, inputShape: number[], c: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw } = c;
  const dx = newF32(backend, inputShape.slice());
  f32(backend, dx).fill(0);
  const lanes = simd(backend);
  const dyp = ptr(backend, dy), wp = ptr(backend, filter), dxp = ptr(backend, dx);
  // Image by image, all taps of one image in turn: its dx stays in cache for the nine scatter-adds.
  const valid = validTaps(c);
  for (let b = 0; b < N; b++) {
    for (const t of valid) {
      const xi = ((b * H + t.ohLo * sh + t.offH) * W + t.owLo * sw + t.offW) * C;
      const di = ((b * OH + t.ohLo) * OW + t.owLo) * C;
      lanes.depthwise_input_tap(dyp + 4 * di, wp + 4 * t.index * C, dxp + 4 * xi, t.rows, t.cols, 4 * sw * C, 4 * sh * W * C, 4 * OW * C, C);
    }
  }
  return dx;
}

export function depthwiseConv2dNativeBackpropInput(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const inputShape = attrs.inputShape as number[];
  const c = depthwiseInfo(inputShape, filter.shape, attrs);
  if (c.outChannels === c.inChannels && c.inChannels % 4 === 0) return depthwiseInputSimd(backend, dy, filter, inputShape, c);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = c;
  const M = c.outChannels / C;
  const CM = C * M;

  // dy spread out by the stride: sample (oh, ow) lands at (oh*sh, ow*sw).
  const spreadH = (OH - 1) * sh + 1, spreadW = (OW - 1) * sw + 1;
  const padTop = (FH - 1) * dh - c.padInfo.top;
  const padLeft = (FW - 1) * dw - c.padInfo.left;
  const padBottom = H - spreadH + c.padInfo.top;
  const padRight = W - spreadW + c.padInfo.left;
  if (Math.min(padTop, padLeft, padBottom, padRight) < 0) {
    return depthwiseBackpropInputLoops(args, c);
  }

  let spread = dy;
  if (sh > 1 || sw > 1) {
    spread = newF32(backend, [N, spreadH, spreadW, CM]);
    const src = f32(backend, dy), dst = f32(backend, spread);
    dst.fill(0);
    for (let b = 0; b < N; b++) {
      for (let oh = 0; oh < OH; oh++) {
        // A plain loop: a subarray view per pixel (tens of thousands per call) cost more than the copy.
        let s = ((b * OH + oh) * OW) * CM;
        for (let ow = 0; ow < OW; ow++) {
          const d = ((b * spreadH + oh * sh) * spreadW + ow * sw) * CM;
          for (let c = 0; c < CM; c++) dst[d + c] = src[s++];
        }
      }
    }
  }
  // Flipped filter, one output per dy channel: [FH, FW, C*M, 1].
  const flipped = newF32(backend, [FH, FW, CM, 1]);
  {
    const w = f32(backend, filter), fl = f32(backend, flipped);
    for (let fh = 0; fh < FH; fh++) {
      for (let fw = 0; fw < FW; fw++) {
        fl.set(w.subarray(((FH - 1 - fh) * FW + (FW - 1 - fw)) * CM, ((FH - 1 - fh) * FW + (FW - 1 - fw) + 1) * CM), (fh * FW + fw) * CM);
      }
    }
  }
  const conv = runStock(
    "DepthwiseConv2dNative",
    { x: spread, filter: flipped },
    { strides: [1, 1], dilations: [dh, dw], pad: [[0, 0], [padTop, padBottom], [padLeft, padRight], [0, 0]], dataFormat: "NHWC" },
    backend,
  );
  backend.disposeData(flipped.dataId);
  if (spread !== dy) backend.disposeData(spread.dataId);
  if (M === 1) return conv;

  const dx = newF32(backend, inputShape.slice());
  const cv = f32(backend, conv), dxv = f32(backend, dx);
  const pixels = N * H * W;
  for (let p = 0; p < pixels; p++) {
    const s = p * CM, d = p * C;
    for (let ch = 0; ch < C; ch++) {
      let sum = 0;
      for (let m = 0; m < M; m++) sum += cv[s + ch * M + m];
      dxv[d + ch] = sum;
    }
  }
  backend.disposeData(conv.dataId);
  return dx;
}

/** Direct scatter loops for padding layouts the flipped-convolution route cannot express. */
function depthwiseBackpropInputLoops(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }, c: tf.backend_util.Conv2DInfo): tf.TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = c;
  const M = c.outChannels / C;
  const CM = C * M;
  const dx = newF32(backend, (attrs.inputShape as number[]).slice());
  const dyv = f32(backend, dy), w = f32(backend, filter), dxv = f32(backend, dx);
  dxv.fill(0);
  for (let b = 0; b < N; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const di = ((b * OH + oh) * OW + ow) * CM;
        for (let fh = 0; fh < FH; fh++) {
          const ih = oh * sh + fh * dh - c.padInfo.top;
          if (ih < 0 || ih >= H) continue;
          for (let fw = 0; fw < FW; fw++) {
            const iw = ow * sw + fw * dw - c.padInfo.left;
            if (iw < 0 || iw >= W) continue;
            const xi = ((b * H + ih) * W + iw) * C;
            const wi = (fh * FW + fw) * CM;
            for (let ch = 0; ch < C; ch++) {
              let s = 0;
              for (let m = 0; m < M; m++) s += dyv[di + ch * M + m] * w[wi + ch * M + m];
              dxv[xi + ch] += s;
            }
          }
        }
      }
    }
  }
  return dx;
}
