// Unit tests for the byte/rate/latency arithmetic of lesson 01 (units.ts) and the plain-number fit check
// (budget.ts), which are also the references of exercises 01.1-01.4.
import { describe, expect, it } from "vitest";
import { BYTES_PER_UNIT, convertBytes, formatBitRate, formatBytes, formatCount, formatSeconds, latencySeconds, streamBytesPerSecond, type ByteUnit } from "./units";
import { boardBudget, checkFit } from "./budget";
import { BOARDS, fits, getBoard } from "./catalogue";
import { profileModel } from "../profiler/profile";
import { getBuiltin } from "../profiler/builtins";

describe("convertBytes", () => {
  it("converts between decimal and binary units exactly", () => {
    expect(convertBytes(256, "KB", "B")).toBe(262144);
    expect(convertBytes(1, "MiB", "kB")).toBe(1048.576);
    expect(convertBytes(1, "GB", "GiB")).toBeCloseTo(0.9313225746154785, 15);
    expect(convertBytes(3, "MiB", "B")).toBe(3145728);
    for (const u of Object.keys(BYTES_PER_UNIT) as ByteUnit[]) expect(convertBytes(5, u, u)).toBe(5);
  });
  it("rejects bad values and unknown units, naming them", () => {
    expect(() => convertBytes(-1, "B", "kB")).toThrow(/-1/);
    expect(() => convertBytes(NaN, "B", "kB")).toThrow(RangeError);
    expect(() => convertBytes(1, "Mb" as ByteUnit, "B")).toThrow(/"Mb"/);
    expect(() => convertBytes(1, "B", "toString" as ByteUnit)).toThrow(/toString/);
  });
});

describe("streamBytesPerSecond and latencySeconds", () => {
  it("computes audio, video and label rates", () => {
    expect(streamBytesPerSecond({ rate: 16000, valuesPerSample: 1, bitsPerValue: 16 })).toBe(32000);
    expect(streamBytesPerSecond({ rate: 30, valuesPerSample: 640 * 480 * 3, bitsPerValue: 8 })).toBe(27648000);
    expect(() => streamBytesPerSecond({ rate: 0, valuesPerSample: 1, bitsPerValue: 8 })).toThrow(/rate/);
  });
  it("divides MACs by the MAC rate", () => {
    expect(latencySeconds(1_769_472, 1e8)).toBeCloseTo(0.01769472, 15);
    expect(latencySeconds(0, 1)).toBe(0);
    expect(() => latencySeconds(1, 0)).toThrow(/macsPerSecond/);
    expect(() => latencySeconds(-2, 1)).toThrow(/-2/);
  });
});

describe("formatting", () => {
  it("formats bytes, counts and durations the way the notebooks print them", () => {
    expect(formatBytes(262144)).toBe("256 KB");
    expect(formatBytes(262144, { iec: true })).toBe("256 KiB");
    expect(formatBytes(1536)).toBe("1.50 KB");
    expect(formatBytes(805306368 * 4)).toBe("3 GB");
    expect(formatBytes(-2048)).toBe("-2 KB");
    expect(formatCount(805_306_368)).toBe("805.3 M");
    expect(formatCount(432)).toBe("432");
    expect(formatSeconds(0.027)).toBe("27.0 ms");
    expect(formatSeconds(3.4e-8)).toBe("34.0 ns");
    expect(formatSeconds(7200)).toBe("2.00 h");
    expect(() => formatSeconds(-1)).toThrow(/-1/);
  });

  it("writes bit rates with an SI prefix and rejects negative or non-finite rates", () => {
    expect(formatBitRate(0.5e6)).toBe("500.0 kbit/s");
    expect(formatBitRate(4.8e3)).toBe("4.8 kbit/s");
    expect(formatBitRate(72e6, 0)).toBe("72 Mbit/s");
    expect(formatBitRate(8)).toBe("8 bit/s");
    expect(() => formatBitRate(-1)).toThrow(/bits per second >= 0, got -1/);
    expect(() => formatBitRate(NaN)).toThrow(/got NaN/);
  });
});

describe("checkFit", () => {
  it("computes both budgets, with and without a reserve", () => {
    const r = checkFit({ params: 100_000, bytesPerParam: 1, peakActivationBytes: 40_000, macs: 5e6 }, { flashBytes: 1_048_576, ramBytes: 131_072, macsPerSecond: 1e8 });
    expect(r.flash).toEqual({ used: 100_000, available: 1_048_576, capacity: 1_048_576, reserved: 0, slack: 948_576, utilisation: 100_000 / 1_048_576, ok: true });
    expect(r.ok).toBe(true);
    expect(r.latencySeconds).toBeCloseTo(0.05, 12);
    const tight = checkFit({ params: 10, bytesPerParam: 4, peakActivationBytes: 200, macs: 0 }, { flashBytes: 100, ramBytes: 300, macsPerSecond: 1, reserve: { ramBytes: 150 } });
    expect(tight.ram).toMatchObject({ available: 150, reserved: 150, slack: -50, ok: false });
    expect(tight.ok).toBe(false);
  });
  it("rejects impossible inputs, naming the field", () => {
    const board = { flashBytes: 100, ramBytes: 100, macsPerSecond: 1 };
    const fp = { params: 1, bytesPerParam: 1, peakActivationBytes: 1, macs: 1 };
    expect(() => checkFit({ ...fp, params: 1.5 }, board)).toThrow(/params.*1\.5/);
    expect(() => checkFit(fp, { ...board, reserve: { flashBytes: 100 } })).toThrow(/reserve\.flashBytes/);
    expect(() => checkFit(fp, { ...board, macsPerSecond: 0 })).toThrow(/macsPerSecond/);
  });
  it("agrees with catalogue fits() on RAM and, at float32 without batch norm, on flash", () => {
    const model = getBuiltin("lenet").build();
    const profile = profileModel(model);
    model.dispose();
    for (const board of BOARDS) {
      const mine = checkFit({ params: profile.totals.params.total, bytesPerParam: 4, peakActivationBytes: profile.totals.peakRam.float32, macs: profile.totals.macs }, boardBudget(getBoard(board.id)));
      const course = fits(profile, board.id, { precision: "float32" });
      expect(mine.flash).toEqual(course.flash);
      expect(mine.ram).toEqual(course.ram);
      expect(mine.latencySeconds).toBe(course.latencyOrderSeconds);
    }
  });
});
