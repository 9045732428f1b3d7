/* QUANTIZE with an int8 input and an int8 output (a requantization), TFLM's quantize_common.cc →
 * reference/requantize.h: out = clamp(zp_out + MultiplyByQuantizedMultiplier(q − zp_in, M, shift)), M from
 * s_in/s_out. Same arithmetic as course-lib/quantize/kernels/quantize.ts. Safe in place (output == input).
 */
#include "../../fixed_point.h"
#include "../../nn_kernels.h"

void nn_requantize_s8(const nn_requantize_params* p, const int8_t* input, int8_t* output) {
  /* Parameters in locals: the int8 stores may alias *p, which would reload every field for every element. */
  const int32_t size = p->size, input_zero_point = p->input_zero_point, output_zero_point = p->output_zero_point;
  const int32_t multiplier = p->multiplier, shift = p->shift;
  int32_t i;
  for (i = 0; i < size; ++i) {
    int32_t q = fp_multiply_by_quantized_multiplier((int32_t)input[i] - input_zero_point, multiplier, shift) +
                output_zero_point;
    if (q < -128) q = -128;
    if (q > 127) q = 127;
    output[i] = (int8_t)q;
  }
}
