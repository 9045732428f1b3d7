// Gradients of the depthwise convolution on wasm (both missing from the stock wasm backend):
//
//   DepthwiseConv2dNativeBackpropFilter: dW[fh,fw,c,m] = Σ_{b,oh,ow} x[b, oh*s+fh*d-pt, ow*s+fw*d-pl, c]
//     · dy[b,oh,ow,c*M+m]. Tight typed-array loops with the channel loop innermost (contiguous in both
//     x and dy); the valid output ranges per filter tap are computed up front, so no padded copy and no
//     bounds test in the inner loops. Accumulates in float64. (A channel-major variant, transposing x
//     and dy first so each tap is a dot product over contiguous rows, measured slower in 3 of 4 shapes.)
//     Multiplier 1 with C % 4 == 0 (every depthwise layer of the course's models) runs the per-tap
//     accumulation as a SIMD loop (simd.wat, depthwise_filter_tap): ~10x the JS loop.
//   DepthwiseConv2dNativeBackpropInput: the wasm backend's own (XNNPACK) depthwise convolution of dy
//     with the spatially flipped filter. Stride s > 1 first spreads dy out with s-1 zeros between
//     samples; channel multiplier M > 1 convolves each of the C*M dy channels and sums each group of M.
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

export function depthwiseConv2dNativeBackpropFilter(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { x, dy }, backend, attrs } = args;
  const filterShape = attrs.filterShape as number[];
  const c = depthwiseInfo(x.shape, filterShape, attrs);
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = c;
  const M = c.outChannels / C;
  const CM = C * M;
  const out = newF32(backend, filterShape.slice());
  if (M === 1 && C % 4 === 0) {
    depthwiseFilterSimd(backend, x, dy, out, c);
    return out;
  }
  const xv = f32(backend, x), dyv = f32(backend, dy), dW = f32(backend, out);
  const acc = new Float64Array(CM);
  for (let fh = 0; fh < FH; fh++) {
    const offH = fh * dh - c.padInfo.top;
    const [ohLo, ohHi] = validRange(offH, sh, H, OH);
    for (let fw = 0; fw < FW; fw++) {
      const offW = fw * dw - c.padInfo.left;
      const [owLo, owHi] = validRange(offW, sw, W, OW);
      acc.fill(0);
      for (let b = 0; b < N; b++) {
        for (let oh = ohLo; oh < ohHi; oh++) {
          const ih = oh * sh + offH;
          let xi = ((b * H + ih) * W + owLo * sw + offW) * C;
          let di = ((b * OH + oh) * OW + owLo) * CM;
          const xStep = sw * C;
          if (M === 1) {
            for (let ow = owLo; ow < owHi; ow++, xi += xStep, di += CM) {
              for (let ch = 0; ch < C; ch++) acc[ch] += xv[xi + ch] * dyv[di + ch];
            }
          } else {
            for (let ow = owLo; ow < owHi; ow++, xi += xStep, di += CM) {
              for (let ch = 0; ch < C; ch++) {
                const xval = xv[xi + ch];
                const o = ch * M;
                for (let m = 0; m < M; m++) acc[o + m] += xval * dyv[di + o + m];
              }
            }
          }
        }
      }
      const base = (fh * FW + fw) * CM;
      for (let k = 0; k < CM; k++) dW[base + k] = acc[k];
    }
  }
  return out;
}

/** The multiplier-1 filter gradient with the per-tap accumulation in SIMD (simd.wat), C % 4 == 0. */
function depthwiseFilterSimd(backend: WasmBackend, x: tf.TensorInfo, dy: tf.TensorInfo, out: tf.TensorInfo, c: tf.backend_util.Conv2DInfo): void {
  const { batchSize: N, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = c;
  const { strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw, filterHeight: FH, filterWidth: FW } = c;
  withF64Scratch(backend, C, (acc) => {
    const lanes = simd(backend);
    const xp = ptr(backend, x), dyp = ptr(backend, dy);
    for (let fh = 0; fh < FH; fh++) {
      const offH = fh * dh - c.padInfo.top;
      const [ohLo, ohHi] = validRange(offH, sh, H, OH);
      for (let fw = 0; fw < FW; fw++) {
        const offW = fw * dw - c.padInfo.left;
        const [owLo, owHi] = validRange(offW, sw, W, OW);
        f64At(backend, acc, C).fill(0);
        if (ohHi > ohLo && owHi > owLo) {
          for (let b = 0; b < N; b++) {
            const xi = ((b * H + ohLo * sh + offH) * W + owLo * sw + offW) * C;
            const di = ((b * OH + ohLo) * OW + owLo) * C;
            lanes.depthwise_filter_tap(xp + 4 * xi, dyp + 4 * di, acc, ohHi - ohLo, owHi - owLo, 4 * sw * C, 4 * sh * W * C, 4 * OW * C, C);
          }
        }
        const sums = f64At(backend, acc, C);
        const dW = f32(backend, out);
        const base = (fh * FW + fw) * C;
        for (let k = 0; k < C; k++) dW[base + k] = sums[k];
      }
    }
  });
}

export function depthwiseConv2dNativeBackpropInput(args: { inputs: Inputs; backend: WasmBackend; attrs: Attrs }): tf.TensorInfo {
  const { inputs: { dy, filter }, backend, attrs } = args;
  const inputShape = attrs.inputShape as number[];
  const c = depthwiseInfo(inputShape, filter.shape, attrs);
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
