// Lesson 01 exercises 01.1-01.3: model solutions (see exercises/01-why-tinyml/units.ts for the tasks).

export type ByteUnit = "B" | "kB" | "KB" | "KiB" | "MB" | "MiB" | "GB" | "GiB";

const BYTES: Record<ByteUnit, number> = { B: 1, kB: 1e3, KB: 1024, KiB: 1024, MB: 1e6, MiB: 1024 ** 2, GB: 1e9, GiB: 1024 ** 3 };

function bytesPer(unit: string, role: string): number {
  // hasOwnProperty, not `unit in BYTES`: "toString" is in every object.
  if (!Object.prototype.hasOwnProperty.call(BYTES, unit)) {
    throw new RangeError(`unknown ${role} unit ${JSON.stringify(unit)}; expected one of ${Object.keys(BYTES).join(", ")}`);
  }
  return BYTES[unit as ByteUnit];
}

/** Exercise 01.1 */
export function convertBytes(value: number, from: ByteUnit, to: ByteUnit): number {
  if (typeof value !== "number" || !Number.isFinite(value) || value < 0) {
    throw new RangeError(`value must be a finite number >= 0, got ${value}`);
  }
  return (value * bytesPer(from, "from")) / bytesPer(to, "to");
}

export interface StreamSpec {
  rate: number;
  valuesPerSample: number;
  bitsPerValue: number;
}

/** Exercise 01.2 */
export function streamBytesPerSecond(spec: StreamSpec): number {
  for (const field of ["rate", "valuesPerSample", "bitsPerValue"] as const) {
    const v = spec[field];
    if (typeof v !== "number" || !Number.isFinite(v) || v <= 0) throw new RangeError(`${field} must be a finite number > 0, got ${v}`);
  }
  return (spec.rate * spec.valuesPerSample * spec.bitsPerValue) / 8;
}

/** Exercise 01.3 */
export function latencySeconds(macs: number, macsPerSecond: number): number {
  if (typeof macs !== "number" || !Number.isFinite(macs) || macs < 0) throw new RangeError(`macs must be a finite number >= 0, got ${macs}`);
  if (typeof macsPerSecond !== "number" || !Number.isFinite(macsPerSecond) || macsPerSecond <= 0) {
    throw new RangeError(`macsPerSecond must be a finite number > 0, got ${macsPerSecond}`);
  }
  return macs / macsPerSecond;
}
