/* stream_app.c: a keyword spotter running on a stream of audio. Compiled-in test clips (audio.c, int16 at
 * FE_SAMPLE_RATE, in a memory region of their own beyond the board's flash) stand in for a microphone:
 * every hop of FE_FRAME_STEP samples the front end (frontend.c) turns the latest FE_FRAME_LENGTH samples
 * into one row of the model's int8 input, kept in a ring of the latest STREAM_WINDOW_FRAMES rows; every
 * STREAM_STRIDE_FRAMES frames, once the ring is full, the rows are copied oldest first into the model's
 * input, the model runs (model.c), and its int8 softmax is smoothed and thresholded with integers exactly
 * as course-lib/streaming/detect.ts specifies.
 *
 * UART lines (parsed by course-lib/streaming/protocol.ts; hex is lowercase, two digits per byte):
 *   stream samples=<S> clips=<C> frame_step=<hop> mel_bins=<M> width=<W> window_frames=<F> stride=<s> classes=<K> smooth=<w> suppression=<p> ops=<ops>
 *   f <frame> <log-mel: 8 hex digits per float32, its bits> <uint8 log-mel hex> <int8 input row hex>
 *   i <inference> <last frame> <int8 output hex>
 *   d <inference> <class> <sum of q+128> <inferences averaged>
 *   stack <bytes>
 *   end
 *
 * Instruction marks (nn_op_mark, where the QEMU plugin records its running count), in this order:
 * per frame 2 (before and after the front end), per inference 1 + the model's NN_MODEL_OPS + 1 + 1 (before
 * the copy into the input, before every operator and after the last, after the detection step), so the
 * front end's, the model's and the streaming glue's instructions are told apart by position.
 */
#include <stdint.h>

#include "frontend.h"
#include "model.h"
#include "nn_copy.h"
#include "platform.h"
#include "stream_config.h"

#if NN_MODEL_INPUT_SIZE != STREAM_WINDOW_FRAMES * FE_FEATURE_WIDTH
#error "the model's input is not STREAM_WINDOW_FRAMES rows of FE_FEATURE_WIDTH values"
#endif
#if NN_MODEL_OUTPUT_SIZE != STREAM_CLASSES
#error "the model's output is not one score per class"
#endif

static void put_string(const char* s) {
  while (*s) platform_putc(*s++);
}

static void put_decimal(uint32_t value) {
  char digits[10];
  int n = 0;
  do {
    digits[n++] = (char)('0' + value % 10u);
    value /= 10u;
  } while (value != 0u);
  while (n > 0) platform_putc(digits[--n]);
}

static const char hex_digits[] = "0123456789abcdef";

static void put_hex_bytes(const uint8_t* data, uint32_t size) {
  uint32_t i;
  for (i = 0; i < size; i++) {
    platform_putc(hex_digits[data[i] >> 4]);
    platform_putc(hex_digits[data[i] & 0xfu]);
  }
}

static void put_hex_floats(const float* data, uint32_t count) {
  uint32_t i;
  for (i = 0; i < count; i++) {
    union {
      float f;
      uint32_t u;
    } v;
    int shift;
    v.f = data[i];
    for (shift = 28; shift >= 0; shift -= 4) platform_putc(hex_digits[(v.u >> shift) & 0xfu]);
  }
}

static void put_field(const char* name, uint32_t value) {
  platform_putc(' ');
  put_string(name);
  platform_putc('=');
  put_decimal(value);
}

/* The instruction counter records its running count each time this function's first instruction runs. */
__attribute__((noinline)) void nn_op_mark(int32_t op) { __asm__ volatile("" : : "r"(op) : "memory"); }

/* model.h declares it for NN_DEBUG_DUMP builds; the streaming app is never built that way. */
void nn_debug_tensor(int32_t op, const int8_t* data, int32_t size) {
  (void)op;
  (void)data;
  (void)size;
}

#define MARK_FRONT_END (-1)
#define MARK_FRONT_END_DONE (-2)
#define MARK_INFERENCE (-3)
#define MARK_INFERENCE_DONE (-4)

static fe_state_t fe_state;
static fe_frame_t fe_frame;
static int8_t ring[STREAM_WINDOW_FRAMES][FE_FEATURE_WIDTH];
static uint8_t scores[STREAM_SMOOTH_WINDOW][STREAM_CLASSES]; /* q + 128 of the latest inferences; unused rows 0 */
static int32_t last_reported[STREAM_CLASSES];

typedef struct {
  int32_t cls; /* -1: nothing reported */
  uint32_t sum;
  uint32_t count;
} detection_t;

