// CONCATENATION, int8, as TFLM does it (micro/kernels/concatenation.cc): TFLM's int8 kernel refuses inputs whose
// scale or zero point differ from the output's (no requantization: "a restriction we introduced to Int8
// kernels"), so this kernel does the same and the quantizer must give all inputs the output's parameters.
// The data is copied in blocks: outer = product of dims before the axis, each input contributes its
// axis·inner elements per outer step.
import { product } from "./common";

export interface ConcatenationSpec {
  inShapes: number[][];
  axis: number;
  inParams: { scale: number; zeroPoint: number }[];
  outParams: { scale: number; zeroPoint: number };
}

export interface ConcatenationPlan {
  outer: number;
  /** Elements each input contributes per outer step. */
  blocks: number[];
  outShape: number[];
}

export function prepareConcatenation(spec: ConcatenationSpec): ConcatenationPlan {
  const first = spec.inShapes[0];
  if (!first) throw new RangeError("concatenation: needs at least one input");
  const rank = first.length;
  const axis = spec.axis < 0 ? spec.axis + rank : spec.axis;
  if (!(axis >= 0 && axis < rank)) throw new RangeError(`concatenation: axis ${spec.axis} is out of range for rank ${rank}`);
  spec.inShapes.forEach((shape, k) => {
    if (shape.length !== rank || shape.some((d, i) => i !== axis && d !== first[i])) {
      throw new RangeError(`concatenation: input ${k} has shape [${shape}], which differs from [${first}] outside axis ${axis}`);
    }
    const p = spec.inParams[k];
    if (Math.fround(p.scale) !== Math.fround(spec.outParams.scale) || p.zeroPoint !== spec.outParams.zeroPoint) {
      throw new RangeError(
        `concatenation: input ${k} has (scale ${p.scale}, zero point ${p.zeroPoint}) but the output has ` +
          `(${spec.outParams.scale}, ${spec.outParams.zeroPoint}); TFLM's int8 CONCATENATION requires them equal`,
      );
    }
  });
  const inner = product(first.slice(axis + 1));
  const outShape = first.slice();
  outShape[axis] = spec.inShapes.reduce((s, shape) => s + shape[axis], 0);
  return { outer: product(first.slice(0, axis)), blocks: spec.inShapes.map((shape) => shape[axis] * inner), outShape };
}

export function concatenationInt8(plan: ConcatenationPlan, inputs: Int8Array[], output: Int8Array): void {
  let o = 0;
  for (let outerIndex = 0; outerIndex < plan.outer; outerIndex++) {
    for (let k = 0; k < inputs.length; k++) {
      const block = plan.blocks[k];
      output.set(inputs[k].subarray(outerIndex * block, (outerIndex + 1) * block), o);
      o += block;
    }
  }
}
