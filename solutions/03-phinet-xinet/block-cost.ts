// Lesson 03 exercise 03.3: model solution (see exercises/03-phinet-xinet/block-cost.ts for the task).

export interface BlockCostSpec {
  h: number;
  w: number;
  cIn: number;
  expansion: number;
  out: number;
  kernel?: number;
  stride?: number;
  squeezeExcite?: boolean;
}

export interface BlockCost {
  params: number;
  macs: number;
  outputShape: [number, number, number];
}

function positiveInteger(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1) throw new RangeError(`${name} must be a positive integer, got ${String(value)}`);
  return value;
}

/** Exercise 03.3 */
export function phinetBlockCost(spec: BlockCostSpec): BlockCost {
  const h = positiveInteger(spec.h, "h");
  const w = positiveInteger(spec.w, "w");
  const cIn = positiveInteger(spec.cIn, "cIn");
  const out = positiveInteger(spec.out, "out");
  const k = positiveInteger(spec.kernel ?? 3, "kernel");
  const s = positiveInteger(spec.stride ?? 1, "stride");
  if (typeof spec.expansion !== "number" || !Number.isFinite(spec.expansion) || spec.expansion <= 0) {
    throw new RangeError(`expansion must be a number > 0, got ${String(spec.expansion)}`);
  }
  const e = Math.max(1, Math.trunc(spec.expansion * cIn));
  const se = spec.squeezeExcite ?? true ? Math.max(1, Math.trunc(e / 6)) : 0;
  const oh = Math.ceil(h / s);
  const ow = Math.ceil(w / s);
  const params = (cIn * e + 4 * e) + (k * k * e + 4 * e) + 2 * e * se + (e * out + 4 * out);
  const macs = h * w * cIn * e + oh * ow * e * k * k + 2 * e * se + oh * ow * e * out;
  return { params, macs, outputShape: [oh, ow, out] };
}
