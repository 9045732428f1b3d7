// Orders of magnitude behind "why tinyML" (lesson 01): the three classes of hardware a model can run on,
// what it costs in energy to compute versus to transmit, and how fast common radio links carry data.
// Every figure is a rounded datasheet or paper value with its source next to it; they are for comparing
// orders of magnitude (a factor of 10), not for engineering a product.

export interface DeviceClass {
  id: "workstation" | "sbc" | "mcu";
  name: string;
  example: string;
  ramBytes: number;
  storageBytes: number;
  /** Arithmetic operations (multiply-accumulates) per second, order of magnitude. */
  opsPerSecond: number;
  /** Typical power while working, in watts. */
  powerWatts: number;
  source: string;
}

const KB = 1024;
const MB = 1024 * KB;
const GB = 1024 * MB;
const TB = 1024 * GB;

export const DEVICE_CLASSES: readonly DeviceClass[] = [
  {
    id: "workstation", name: "Workstation / cloud GPU", example: "desktop with one data-centre GPU",
    ramBytes: 64 * GB, storageBytes: 2 * TB, opsPerSecond: 1e14, powerWatts: 500,
    source: "NVIDIA A100 datasheet: 19.5 TFLOP/s float32, 312 TFLOP/s float16 tensor cores, 250-400 W; host with tens of GB of RAM and TB of SSD.",
  },
  {
    id: "sbc", name: "Single-board computer", example: "Raspberry Pi 4 Model B",
    ramBytes: 4 * GB, storageBytes: 32 * GB, opsPerSecond: 1e10, powerWatts: 5,
    source: "Raspberry Pi 4 product brief: 4x Cortex-A72 at 1.5 GHz, 1-8 GB LPDDR4, microSD storage, 5 V 3 A supply (2.5-6 W typical); NEON SIMD gives ~10^10 int8 MAC/s.",
  },
  {
    id: "mcu", name: "Microcontroller", example: "STM32L476 (Cortex-M4F, 80 MHz)",
    ramBytes: 128 * KB, storageBytes: 1 * MB, opsPerSecond: 1e8, powerWatts: 0.025,
    source: "ST DS10198: 128 KB SRAM, 1 MB flash, ~100 µA/MHz in run mode (80 MHz x 100 µA x 3 V ≈ 25 mW), µW in stop modes; CMSIS-NN reaches ~10^8 int8 MAC/s on a Cortex-M4.",
  },
];

export interface EnergyFact {
  what: string;
  joules: number;
  kind: "compute" | "memory" | "radio";
  source: string;
}

/**
 * Energy per event. The first three are the arithmetic and memory accesses alone on a 45 nm chip
 * (Horowitz, "Computing's energy problem", ISSCC 2014); the MCU figure is a whole chip's energy per MAC;
 * the radio figures are transmit power divided by the raw bit rate, before any protocol overhead (real
 * links spend more per useful byte: headers, acknowledgements, waking the radio up).
 */
export const ENERGY_FACTS: readonly EnergyFact[] = [
  { what: "int8 multiply-add (arithmetic only)", joules: 0.23e-12, kind: "compute", source: "Horowitz ISSCC 2014, 45 nm: 8-bit multiply 0.2 pJ + 8-bit add 0.03 pJ" },
  { what: "float32 multiply-add (arithmetic only)", joules: 4.6e-12, kind: "compute", source: "Horowitz ISSCC 2014, 45 nm: 32-bit float multiply 3.7 pJ + add 0.9 pJ" },
  { what: "32-bit read from a small SRAM", joules: 5e-12, kind: "memory", source: "Horowitz ISSCC 2014, 45 nm: 8 KB SRAM, 32-bit read 5 pJ" },
  { what: "32-bit read from DRAM", joules: 640e-12, kind: "memory", source: "Horowitz ISSCC 2014, 45 nm: 32-bit DRAM read 640 pJ" },
  { what: "one int8 MAC on a Cortex-M4 MCU (whole chip)", joules: 0.5e-9, kind: "compute", source: "STM32L4 ~100 µA/MHz at 3 V ≈ 0.3 nJ per cycle; CMSIS-NN int8 kernels run ~0.5-1 MAC per cycle" },
  { what: "send 1 byte over Bluetooth LE", joules: 0.12e-6, kind: "radio", source: "nRF52840 product specification: 4.8 mA transmit at 0 dBm, 3 V, 1 Mbit/s → ~15 nJ per bit" },
  { what: "send 1 byte over Wi-Fi", joules: 0.25e-6, kind: "radio", source: "ESP32 datasheet: ~190 mA transmit (802.11g/n) at 3.3 V ≈ 0.6 W, at ~20 Mbit/s of real throughput" },
  { what: "send 1 byte over LoRa", joules: 0.2e-3, kind: "radio", source: "Semtech SX1276: ~40 mA transmit at 3.3 V, ~5.5 kbit/s at spreading factor 7, 125 kHz" },
];

export interface RadioLink {
  name: string;
  /** Raw bit rate in bits per second (what the physical layer carries; applications get less). */
  bitsPerSecond: number;
  source: string;
}

export const RADIO_LINKS: readonly RadioLink[] = [
  { name: "LoRa (SF7, 125 kHz)", bitsPerSecond: 5.5e3, source: "Semtech LoRa modem: 0.3-5.5 kbit/s at 125 kHz (SF12-SF7); EU 868 MHz duty-cycle limit 1%" },
  { name: "Bluetooth LE 1M PHY", bitsPerSecond: 1e6, source: "Bluetooth Core Specification: 1 Mbit/s PHY (2 Mbit/s PHY since 5.0); applications see a few hundred kbit/s" },
  { name: "Wi-Fi 802.11n (1 stream)", bitsPerSecond: 72e6, source: "IEEE 802.11n: up to 72 Mbit/s per 20 MHz stream (MCS7, short guard interval)" },
];
