/* uart_stm32.c: STM32F4 USART (netduinoplus2's USART1 at 0x40011000). Registers from ST's RM0090:
 * SR +0x00 (bit 7 TXE: transmit data register empty), DR +0x04, BRR +0x08, CR1 +0x0C (bit 13 UE: USART
 * enable, bit 3 TE: transmitter enable). QEMU's model only sends while both UE and TE are set. */
#include <stdint.h>

#include "uart.h"

#ifndef UART_BASE
#error "UART_BASE must be defined (the USART's base address, from course-lib/deploy/machines.ts)"
#endif

#define USART_REG(offset) (*(volatile uint32_t*)((uintptr_t)(UART_BASE) + (offset)))
#define USART_SR USART_REG(0x00u)
#define USART_DR USART_REG(0x04u)
#define USART_BRR USART_REG(0x08u)
#define USART_CR1 USART_REG(0x0Cu)

#define USART_SR_TXE (1u << 7)
#define USART_CR1_UE (1u << 13)
#define USART_CR1_TE (1u << 3)

void uart_init(void) {
  /* 115200 baud from the 16 MHz HSI the chip starts on (16e6 / 115200 = 138.9 → mantissa 8, fraction 11);
   * the emulator ignores it, a real board needs it. */
  USART_BRR = (8u << 4) | 11u;
  USART_CR1 = USART_CR1_UE | USART_CR1_TE;
}

void uart_putc(char c) {
  while (!(USART_SR & USART_SR_TXE)) {
  }
  USART_DR = (uint32_t)(unsigned char)c;
}
