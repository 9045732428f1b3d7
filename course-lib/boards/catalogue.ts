// Catalogue of the target boards the course deploys to or compares against, and fits(): does a model
// (or its profile) fit a board's flash and RAM at a given precision, and by how much. Memory sizes are the
// chip's (or the named board's) datasheet figures in bytes (1 KB = 1024 bytes). `opsPerSecondOrder` is only
// an order of magnitude of the int8 multiply-accumulates per second that optimised kernels (CMSIS-NN,
// ESP-NN, the K210's KPU, NEON on the Pi) reach on that core, for back-of-the-envelope latency; measure
// real latency with the deploy and bench tools. `qemuMachine` names the qemu-system-arm machine that
// stands in for the board in the course's emulated deploys (same core family, not the same memory map or
// clock), or null when there is none.
import * as tf from "@tensorflow/tfjs";
import { profileModel, type ModelProfile } from "../profiler/profile";

export type QemuMachine = "mps2-an385" | "mps2-an386" | "mps2-an500" | "netduinoplus2" | "mps3-an547";

export interface Board {
  id: string;
  name: string;
  /** "mcu": bare metal, on-chip SRAM (and flash, or a small external flash); "sbc": runs Linux from DRAM. */
  kind: "mcu" | "sbc";
  core: string;
  clockMHz: number;
  flashBytes: number;
  ramBytes: number;
  /** Order of magnitude of int8 MAC/s with optimised kernels (rough latency estimates only). */
  opsPerSecondOrder: number;
  qemuMachine: QemuMachine | null;
  /** Where the figures come from, and caveats (split RAM banks, external flash...). */
  source: string;
}

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;

export const BOARDS: readonly Board[] = [
  {
    id: "stm32f303k8", name: "STM32F303K8 (NUCLEO-F303K8)", core: "Arm Cortex-M4F", clockMHz: 72,
    flashBytes: 64 * KB, ramBytes: 16 * KB, opsPerSecondOrder: 1e8, qemuMachine: "mps2-an386", kind: "mcu",
    source: "ST DS9866 (STM32F303x6/x8): 64 KB flash; 16 KB RAM = 12 KB SRAM + 4 KB CCM SRAM. Smallest board of the AutoTinyML experiments.",
  },
  {
    id: "stm32l476rg", name: "STM32L476RG (NUCLEO-L476RG)", core: "Arm Cortex-M4F", clockMHz: 80,
    flashBytes: 1 * MB, ramBytes: 128 * KB, opsPerSecondOrder: 1e8, qemuMachine: "mps2-an386", kind: "mcu",
    source: "ST DS10198 (STM32L476xx): 1 MB flash; 128 KB SRAM = 96 KB SRAM1 + 32 KB SRAM2. Board of the AutoTinyML experiments.",
  },
  {
    id: "stm32l496zg", name: "STM32L496ZG (NUCLEO-L496ZG)", core: "Arm Cortex-M4F", clockMHz: 80,
    flashBytes: 1 * MB, ramBytes: 320 * KB, opsPerSecondOrder: 1e8, qemuMachine: "mps2-an386", kind: "mcu",
    source: "ST DS11585 (STM32L496xx): 1 MB flash; 320 KB SRAM = 256 KB SRAM1 + 64 KB SRAM2.",
  },
  {
    id: "stm32f405rg", name: "STM32F405RG (Netduino Plus 2, pyboard)", core: "Arm Cortex-M4F", clockMHz: 168,
    flashBytes: 1 * MB, ramBytes: 192 * KB, opsPerSecondOrder: 1e8, qemuMachine: "netduinoplus2", kind: "mcu",
    source: "ST DS8626 (STM32F405xx): 1 MB flash; 192 KB RAM = 128 KB SRAM + 64 KB CCM (QEMU 7.2's netduinoplus2 maps 192 KB of SRAM at 0x20000000; QEMU 8.0 and later map 128 KB there and the 64 KB CCM at 0x10000000).",
  },
  {
    id: "stm32h743zi", name: "STM32H743ZI (NUCLEO-H743ZI2)", core: "Arm Cortex-M7F", clockMHz: 480,
    flashBytes: 2 * MB, ramBytes: 1 * MB, opsPerSecondOrder: 1e9, qemuMachine: "mps2-an500", kind: "mcu",
    source: "ST DS12110 (STM32H742/743/753): 2 MB flash; 'up to 1 MB RAM' as ST quotes it: 864 KB user SRAM (512 KB AXI + 288 KB SRAM1-3 + 64 KB SRAM4) + 192 KB TCM (128 KB DTCM + 64 KB ITCM), in separate regions; listed here as 1 MB.",
  },
  {
    id: "nrf52840", name: "nRF52840 (Arduino Nano 33 BLE Sense)", core: "Arm Cortex-M4F", clockMHz: 64,
    flashBytes: 1 * MB, ramBytes: 256 * KB, opsPerSecondOrder: 1e8, qemuMachine: "mps2-an386", kind: "mcu",
    source: "Nordic nRF52840 product specification: 1 MB flash, 256 KB RAM; the board of the TinyML book and of TensorFlow Lite Micro's examples.",
  },
  {
    id: "rp2040", name: "RP2040 (Raspberry Pi Pico)", core: "2x Arm Cortex-M0+", clockMHz: 133,
    flashBytes: 2 * MB, ramBytes: 264 * KB, opsPerSecondOrder: 1e7, qemuMachine: null, kind: "mcu",
    source: "Raspberry Pi RP2040 datasheet: 264 KB on-chip SRAM, no on-chip flash; the Pico has 2 MB external QSPI flash. M0+ has no DSP/SIMD instructions, hence the lower MAC rate. No QEMU machine in the course's set models an M0+.",
  },
  {
    id: "esp32-s3", name: "ESP32-S3 (ESP32-S3-WROOM-1-N8 module)", core: "2x Xtensa LX7", clockMHz: 240,
    flashBytes: 8 * MB, ramBytes: 512 * KB, opsPerSecondOrder: 1e9, qemuMachine: null, kind: "mcu",
    source: "Espressif ESP32-S3 datasheet: 512 KB internal SRAM; flash is on the module (8 MB on the typical N8 variant), PSRAM optional. Vector instructions used by ESP-NN. Not Arm: no qemu-system-arm machine.",
  },
  {
    id: "k210", name: "Kendryte K210 (Sipeed Maix Bit)", core: "2x RISC-V RV64GC + KPU", clockMHz: 400,
    flashBytes: 16 * MB, ramBytes: 8 * MB, opsPerSecondOrder: 1e11, qemuMachine: null, kind: "mcu",
    source: "Kendryte K210 datasheet: 8 MB SRAM (6 MB general + 2 MB reserved for the KPU while it runs), KPU CNN accelerator; no on-chip flash, the Maix Bit has 16 MB SPI flash. Not Arm: no qemu-system-arm machine.",
  },
  {
    id: "rpi4", name: "Raspberry Pi 4 Model B (SBC reference)", core: "4x Arm Cortex-A72", clockMHz: 1500,
    flashBytes: 32 * GB, ramBytes: 4 * GB, opsPerSecondOrder: 1e10, qemuMachine: null, kind: "sbc",
    source: "Raspberry Pi 4 Model B product brief: BCM2711, 4x Cortex-A72 at 1.5 GHz, 1, 2, 4 or 8 GB LPDDR4 (the 4 GB variant is listed, as in lesson 01's device classes); storage is the microSD card (32 GB assumed). Runs Linux; the course's Cortex-M QEMU machines do not model it.",
  },
];

