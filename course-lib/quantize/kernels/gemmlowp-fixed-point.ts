// gemmlowp's fixed-point math functions (fixedpoint/fixedpoint.h, the version TFLM 90b983c2 pins), which
// TFLM's int8 SOFTMAX, LOGISTIC, TANH and HARD_SWISH kernels are built on. Written from the documented
// behaviour of each function, on plain int32 "raw" values: a value in Qm.(31−m) ("m integer bits") is
// raw / 2^(31−m). JS numbers carry the raw int32s; every add/sub wraps like C's int32 (`| 0`), every product
// is gemmlowp's saturating rounding doubling high multiply (exact, from ../fixed-point.ts).
//
// Only what the four kernels need is here; the int16 helpers at the end serve HARD_SWISH.

import { roundingDivideByPOT, saturatingRoundingDoublingHighMul } from "../fixed-point";

export const INT32_MAX = 2147483647;
export const INT32_MIN = -2147483648;

/** Fixed-point product: the integer bits of the two factors add up (gemmlowp's FixedPoint operator*). */
export const fixedMul = saturatingRoundingDoublingHighMul;

/**
 * x·2^exponent for exponent > 0 saturating at the int32 limits (gemmlowp's SaturatingRoundingMultiplyByPOT
 * with a positive exponent), a rounding right shift for exponent < 0.
 */
export function saturatingRoundingMultiplyByPOT(x: number, exponent: number): number {
  if (exponent === 0) return x;
  if (exponent < 0) return roundingDivideByPOT(x, -exponent);
  const threshold = 2 ** (31 - exponent) - 1;
  if (x > threshold) return INT32_MAX;
  if (x < -threshold) return INT32_MIN;
  return x * 2 ** exponent;
}

/** Rescale<dst>(x in Q src): changes the number of integer bits, saturating or rounding the raw value. */
export function rescale(x: number, srcIntegerBits: number, dstIntegerBits: number): number {
  return saturatingRoundingMultiplyByPOT(x, srcIntegerBits - dstIntegerBits);
}

/** (a + b) / 2 rounded half away from zero, without int32 overflow (gemmlowp's RoundingHalfSum, VRHADD). */
export function roundingHalfSum(a: number, b: number): number {
  const sum = a + b; // exact in a double
  return Math.trunc((sum + (sum >= 0 ? 1 : -1)) / 2);
}

// Constants as gemmlowp states them (raw Q0.31 or Q2.29 values of the real numbers in the names).
const EXP_MINUS_ONE_EIGHTH = 1895147668; // exp(−1/8), Q0.31
const ONE_THIRD = 715827883; // 1/3, Q0.31
const FORTY_EIGHT_OVER_17 = 1515870810; // 48/17, Q2.29
const MINUS_THIRTY_TWO_OVER_17 = -1010580540; // −32/17, Q2.29
const ONE_Q2 = 1 << 29; // 1.0 in Q2.29
/** exp(−2^k) in Q0.31 for k = −2..4, used by the barrel shifter of expOnNegativeValues. */
const EXP_OF_MINUS_POWERS_OF_TWO: [number, number][] = [
  [-2, 1672461947],
  [-1, 1302514674],
  [0, 790015084],
  [1, 290630308],
  [2, 39332535],
  [3, 720401],
  [4, 242],
];

/** exp(a) for a ∈ [−1/4, 0), a in Q0.31: a 4th-order Taylor expansion around −1/8. Result Q0.31. */
export function expOnIntervalBetweenNegativeOneQuarterAnd0Excl(a: number): number {
  const x = (a + (1 << 28)) | 0; // a + 1/8
  const x2 = fixedMul(x, x);
  const x3 = fixedMul(x2, x);
  const x4 = fixedMul(x2, x2);
  const x4Over4 = roundingDivideByPOT(x4, 2);
  const poly = roundingDivideByPOT((fixedMul((x4Over4 + x3) | 0, ONE_THIRD) + x2) | 0, 1);
  return (EXP_MINUS_ONE_EIGHTH + fixedMul(EXP_MINUS_ONE_EIGHTH, (x + poly) | 0)) | 0;
}

/**
 * exp(a) for a ≤ 0, a in Q(integerBits).(31−integerBits); result in Q0.31 (exp(0) = INT32_MAX, "one").
 * Splits a into (a mod 1/4) − 1/4, handled by the polynomial, and a multiple of 1/4 whose bits select
 * factors exp(−2^k).
 */
export function expOnNegativeValues(a: number, integerBits: number): number {
  const fractionalBits = 31 - integerBits;
  const oneQuarter = 2 ** (fractionalBits - 2);
  const aModQuarterMinusQuarter = ((a & (oneQuarter - 1)) - oneQuarter) | 0;
  let result = expOnIntervalBetweenNegativeOneQuarterAnd0Excl(rescale(aModQuarterMinusQuarter, integerBits, 0));
  const remainder = (aModQuarterMinusQuarter - a) | 0;
  for (const [exponent, multiplier] of EXP_OF_MINUS_POWERS_OF_TWO) {
    if (integerBits > exponent && (remainder & (1 << (fractionalBits + exponent))) !== 0) {
      result = fixedMul(result, multiplier);
    }
  }
  if (integerBits > 5 && a < -(2 ** (36 - integerBits))) result = 0; // below −32: exp underflows to 0
  return a === 0 ? INT32_MAX : result;
}

