/* gemmlowp_fixed_point.h: the gemmlowp fixed-point functions TFLM's int8 SOFTMAX needs at run time, in
 * portable C99.
 *
 * Written for the course from the documented arithmetic of gemmlowp's fixedpoint/fixedpoint.h (the version
 * TFLM 90b983c2 pins: RoundingHalfSum, SaturatingRoundingMultiplyByPOT, Rescale, one_over_one_plus_x_for_x_in_0_1)
 * and TFLM's kernels/internal/common.h (CountLeadingZeros, GetReciprocal). course-lib/quantize/kernels/
 * gemmlowp-fixed-point.ts is the same arithmetic in TypeScript (the interpreter's); the softmax tests in
 * course-lib/deploy/kernels-elementwise.test.ts compare the two byte for byte.
 *
 * A value in Qm.(31−m) ("m integer bits") is an int32 raw / 2^(31−m). Products are fixed_point.h's
 * SaturatingRoundingDoublingHighMul. gemmlowp adds raw values as plain int32; here they wrap explicitly
 * (through uint32, no signed-overflow undefined behaviour; the conversion back to int32 is modulo 2^32 on
 * every compiler the course uses). The exp tables of softmax are computed at generation time
 * (course-lib/quantize/kernels/softmax.ts), so exp_on_negative_values is not needed on the device.
 */
#ifndef TINYML_COURSE_GEMMLOWP_FIXED_POINT_H
#define TINYML_COURSE_GEMMLOWP_FIXED_POINT_H

#include <stdint.h>

#include "fixed_point.h"

/* a + b wrapping like a 32-bit register. */
static inline int32_t gl_add_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a + (uint32_t)b); }

/* a − b wrapping like a 32-bit register. */
static inline int32_t gl_sub_wrap(int32_t a, int32_t b) { return (int32_t)((uint32_t)a - (uint32_t)b); }

/* Number of leading zero bits of x (32 for 0), TFLM's CountLeadingZeros; portable binary search. */
static inline int gl_count_leading_zeros(uint32_t x) {
  int n = 0;
  if (x == 0) return 32;
  if ((x & 0xFFFF0000u) == 0) { n += 16; x <<= 16; }
  if ((x & 0xFF000000u) == 0) { n += 8; x <<= 8; }
  if ((x & 0xF0000000u) == 0) { n += 4; x <<= 4; }
  if ((x & 0xC0000000u) == 0) { n += 2; x <<= 2; }
  if ((x & 0x80000000u) == 0) { n += 1; }
  return n;
}

/* (a + b) / 2 rounded half away from zero, computed in int64 (gemmlowp's RoundingHalfSum). */
static inline int32_t gl_rounding_half_sum(int32_t a, int32_t b) {
  const int64_t sum = (int64_t)a + (int64_t)b;
  const int64_t sign = sum >= 0 ? 1 : -1;
  return (int32_t)((sum + sign) / 2); /* C division truncates toward zero */
}

/* x·2^exponent saturating at the int32 limits for exponent > 0; a rounding right shift (half away from
 * zero) for exponent < 0 (gemmlowp's SaturatingRoundingMultiplyByPOT). exponent in [−31, 30]. */
static inline int32_t gl_saturating_rounding_multiply_by_pot(int32_t x, int exponent) {
  if (exponent == 0) return x;
  if (exponent < 0) return fp_rounding_divide_by_pot(x, -exponent);
  {
    const int32_t threshold = (int32_t)(((int64_t)1 << (31 - exponent)) - 1);
    if (x > threshold) return INT32_MAX;
    if (x < -threshold) return INT32_MIN;
    return (int32_t)((uint32_t)x << exponent); /* |x| ≤ threshold: no overflow */
  }
}

/* Rescale<dst>(x in Q src): the same real value with dst integer bits (saturating or rounding). */
static inline int32_t gl_rescale(int32_t x, int src_integer_bits, int dst_integer_bits) {
  return gl_saturating_rounding_multiply_by_pot(x, src_integer_bits - dst_integer_bits);
}

/* 1 / (1 + a) for a in [0, 1), both Q0.31 (gemmlowp's one_over_one_plus_x_for_x_in_0_1): Newton–Raphson
 * on the half denominator (1 + a)/2 in Q2.29, three iterations from 48/17 − 32/17·d. */
static inline int32_t gl_one_over_one_plus_x_for_x_in_0_1(int32_t a) {
  const int32_t forty_eight_over_17 = 1515870810;        /* 48/17, Q2.29 */
  const int32_t minus_thirty_two_over_17 = -1010580540;  /* −32/17, Q2.29 */
  const int32_t one_q2 = (int32_t)1 << 29;               /* 1.0, Q2.29 */
  const int32_t half_denominator = gl_rounding_half_sum(a, INT32_MAX);
  int32_t x = gl_add_wrap(forty_eight_over_17,
                          fp_saturating_rounding_doubling_high_mul(half_denominator, minus_thirty_two_over_17));
  int i;
  for (i = 0; i < 3; ++i) {
    const int32_t half_denominator_times_x = fp_saturating_rounding_doubling_high_mul(half_denominator, x);
    const int32_t one_minus_half_denominator_times_x = gl_sub_wrap(one_q2, half_denominator_times_x);
    /* Q2.29 · Q2.29 is Q4.27; Rescale<2> brings it back to Q2.29. */
    x = gl_add_wrap(x, gl_rescale(fp_saturating_rounding_doubling_high_mul(x, one_minus_half_denominator_times_x), 4, 2));
  }
  /* x ≈ 2/(1 + a) in Q2.29 is 1/(1 + a) in Q1.30 (ExactMulByPot<−1>, the same raw value); Rescale<0>. */
  return gl_rescale(x, 1, 0);
}

/* TFLM's GetReciprocal: 1/x for a positive x in Q(x_integer_digits) as a Q0.31 mantissa in [0.5, 1] and the
 * number of bits by which x exceeds one, so that 1/x = mantissa / 2^num_bits_over_unit. */
static inline int32_t gl_get_reciprocal(int32_t x, int x_integer_digits, int* num_bits_over_unit) {
  const int headroom_plus_one = gl_count_leading_zeros((uint32_t)x);
  /* x normalised to [1, 2) in Q1.31 minus one, i.e. in [0, 1) as Q0.31 (uint32 arithmetic, as TFLM). */
  const int32_t shifted_minus_one = (int32_t)(((uint32_t)x << headroom_plus_one) - ((uint32_t)1 << 31));
  *num_bits_over_unit = x_integer_digits - headroom_plus_one;
  return gl_one_over_one_plus_x_for_x_in_0_1(shifted_minus_one);
}

#endif /* TINYML_COURSE_GEMMLOWP_FIXED_POINT_H */
