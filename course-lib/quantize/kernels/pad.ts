// PAD, int8, with TFLM semantics (micro/kernels/pad.cc): the border is filled with the output zero point
// (a real 0; TFLite requires the output to share the input's scale and zero point), the input copied inside.
import { checkZeroPoint, product } from "./common";

export interface PadSpec {
  inShape: number[];
  /** [before, after] per dimension. */
  paddings: [number, number][];
  zeroPoint: number;
}

export interface PadPlan {
  inSize: number;
  outShape: number[];
  padValue: number;
  /** For each input element, where it lands in the output. */
  destination: Int32Array;
}

export function preparePad(spec: PadSpec): PadPlan {
  const rank = spec.inShape.length;
  if (spec.paddings.length !== rank) throw new RangeError(`pad: ${spec.paddings.length} [before, after] pairs for a rank-${rank} input`);
  for (const [before, after] of spec.paddings) {
    if (!(Number.isInteger(before) && Number.isInteger(after) && before >= 0 && after >= 0)) {
      throw new RangeError(`pad: paddings must be non-negative integers, got [${before}, ${after}]`);
    }
  }
  checkZeroPoint(spec.zeroPoint, "pad");
  const outShape = spec.inShape.map((d, i) => d + spec.paddings[i][0] + spec.paddings[i][1]);
  const inSize = product(spec.inShape);
  const destination = new Int32Array(inSize);
  const index = new Array<number>(rank).fill(0);
  for (let e = 0; e < inSize; e++) {
    let o = 0;
    for (let d = 0; d < rank; d++) o = o * outShape[d] + index[d] + spec.paddings[d][0];
    destination[e] = o;
    for (let d = rank - 1; d >= 0; d--) {
      if (++index[d] < spec.inShape[d]) break;
      index[d] = 0;
    }
  }
  return { inSize, outShape, padValue: spec.zeroPoint, destination };
}

export function padInt8(plan: PadPlan, input: Int8Array, output: Int8Array): void {
  output.fill(plan.padValue);
  const destination = plan.destination;
  for (let e = 0; e < plan.inSize; e++) output[destination[e]] = input[e];
}
