/* RESHAPE (and flatten), int8: the bytes do not change, only the shape the graph gives them (TFLM's
 * reshape.cc copies the buffer unless input and output share it). The course's planner usually puts the output
 * at the input's address; then there is nothing to do. Otherwise a memmove-style copy (any overlap is safe).
 */
#include "../../nn_copy.h"
#include "../../nn_kernels.h"

void nn_reshape_s8(const int8_t* input, int8_t* output, int32_t size) {
  if (output == input) return;
  nn_copy_s8(output, input, size);
}
