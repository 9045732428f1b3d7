/* SOFTMAX, int8, TFLM's softmax_common.cc (prepare) + reference/softmax.h (eval), over rows of `depth` values
 * along the last dimension. Per row: d = max(row) − x (0..255; the zero point cancels). The prepare step in
 * course-lib/quantize/kernels/softmax.ts scales d by beta·s_in and exponentiates it once for each of the 256
 * possible d: exp_of_diff[d] in Q0.31 (−1 when d is beyond diff_min: exp ≈ 0, output −128) and
 * exp_of_diff_q12[d] in the Q12.19 accumulator. Here, as TFLM: the sum of the row's exps in Q12.19, its
 * reciprocal (GetReciprocal), and each exp times the reciprocal shifted to the output scale 1/256, −128.
 *
 * Precondition: depth < 512. The shift num_bits_over_unit + 23 stays in TFLM's checked range [0, 31] only while
 * the sum (at most depth · 2^19) is below 2^28; course-lib/deploy rejects deeper rows (TFLM would abort).
 */
#include "../../fixed_point.h"
#include "../../gemmlowp_fixed_point.h"
#include "../../nn_kernels.h"

#define SOFTMAX_ACCUMULATION_INTEGER_BITS 12

void nn_softmax_s8(const nn_softmax_params* p, const int8_t* input, int8_t* output) {
  /* Parameters in locals: the int8 stores may alias *p, which would reload every field for every element. */
  const int32_t rows = p->rows, depth = p->depth;
  const int32_t* const exp_of_diff = p->exp_of_diff;
  const int32_t* const exp_of_diff_q12 = p->exp_of_diff_q12;
  int32_t row, c;
  for (row = 0; row < rows; ++row) {
    const int8_t* const x = input + row * depth;
    int8_t* const y = output + row * depth;
    int32_t max_in_row = -128;
    int32_t sum_of_exps = 0; /* Q12.19 */
    int32_t reciprocal, exponent;
    int num_bits_over_unit;
    for (c = 0; c < depth; ++c) {
      if (x[c] > max_in_row) max_in_row = x[c];
    }
    for (c = 0; c < depth; ++c) sum_of_exps += exp_of_diff_q12[max_in_row - x[c]];
    reciprocal = gl_get_reciprocal(sum_of_exps, SOFTMAX_ACCUMULATION_INTEGER_BITS, &num_bits_over_unit);
    exponent = num_bits_over_unit + 31 - 8;
    for (c = 0; c < depth; ++c) {
      const int32_t e = exp_of_diff[max_in_row - x[c]];
      if (e < 0) {
        y[c] = -128;
      } else {
        const int32_t unsat =
            fp_rounding_divide_by_pot(fp_saturating_rounding_doubling_high_mul(reciprocal, e), (int)exponent);
        int32_t shifted = unsat - 128;
        if (shifted < -128) shifted = -128;
        if (shifted > 127) shifted = 127;
        y[c] = (int8_t)shifted;
      }
    }
  }
}
