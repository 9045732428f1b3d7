// Unit arithmetic for back-of-the-envelope tinyML budgets: bytes in decimal and binary units, the data
// rate of a sensor stream, and the latency of an inference at a given MAC rate. These are the reference
// implementations behind lesson 01's exercises 01.1-01.3 (the notebook calls the learner's version through
// withReference and falls back to these), and formatBytes() prints sizes the way the course writes them.
//
// Units, and why there are two kinds: memory comes in powers of two, so microcontroller datasheets write
// "256 KB of SRAM" meaning 256 x 1024 bytes (the JEDEC convention, the one lesson 00's modelSizeKB uses;
// the IEC names it KiB). Network rates, storage and the SI prefixes are decimal: 1 kB = 1000 bytes,
// 1 MB = 10^6 bytes, and bandwidth is counted in bits per second. We accept both, spelled unambiguously:
//   "B"                      1 byte
//   "kB", "MB", "GB"         10^3, 10^6, 10^9 bytes (SI, lower-case k)
//   "KiB", "MiB", "GiB"      2^10, 2^20, 2^30 bytes (IEC)
//   "KB"                     2^10 bytes (capital K is not an SI prefix: the datasheet kilobyte)
// A datasheet's "1 MB of flash" is 1 MiB here.

export type ByteUnit = "B" | "kB" | "KB" | "KiB" | "MB" | "MiB" | "GB" | "GiB";

/** Bytes in one of each unit. */
export const BYTES_PER_UNIT: Readonly<Record<ByteUnit, number>> = Object.freeze({
  B: 1,
  kB: 1e3,
  KB: 1024,
  KiB: 1024,
  MB: 1e6,
  MiB: 1024 ** 2,
  GB: 1e9,
  GiB: 1024 ** 3,
});

const UNITS = Object.keys(BYTES_PER_UNIT) as ByteUnit[];

function unitBytes(unit: unknown, role: string): number {
  if (typeof unit !== "string" || !Object.prototype.hasOwnProperty.call(BYTES_PER_UNIT, unit)) {
    throw new RangeError(`convertBytes: unknown ${role} unit ${JSON.stringify(unit)}; expected one of ${UNITS.join(", ")}`);
  }
  return BYTES_PER_UNIT[unit as ByteUnit];
}

/** Converts `value` from one byte unit to another, e.g. convertBytes(256, "KB", "B") = 262144. */
export function convertBytes(value: number, from: ByteUnit, to: ByteUnit): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`convertBytes: value must be a finite number >= 0, got ${String(value)}`);
  }
  const fromBytes = unitBytes(from, "from");
  const toBytes = unitBytes(to, "to");
  // Multiply first, then divide: exact for every whole number of bytes below 2^53.
  return (value * fromBytes) / toBytes;
}

/** A stream of sensor data: `rate` samples (or frames) per second, each of `valuesPerSample` values of `bitsPerValue` bits. */
export interface StreamSpec {
  /** Samples per second (audio: the sample rate; video: frames per second). */
  rate: number;
  /** Values per sample: 1 for mono audio, channels for multichannel audio, width x height x channels for a video frame. */
  valuesPerSample: number;
  /** Bits per value: 16 for typical audio, 8 for an image pixel channel. */
  bitsPerValue: number;
}

function positiveFinite(value: unknown, what: string, fn: string): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value <= 0) {
    throw new RangeError(`${fn}: ${what} must be a finite number > 0, got ${String(value)}`);
  }
  return value;
}

/** Bytes per second of an uncompressed stream, e.g. 16 kHz 16-bit mono audio = 32,000 B/s. */
export function streamBytesPerSecond(spec: StreamSpec): number {
  const fn = "streamBytesPerSecond";
  if (spec === null || typeof spec !== "object") throw new RangeError(`${fn}: expected { rate, valuesPerSample, bitsPerValue }, got ${String(spec)}`);
  const rate = positiveFinite(spec.rate, "rate", fn);
  const values = positiveFinite(spec.valuesPerSample, "valuesPerSample", fn);
  const bits = positiveFinite(spec.bitsPerValue, "bitsPerValue", fn);
  return (rate * values * bits) / 8;
}

