/* pooling_s8.c: AVERAGE_POOL_2D and MAX_POOL_2D, int8, reference kernels with TensorFlow Lite Micro's semantics
 * (integer_ops/pooling.h): the window is clipped to the image, so padding is neither summed nor counted.
 * Average: (sum +- count/2) / count with C's truncating division (rounds half away from zero); max: starts at
 * -128. Then the fused-activation clamp. No requantization: input and output share scale and zero point.
 */
#include "nn_kernels.h"

/* The part of the window of output (oy, ox) inside the image: rows [*y0, *y1), columns [*x0, *x1). */
static void clipped_window(const nn_pool2d_params* p, int32_t oy, int32_t ox, int32_t* y0, int32_t* y1,
                           int32_t* x0, int32_t* x1) {
  const int32_t y_origin = oy * p->stride_h - p->pad_top;
  const int32_t x_origin = ox * p->stride_w - p->pad_left;
  *y0 = y_origin < 0 ? 0 : y_origin;
  *y1 = y_origin + p->filter_h < p->in_h ? y_origin + p->filter_h : p->in_h;
  *x0 = x_origin < 0 ? 0 : x_origin;
  *x1 = x_origin + p->filter_w < p->in_w ? x_origin + p->filter_w : p->in_w;
}

void nn_avg_pool2d_s8(const nn_pool2d_params* p, const int8_t* input, int8_t* output) {
  int32_t oy, ox, c, y, x, y0, y1, x0, x1;
  for (oy = 0; oy < p->out_h; oy++) {
    for (ox = 0; ox < p->out_w; ox++) {
      int8_t* out = output + (oy * p->out_w + ox) * p->channels;
      int32_t count;
      clipped_window(p, oy, ox, &y0, &y1, &x0, &x1);
      count = (y1 - y0) * (x1 - x0);
      for (c = 0; c < p->channels; c++) {
        int32_t acc = 0;
        for (y = y0; y < y1; y++) {
          for (x = x0; x < x1; x++) acc += input[(y * p->in_w + x) * p->channels + c];
        }
        acc = acc > 0 ? (acc + count / 2) / count : (acc - count / 2) / count;
        if (acc < p->act_min) acc = p->act_min;
        if (acc > p->act_max) acc = p->act_max;
        out[c] = (int8_t)acc;
      }
    }
  }
}

void nn_max_pool2d_s8(const nn_pool2d_params* p, const int8_t* input, int8_t* output) {
  int32_t oy, ox, c, y, x, y0, y1, x0, x1;
  for (oy = 0; oy < p->out_h; oy++) {
    for (ox = 0; ox < p->out_w; ox++) {
      int8_t* out = output + (oy * p->out_w + ox) * p->channels;
      clipped_window(p, oy, ox, &y0, &y1, &x0, &x1);
      for (c = 0; c < p->channels; c++) {
        int32_t max = -128;
        for (y = y0; y < y1; y++) {
          for (x = x0; x < x1; x++) {
            const int32_t v = input[(y * p->in_w + x) * p->channels + c];
            if (v > max) max = v;
          }
        }
        if (max < p->act_min) max = p->act_min;
        if (max > p->act_max) max = p->act_max;
        out[c] = (int8_t)max;
      }
    }
  }
}
