/* app.c: the application every build of a generated model links, on the boards and on the host alike. It runs
 * the model on each compiled-in test input and prints the UART protocol that course-lib/deploy/protocol.ts
 * parses, one line each:
 *
 *   begin inputs=<N> input_size=<n> output_size=<m> ops=<ops>
 *   dump <k> <op> <hex>     (NN_DEBUG_DUMP builds only: every op's output, for every input k)
 *   out <k> <hex>           (the output tensor: two lowercase hex digits per int8, two's complement)
 *   stack <bytes>           (when the platform measures the peak stack)
 *   end
 *
 * then exits with status 0. No printf and no C library calls (the firmware links without one): numbers are
 * printed by hand and the input is copied with nn_copy.h's loop.
 * nn_op_mark is where the QEMU instruction-counting plugin looks: it must stay a real, separate function.
 */
#include <stdint.h>

#include "model.h"
#include "nn_copy.h"
#include "platform.h"

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

static void put_hex_bytes(const int8_t* data, int32_t size) {
  static const char hex[] = "0123456789abcdef";
  int32_t i;
  for (i = 0; i < size; i++) {
    const uint8_t byte = (uint8_t)data[i];
    platform_putc(hex[byte >> 4]);
    platform_putc(hex[byte & 0xfu]);
  }
}

/* The instruction counter records its running count each time this function's first instruction runs. */
__attribute__((noinline)) void nn_op_mark(int32_t op) { __asm__ volatile("" : : "r"(op) : "memory"); }

/* The input being run, for the dump lines. */
static uint32_t current_input;

void nn_debug_tensor(int32_t op, const int8_t* data, int32_t size) {
  put_string("dump ");
  put_decimal(current_input);
  platform_putc(' ');
  put_decimal((uint32_t)op);
  platform_putc(' ');
  put_hex_bytes(data, size);
  platform_putc('\n');
}

int main(void) {
  uint32_t k;
  int32_t stack;
  platform_init();
  put_string("begin inputs=");
  put_decimal(NN_TEST_INPUTS);
  put_string(" input_size=");
  put_decimal(NN_MODEL_INPUT_SIZE);
  put_string(" output_size=");
  put_decimal(NN_MODEL_OUTPUT_SIZE);
  put_string(" ops=");
  put_decimal(NN_MODEL_OPS);
  platform_putc('\n');
  for (k = 0; k < NN_TEST_INPUTS; k++) {
    current_input = k;
    nn_copy_s8(nn_model_input, nn_test_inputs[k], NN_MODEL_INPUT_SIZE);
    nn_model_invoke();
    put_string("out ");
    put_decimal(k);
    platform_putc(' ');
    put_hex_bytes(nn_model_output, NN_MODEL_OUTPUT_SIZE);
    platform_putc('\n');
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