/** Seconds one inference of `macs` multiply-accumulates takes at `macsPerSecond` (compute-bound estimate). */
export function latencySeconds(macs: number, macsPerSecond: number): number {
  const fn = "latencySeconds";
  if (typeof macs !== "number" || !Number.isFinite(macs) || macs < 0) {
    throw new RangeError(`${fn}: macs must be a finite number >= 0, got ${String(macs)}`);
  }
  positiveFinite(macsPerSecond, "macsPerSecond", fn);
  return macs / macsPerSecond;
}

/**
 * A byte count in the largest binary unit that keeps the number >= 1 ("256 KB", "1.5 MB", "3.2 GB"), with
 * datasheet spelling (KB = 1024 bytes) by default or IEC spelling (KiB) with `iec: true`.
 */
export function formatBytes(bytes: number, options: { iec?: boolean; digits?: number } = {}): string {
  if (typeof bytes !== "number" || !Number.isFinite(bytes)) throw new RangeError(`formatBytes: bytes must be a finite number, got ${String(bytes)}`);
  const names = options.iec ? ["B", "KiB", "MiB", "GiB", "TiB"] : ["B", "KB", "MB", "GB", "TB"];
  const sign = bytes < 0 ? "-" : "";
  let value = Math.abs(bytes);
  let i = 0;
  while (value >= 1024 && i < names.length - 1) {
    value /= 1024;
    i++;
  }
  const digits = options.digits ?? (i === 0 || Number.isInteger(value) ? 0 : value < 10 ? 2 : value < 100 ? 1 : 0);
  return `${sign}${value.toFixed(digits)} ${names[i]}`;
}

/** A count with an SI suffix ("805.3 M", "1.8 M", "432"), for MACs and parameters. */
export function formatCount(n: number, digits = 1): string {
  if (typeof n !== "number" || !Number.isFinite(n)) throw new RangeError(`formatCount: expected a finite number, got ${String(n)}`);
  const abs = Math.abs(n);
  const scales: [number, string][] = [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "k"]];
  for (const [scale, suffix] of scales) {
    if (abs >= scale) return `${(n / scale).toFixed(digits)} ${suffix}`;
  }
  return String(Math.round(n * 100) / 100);
}

/** A data rate in bits per second with an SI prefix ("500.0 kbit/s", "4.8 kbit/s", "20.0 Mbit/s", "8 bit/s"). */
export function formatBitRate(bitsPerSecond: number, digits = 1): string {
  if (typeof bitsPerSecond !== "number" || !Number.isFinite(bitsPerSecond) || bitsPerSecond < 0) {
    throw new RangeError(`formatBitRate: expected a finite number of bits per second >= 0, got ${String(bitsPerSecond)}`);
  }
  // formatCount writes "4.8 k" for thousands and a bare "8" below them: the unit then needs its own space.
  return bitsPerSecond < 1e3 ? `${formatCount(bitsPerSecond, digits)} bit/s` : `${formatCount(bitsPerSecond, digits)}bit/s`;
}

/** A duration in the unit a person would use ("12 µs", "3.4 ms", "2.1 s", "3.5 h"). */
export function formatSeconds(seconds: number): string {
  if (typeof seconds !== "number" || !Number.isFinite(seconds) || seconds < 0) {
    throw new RangeError(`formatSeconds: expected a finite number >= 0, got ${String(seconds)}`);
  }
  if (seconds === 0) return "0 s";
  if (seconds < 1e-6) return `${(seconds * 1e9).toPrecision(3)} ns`;
  if (seconds < 1e-3) return `${(seconds * 1e6).toPrecision(3)} µs`;
  if (seconds < 1) return `${(seconds * 1e3).toPrecision(3)} ms`;
  if (seconds < 120) return `${seconds.toPrecision(3)} s`;
  if (seconds < 7200) return `${(seconds / 60).toPrecision(3)} min`;
  if (seconds < 2 * 86400) return `${(seconds / 3600).toPrecision(3)} h`;
  return `${(seconds / 86400).toPrecision(3)} days`;
}
