/* host_platform.c: platform.h for the host build of the tests (gcc on the development machine): the protocol
 * goes to stdout and the status to exit(). The host cannot measure the firmware's stack, so
 * platform_stack_peak() says so (-1) and app.c prints no `stack` line.
 */
#include <stdio.h>
#include <stdlib.h>

#include "platform.h"

void platform_init(void) {}

void platform_putc(char c) { putchar(c); }

void platform_exit(int status) {
  fflush(stdout);
  exit(status);
}

int32_t platform_stack_peak(void) { return -1; }
