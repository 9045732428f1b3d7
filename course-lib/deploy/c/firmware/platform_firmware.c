/* platform_firmware.c: platform.h on the boards: the protocol goes out of the UART (uart_cmsdk.c or
 * uart_stm32.c, whichever the build links), the status leaves through semihosting, and the peak stack is
 * measured by scanning the stack painted at reset (firmware.h). */
#include <stdint.h>

#include "firmware.h"
#include "platform.h"
#include "semihosting.h"
#include "uart.h"

void platform_init(void) { uart_init(); }

void platform_putc(char c) { uart_putc(c); }

void platform_exit(int status) { semihosting_exit(status); }

/* The stack grows down from __stack_top; the lowest word that no longer holds the paint is the deepest
 * the stack reached. An overflow past __stack_bottom runs into .bss and cannot be seen here: the stack
 * region is sized with room to spare (course-lib/deploy/machines.ts) and the peak is reported next to it. */
int32_t platform_stack_peak(void) {
  const uint32_t* p = __stack_bottom;
  while (p < __stack_top && *p == STACK_PAINT_WORD) ++p;
  return (int32_t)((uintptr_t)__stack_top - (uintptr_t)p);
}
