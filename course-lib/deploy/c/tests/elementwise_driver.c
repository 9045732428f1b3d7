/* elementwise_driver.c: a host test driver for the non-MAC reference kernels (add, mul, mean, reshape,
 * concatenation, softmax, lut, requantize), used by course-lib/deploy/kernels-elementwise.test.ts.
 *
 * It reads cases from stdin as whitespace-separated integers, runs one kernel per case and prints
 * `out <n> <v0> ... <vn-1>` per case. Every buffer is malloc'd at exactly its size, so a build with
 * -fsanitize=address,undefined catches any read or write outside a tensor, the scratch or a table. `mode`
 * selects where the output goes: 0 a separate buffer, 1 the first input's buffer, 2 the second input's (in
 * place, as the memory planner may arrange for element-wise ops), 3 (add, mul) one buffer that is both inputs
 * and the output (b's values are read and must equal a's). Case layouts (arrays are `<n> <values>`):
 *   1 add   mode size broadcast dims[4] stride_a[4] stride_b[4] offset_a offset_b output_offset left_shift
 *           multiplier_a shift_a multiplier_b shift_b multiplier_out shift_out act_min act_max  a[] b[]
 *   2 mul   mode size broadcast dims[4] stride_a[4] stride_b[4] offset_a offset_b output_offset
 *           multiplier shift act_min act_max  a[] b[]
 *   3 mean  in_dims[4] reduce[4] out_size count input_zero_point output_zero_point multiplier shift  input[]
 *   4 reshape mode  input[]
 *   5 concatenation outer inputs blocks[inputs]  input_0[] ... input_{inputs-1}[]
 *   6 softmax rows depth exp_of_diff[256] exp_of_diff_q12[256]  input[]
 *   7 lut   mode table[256] input[]
 *   8 requantize mode input_zero_point output_zero_point multiplier shift  input[]
 */
#include "nn_kernels.h"

#define DRIVER_NAME "elementwise_driver"
#include "driver_io.h"

static void expect_size(const char* what, int32_t got, int32_t expected) {
  if (got != expected) {
    fprintf(stderr, "elementwise_driver: %s has %ld values, expected %ld\n", what, (long)got, (long)expected);
    exit(2);
  }
}

/* The output buffer of a mode: a new one of `size`, or input a / b (which must then have `size` values). */
static int8_t* output_for(int32_t mode, int32_t size, int8_t* a, int32_t na, int8_t* b, int32_t nb) {
  if (mode == 1) {
    expect_size("in-place input a", na, size);
    return a;
  }
  if (mode == 2) {
    expect_size("in-place input b", nb, size);
    return b;
  }
  if (mode == 3) {
    int32_t i;
    expect_size("in-place input a", na, size);
    expect_size("in-place input b", nb, size);
    for (i = 0; i < size; ++i) {
      if (a[i] != b[i]) {
        fprintf(stderr, "elementwise_driver: mode 3 needs equal inputs, a[%ld] != b[%ld]\n", (long)i, (long)i);
        exit(2);
      }
    }
    return a;
  }
  return (int8_t*)allocate((size_t)size);
}

static void run_add(void) {
  nn_add_params p;
  int32_t mode = next_int(), na, nb;
  int8_t *a, *b, *out;
  p.size = next_int();
  p.broadcast = next_int();
  read_ints(p.dims, 4);
  read_ints(p.stride_a, 4);
  read_ints(p.stride_b, 4);
  p.offset_a = next_int();
  p.offset_b = next_int();
  p.output_offset = next_int();
  p.left_shift = next_int();
  p.multiplier_a = next_int();
  p.shift_a = next_int();
  p.multiplier_b = next_int();
  p.shift_b = next_int();
  p.multiplier_out = next_int();
  p.shift_out = next_int();
  p.act_min = next_int();
  p.act_max = next_int();
  a = read_s8(&na);
  b = read_s8(&nb);
  out = output_for(mode, p.size, a, na, b, nb);
  nn_add_s8(&p, a, mode == 3 ? a : b, out);
  print_s8(out, p.size);
  if (out != a && out != b) free(out);
  free(a);
  free(b);
}

static void run_mul(void) {
  nn_mul_params p;
  int32_t mode = next_int(), na, nb;
  int8_t *a, *b, *out;
  p.size = next_int();
  p.broadcast = next_int();
  read_ints(p.dims, 4);
  read_ints(p.stride_a, 4);
  read_ints(p.stride_b, 4);
  p.offset_a = next_int();
  p.offset_b = next_int();
  p.output_offset = next_int();
  p.multiplier = next_int();
  p.shift = next_int();
  p.act_min = next_int();
  p.act_max = next_int();
  a = read_s8(&na);
  b = read_s8(&nb);
  out = output_for(mode, p.size, a, na, b, nb);
  nn_mul_s8(&p, a, mode == 3 ? a : b, out);
  print_s8(out, p.size);
  if (out != a && out != b) free(out);
  free(a);
  free(b);
}

