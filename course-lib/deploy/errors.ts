// The ways a deploy fails, as error classes a caller can tell apart. Before any C runs: the firmware does
// not fit the board (the linker says so: the real deployability check), or a tool is not installed (the
// message carries the exact apt-get line that installs it). On the emulator: the firmware faulted (its
// fault handler exits with status 3 after printing `hardfault` and the faulting pc), or it never exited.

/** The link failed because a memory region of the target overflowed. */
export class FirmwareDoesNotFit extends Error {
  /** The linker script's region: "FLASH" or "RAM". */
  readonly region: string;
  /** By how many bytes the linker says the region overflowed. */
  readonly overflowBytes: number;
  /** The deploy target's id (a catalogue board or a QEMU machine). */
  readonly target: string;
  /** The region's size on that target. */
  readonly regionBytes: number;

  constructor(region: string, overflowBytes: number, target: string, regionBytes: number) {
    super(
      `the firmware does not fit ${target}: region ${region} overflowed by ${overflowBytes} bytes ` +
        `(${region} is ${regionBytes} bytes on ${target}, the firmware needs ${regionBytes + overflowBytes})`,
    );
    this.name = "FirmwareDoesNotFit";
    this.region = region;
    this.overflowBytes = overflowBytes;
    this.target = target;
    this.regionBytes = regionBytes;
  }
}

/** A program the deploy needs is not on the PATH. */
export class ToolchainMissing extends Error {
  /** The program's name, e.g. "arm-none-eabi-gcc". */
  readonly tool: string;
  /** The command that installs it (Debian/Ubuntu). */
  readonly install: string;

  constructor(tool: string, install: string, detail = "") {
    super(`${tool} is not installed${detail ? ` (${detail})` : ""}; install it with: ${install}`);
    this.name = "ToolchainMissing";
    this.tool = tool;
    this.install = install;
  }
}

/** The firmware took an unhandled exception (HardFault and the other faults): it exited with status 3. */
export class FirmwareHardFault extends Error {
  readonly machine: string;
  /** The fault handler's detail line ("fault HardFault pc=0x... lr=0x... cfsr=0x..."), or "" if none arrived. */
  readonly detail: string;
  /** The last lines the UART received. */
  readonly uartTail: string;

  constructor(machine: string, detail: string, uartTail: string) {
    super(`HardFault: the firmware faulted on QEMU ${machine}${detail ? ` (${detail})` : ""}; last UART output:\n${uartTail || "(nothing)"}`);
    this.name = "FirmwareHardFault";
    this.machine = machine;
    this.detail = detail;
    this.uartTail = uartTail;
  }
}

/** The firmware did not exit (semihosting) within the time allowed: a hang, an endless loop, or too much work. */
export class FirmwareTimeout extends Error {
  readonly machine: string;
  readonly timeoutMs: number;
  readonly uartTail: string;

  constructor(machine: string, timeoutMs: number, uartTail: string) {
    super(
      `the firmware did not exit within ${timeoutMs} ms on QEMU ${machine} (a hang or an endless loop: it never made the ` +
        `semihosting exit call); last UART output:\n${uartTail || "(nothing)"}`,
    );
    this.name = "FirmwareTimeout";
    this.machine = machine;
    this.timeoutMs = timeoutMs;
    this.uartTail = uartTail;
  }
}
