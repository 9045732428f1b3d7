/* optimized_driver.c: a host test driver for the optimized MAC kernels (kernels/optimized/), used by
 * course-lib/deploy/kernels-optimized.test.ts.
 *
 * It reads cases from stdin as whitespace-separated integers and prints one line per case. Every tensor,
 * parameter array and the scratch buffer is malloc'd at exactly its size (the scratch at the size
 * course-lib/deploy/scratch.ts gives), so a build with -fsanitize=address,undefined catches any read or write
 * outside them: the kernels' unaligned word loads, im2col staging, planes and tables included. Arrays are
 * `<n> <values>`; a bias array of n = 0 means no bias (NULL). Case layouts:
 *   1 conv2d    in_h in_w in_c out_h out_w out_c k_h k_w filter_c stride_h stride_w dilation_h dilation_w
 *               pad_top pad_left input_offset output_offset act_min act_max  multipliers[] shifts[] bias[]
 *               input[] filter[] scratch_bytes                                  -> out <n> <values>
 *   2 depthwise in_h in_w in_c out_h out_w out_c depth_multiplier k_h k_w stride_h stride_w dilation_h
 *               dilation_w pad_top pad_left input_offset output_offset act_min act_max  multipliers[] shifts[]
 *               bias[] input[] filter[] scratch_bytes                           -> out <n> <values>
 *   3 fully connected  rows in_dim out_dim input_offset filter_offset output_offset act_min act_max
 *               multipliers[] shifts[] bias[] input[] filter[] scratch_bytes    -> out <n> <values>
 *   4 requantize  count seed: the fast requantization of nn_optimized.h against fixed_point.h's
 *               fp_multiply_by_quantized_multiplier on `count` seeded random (accumulator, multiplier, shift,
 *               output offset) in the range the fast path admits, ties and extremes weighted
 *                                                                               -> requantize <mismatches> <count>
 */
#include "fixed_point.h"
#include "kernels/optimized/nn_optimized.h"
#include "nn_kernels.h"

#define DRIVER_NAME "optimized_driver"
#include "driver_io.h"

/* `<n> <values>` as exactly n int32 (NULL for n = 0 when allow_empty). */
static int32_t* read_s32(int32_t* n, int allow_empty) {
  int32_t i;
  int32_t* a;
  *n = next_int();
  if (*n == 0 && allow_empty) return NULL;
  a = (int32_t*)allocate((size_t)*n * sizeof(int32_t));
  for (i = 0; i < *n; ++i) a[i] = next_int();
  return a;
}

/* The arrays every MAC case ends with; the caller frees them. */
typedef struct {
  int32_t *multipliers, *shifts, *bias;
  int8_t *input, *filter;
  void* scratch;
} mac_arrays;

static mac_arrays read_mac_arrays(void) {
  mac_arrays a;
  int32_t n;
  a.multipliers = read_s32(&n, 0);
  a.shifts = read_s32(&n, 0);
  a.bias = read_s32(&n, 1);
  a.input = read_s8(&n);
  a.filter = read_s8(&n);
  n = next_int();
  a.scratch = n > 0 ? allocate((size_t)n) : NULL; /* malloc is aligned for any type: 4-byte alignment holds */
  return a;
}

static void free_mac_arrays(mac_arrays* a) {
  free(a->multipliers);
  free(a->shifts);
  free(a->bias);
  free(a->input);
  free(a->filter);
  free(a->scratch);
}

static void run_conv2d(void) {
  nn_conv2d_params p;
  int32_t v[19];
  mac_arrays a;
  int8_t* out;
  read_ints(v, 19);
  p.in_h = v[0], p.in_w = v[1], p.in_c = v[2], p.out_h = v[3], p.out_w = v[4], p.out_c = v[5];
  p.k_h = v[6], p.k_w = v[7], p.filter_c = v[8], p.stride_h = v[9], p.stride_w = v[10];
  p.dilation_h = v[11], p.dilation_w = v[12], p.pad_top = v[13], p.pad_left = v[14];
  p.input_offset = v[15], p.output_offset = v[16], p.act_min = v[17], p.act_max = v[18];
  a = read_mac_arrays();
  p.multipliers = a.multipliers;
  p.shifts = a.shifts;
  out = (int8_t*)allocate((size_t)(p.out_h * p.out_w * p.out_c));
  nn_conv2d_s8_optimized(&p, a.input, a.filter, a.bias, out, a.scratch);
  print_s8(out, p.out_h * p.out_w * p.out_c);
  free(out);
  free_mac_arrays(&a);
}

