/* CONCATENATION, int8, as TFLM's concatenation.cc: no requantization (TFLM's int8 kernel requires every input
 * to have the output's scale and zero point), only block copies. For each of `outer` steps (the product of the
 * dimensions before the axis), input k contributes blocks[k] = axis_k · inner consecutive elements.
 * Same arithmetic as course-lib/quantize/kernels/concatenation.ts.
 */
#include "../../nn_copy.h"
#include "../../nn_kernels.h"

void nn_concatenation_s8(const nn_concatenation_params* p, const int8_t* const* inputs, int8_t* output) {
  int32_t outer, k;
  int8_t* out = output;
  for (outer = 0; outer < p->outer; ++outer) {
    for (k = 0; k < p->inputs; ++k) {
      const int32_t block = p->blocks[k];
      nn_copy_s8(out, inputs[k] + outer * block, block);
      out += block;
    }
  }
}
