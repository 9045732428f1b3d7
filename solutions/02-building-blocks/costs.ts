// Lesson 02 exercises 02.1-02.5: model solutions (see exercises/02-building-blocks/costs.ts for the tasks).
// The course's convention, stated in the exercise's header: a bias adds parameters and 0 MACs (it is an
// addition). The lecture's slide formula also counts it as a MAC at every output pixel (1.84M instead of
// 1,769,472 for its 3×3 conv).

export interface PrimitiveCost {
  params: number;
  macs: number;
  outputShape: number[];
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Exercise 02.1 */
export function denseCost(spec: { inUnits: number; outUnits: number; bias?: boolean }): PrimitiveCost {
  const inUnits = positiveInteger(spec.inUnits, "inUnits");
  const outUnits = positiveInteger(spec.outUnits, "outUnits");
  return { params: inUnits * outUnits + (spec.bias ? outUnits : 0), macs: inUnits * outUnits, outputShape: [outUnits] };
}

/** Exercise 02.2 */
export function convCost(spec: { cIn: number; cOut: number; k: number; h: number; w: number; stride?: number; bias?: boolean }): PrimitiveCost {
  const cIn = positiveInteger(spec.cIn, "cIn");
  const cOut = positiveInteger(spec.cOut, "cOut");
  const k = positiveInteger(spec.k, "k");
  const h = positiveInteger(spec.h, "h");
  const w = positiveInteger(spec.w, "w");
  const stride = positiveInteger(spec.stride ?? 1, "stride");
  const outH = Math.ceil(h / stride);
  const outW = Math.ceil(w / stride);
  return {
    params: k * k * cIn * cOut + (spec.bias ? cOut : 0),
    macs: outH * outW * cOut * k * k * cIn,
    outputShape: [outH, outW, cOut],
  };
}

/** Exercise 02.3 */
export function pointwiseCost(spec: { cIn: number; cOut: number; h: number; w: number; stride?: number; bias?: boolean }): PrimitiveCost {
  return convCost({ ...spec, k: 1 });
}

/** Exercise 02.4 */
export function depthwiseCost(spec: { c: number; k: number; h: number; w: number; stride?: number; depthMultiplier?: number; bias?: boolean }): PrimitiveCost {
  const c = positiveInteger(spec.c, "c");
  const k = positiveInteger(spec.k, "k");
  const h = positiveInteger(spec.h, "h");
  const w = positiveInteger(spec.w, "w");
  const stride = positiveInteger(spec.stride ?? 1, "stride");
  const m = positiveInteger(spec.depthMultiplier ?? 1, "depthMultiplier");
  const outH = Math.ceil(h / stride);
  const outW = Math.ceil(w / stride);
  const outC = c * m;
  return { params: k * k * outC + (spec.bias ? outC : 0), macs: outH * outW * outC * k * k, outputShape: [outH, outW, outC] };
}

/** Exercise 02.5 */
export function separableCost(spec: { cIn: number; cOut: number; k: number; h: number; w: number; stride?: number; bias?: boolean }): PrimitiveCost {
  const dw = depthwiseCost({ c: spec.cIn, k: spec.k, h: spec.h, w: spec.w, stride: spec.stride });
  const [h, w, c] = dw.outputShape;
  const pw = pointwiseCost({ cIn: c, cOut: spec.cOut, h, w, bias: spec.bias });
  return { params: dw.params + pw.params, macs: dw.macs + pw.macs, outputShape: pw.outputShape };
}
