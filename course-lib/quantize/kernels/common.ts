// Shared set-up arithmetic of the int8 kernels, as TFLite computes it at prepare time: output sizes and
// SAME/VALID padding (tensorflow/lite/kernels/padding.h), fused-activation clamps
// (kernel_util.cc CalculateActivationRangeQuantized) and the per-channel conv multipliers
// (PopulateConvolutionQuantizationParams). The kernels themselves only see the integers these produce.
import type { FusedActivation, Padding } from "../graph";
import { quantizeMultiplier, type Rounding } from "../fixed-point";

export const INT8_MIN = -128;
export const INT8_MAX = 127;

/** Output length of a windowed op along one axis (TFLite's ComputeOutSize). */
export function windowedOutputSize(padding: Padding, inSize: number, filterSize: number, stride: number, dilation: number): number {
  const effectiveFilter = (filterSize - 1) * dilation + 1;
  const size =
    padding === "same" ? Math.floor((inSize + stride - 1) / stride) : Math.floor((inSize + stride - effectiveFilter) / stride);
  if (size <= 0) {
    throw new RangeError(
      `a ${padding} window of ${filterSize} (dilation ${dilation}, stride ${stride}) over ${inSize} gives output size ${size}`,
    );
  }
  return size;
}

/** Padding before the first element (TFLite: floor(total/2); the odd extra pixel goes after). VALID → 0. */
/**
 * The window geometry conv2d and depthwiseConv2d share: output size, padding before (TFLM's), and the extent
 * of the zero-point-padded input region their fillPadded copies (rows × cols).
 */
export function windowGeometry(padding: Padding, inH: number, inW: number, kH: number, kW: number, stride: [number, number], dilation: [number, number]) {
  const [strideH, strideW] = stride;
  const [dilationH, dilationW] = dilation;
  const outH = windowedOutputSize(padding, inH, kH, strideH, dilationH);
  const outW = windowedOutputSize(padding, inW, kW, strideW, dilationW);
  return {
    outH, outW, strideH, strideW, dilationH, dilationW,
    padTop: paddingBefore(padding, inH, kH, strideH, dilationH, outH),
    padLeft: paddingBefore(padding, inW, kW, strideW, dilationW, outW),
    paddedRows: (outH - 1) * strideH + (kH - 1) * dilationH + 1,
    paddedCols: (outW - 1) * strideW + (kW - 1) * dilationW + 1,
  };
}

export type WindowGeometry = ReturnType<typeof windowGeometry>;

export function paddingBefore(padding: Padding, inSize: number, filterSize: number, stride: number, dilation: number, outSize: number): number {
  if (padding === "valid") return 0;
  const effectiveFilter = (filterSize - 1) * dilation + 1;
  const total = Math.max(0, (outSize - 1) * stride + effectiveFilter - inSize);
  return Math.floor(total / 2);
}

/** TFLite's Quantize() in float32: zp + round(f / scale), half away from zero. */
function quantizeFloat32(value: number, scale: number, zeroPoint: number): number {
  const scaled = Math.fround(Math.fround(value) / Math.fround(scale));
  const rounded = scaled < 0 ? -Math.round(-scaled) : Math.round(scaled);
  return zeroPoint + rounded;
}

/** [min, max] clamp of a fused activation on an int8 output (CalculateActivationRangeQuantized). */
export function activationRange(activation: FusedActivation, outScale: number, outZeroPoint: number): [number, number] {
  switch (activation) {
    case "none":
      return [INT8_MIN, INT8_MAX];
    case "relu":
      return [Math.max(INT8_MIN, quantizeFloat32(0, outScale, outZeroPoint)), INT8_MAX];
    case "relu6":
      return [Math.max(INT8_MIN, quantizeFloat32(0, outScale, outZeroPoint)), Math.min(INT8_MAX, quantizeFloat32(6, outScale, outZeroPoint))];
    default:
      throw new RangeError(`unknown fused activation ${String(activation)} (expected none, relu or relu6)`);
  }
}

