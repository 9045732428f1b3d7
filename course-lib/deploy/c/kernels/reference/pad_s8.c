/* pad_s8.c: PAD, int8, reference kernel with TensorFlow Lite Micro's semantics (micro/kernels/pad.cc): a rank-4
 * input (shapes right-aligned) surrounded by before[d] and after[d] elements of pad_value (the zero point, a
 * real 0) along each dimension d. Written element by element over the output: each output element is either
 * the input element it covers or pad_value.
 */
#include "nn_copy.h"
#include "nn_kernels.h"

/* NN_NO_LIBCALL_LOOPS: gcc must not turn the fill into a memset call (firmware has no C library). */
NN_NO_LIBCALL_LOOPS void nn_pad_s8(const nn_pad_params* p, const int8_t* input, int8_t* output) {
  int32_t out_dims[4];
  int32_t d, o0, o1, o2, o3;
  for (d = 0; d < 4; d++) out_dims[d] = p->before[d] + p->in_dims[d] + p->after[d];
  for (o0 = 0; o0 < out_dims[0]; o0++) {
    const int32_t i0 = o0 - p->before[0];
    const int inside0 = i0 >= 0 && i0 < p->in_dims[0];
    for (o1 = 0; o1 < out_dims[1]; o1++) {
      const int32_t i1 = o1 - p->before[1];
      const int inside1 = inside0 && i1 >= 0 && i1 < p->in_dims[1];
      for (o2 = 0; o2 < out_dims[2]; o2++) {
        const int32_t i2 = o2 - p->before[2];
        const int inside2 = inside1 && i2 >= 0 && i2 < p->in_dims[2];
        const int32_t row = ((i0 * p->in_dims[1] + i1) * p->in_dims[2] + i2) * p->in_dims[3];
        for (o3 = 0; o3 < out_dims[3]; o3++) {
          const int32_t i3 = o3 - p->before[3];
          *output++ = inside2 && i3 >= 0 && i3 < p->in_dims[3] ? input[row + i3] : (int8_t)p->pad_value;
        }
      }
    }
  }
}
