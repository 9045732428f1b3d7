// int8 TANH with TensorFlow Lite Micro's integer semantics (micro/kernels/tanh.cc prepare, identical to
// LOGISTIC's; kernels/internal/reference/integer_ops/tanh.h eval): input − zp scaled to Q4.27, ±radius
// saturates to −128/127, gemmlowp's fixed-point tanh (Q0.31), RoundingDivideByPOT by 24 to the output
// scale 1/128, clamped (output zero point 0), evaluated at prepare for the 256 int8 inputs and looked up
// at eval. The output must be the spec's (1/128, 0).
//
// rounding: "single" builds desktop TFLite's 256-entry float table (LUTPopulate with tanh, as its builtin
// int8 TANH does) instead of the fixed-point path; see logistic.ts for the caveats.

import type { Rounding } from "../fixed-point";
import { tanh } from "./gemmlowp-fixed-point";
import { buildDesktopTable, lookupInt8, prepareFixedPointActivation } from "./logistic-tanh-common";
import type { FixedPointActivationPlan } from "./logistic-tanh-common";

export type TanhPlan = FixedPointActivationPlan;

export function prepareTanh(p: {
  inScale: number;
  inZeroPoint: number;
  outScale: number;
  outZeroPoint: number;
  rounding: Rounding;
}): TanhPlan {
  if (p.outScale !== 1 / 128 || p.outZeroPoint !== 0) {
    throw new Error(
      `tanh: int8 output must have scale 1/128 and zero point 0, got scale ${p.outScale}, zero point ${p.outZeroPoint}`,
    );
  }
  const plan = prepareFixedPointActivation("tanh", p.inScale, p.inZeroPoint, p.rounding, tanh, 31 - 7, 0);
  if (p.rounding === "single") {
    plan.table = buildDesktopTable(p.inScale, p.inZeroPoint, 1 / 128, 0, (x) => Math.tanh(x));
  }
  return plan;
}

export function tanhInt8(plan: TanhPlan, input: Int8Array, output: Int8Array): void {
  lookupInt8("tanh", plan.table, input, output);
}
