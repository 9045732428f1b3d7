// Graded tests for lesson 01's unit exercises (exercises/01-why-tinyml/units.ts).
// Run them with `npm run grade -- --only 01`; each failing test prints its feedback as a hint.
// Each "rejects ..." test also makes valid calls (validCall): a function that throws on every input
// earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { convertBytes, latencySeconds, streamBytesPerSecond, type ByteUnit } from "@exercise/01-why-tinyml/units";

// ---- 01.1 convertBytes ----

graded(
  { id: "01.1", points: 2, feedback: "KB and KiB are 1024 bytes, MiB 1024², GiB 1024³; kB, MB and GB are 1000, 1000², 1000³. Convert to bytes (multiply), then divide by the target unit." },
  "converts between binary and decimal units",
  () => {
    expect(convertBytes(256, "KB", "B")).toBe(262144);
    expect(convertBytes(1, "MiB", "kB")).toBe(1048.576);
    expect(convertBytes(32000, "B", "kB")).toBe(32);
    expect(convertBytes(1, "GB", "GiB")).toBeCloseTo(0.9313225746154785, 14);
    expect(convertBytes(2, "GiB", "MiB")).toBe(2048);
    expect(convertBytes(1.5, "MB", "kB")).toBe(1500);
    expect(convertBytes(512, "KiB", "MiB")).toBe(0.5);
    expect(convertBytes(0, "GB", "B")).toBe(0);
  },
);

graded(
  { id: "01.1", points: 1, feedback: "Converting to the same unit returns the value unchanged, and KB and KiB are the same size." },
  "same-size units are identities",
  () => {
    const units: ByteUnit[] = ["B", "kB", "KB", "KiB", "MB", "MiB", "GB", "GiB"];
    for (const unit of units) expect(convertBytes(123.25, unit, unit)).toBe(123.25);
    expect(convertBytes(7, "KB", "KiB")).toBe(7);
    // Whole numbers of bytes stay exact: multiply before you divide.
    expect(convertBytes(3, "MiB", "B")).toBe(3145728);
  },
);

graded(
  { id: "01.1", points: 2, feedback: "Throw a RangeError for a negative, NaN or infinite value and for unknown units (units are case-sensitive: \"kb\" and \"Mb\" are not bytes units); put the bad value in the message." },
  "rejects bad values and unknown units",
  () => {
    validCall('convertBytes(0, "B", "GiB")', () => convertBytes(0, "B", "GiB"));
    const negative = errorFrom(() => convertBytes(-5, "B", "kB"));
    expect(negative).toBeInstanceOf(RangeError);
    expect(negative.message).toContain("-5");
    expect(errorFrom(() => convertBytes(NaN, "B", "kB"))).toBeInstanceOf(RangeError);
    expect(errorFrom(() => convertBytes(Infinity, "B", "kB"))).toBeInstanceOf(RangeError);
    const from = errorFrom(() => convertBytes(1, "Mb" as ByteUnit, "B"));
    expect(from).toBeInstanceOf(RangeError);
    expect(from.message).toContain("Mb");
    const to = errorFrom(() => convertBytes(1, "B", "kb" as ByteUnit));
    expect(to.message).toContain("kb");
    expect(errorFrom(() => convertBytes(1, "toString" as ByteUnit, "B")).message).toContain("toString");
  },
);

// ---- 01.2 streamBytesPerSecond ----

graded(
  { id: "01.2", points: 2, feedback: "Bytes per second = rate × valuesPerSample × bitsPerValue / 8." },
  "computes the data rate of audio, video and label streams",
  () => {
    expect(streamBytesPerSecond({ rate: 16000, valuesPerSample: 1, bitsPerValue: 16 })).toBe(32000);
    expect(streamBytesPerSecond({ rate: 30, valuesPerSample: 640 * 480 * 3, bitsPerValue: 8 })).toBe(27648000);
    expect(streamBytesPerSecond({ rate: 1, valuesPerSample: 1, bitsPerValue: 8 })).toBe(1);
    expect(streamBytesPerSecond({ rate: 44100, valuesPerSample: 2, bitsPerValue: 16 })).toBe(176400);
    // A 3-axis accelerometer at 100 Hz with 12-bit samples: 450 bytes per second.
    expect(streamBytesPerSecond({ rate: 100, valuesPerSample: 3, bitsPerValue: 12 })).toBe(450);
    // Fractions are fine: one 4-bit reading every 4 seconds.
    expect(streamBytesPerSecond({ rate: 0.25, valuesPerSample: 1, bitsPerValue: 4 })).toBe(0.125);
  },
);

graded(
  { id: "01.2", points: 1, feedback: "Throw a RangeError naming the field and its value when rate, valuesPerSample or bitsPerValue is not a finite number > 0." },
  "rejects empty or impossible streams",
  () => {
    validCall("streamBytesPerSecond({ rate: 0.25, valuesPerSample: 1, bitsPerValue: 1 })", () => streamBytesPerSecond({ rate: 0.25, valuesPerSample: 1, bitsPerValue: 1 }));
    const zeroRate = errorFrom(() => streamBytesPerSecond({ rate: 0, valuesPerSample: 1, bitsPerValue: 16 }));
    expect(zeroRate).toBeInstanceOf(RangeError);
    expect(zeroRate.message).toContain("rate");
    const values = errorFrom(() => streamBytesPerSecond({ rate: 16000, valuesPerSample: -2, bitsPerValue: 16 }));
    expect(values.message).toContain("valuesPerSample");
    expect(values.message).toContain("-2");
    expect(errorFrom(() => streamBytesPerSecond({ rate: 16000, valuesPerSample: 1, bitsPerValue: NaN })).message).toContain("bitsPerValue");
  },
);

// ---- 01.3 latencySeconds ----

graded(
  { id: "01.3", points: 2, feedback: "Latency in seconds = macs / macsPerSecond (0 MACs take 0 s)." },
  "computes the latency of an inference",
  () => {
    expect(latencySeconds(1_769_472, 1e8)).toBeCloseTo(0.01769472, 14);
    expect(latencySeconds(805_306_368, 1e8)).toBeCloseTo(8.05306368, 12);
    expect(latencySeconds(5e6, 1e10)).toBeCloseTo(5e-4, 16);
    expect(latencySeconds(0, 1e8)).toBe(0);
  },
);

graded(
  { id: "01.3", points: 1, feedback: "Throw a RangeError containing the bad value for negative or non-finite macs and for macsPerSecond <= 0 or not finite." },
  "rejects negative work and impossible speeds",
  () => {
    validCall("latencySeconds(0, 1e8)", () => latencySeconds(0, 1e8));
    validCall("latencySeconds(100, 0.5)", () => latencySeconds(100, 0.5));
    const negative = errorFrom(() => latencySeconds(-10, 1e8));
    expect(negative).toBeInstanceOf(RangeError);
    expect(negative.message).toContain("-10");
    const zeroRate = errorFrom(() => latencySeconds(100, 0));
    expect(zeroRate).toBeInstanceOf(RangeError);
    expect(zeroRate.message).toMatch(/(?<![\d.])0(?![\d.])/); // 0 as a number of its own, not the 0 in "100"
    expect(errorFrom(() => latencySeconds(100, -3)).message).toContain("-3");
    expect(errorFrom(() => latencySeconds(Infinity, 1e8))).toBeInstanceOf(RangeError);
  },
);