/** The board with this id, or an error that names the id and lists the valid ones. */
export function getBoard(id: string): Board {
  const board = BOARDS.find((b) => b.id === id);
  if (!board) {
    throw new RangeError(`unknown board id ${JSON.stringify(id)}; expected one of: ${BOARDS.map((b) => b.id).join(", ")}`);
  }
  return board;
}

export type Precision = "int8" | "float32";

export interface Budget {
  /** Bytes the model needs. */
  used: number;
  /** Board capacity minus the reserve. */
  available: number;
  capacity: number;
  reserved: number;
  /** available - used; negative when it does not fit. */
  slack: number;
  /** used / available. */
  utilisation: number;
  ok: boolean;
}

export interface FitReport {
  board: Board;
  precision: Precision;
  flash: Budget;
  ram: Budget;
  ok: boolean;
  /** MACs / opsPerSecondOrder: an order of magnitude, not a measurement. */
  latencyOrderSeconds: number;
}

export interface FitOptions {
  precision?: Precision;
  /** Bytes kept back for the firmware, the inference runtime, stacks and I/O buffers (default 0). */
  reserve?: { flashBytes?: number; ramBytes?: number };
}

function budget(used: number, capacity: number, reserved: number): Budget {
  const available = capacity - reserved;
  return { used, available, capacity, reserved, slack: available - used, utilisation: used / available, ok: used <= available };
}

function reserveBytes(value: number | undefined, what: string, capacity: number, boardId: string): number {
  if (value === undefined) return 0;
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`fits: reserve.${what} must be a non-negative number of bytes, got ${String(value)}`);
  }
  if (value >= capacity) {
    throw new RangeError(`fits: reserve.${what} (${value}) must be less than ${boardId}'s ${what.replace("Bytes", "")} (${capacity} bytes)`);
  }
  return value;
}

/** Flash and RAM budgets of a model (or of its profile) on a board at a precision. */
export function fits(profileOrModel: ModelProfile | tf.LayersModel, boardId: string, options: FitOptions = {}): FitReport {
  const board = getBoard(boardId);
  const precision = options.precision ?? "int8";
  if (precision !== "int8" && precision !== "float32") {
    throw new RangeError(`fits: precision must be "int8" or "float32", got ${JSON.stringify(precision)}`);
  }
  const profile = profileOrModel instanceof tf.LayersModel ? profileModel(profileOrModel) : profileOrModel;
  const flash = budget(profile.totals.flash[precision], board.flashBytes, reserveBytes(options.reserve?.flashBytes, "flashBytes", board.flashBytes, board.id));
  const ram = budget(profile.totals.peakRam[precision], board.ramBytes, reserveBytes(options.reserve?.ramBytes, "ramBytes", board.ramBytes, board.id));
  return { board, precision, flash, ram, ok: flash.ok && ram.ok, latencyOrderSeconds: profile.totals.macs / board.opsPerSecondOrder };
}
