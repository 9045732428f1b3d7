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
    id: "sbc", name: "Single-board computer", example: "Raspberry Pi 4 Model B, 4 GB",
    // The same variant as the catalogue's "rpi4" board (catalogue.test.ts checks that they agree).
    ramBytes: 4 * GB, storageBytes: 32 * GB, opsPerSecond: 1e10, powerWatts: 5,
    source: "Raspberry Pi 4 product brief: 4x Cortex-A72 at 1.5 GHz, 1, 2, 4 or 8 GB LPDDR4 (the 4 GB variant is listed), storage on a microSD card (32 GB assumed), 5 V 3 A supply (2.5-6 W typical); NEON SIMD gives ~10^10 int8 MAC/s.",
  },
  {
    id: "mcu", name: "Microcontroller", example: "STM32L476 (Cortex-M4F, 80 MHz)",
    ramBytes: 128 * KB, storageBytes: 1 * MB, opsPerSecond: 1e8, powerWatts: 0.025,
    source: "ST DS10198: 128 KB SRAM, 1 MB flash, ~100 µA/MHz in run mode (80 MHz x 100 µA x 3 V ≈ 25 mW), µW in stop modes; CMSIS-NN reaches ~10^8 int8 MAC/s on a Cortex-M4.",
  },
];

/** The class with this id ("workstation", "sbc" or "mcu"). */
export function getDeviceClass(id: DeviceClass["id"]): DeviceClass {
  const found = DEVICE_CLASSES.find((d) => d.id === id);
  if (!found) {
    throw new RangeError(`unknown device class ${JSON.stringify(id)}; expected one of: ${DEVICE_CLASSES.map((d) => d.id).join(", ")}`);
  }
  return found;
}

export interface RadioLink {
  id: "lora" | "ble" | "wifi";
  name: string;
  /** Raw bit rate of the physical layer, bits per second. */
  phyBitsPerSecond: number;
  /**
   * Application data an application gets through while the radio transmits, bits per second: less than
   * the PHY rate once packet headers, gaps between packets and acknowledgements are paid. The course uses
   * this one figure for what a link can carry, how long an upload takes and what a byte costs.
   */
  throughputBitsPerSecond: number;
  /** Power the named radio chip draws while transmitting, watts. */
  transmitWatts: number;
  source: string;
}

export const RADIO_LINKS: readonly RadioLink[] = [
  {
    id: "lora", name: "LoRa (SF7, 125 kHz)", phyBitsPerSecond: 5.5e3, throughputBitsPerSecond: 4.8e3, transmitWatts: 0.04 * 3.3,
    source: "Semtech SX1276: ~40 mA transmit at 3.3 V; 5.5 kbit/s at SF7, 125 kHz. A LoRaWAN frame of 222 payload bytes (+13 header bytes, preamble) is ~370 ms on air: ~4.8 kbit/s of payload. EU 868 MHz duty-cycle limit 1%.",
  },
  {
    id: "ble", name: "Bluetooth LE 1M PHY", phyBitsPerSecond: 1e6, throughputBitsPerSecond: 0.5e6, transmitWatts: 4.8e-3 * 3,
    source: "nRF52840 product specification: 4.8 mA transmit at 0 dBm, 3 V. Bluetooth Core Specification: 1 Mbit/s PHY; with packet gaps, headers and acknowledgements applications typically get ~0.5 Mbit/s.",
  },
  {
    id: "wifi", name: "Wi-Fi 802.11n (ESP32)", phyBitsPerSecond: 72e6, throughputBitsPerSecond: 20e6, transmitWatts: 0.19 * 3.3,
    source: "ESP32 datasheet: ~190 mA transmit (802.11n) at 3.3 V ≈ 0.6 W; IEEE 802.11n: 72 Mbit/s per 20 MHz stream (MCS7, short guard interval); Espressif's TCP throughput ~20 Mbit/s.",
  },
];

/** The link with this id ("lora", "ble" or "wifi"). */
export function getRadioLink(id: RadioLink["id"]): RadioLink {
  const found = RADIO_LINKS.find((l) => l.id === id);
  if (!found) throw new RangeError(`unknown radio link ${JSON.stringify(id)}; expected one of: ${RADIO_LINKS.map((l) => l.id).join(", ")}`);
  return found;
}

/** Energy to send one byte of application data: transmit power × 8 bits ÷ application throughput. */
export function joulesPerByte(link: RadioLink): number {
  return (link.transmitWatts * 8) / link.throughputBitsPerSecond;
}

/**
 * Energy of one int8 MAC on a Cortex-M4 microcontroller, whole chip: STM32L4 ~100 µA/MHz at 3 V ≈ 0.3 nJ
 * per cycle, and CMSIS-NN's int8 kernels run ~0.5-1 MAC per cycle.
 */
export const MCU_JOULES_PER_MAC = 0.5e-9;

export interface EnergyFact {
  what: string;
  joules: number;
  kind: "compute" | "memory" | "radio";
  source: string;
}

const RADIO_NAMES: Record<RadioLink["id"], string> = { ble: "Bluetooth LE", wifi: "Wi-Fi", lora: "LoRa" };

/**
 * Energy per event. The first four are the arithmetic and memory accesses alone on a 45 nm chip
 * (Horowitz, "Computing's energy problem", ISSCC 2014); the MCU figure is a whole chip's energy per MAC;
 * the radio figures are joulesPerByte() of RADIO_LINKS: transmit power over application throughput (waking
 * the radio up and connecting cost extra on top).
 */
export const ENERGY_FACTS: readonly EnergyFact[] = [
  { what: "int8 multiply-add (arithmetic only)", joules: 0.23e-12, kind: "compute", source: "Horowitz ISSCC 2014, 45 nm: 8-bit multiply 0.2 pJ + 8-bit add 0.03 pJ" },
  { what: "float32 multiply-add (arithmetic only)", joules: 4.6e-12, kind: "compute", source: "Horowitz ISSCC 2014, 45 nm: 32-bit float multiply 3.7 pJ + add 0.9 pJ" },
  { what: "32-bit read from a small SRAM", joules: 5e-12, kind: "memory", source: "Horowitz ISSCC 2014, 45 nm: 8 KB SRAM, 32-bit read 5 pJ" },
  { what: "32-bit read from DRAM", joules: 640e-12, kind: "memory", source: "Horowitz ISSCC 2014, 45 nm: 32-bit DRAM read 640 pJ" },
  { what: "one int8 MAC on a Cortex-M4 MCU (whole chip)", joules: MCU_JOULES_PER_MAC, kind: "compute", source: "STM32L4 ~100 µA/MHz at 3 V ≈ 0.3 nJ per cycle; CMSIS-NN int8 kernels run ~0.5-1 MAC per cycle" },
  ...(["ble", "wifi", "lora"] as const).map((id): EnergyFact => {
    const link = getRadioLink(id);
    return {
      what: `send 1 byte over ${RADIO_NAMES[id]}`, joules: joulesPerByte(link), kind: "radio",
      source: `${(link.transmitWatts * 1e3).toPrecision(3)} mW transmit ÷ ${link.throughputBitsPerSecond / 1e3} kbit/s of application throughput. ${link.source}`,
    };
  }),
];