/** Per-channel (or per-tensor, broadcast to `channels`) multipliers: (double)s_in·(double)s_w[c]/(double)s_out. */
export function channelMultipliers(
  inScale: number,
  filterScales: readonly number[],
  outScale: number,
  channels: number,
  rounding: Rounding,
): { multipliers: Int32Array; shifts: Int32Array } {
  if (filterScales.length !== 1 && filterScales.length !== channels) {
    throw new RangeError(`expected 1 or ${channels} filter scales, got ${filterScales.length}`);
  }
  const multipliers = new Int32Array(channels);
  const shifts = new Int32Array(channels);
  const sIn = Math.fround(inScale);
  const sOut = Math.fround(outScale);
  for (let c = 0; c < channels; c++) {
    const sW = Math.fround(filterScales.length === 1 ? filterScales[0] : filterScales[c]);
    const q = quantizeMultiplier((sIn * sW) / sOut, rounding);
    checkShift(q.shift, `channel ${c}: multiplier ${(sIn * sW) / sOut}`);
    multipliers[c] = q.multiplier;
    shifts[c] = q.shift;
  }
  return { multipliers, shifts };
}

/** Requantization shifts must be in [−31, 30] (TFLM's precondition); a larger one means absurd scales. */
export function checkShift(shift: number, what: string): void {
  if (shift < -31 || shift > 30) throw new RangeError(`${what} needs shift ${shift}, outside [-31, 30]`);
}

/** What ADD and MUL are given: two int8 inputs (numpy-style broadcast) and an int8 output. */
export interface BinaryElementwiseSpec {
  shapeA: number[];
  shapeB: number[];
  /** Must equal the broadcast of shapeA and shapeB. */
  outShape: number[];
  activation: FusedActivation;
  scaleA: number; zeroPointA: number;
  scaleB: number; zeroPointB: number;
  outScale: number; outZeroPoint: number;
  rounding?: Rounding;
}

/** ADD's and MUL's shared checks: the output shape is the inputs' broadcast, zero points are int8. Returns the shape. */
export function checkBinaryElementwise(spec: BinaryElementwiseSpec, op: string): number[] {
  const out = broadcastShape(spec.shapeA, spec.shapeB, op);
  if (out.length !== spec.outShape.length || out.some((d, i) => d !== spec.outShape[i])) {
    throw new RangeError(`${op}: output shape [${spec.outShape}] is not the broadcast [${out}] of [${spec.shapeA}] and [${spec.shapeB}]`);
  }
  checkZeroPoint(spec.zeroPointA, `${op} input 1`);
  checkZeroPoint(spec.zeroPointB, `${op} input 2`);
  checkZeroPoint(spec.outZeroPoint, `${op} output`);
  return out;
}

export function checkZeroPoint(zeroPoint: number, what: string): void {
  if (!(Number.isInteger(zeroPoint) && zeroPoint >= INT8_MIN && zeroPoint <= INT8_MAX)) {
    throw new RangeError(`${what}: int8 zero point must be an integer in [-128, 127], got ${zeroPoint}`);
  }
}

export function product(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function checkLength(array: ArrayLike<number>, expected: number, what: string): void {
  if (array.length !== expected) throw new RangeError(`${what} has ${array.length} elements, expected ${expected}`);
}

/** numpy/TFLite broadcast shape of two shapes (the shorter is padded with leading 1s). */
export function broadcastShape(a: readonly number[], b: readonly number[], what: string): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < rank; i++) {
    const da = a[i - (rank - a.length)] ?? 1;
    const db = b[i - (rank - b.length)] ?? 1;
    if (da !== db && da !== 1 && db !== 1) throw new RangeError(`${what}: shapes [${a}] and [${b}] do not broadcast (dimension ${i})`);
    out.push(Math.max(da, db));
  }
  return out;
}

/**
 * For each element of the broadcast output (row-major), the index of the element of `shape` it reads;
 * null when `shape` already is the output shape (no map needed). Built once per op at prepare time.
 */
export function broadcastIndexMap(shape: readonly number[], outShape: readonly number[]): Int32Array | null {
  const rank = outShape.length;
  const padded = Array.from({ length: rank }, (_, i) => shape[i - (rank - shape.length)] ?? 1);
  if (padded.every((d, i) => d === outShape[i])) return null;
  const strides = new Array<number>(rank);
  let stride = 1;
  for (let i = rank - 1; i >= 0; i--) {
    strides[i] = padded[i] === 1 ? 0 : stride; // a broadcast dimension re-reads the same elements
    stride *= padded[i];
  }
  const total = product(outShape);
  const map = new Int32Array(total);
  const index = new Array<number>(rank).fill(0);
  let source = 0;
  for (let e = 0; e < total; e++) {
    map[e] = source;
    for (let d = rank - 1; d >= 0; d--) {
      index[d]++;
      source += strides[d];
      if (index[d] < outShape[d]) break;
      source -= strides[d] * outShape[d];
      index[d] = 0;
    }
  }
  return map;
}
