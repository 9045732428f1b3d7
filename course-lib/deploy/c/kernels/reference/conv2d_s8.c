/* conv2d_s8.c: CONV_2D, int8, reference kernel with TensorFlow Lite Micro's semantics (integer_ops/conv.h,
 * ConvPerChannel): NHWC input (batch 1), OHWI filter, for each output (y, x, c)
 *   acc = sum over the taps inside the image of filter * (input + input_offset)   (padded taps are skipped)
 *   out = clamp(MultiplyByQuantizedMultiplier(acc + bias[c], M[c], shift[c]) + output_offset, act_min, act_max)
 * Grouped convolution (filter_c < in_c) reads input channels g * filter_c .. of group g = c / (out_c / groups),
 * as TFLM does. Plain loops: this is the reference the optimized kernels are checked against. No scratch. The
 * parameters are read into locals first: the int8 output stores could alias *p, and GCC would reload every
 * field inside the loops.
 */
#include "fixed_point.h"
#include "nn_kernels.h"

void nn_conv2d_s8_reference(const nn_conv2d_params* p, const int8_t* input, const int8_t* filter,
                            const int32_t* bias, int8_t* output, void* scratch) {
  const int32_t in_h = p->in_h, in_w = p->in_w, in_c = p->in_c;
  const int32_t out_h = p->out_h, out_w = p->out_w, out_c = p->out_c;
  const int32_t k_h = p->k_h, k_w = p->k_w, filter_c = p->filter_c;
  const int32_t stride_h = p->stride_h, stride_w = p->stride_w, dilation_h = p->dilation_h, dilation_w = p->dilation_w;
  const int32_t pad_top = p->pad_top, pad_left = p->pad_left;
  const int32_t input_offset = p->input_offset, output_offset = p->output_offset;
  const int32_t act_min = p->act_min, act_max = p->act_max;
  const int32_t* multipliers = p->multipliers;
  const int32_t* shifts = p->shifts;
  const int32_t out_c_per_group = out_c / (in_c / filter_c);
  int32_t oy, ox, oc, ky, kx, ic;
  (void)scratch;
  for (oy = 0; oy < out_h; oy++) {
    const int32_t y_origin = oy * stride_h - pad_top;
    for (ox = 0; ox < out_w; ox++) {
      const int32_t x_origin = ox * stride_w - pad_left;
      int8_t* out = output + (oy * out_w + ox) * out_c;
      for (oc = 0; oc < out_c; oc++) {
        const int32_t channel_base = (oc / out_c_per_group) * filter_c;
        int32_t acc = 0;
        for (ky = 0; ky < k_h; ky++) {
          const int32_t y = y_origin + ky * dilation_h;
          if (y < 0 || y >= in_h) continue;
          for (kx = 0; kx < k_w; kx++) {
            const int32_t x = x_origin + kx * dilation_w;
            if (x < 0 || x >= in_w) continue;
            {
              const int8_t* in = input + (y * in_w + x) * in_c + channel_base;
              const int8_t* w = filter + ((oc * k_h + ky) * k_w + kx) * filter_c;
              for (ic = 0; ic < filter_c; ic++) acc += (int32_t)w[ic] * ((int32_t)in[ic] + input_offset);
            }
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