static void run_mean(void) {
  nn_mean_params p;
  int32_t n;
  int8_t *input, *out;
  int32_t* scratch;
  read_ints(p.in_dims, 4);
  read_ints(p.reduce, 4);
  p.out_size = next_int();
  p.count = next_int();
  p.input_zero_point = next_int();
  p.output_zero_point = next_int();
  p.multiplier = next_int();
  p.shift = next_int();
  input = read_s8(&n);
  expect_size("mean input", n, p.in_dims[0] * p.in_dims[1] * p.in_dims[2] * p.in_dims[3]);
  out = (int8_t*)allocate((size_t)p.out_size);
  scratch = (int32_t*)allocate(sizeof(int32_t) * (size_t)p.out_size);
  nn_mean_s8(&p, input, out, scratch);
  print_s8(out, p.out_size);
  free(scratch);
  free(out);
  free(input);
}

static void run_reshape(void) {
  int32_t mode = next_int(), n;
  int8_t* input = read_s8(&n);
  int8_t* out = output_for(mode, n, input, n, NULL, 0);
  nn_reshape_s8(input, out, n);
  print_s8(out, n);
  if (out != input) free(out);
  free(input);
}

static void run_concatenation(void) {
  nn_concatenation_params p;
  int32_t k, total = 0;
  int32_t* blocks;
  int8_t** inputs;
  int8_t* out;
  p.outer = next_int();
  p.inputs = next_int();
  blocks = (int32_t*)allocate(sizeof(int32_t) * (size_t)p.inputs);
  inputs = (int8_t**)allocate(sizeof(int8_t*) * (size_t)p.inputs);
  read_ints(blocks, p.inputs);
  p.blocks = blocks;
  for (k = 0; k < p.inputs; ++k) {
    int32_t n;
    inputs[k] = read_s8(&n);
    expect_size("concatenation input", n, p.outer * blocks[k]);
    total += n;
  }
  out = (int8_t*)allocate((size_t)total);
  nn_concatenation_s8(&p, (const int8_t* const*)inputs, out);
  print_s8(out, total);
  for (k = 0; k < p.inputs; ++k) free(inputs[k]);
  free(out);
  free(inputs);
  free(blocks);
}

static void run_softmax(void) {
  nn_softmax_params p;
  int32_t n;
  int32_t* exp_of_diff = (int32_t*)allocate(sizeof(int32_t) * 256);
  int32_t* exp_of_diff_q12 = (int32_t*)allocate(sizeof(int32_t) * 256);
  int8_t *input, *out;
  p.rows = next_int();
  p.depth = next_int();
  read_ints(exp_of_diff, 256);
  read_ints(exp_of_diff_q12, 256);
  p.exp_of_diff = exp_of_diff;
  p.exp_of_diff_q12 = exp_of_diff_q12;
  input = read_s8(&n);
  expect_size("softmax input", n, p.rows * p.depth);
  out = (int8_t*)allocate((size_t)n);
  nn_softmax_s8(&p, input, out);
  print_s8(out, n);
  free(out);
  free(input);
  free(exp_of_diff_q12);
  free(exp_of_diff);
}

static void run_lut(void) {
  int32_t mode = next_int(), nt, n;
  int8_t* table = read_s8(&nt);
  int8_t *input, *out;
  expect_size("lut table", nt, 256);
  input = read_s8(&n);
  out = output_for(mode, n, input, n, NULL, 0);
  nn_lut_s8(table, input, out, n);
  print_s8(out, n);
  if (out != input) free(out);
  free(input);
  free(table);
}

static void run_requantize(void) {
  nn_requantize_params p;
  int32_t mode = next_int(), n;
  int8_t *input, *out;
  p.input_zero_point = next_int();
  p.output_zero_point = next_int();
  p.multiplier = next_int();
  p.shift = next_int();
  input = read_s8(&n);
  p.size = n;
  out = output_for(mode, n, input, n, NULL, 0);
  nn_requantize_s8(&p, input, out);
  print_s8(out, n);
  if (out != input) free(out);
  free(input);
}

int main(void) {
  int kind;
  while (scanf("%d", &kind) == 1) {
    switch (kind) {
      case 1: run_add(); break;
      case 2: run_mul(); break;
      case 3: run_mean(); break;
      case 4: run_reshape(); break;
      case 5: run_concatenation(); break;
      case 6: run_softmax(); break;
      case 7: run_lut(); break;
      case 8: run_requantize(); break;
      default:
        fprintf(stderr, "elementwise_driver: unknown case kind %d\n", kind);
        return 2;
    }
  }
  return 0;
}
