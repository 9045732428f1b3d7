/* uart_cmsdk.c: Arm CMSDK APB UART (MPS2 AN385/AN386/AN500 UART0 at 0x40004000, MPS3 AN547 UART0 at its
 * secure alias 0x59303000). Registers from Arm's Cortex-M System Design Kit TRM (DDI 0479): DATA +0x00,
 * STATE +0x04 (bit 0: TX buffer full), CTRL +0x08 (bit 0: TX enable), BAUDDIV +0x10 (at least 16).
 * QEMU drops every byte written while CTRL.TXEN is clear, so uart_init() must run before the first print. */
#include <stdint.h>

#include "uart.h"

#ifndef UART_BASE
#error "UART_BASE must be defined (the CMSDK UART's base address, from course-lib/deploy/machines.ts)"
#endif

#define UART_REG(offset) (*(volatile uint32_t*)((uintptr_t)(UART_BASE) + (offset)))
#define UART_DATA UART_REG(0x00u)
#define UART_STATE UART_REG(0x04u)
#define UART_CTRL UART_REG(0x08u)
#define UART_BAUDDIV UART_REG(0x10u)

#define UART_STATE_TX_FULL 0x1u
#define UART_CTRL_TX_ENABLE 0x1u

void uart_init(void) {
  UART_BAUDDIV = 16u; /* the smallest legal divider: the emulator ignores the rate, real FPGAs need one */
  UART_CTRL = UART_CTRL_TX_ENABLE;
}

void uart_putc(char c) {
  while (UART_STATE & UART_STATE_TX_FULL) {
  }
  UART_DATA = (uint32_t)(unsigned char)c;
}
