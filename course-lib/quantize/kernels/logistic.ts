// int8 LOGISTIC with TensorFlow Lite Micro's integer semantics (micro/kernels/logistic_common.cc prepare,
// kernels/internal/reference/integer_ops/logistic.h eval). The input offset by its zero point is scaled to
// Q4.27 by s_in·2^27 (multiplier and left shift from frexp), inputs beyond ±radius saturate to −128/127,
// the rest go through gemmlowp's fixed-point logistic (Q0.31 result), RoundingDivideByPOT by 23 to the
// output scale 1/256, and −128. Prepare evaluates this for the 256 int8 inputs; eval looks them up. TFLM
// checks only the output zero point (−128); this kernel also requires the spec's scale 1/256, which the
// arithmetic assumes.
//
// rounding: "single" builds desktop TFLite's table instead: its builtin int8 LOGISTIC (activations.cc)
// precomputes the 256 outputs in float with LUTPopulate (ties away from zero), checked here against that
// function compiled from the same tree. Whether a given XNNPACK build delegates int8 LOGISTIC (its qs8
// sigmoid also uses a float table, rounding with lrintf, ties to even) is not verified here. TFLM's fixed
// point and the table agree on all 256 inputs for every scale in tflm-kernels.json except where TFLM's
// radius is 0 (s_in = 8: x = 0 is "≤ −radius" and gives −128, not logistic(0) = 0.5 → 0).

import type { Rounding } from "../fixed-point";
import { logistic } from "./gemmlowp-fixed-point";
import { buildDesktopTable, lookupInt8, prepareFixedPointActivation } from "./logistic-tanh-common";
import type { FixedPointActivationPlan } from "./logistic-tanh-common";

export type LogisticPlan = FixedPointActivationPlan;

export function prepareLogistic(p: {
  inScale: number;
  inZeroPoint: number;
  outScale: number;
  outZeroPoint: number;
  rounding: Rounding;
}): LogisticPlan {
  if (p.outScale !== 1 / 256 || p.outZeroPoint !== -128) {
    throw new Error(
      `logistic: int8 output must have scale 1/256 and zero point -128, got scale ${p.outScale}, zero point ${p.outZeroPoint}`,
    );
  }
  const plan = prepareFixedPointActivation("logistic", p.inScale, p.inZeroPoint, p.rounding, logistic, 31 - 8, -128);
  if (p.rounding === "single") {
    plan.table = buildDesktopTable(p.inScale, p.inZeroPoint, 1 / 256, -128, (x) =>
      Math.fround(1 / Math.fround(1 + Math.fround(Math.exp(-x)))),
    );
  }
  return plan;
}

export function logisticInt8(plan: LogisticPlan, input: Int8Array, output: Int8Array): void {
  lookupInt8("logistic", plan.table, input, output);
}
