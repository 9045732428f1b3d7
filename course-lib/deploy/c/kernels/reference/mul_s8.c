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
  int32_t i0, i1, i2, i3, o = 0;
  k.offset_a = p->offset_a;
  k.offset_b = p->offset_b;
  k.output_offset = p->output_offset;
  k.multiplier = p->multiplier;
  k.shift = p->shift;
  k.act_min = p->act_min;
  k.act_max = p->act_max;
  if (!p->broadcast) {
    const int32_t size = p->size;
    for (o = 0; o < size; ++o) output[o] = mul_element(&k, a[o], b[o]);
    return;
  }
  {
    const int32_t d0 = p->dims[0], d1 = p->dims[1], d2 = p->dims[2], d3 = p->dims[3];
    const int32_t a0 = p->stride_a[0], a1 = p->stride_a[1], a2 = p->stride_a[2], a3 = p->stride_a[3];
    const int32_t b0 = p->stride_b[0], b1 = p->stride_b[1], b2 = p->stride_b[2], b3 = p->stride_b[3];
    for (i0 = 0; i0 < d0; ++i0) {
      for (i1 = 0; i1 < d1; ++i1) {
        for (i2 = 0; i2 < d2; ++i2) {
          int32_t ia = i0 * a0 + i1 * a1 + i2 * a2;
          int32_t ib = i0 * b0 + i1 * b1 + i2 * b2;
          for (i3 = 0; i3 < d3; ++i3) {
            output[o++] = mul_element(&k, a[ia], b[ib]);
            ia += a3;
            ib += b3;
          }
        }
      }
    }
  }
}
