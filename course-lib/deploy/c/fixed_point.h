/* fixed_point.h: TensorFlow Lite Micro's int8 requantization arithmetic in portable C99.
 *
 * The firmware of lesson 10 includes this header; course-lib/quantize/fixed-point.ts is the same arithmetic in
 * TypeScript, and course-lib/quantize/fixed-point.test.ts compiles this file with the host gcc and checks the
 * two against each other on 10^6 random cases. Conventions (TFLM's): real multiplier ~= M * 2^shift / 2^31,
 * shift > 0 shifts left. Double rounding (TFLM, CMSIS-NN default) is SRDHM (ties toward +inf) followed by
 * RoundingDivideByPOT (ties away from zero); single rounding (TFLITE_SINGLE_ROUNDING, XNNPACK) rounds once,
 * ties toward +inf. Written for the course from the documented formulas (gemmlowp fixedpoint.h, TFLM common.cc).
 */
#ifndef TINYML_COURSE_FIXED_POINT_H
#define TINYML_COURSE_FIXED_POINT_H

#include <math.h>
#include <stdint.h>

/* High 32 bits of 2*a*b, rounded half toward +inf; INT32_MIN * INT32_MIN saturates to INT32_MAX. */
static inline int32_t fp_saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == INT32_MIN && b == INT32_MIN) return INT32_MAX;
  const int64_t ab = (int64_t)a * (int64_t)b;
  const int64_t nudge = ab >= 0 ? ((int64_t)1 << 30) : (1 - ((int64_t)1 << 30));
  return (int32_t)((ab + nudge) / ((int64_t)1 << 31)); /* C division truncates toward zero */
}

/* x / 2^exponent rounded half away from zero, exponent in [0, 31]. */
static inline int32_t fp_rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = (int32_t)((((int64_t)1) << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* TFLM's default MultiplyByQuantizedMultiplier (double rounding); shift in [-31, 30]. The left shift wraps
 * like an int32 multiply on the MCU (done in uint32 to avoid C's signed-overflow undefined behaviour). */
static inline int32_t fp_multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  const int32_t shifted = (int32_t)((uint32_t)x << left);
  return fp_rounding_divide_by_pot(fp_saturating_rounding_doubling_high_mul(shifted, multiplier), right);
}

/* TFLITE_SINGLE_ROUNDING's MultiplyByQuantizedMultiplier: (x*M + 2^(30-shift)) >> (31-shift) in int64.
 * Needs multiplier >= 0, shift in [-31, 30], and a result that fits int32 (TFLM's preconditions). */
static inline int32_t fp_multiply_by_quantized_multiplier_single(int32_t x, int32_t multiplier, int shift) {
  const int total_shift = 31 - shift;
  const int64_t round = (int64_t)1 << (total_shift - 1);
  return (int32_t)(((int64_t)x * (int64_t)multiplier + round) >> total_shift);
}

/* TFLM's QuantizeMultiplier; single_rounding != 0 adds TFLITE_SINGLE_ROUNDING's saturation of shifts > 30. */
static inline void fp_quantize_multiplier(double real, int single_rounding, int32_t* multiplier, int* shift) {
  if (real == 0.0) {
    *multiplier = 0;
    *shift = 0;
    return;
  }
  int exponent = 0;
  const double q = frexp(real, &exponent);
  int64_t q_fixed = (int64_t)round(q * (double)((int64_t)1 << 31));
  if (q_fixed == ((int64_t)1 << 31)) {
    q_fixed /= 2;
    ++exponent;
  }
  if (exponent < -31) {
    exponent = 0;
    q_fixed = 0;
  }
  if (single_rounding && exponent > 30) {
    exponent = 30;
    q_fixed = ((int64_t)1 << 31) - 1;
  }
  *multiplier = (int32_t)q_fixed;
  *shift = exponent;
}

/* MEAN's folded 1/count (TFLM reference/reduce.h): k = min(floor(log2 count), 32, 31 + shift). */
static inline void fp_fold_mean_multiplier(int32_t* multiplier, int* shift, int64_t count) {
  int k = 0;
  while (((int64_t)1 << (k + 1)) <= count) ++k;
  if (k > 32) k = 32;
  if (k > 31 + *shift) k = 31 + *shift;
  *multiplier = (int32_t)(((int64_t)*multiplier << k) / count);
  *shift -= k;
}

#endif /* TINYML_COURSE_FIXED_POINT_H */