static void run_depthwise(void) {
  nn_depthwise_conv2d_params p;
  int32_t v[19];
  mac_arrays a;
  int8_t* out;
  read_ints(v, 19);
  p.in_h = v[0], p.in_w = v[1], p.in_c = v[2], p.out_h = v[3], p.out_w = v[4], p.out_c = v[5];
  p.depth_multiplier = v[6], p.k_h = v[7], p.k_w = v[8], p.stride_h = v[9], p.stride_w = v[10];
  p.dilation_h = v[11], p.dilation_w = v[12], p.pad_top = v[13], p.pad_left = v[14];
  p.input_offset = v[15], p.output_offset = v[16], p.act_min = v[17], p.act_max = v[18];
  a = read_mac_arrays();
  p.multipliers = a.multipliers;
  p.shifts = a.shifts;
  out = (int8_t*)allocate((size_t)(p.out_h * p.out_w * p.out_c));
  nn_depthwise_conv2d_s8_optimized(&p, a.input, a.filter, a.bias, out, a.scratch);
  print_s8(out, p.out_h * p.out_w * p.out_c);
  free(out);
  free_mac_arrays(&a);
}

static void run_fully_connected(void) {
  nn_fully_connected_params p;
  int32_t v[8];
  mac_arrays a;
  int8_t* out;
  read_ints(v, 8);
  p.rows = v[0], p.in_dim = v[1], p.out_dim = v[2], p.input_offset = v[3], p.filter_offset = v[4];
  p.output_offset = v[5], p.act_min = v[6], p.act_max = v[7];
  a = read_mac_arrays();
  p.multipliers = a.multipliers;
  p.shifts = a.shifts;
  out = (int8_t*)allocate((size_t)(p.rows * p.out_dim));
  nn_fully_connected_s8_optimized(&p, a.input, a.filter, a.bias, out, a.scratch);
  print_s8(out, p.rows * p.out_dim);
  free(out);
  free_mac_arrays(&a);
}

/* xorshift32: the driver's own seeded source (the cases need no cross-language reproduction). */
static uint32_t next_random(uint32_t* state) {
  uint32_t x = *state;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *state = x;
}

static void run_requantize(void) {
  const int32_t count = next_int();
  uint32_t state = (uint32_t)next_int() | 1u;
  int32_t mismatches = 0;
  int32_t i;
  for (i = 0; i < count; ++i) {
    const uint32_t kind = next_random(&state) % 4;
    /* Multipliers: 2^30 (ties of both roundings are frequent), random normalised ones, or extremes. */
    const int32_t multiplier = kind == 0 ? (int32_t)1 << 30
                               : kind == 1 ? (int32_t)(0x7fffffffu - next_random(&state) % 4)
                                           : (int32_t)((1u << 30) + next_random(&state) % (1u << 30));
    const int32_t shift = -(int32_t)(1 + next_random(&state) % NN_OPT_MAX_RIGHT_SHIFT);
    const int32_t offset = (int32_t)(next_random(&state) % 256) - 128;
    /* Accumulators: small, at the limits the fast path admits (|acc| < 2^30), or at a half-step boundary. */
    const uint32_t which = next_random(&state) % 4;
    int32_t acc;
    if (which == 0) {
      acc = (int32_t)(next_random(&state) % 2001) - 1000;
    } else if (which == 1) {
      acc = (next_random(&state) & 1 ? 1 : -1) * (int32_t)((1u << 30) - 1 - next_random(&state) % 4);
    } else if (which == 2) { /* near multiples of 2^e: where RDBPOT's ties fall for M = 2^30 */
      const int32_t e = -shift;
      const int32_t magnitude = (int32_t)((next_random(&state) % 4096) << (e > 17 ? 17 : e));
      acc = (next_random(&state) & 1 ? magnitude : -magnitude) + (int32_t)(next_random(&state) % 3) - 1;
    } else {
      acc = (int32_t)(next_random(&state) % (1u << 31)) - (int32_t)(1u << 30);
      if (acc >= (int32_t)1 << 30 || acc <= -((int32_t)1 << 30)) acc /= 2;
    }
    {
      nn_opt_channel ch;
      int32_t expected, got;
      const int32_t b = 0;
      if (!nn_opt_prepare_channels(&ch, 1, &multiplier, &shift, &b, 2, offset, 0)) {
        fprintf(stderr, "optimized_driver: the fast path refused M=%ld shift=%ld\n", (long)multiplier, (long)shift);
        exit(2);
      }
      expected = fp_multiply_by_quantized_multiplier(acc, multiplier, shift) + offset;
      got = nn_opt_requantize_doubled((int32_t)((uint32_t)acc << 1), &ch);
      if (got != expected) {
        if (mismatches < 5) {
          fprintf(stderr, "requantize: acc=%ld M=%ld shift=%ld offset=%ld: %ld, expected %ld\n", (long)acc,
                  (long)multiplier, (long)shift, (long)offset, (long)got, (long)expected);
        }
        ++mismatches;
      }
    }
  }
  printf("requantize %ld %ld\n", (long)mismatches, (long)count);
}

int main(void) {
  int kind;
  while (scanf("%d", &kind) == 1) {
    switch (kind) {
      case 1:
        run_conv2d();
        break;
      case 2:
        run_depthwise();
        break;
      case 3:
        run_fully_connected();
        break;
      case 4:
        run_requantize();
        break;
      default:
        fprintf(stderr, "optimized_driver: unknown case kind %d (expected 1..4)\n", kind);
        return 2;
    }
  }
  return 0;
}
