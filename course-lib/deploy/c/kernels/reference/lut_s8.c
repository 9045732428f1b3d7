/* LOGISTIC, TANH and HARD_SWISH, int8: an element-wise op on int8 has only 256 possible inputs, so
 * course-lib/quantize evaluates TFLM's fixed-point arithmetic for each of them when it prepares the model
 * (logistic.ts, tanh.ts, hard-swish.ts) and the device only looks the result up: output[i] = table[input[i] + 128].
 * Safe in place (output == input): element i is read before it is written.
 */
#include "../../nn_kernels.h"

void nn_lut_s8(const int8_t* table, const int8_t* input, int8_t* output, int32_t size) {
  int32_t i;
  for (i = 0; i < size; ++i) output[i] = table[(int32_t)input[i] + 128];
}
