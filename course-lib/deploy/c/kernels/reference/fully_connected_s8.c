/* fully_connected_s8.c: FULLY_CONNECTED, int8, reference kernel with TensorFlow Lite Micro's semantics
 * (integer_ops/fully_connected.h, FullyConnected and FullyConnectedPerChannel): weights [out, in], the input
 * read as `rows` rows of in_dim values:
 *   acc = sum_i (w[o][i] + filter_offset) * (x[r][i] + input_offset) + bias[o]
 *   out = clamp(MultiplyByQuantizedMultiplier(acc, M[o], shift[o]) + output_offset, act_min, act_max)
 * Per-tensor weights come with out_dim copies of their one (M, shift). Plain loops; no scratch. The
 * parameters are read into locals first: the int8 output stores could alias *p (GCC would reload them).
 */
#include "fixed_point.h"
#include "nn_kernels.h"

void nn_fully_connected_s8_reference(const nn_fully_connected_params* p, const int8_t* input,
                                     const int8_t* filter, const int32_t* bias, int8_t* output, void* scratch) {
  const int32_t rows = p->rows, in_dim = p->in_dim, out_dim = p->out_dim;
  const int32_t input_offset = p->input_offset, filter_offset = p->filter_offset, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t* multipliers = p->multipliers;
  const int32_t* shifts = p->shifts;
  int32_t r, o, i;
  (void)scratch;
  for (r = 0; r < rows; r++) {
    const int8_t* x = input + r * in_dim;
    int8_t* out = output + r * out_dim;
    for (o = 0; o < out_dim; o++) {
      const int8_t* w = filter + o * in_dim;
      int32_t acc = 0;
      for (i = 0; i < in_dim; i++) acc += ((int32_t)w[i] + filter_offset) * ((int32_t)x[i] + input_offset);
      if (bias) acc += bias[o];
      acc = fp_multiply_by_quantized_multiplier(acc, multipliers[o], shifts[o]) + output_offset;
      if (acc < act_min) acc = act_min;
      if (acc > act_max) acc = act_max;
      out[o] = (int8_t)acc;
    }
  }
}
