/* MUL, int8, TFLM's mul_common.cc + reference/integer_ops/mul.h: out = zp_out +
 * MultiplyByQuantizedMultiplier((q_a − zp_a)·(q_b − zp_b), M, shift), M from s_a·s_b/s_out, clamped to the
 * fused activation's range. Same arithmetic as course-lib/quantize/kernels/mul.ts.
 *
 * Broadcasting as add_s8.c (TFLM's BroadcastMul4DSlow), e.g. a squeeze-excite gate [1,1,1,C] times a feature
 * map [1,H,W,C]; dims and strides as documented in nn_kernels.h. Safe in place (output == a or b of the
 * output's shape): element i is read before it is written.
 */
#include "../../fixed_point.h"
#include "../../nn_kernels.h"
#include "broadcast.h"

/* Read out of *p once (the int8 stores into output may alias *p; see add_s8.c). */
typedef struct {
  int32_t offset_a, offset_b, output_offset, multiplier, shift, act_min, act_max;
} mul_arithmetic;

static inline int8_t mul_element(const mul_arithmetic* k, int8_t a, int8_t b) {
  const int32_t product = ((int32_t)a + k->offset_a) * ((int32_t)b + k->offset_b); /* |·| ≤ 255² */
  int32_t q = fp_multiply_by_quantized_multiplier(product, k->multiplier, k->shift) + k->output_offset;
  if (q < k->act_min) q = k->act_min;
  if (q > k->act_max) q = k->act_max;
  return (int8_t)q;
}

void nn_mul_s8(const nn_mul_params* p, const int8_t* a, const int8_t* b, int8_t* output) {
  mul_arithmetic k;
  k.offset_a = p->offset_a;
  k.offset_b = p->offset_b;
  k.output_offset = p->output_offset;
  k.multiplier = p->multiplier;
  k.shift = p->shift;
  k.act_min = p->act_min;
  k.act_max = p->act_max;
  NN_ELEMENTWISE_4D(p, output, mul_element(&k, a[nn_ia], b[nn_ib]));
}