/** Newton–Raphson reciprocal of the half denominator (1 + a)/2, in Q2.29 (shared by the two below). */
function newtonReciprocalOfHalfDenominator(a: number): number {
  const halfDenominator = roundingHalfSum(a, INT32_MAX);
  let x = (FORTY_EIGHT_OVER_17 + fixedMul(halfDenominator, MINUS_THIRTY_TWO_OVER_17)) | 0;
  for (let i = 0; i < 3; i++) {
    const oneMinusHalfDenominatorTimesX = (ONE_Q2 - fixedMul(halfDenominator, x)) | 0;
    x = (x + rescale(fixedMul(x, oneMinusHalfDenominatorTimesX), 4, 2)) | 0;
  }
  return x;
}

/** 1 / (1 + a) for a ∈ [0, 1), both in Q0.31. */
export function oneOverOnePlusXForXIn0To1(a: number): number {
  // x ≈ 2/(1+a) in Q2.29; halving it is an exact change to Q1.30, then Rescale to Q0.31.
  return rescale(newtonReciprocalOfHalfDenominator(a), 1, 0);
}

/** (1 − a) / (1 + a) for a ∈ [0, 1), both in Q0.31. */
export function oneMinusXOverOnePlusXForXIn0To1(a: number): number {
  return rescale((newtonReciprocalOfHalfDenominator(a) - ONE_Q2) | 0, 2, 0);
}

/** logistic(a) = 1/(1 + e^−a), a in Q(integerBits), result in Q0.31. */
export function logistic(a: number, integerBits: number): number {
  if (a === 0) return 1 << 30; // one half
  const absA = a > 0 ? a : -a | 0;
  const ifPositive = oneOverOnePlusXForXIn0To1(expOnNegativeValues(-absA | 0, integerBits));
  return a > 0 ? ifPositive : (INT32_MAX - ifPositive) | 0;
}

/** tanh(a), a in Q(integerBits), result in Q0.31: (1 − e^−2|a|)/(1 + e^−2|a|) with the sign of a. */
export function tanh(a: number, integerBits: number): number {
  if (a === 0) return 0;
  const nonPositive = a < 0 ? a : -a | 0;
  // −2|a| is the same raw value read with one more integer bit (gemmlowp's ExactMulByPot<1>).
  const t = oneMinusXOverOnePlusXForXIn0To1(expOnNegativeValues(nonPositive, integerBits + 1));
  return a < 0 ? -t | 0 : t;
}

/**
 * TFLM's GetReciprocal (kernels/internal/common.h): 1/x for a positive x in Q(integerBits), returned as a
 * Q0.31 mantissa in [0.5, 1] and the number of bits by which x exceeds 1 (so 1/x = mantissa / 2^bits).
 */
export function getReciprocal(x: number, integerBits: number): { reciprocal: number; numBitsOverUnit: number } {
  const headroomPlusOne = Math.clz32(x);
  const shiftedSumMinusOne = ((x << headroomPlusOne) - INT32_MIN) | 0; // (x << h) − 2^31 in uint32, as int32
  return {
    reciprocal: oneOverOnePlusXForXIn0To1(shiftedSumMinusOne),
    numBitsOverUnit: integerBits - headroomPlusOne,
  };
}

// ---- int16 (HARD_SWISH) --------------------------------------------------------------------------------

/** C's conversion of an int to int16_t: keep the low 16 bits, two's complement. */
export function toInt16(v: number): number {
  return (v << 16) >> 16;
}

/** gemmlowp's int16 SaturatingRoundingDoublingHighMul (SQRDMULH): round(2·a·b / 2^16), ties toward +∞. */
export function saturatingRoundingDoublingHighMul16(a: number, b: number): number {
  if (a === -32768 && b === -32768) return 32767;
  const ab = a * b;
  return toInt16(Math.trunc((ab + (ab >= 0 ? 16384 : 1 - 16384)) / 32768));
}

/** TFLM hard_swish.h's SaturatingDoublingHighMul (SQDMULH): like the above but truncating toward zero. */
export function saturatingDoublingHighMul16(a: number, b: number): number {
  if (a === -32768 && b === -32768) return 32767;
  return toInt16(Math.trunc((a * b) / 32768));
}

/** TFLM hard_swish.h's SaturatingLeftShift: value·2^amount clamped to int16. */
export function saturatingLeftShift16(value: number, amount: number): number {
  return Math.min(32767, Math.max(-32768, value * 2 ** amount));
}

/**
 * gemmlowp's RoundingDivideByPOT instantiated for int16_t, exponent ∈ [0, 31], including its behaviour for
 * exponents ≥ 16, where the mask (2^e − 1) truncated to int16 becomes −1: then a non-negative x gives 1
 * and a negative x gives −1 (TFLM's HARD_SWISH reaches this with very small scale ratios; the fixture
 * tflm-kernels.json confirms it).
 */
export function roundingDivideByPOT16(x: number, exponent: number): number {
  const mask = toInt16(2 ** exponent - 1);
  const remainder = toInt16(x & mask);
  const threshold = toInt16((mask >> 1) + (x < 0 ? 1 : 0));
  return toInt16((x >> exponent) + (remainder > threshold ? 1 : 0));
}
