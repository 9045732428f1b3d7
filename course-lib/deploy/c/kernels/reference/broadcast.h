/* broadcast.h: the element walk add_s8.c and mul_s8.c share (private to the reference kernels).
 *
 * NN_ELEMENTWISE_4D(p, output, ELEMENT) stores ELEMENT into output[o] for every output element o in row-major
 * order. ELEMENT reads the inputs at nn_ia and nn_ib: equal to o when p->broadcast == 0 (one flat loop of
 * p->size), otherwise each input's index from its rank-4 strides (0 along a dimension it is broadcast on, as
 * in TFLM's BroadcastAdd4DSlow / BroadcastMul4DSlow). A macro rather than a function taking a callback, so
 * the per-element arithmetic stays inlined in the loop. Element o is read before output[o] is written, which
 * keeps the kernels safe in place. p is any params struct with size, broadcast, dims, stride_a and stride_b.
 */
#ifndef TINYML_COURSE_BROADCAST_H
#define TINYML_COURSE_BROADCAST_H

#include <stdint.h>

#define NN_ELEMENTWISE_4D(p, output, ELEMENT)                                                        \
  do {                                                                                               \
    int32_t nn_o = 0, nn_ia, nn_ib;                                                                  \
    if (!(p)->broadcast) {                                                                           \
      const int32_t nn_size = (p)->size;                                                             \
      for (nn_o = 0; nn_o < nn_size; ++nn_o) {                                                       \
        nn_ia = nn_ib = nn_o;                                                                        \
        (output)[nn_o] = (ELEMENT);                                                                  \
      }                                                                                              \
    } else {                                                                                         \
      const int32_t nn_d0 = (p)->dims[0], nn_d1 = (p)->dims[1], nn_d2 = (p)->dims[2];                \
      const int32_t nn_d3 = (p)->dims[3];                                                            \
      const int32_t nn_a0 = (p)->stride_a[0], nn_a1 = (p)->stride_a[1], nn_a2 = (p)->stride_a[2];    \
      const int32_t nn_a3 = (p)->stride_a[3];                                                        \
      const int32_t nn_b0 = (p)->stride_b[0], nn_b1 = (p)->stride_b[1], nn_b2 = (p)->stride_b[2];    \
      const int32_t nn_b3 = (p)->stride_b[3];                                                        \
      int32_t nn_i0, nn_i1, nn_i2, nn_i3;                                                            \
      for (nn_i0 = 0; nn_i0 < nn_d0; ++nn_i0) {                                                      \
        for (nn_i1 = 0; nn_i1 < nn_d1; ++nn_i1) {                                                    \
          for (nn_i2 = 0; nn_i2 < nn_d2; ++nn_i2) {                                                  \
            nn_ia = nn_i0 * nn_a0 + nn_i1 * nn_a1 + nn_i2 * nn_a2;                                   \
            nn_ib = nn_i0 * nn_b0 + nn_i1 * nn_b1 + nn_i2 * nn_b2;                                   \
            for (nn_i3 = 0; nn_i3 < nn_d3; ++nn_i3) {                                                \
              (output)[nn_o++] = (ELEMENT);                                                          \
              nn_ia += nn_a3;                                                                        \
              nn_ib += nn_b3;                                                                        \
            }                                                                                        \
          }                                                                                          \
        }                                                                                            \
      }                                                                                              \
    }                                                                                                \
  } while (0)

#endif /* TINYML_COURSE_BROADCAST_H */
