// Lesson 01 exercises 01.1-01.3: the unit arithmetic behind every tinyML budget.
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/01-why-tinyml.ipynb
// prints "exercise 01.1 not implemented yet: showing the reference" and uses the course's own version
// (course-lib/boards/units.ts, which you may read after trying). Check your work with:
//
//   npm run grade -- --only 01        (or --only 01.2 for one exercise)
//
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * The byte units we accept. Memory comes in powers of two, networks and storage in powers of ten:
 *
 *   "B"                    1 byte
 *   "kB", "MB", "GB"       1000, 1000^2, 1000^3 bytes (SI prefixes: note the lower-case k)
 *   "KiB", "MiB", "GiB"    1024, 1024^2, 1024^3 bytes (IEC binary prefixes)
 *   "KB"                   1024 bytes: the datasheet kilobyte ("256 KB of SRAM"); capital K is not SI
 */
export type ByteUnit = "B" | "kB" | "KB" | "KiB" | "MB" | "MiB" | "GB" | "GiB";

/**
 * Exercise 01.1: convert a number of bytes between units.
 *
 * TODO: return `value` expressed in `to` units, where it was given in `from` units.
 *
 *   convertBytes(256, "KB", "B")     → 262144     (a datasheet's 256 KB of SRAM)
 *   convertBytes(1, "MiB", "kB")     → 1048.576
 *   convertBytes(32000, "B", "kB")   → 32         (one second of 16 kHz 16-bit audio)
 *   convertBytes(1, "GB", "GiB")     → 0.9313225746154785
 *
 * Tip: convert to bytes first (multiply), then to the target unit (divide). Multiplying before dividing
 * keeps whole numbers of bytes exact.
 *
 * Throw a RangeError whose message includes the bad value when `value` is negative, NaN or infinite, and
 * when `from` or `to` is not one of the units above (e.g. "kb", "Mb" or "KIB": units are case-sensitive,
 * and "Mb" would be megabits).
 */
export function convertBytes(value: number, from: ByteUnit, to: ByteUnit): number {
  notImplemented("01.1");
}

/** A stream of sensor data. */
export interface StreamSpec {
  /** Samples per second (audio: the sample rate, e.g. 16000; video: frames per second, e.g. 30). */
  rate: number;
  /** Values per sample: 1 for mono audio, 2 for stereo, width × height × channels for a video frame. */
  valuesPerSample: number;
  /** Bits per value: 16 for typical audio, 8 for each channel of an image pixel. */
  bitsPerValue: number;
}

/**
 * Exercise 01.2: how many bytes per second does a sensor produce?
 *
 * TODO: return the bytes per second of the uncompressed stream `spec` (8 bits per byte).
 *
 *   streamBytesPerSecond({ rate: 16000, valuesPerSample: 1, bitsPerValue: 16 })           → 32000    (keyword-spotting audio)
 *   streamBytesPerSecond({ rate: 30, valuesPerSample: 640 * 480 * 3, bitsPerValue: 8 })   → 27648000 (VGA colour video)
 *   streamBytesPerSecond({ rate: 1, valuesPerSample: 1, bitsPerValue: 8 })                → 1        (one label byte a second)
 *
 * Throw a RangeError naming the field and its bad value when rate, valuesPerSample or bitsPerValue is
 * not a finite number greater than 0.
 */
export function streamBytesPerSecond(spec: StreamSpec): number {
  notImplemented("01.2");
}

/**
 * Exercise 01.3: how long does one inference take?
 *
 * TODO: return the seconds one inference of `macs` multiply-accumulates takes on a device that does
 * `macsPerSecond` of them per second (a compute-bound estimate: it ignores memory stalls).
 *
 *   latencySeconds(1_769_472, 1e8)   → 0.01769472   (lesson 02's 3x3 conv on a Cortex-M4)
 *   latencySeconds(0, 1e8)           → 0
 *
 * 1,769,472 is the course's MAC count of the 3x3 conv from 3 to 16 channels on a 64x64 input, without
 * biases (a bias is an addition, not a multiply-accumulate). The lecture's slide says 1.84M because its
 * formula also counts the 16 biases of each output pixel as MACs (lesson 02 puts the two side by side).
 *
 * Throw a RangeError that includes the bad value when `macs` is negative or not finite, or when
 * `macsPerSecond` is not a finite number greater than 0.
 */
export function latencySeconds(macs: number, macsPerSecond: number): number {
  notImplemented("01.3");
}