/* detect.ts's rule with integers: sums of q + 128 against stream_required_sum[n - 1] = ceil(threshold 256 n). */
static detection_t detect_step(uint32_t inference, const int8_t* output) {
  detection_t d = {-1, 0u, 0u};
  const uint32_t n = inference + 1u < STREAM_SMOOTH_WINDOW ? inference + 1u : STREAM_SMOOTH_WINDOW;
  uint32_t c, r, top = 0u, top_sum = 0u;
  for (c = 0; c < STREAM_CLASSES; c++) scores[inference % STREAM_SMOOTH_WINDOW][c] = (uint8_t)(output[c] + 128);
  for (c = 0; c < STREAM_CLASSES; c++) {
    uint32_t sum = 0u;
    for (r = 0; r < STREAM_SMOOTH_WINDOW; r++) sum += scores[r][c];
    if (c == 0u || sum > top_sum) { /* strictly greater: ties keep the lowest class */
      top = c;
      top_sum = sum;
    }
  }
  if (stream_ignored[top] || top_sum < stream_required_sum[n - 1u]) return d;
  if (last_reported[top] >= 0 && inference - (uint32_t)last_reported[top] < (uint32_t)STREAM_SUPPRESSION) return d;
  last_reported[top] = (int32_t)inference;
  d.cls = (int32_t)top;
  d.sum = top_sum;
  d.count = n;
  return d;
}

int main(void) {
  uint32_t pos, frames = 0u, inferences = 0u, head = 0u, c;
  int32_t stack;
  platform_init();
  for (c = 0; c < STREAM_CLASSES; c++) last_reported[c] = -1;
  put_string("stream");
  put_field("samples", STREAM_AUDIO_SAMPLES);
  put_field("clips", STREAM_CLIPS);
  put_field("frame_step", FE_FRAME_STEP);
  put_field("mel_bins", FE_MEL_BINS);
  put_field("width", FE_FEATURE_WIDTH);
  put_field("window_frames", STREAM_WINDOW_FRAMES);
  put_field("stride", STREAM_STRIDE_FRAMES);
  put_field("classes", STREAM_CLASSES);
  put_field("smooth", STREAM_SMOOTH_WINDOW);
  put_field("suppression", STREAM_SUPPRESSION);
  put_field("ops", NN_MODEL_OPS);
  platform_putc('\n');

  /* The first FE_FRAME_LENGTH - FE_FRAME_STEP samples are history before the first hop, so frame f covers
   * samples [f hop, f hop + frame length): features.ts's framing of the same signal. */
  fe_init(&fe_state);
  pos = FE_FRAME_LENGTH - FE_FRAME_STEP;
  (void)fe_push(&fe_state, stream_audio, pos);
  for (; pos + FE_FRAME_STEP <= STREAM_AUDIO_SAMPLES; pos += FE_FRAME_STEP) {
    nn_op_mark(MARK_FRONT_END);
    (void)fe_push(&fe_state, stream_audio + pos, FE_FRAME_STEP);
    fe_compute(&fe_state, &fe_frame, ring[head]);
    nn_op_mark(MARK_FRONT_END_DONE);

    put_string("f ");
    put_decimal(frames);
    platform_putc(' ');
    put_hex_floats(fe_frame.logmel, FE_MEL_BINS);
    platform_putc(' ');
    put_hex_bytes(fe_frame.quantised, FE_MEL_BINS);
    platform_putc(' ');
    put_hex_bytes((const uint8_t*)ring[head], FE_FEATURE_WIDTH);
    platform_putc('\n');
    head = (head + 1u) % STREAM_WINDOW_FRAMES;
    frames++;

    if (frames >= STREAM_WINDOW_FRAMES && (frames - STREAM_WINDOW_FRAMES) % STREAM_STRIDE_FRAMES == 0u) {
      detection_t d;
      uint32_t r;
      nn_op_mark(MARK_INFERENCE);
      for (r = 0; r < STREAM_WINDOW_FRAMES; r++) {
        nn_copy_s8(nn_model_input + r * FE_FEATURE_WIDTH, ring[(head + r) % STREAM_WINDOW_FRAMES], FE_FEATURE_WIDTH);
      }
      nn_model_invoke();
      d = detect_step(inferences, nn_model_output);
      nn_op_mark(MARK_INFERENCE_DONE);

      put_string("i ");
      put_decimal(inferences);
      platform_putc(' ');
      put_decimal(frames - 1u);
      platform_putc(' ');
      put_hex_bytes((const uint8_t*)nn_model_output, NN_MODEL_OUTPUT_SIZE);
      platform_putc('\n');
      if (d.cls >= 0) {
        put_string("d ");
        put_decimal(inferences);
        platform_putc(' ');
        put_decimal((uint32_t)d.cls);
        platform_putc(' ');
        put_decimal(d.sum);
        platform_putc(' ');
        put_decimal(d.count);
        platform_putc('\n');
      }
      inferences++;
    }
  }
  stack = platform_stack_peak();
  if (stack >= 0) {
    put_string("stack ");
    put_decimal((uint32_t)stack);
    platform_putc('\n');
  }
  put_string("end\n");
  platform_exit(0);
}
