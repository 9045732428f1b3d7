/* ADD, int8, TFLM's add_common.cc + reference/integer_ops/add.h: both inputs, offset by their zero points, are
 * shifted left by left_shift (20) bits, rescaled to a common scale 2·max(s_a, s_b) by two multipliers smaller
 * than one, summed; the sum is rescaled to the output by a third, offset by zp_out and clamped to the fused
 * activation's range. Same arithmetic as course-lib/quantize/kernels/add.ts (all shifts ≤ 0 there).
 *
 * Broadcasting (TFLM's BroadcastAdd4DSlow: the same function per element): dims is the output shape
 * right-aligned to rank 4, stride_a/stride_b the element stride of each input along each output dimension
 * (0 where that input is broadcast). Safe in place: when output == a (or b), that input has the output's
 * shape, so element i is read before it is written and never read again.
 */
#include "../../fixed_point.h"
#include "../../nn_kernels.h"
#include "broadcast.h"

/* What one element needs, read out of *p once: the int8 stores into output may alias *p (a char type aliases
 * anything), so reading p-> inside the loop would make the compiler reload every field for every element. */
typedef struct {
  int32_t offset_a, offset_b, output_offset, left_shift;
  int32_t multiplier_a, shift_a, multiplier_b, shift_b, multiplier_out, shift_out;
  int32_t act_min, act_max;
} add_arithmetic;

static inline void add_arithmetic_init(add_arithmetic* k, const nn_add_params* p) {
  k->offset_a = p->offset_a;
  k->offset_b = p->offset_b;
  k->output_offset = p->output_offset;
  k->left_shift = p->left_shift;
  k->multiplier_a = p->multiplier_a;
  k->shift_a = p->shift_a;
  k->multiplier_b = p->multiplier_b;
  k->shift_b = p->shift_b;
  k->multiplier_out = p->multiplier_out;
  k->shift_out = p->shift_out;
  k->act_min = p->act_min;
  k->act_max = p->act_max;
}

static inline int8_t add_element(const add_arithmetic* k, int8_t a, int8_t b) {
  const int32_t shifted_a = ((int32_t)a + k->offset_a) * ((int32_t)1 << k->left_shift);
  const int32_t shifted_b = ((int32_t)b + k->offset_b) * ((int32_t)1 << k->left_shift);
  const int32_t scaled_a = fp_multiply_by_quantized_multiplier(shifted_a, k->multiplier_a, k->shift_a);
  const int32_t scaled_b = fp_multiply_by_quantized_multiplier(shifted_b, k->multiplier_b, k->shift_b);
  int32_t q = fp_multiply_by_quantized_multiplier(scaled_a + scaled_b, k->multiplier_out, k->shift_out) +
              k->output_offset;
  if (q < k->act_min) q = k->act_min;
  if (q > k->act_max) q = k->act_max;
  return (int8_t)q;
}

void nn_add_s8(const nn_add_params* p, const int8_t* a, const int8_t* b, int8_t* output) {
  add_arithmetic k;
  add_arithmetic_init(&k, p);
  NN_ELEMENTWISE_4D(p, output, add_element(&k, a[nn_ia], b[nn_ib]));
}
