/* uart.h: the serial port the firmware prints its results on.
 *
 * One interface, one driver per kind of UART: uart_cmsdk.c (Arm's CMSDK APB UART, on the MPS2 and MPS3
 * FPGA images) and uart_stm32.c (the STM32F4's USART, on netduinoplus2). The build compiles exactly one
 * of them and passes the peripheral's base address as UART_BASE (course-lib/deploy/machines.ts holds the
 * address of each QEMU machine), so the drivers hold no board table of their own.
 */
#ifndef TINYML_COURSE_UART_H
#define TINYML_COURSE_UART_H

/* Enables the transmitter; called once by the reset handler before main(). */
void uart_init(void);

/* Sends one byte, waiting while the transmit register is full. */
void uart_putc(char c);

#endif /* TINYML_COURSE_UART_H */
