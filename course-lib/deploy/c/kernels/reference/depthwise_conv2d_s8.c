/* depthwise_conv2d_s8.c: DEPTHWISE_CONV_2D, int8, reference kernel with TensorFlow Lite Micro's semantics
 * (integer_ops/depthwise_conv.h, DepthwiseConvPerChannel): NHWC input (batch 1), filter [1, kH, kW, C * M];
 * output channel oc = ic * M + m reads input channel ic only:
 *   acc = sum over the taps inside the image of filter[ky][kx][oc] * (input[y][x][ic] + input_offset)
 *   out = clamp(MultiplyByQuantizedMultiplier(acc + bias[oc], M[oc], shift[oc]) + output_offset, act_min, act_max)
 * Padded taps are skipped. Plain loops (the reference); no scratch. The parameters are read into locals
 * first: the int8 output stores could alias *p, and GCC would reload every field inside the loops.
 */
#include "fixed_point.h"
#include "nn_kernels.h"

void nn_depthwise_conv2d_s8_reference(const nn_depthwise_conv2d_params* p, const int8_t* input,
                                      const int8_t* filter, const int32_t* bias, int8_t* output, void* scratch) {
  const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c;
  const int32_t out_h = p->out_h, out_w = p->out_w, out_c = p->out_c, depth_multiplier = p->depth_multiplier;
  const int32_t k_h = p->k_h, k_w = p->k_w, stride_h = p->stride_h, stride_w = p->stride_w;
  const int32_t dilation_h = p->dilation_h, dilation_w = p->dilation_w, pad_top = p->pad_top, pad_left = p->pad_left;
  const int32_t input_offset = p->input_offset, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t* multipliers = p->multipliers;
  const int32_t* shifts = p->shifts;
  int32_t oy, ox, oc, ky, kx;
  (void)scratch;
  for (oy = 0; oy < out_h; oy++) {
    const int32_t y_origin = oy * stride_h - pad_top;
    for (ox = 0; ox < out_w; ox++) {
      const int32_t x_origin = ox * stride_w - pad_left;
      int8_t* out = output + (oy * out_w + ox) * out_c;
      for (oc = 0; oc < out_c; oc++) {
        const int32_t ic = oc / depth_multiplier;
        int32_t acc = 0;
        for (ky = 0; ky < k_h; ky++) {
          const int32_t y = y_origin + ky * dilation_h;
          if (y < 0 || y >= in_h) continue;
          for (kx = 0; kx < k_w; kx++) {
            const int32_t x = x_origin + kx * dilation_w;
            if (x < 0 || x >= in_w) continue;
            acc += (int32_t)filter[(ky * k_w + kx) * out_c + oc] * ((int32_t)input[(y * in_w + x) * in_c + ic] + input_offset);
          }
        }
        if (bias) acc += bias[oc];
        acc = fp_multiply_by_quantized_multiplier(acc, multipliers[oc], shifts[oc]) + output_offset;
        if (acc < act_min) acc = act_min;
        if (acc > act_max) acc = act_max;
        out[oc] = (int8_t)acc;
      }
    }
  }
}
