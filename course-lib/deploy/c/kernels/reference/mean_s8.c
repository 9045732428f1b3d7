/* MEAN, int8, TFLM's reduce_common.cc → reference/reduce.h QuantizedMeanOrSum: int32 sums over the reduced
 * dimensions, then MultiplyByQuantizedMultiplier(sum − zp_in·count, M', shift') + zp_out with 1/count already
 * folded into (M', shift') (fp_fold_mean_multiplier), clamped to int8 (MEAN has no fused activation).
 * Same arithmetic as course-lib/quantize/kernels/mean.ts.
 *
 * The input is rank 4 (right-aligned); reduce[d] = 1 marks a reduced dimension. The output is the kept shape
 * (reduced dimensions as 1) in row-major order, which is also the keep_dims = false layout. The input is read
 * once in order, each element added to its output's sum in scratch (out_size int32).
 */
#include "../../fixed_point.h"
#include "../../nn_copy.h"
#include "../../nn_kernels.h"

NN_NO_LIBCALL_LOOPS
void nn_mean_s8(const nn_mean_params* p, const int8_t* input, int8_t* output, void* scratch) {
  int32_t* const sums = (int32_t*)scratch;
  const int32_t out_size = p->out_size;
  const int32_t d0 = p->in_dims[0], d1 = p->in_dims[1], d2 = p->in_dims[2], d3 = p->in_dims[3];
  int32_t out_stride[4];
  int32_t d, o, i0, i1, i2, i3, e = 0;
  int32_t stride = 1;
  /* Row-major strides of the kept shape; 0 along a reduced dimension, whose elements share one sum. */
  for (d = 3; d >= 0; --d) {
    out_stride[d] = p->reduce[d] ? 0 : stride;
    if (!p->reduce[d]) stride *= p->in_dims[d];
  }
  for (o = 0; o < out_size; ++o) sums[o] = 0;
  {
    const int32_t s0 = out_stride[0], s1 = out_stride[1], s2 = out_stride[2], s3 = out_stride[3];
    for (i0 = 0; i0 < d0; ++i0) {
      for (i1 = 0; i1 < d1; ++i1) {
        for (i2 = 0; i2 < d2; ++i2) {
          int32_t so = i0 * s0 + i1 * s1 + i2 * s2;
          for (i3 = 0; i3 < d3; ++i3) {
            sums[so] += input[e++];
            so += s3;
          }
        }
      }
    }
  }
  {
    /* Locals again: the int8 stores below may alias *p. */
    const int32_t zero_point_sum = p->input_zero_point * p->count;
    const int32_t multiplier = p->multiplier, shift = p->shift, output_zero_point = p->output_zero_point;
    for (o = 0; o < out_size; ++o) {
      int32_t q = fp_multiply_by_quantized_multiplier(sums[o] - zero_point_sum, multiplier, shift) +
                  output_zero_point;
      if (q < -128) q = -128;
      if (q > 127) q = 127;
      output[o] = (int8_t)q;
    }
  }
}
