// Graded tests for lesson 01's fit check (exercises/01-why-tinyml/fit.ts).
// Run them with `npm run grade -- --only 01.4`; each failing test prints its feedback as a hint.
// The "rejects ..." test also makes valid calls (validCall): a function that throws on every input
// earns nothing for rejecting.
import { expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { checkFit, type BoardBudget, type Footprint } from "@exercise/01-why-tinyml/fit";

/** An STM32L476-like board: 1 MB flash, 128 KB RAM, ~10^8 MAC/s. */
const L476: BoardBudget = { flashBytes: 1_048_576, ramBytes: 131_072, macsPerSecond: 1e8 };
const SMALL_CNN: Footprint = { params: 100_000, bytesPerParam: 1, peakActivationBytes: 40_000, macs: 5e6 };

graded(
  { id: "01.4", points: 3, feedback: "flash.used = params × bytesPerParam, ram.used = peakActivationBytes; with no reserve, available = capacity; slack = available - used; utilisation = used / available; ok = used <= available." },
  "computes both budgets of a model that fits",
  () => {
    const r = checkFit(SMALL_CNN, L476);
    expect(r.flash).toEqual({ used: 100_000, available: 1_048_576, capacity: 1_048_576, reserved: 0, slack: 948_576, utilisation: 100_000 / 1_048_576, ok: true });
    expect(r.ram).toEqual({ used: 40_000, available: 131_072, capacity: 131_072, reserved: 0, slack: 91_072, utilisation: 40_000 / 131_072, ok: true });
    expect(r.ok).toBe(true);
    expect(r.latencySeconds).toBeCloseTo(0.05, 12);
  },
);

graded(
  { id: "01.4", points: 2, feedback: "A budget that is exceeded has negative slack, utilisation above 1 and ok = false; the overall ok needs BOTH budgets. float32 weights take 4 bytes each." },
  "reports which budget fails, with negative slack",
  () => {
    // The same model stored as float32: 400,000 bytes of flash still fit; 200 KB of activations do not fit 128 KB.
    const r = checkFit({ params: 100_000, bytesPerParam: 4, peakActivationBytes: 200_000, macs: 2e7 }, L476);
    expect(r.flash.used).toBe(400_000);
    expect(r.flash.ok).toBe(true);
    expect(r.ram.ok).toBe(false);
    expect(r.ram.slack).toBe(131_072 - 200_000);
    expect(r.ram.utilisation).toBeCloseTo(200_000 / 131_072, 12);
    expect(r.ok).toBe(false);
    // Flash too small, RAM fine.
    const big = checkFit({ params: 2_000_000, bytesPerParam: 1, peakActivationBytes: 1000, macs: 0 }, L476);
    expect(big.flash.ok).toBe(false);
    expect(big.flash.slack).toBe(1_048_576 - 2_000_000);
    expect(big.ram.ok).toBe(true);
    expect(big.ok).toBe(false);
    expect(big.latencySeconds).toBe(0);
  },
);

graded(
  { id: "01.4", points: 1, feedback: "Exactly full is still ok: use used <= available, not <." },
  "a model that exactly fills a budget fits",
  () => {
    const r = checkFit({ params: 131_072, bytesPerParam: 1, peakActivationBytes: 131_072, macs: 1e8 }, { flashBytes: 131_072, ramBytes: 131_072, macsPerSecond: 1e8 });
    expect(r.flash.slack).toBe(0);
    expect(r.flash.utilisation).toBe(1);
    expect(r.flash.ok).toBe(true);
    expect(r.ram.ok).toBe(true);
    expect(r.ok).toBe(true);
    expect(r.latencySeconds).toBe(1);
  },
);

graded(
  { id: "01.4", points: 2, feedback: "A reserve is taken off the capacity: reserved = board.reserve.flashBytes (or ramBytes, 0 when absent), available = capacity - reserved, and slack and utilisation use available." },
  "takes the firmware and runtime reserve off the capacity",
  () => {
    const board: BoardBudget = { ...L476, reserve: { flashBytes: 100_000, ramBytes: 31_072 } };
    const r = checkFit({ params: 900_000, bytesPerParam: 1, peakActivationBytes: 100_000, macs: 1e6 }, board);
    expect(r.flash).toEqual({ used: 900_000, available: 948_576, capacity: 1_048_576, reserved: 100_000, slack: 48_576, utilisation: 900_000 / 948_576, ok: true });
    expect(r.ram).toEqual({ used: 100_000, available: 100_000, capacity: 131_072, reserved: 31_072, slack: 0, utilisation: 1, ok: true });
    // Only a RAM reserve: flash keeps its whole capacity.
    const ramOnly = checkFit(SMALL_CNN, { ...L476, reserve: { ramBytes: 100_000 } });
    expect(ramOnly.flash.reserved).toBe(0);
    expect(ramOnly.flash.available).toBe(1_048_576);
    expect(ramOnly.ram.available).toBe(31_072);
    expect(ramOnly.ram.ok).toBe(false);
    expect(ramOnly.ok).toBe(false);
  },
);

graded(
  { id: "01.4", points: 2, feedback: "Throw a RangeError naming the field and the bad value: negative or fractional params, negative peak bytes or MACs, bytesPerParam/flashBytes/ramBytes/macsPerSecond <= 0, a negative reserve or one that leaves nothing." },
  "rejects impossible footprints and boards",
  () => {
    validCall("checkFit of a model with 0 MACs and no activations", () => checkFit({ ...SMALL_CNN, peakActivationBytes: 0, macs: 0 }, L476));
    validCall("checkFit with a reserve 1 byte smaller than the RAM", () => checkFit(SMALL_CNN, { ...L476, reserve: { flashBytes: 0, ramBytes: 131_071 } }));
    const params = errorFrom(() => checkFit({ ...SMALL_CNN, params: -1 }, L476));
    expect(params).toBeInstanceOf(RangeError);
    expect(params.message).toContain("params");
    expect(params.message).toContain("-1");
    expect(errorFrom(() => checkFit({ ...SMALL_CNN, params: 10.5 }, L476)).message).toContain("10.5");
    expect(errorFrom(() => checkFit({ ...SMALL_CNN, bytesPerParam: 0 }, L476)).message).toContain("bytesPerParam");
    expect(errorFrom(() => checkFit({ ...SMALL_CNN, peakActivationBytes: -8 }, L476)).message).toContain("-8");
    expect(errorFrom(() => checkFit({ ...SMALL_CNN, macs: NaN }, L476)).message).toContain("macs");
    expect(errorFrom(() => checkFit(SMALL_CNN, { ...L476, ramBytes: 0 })).message).toContain("ramBytes");
    expect(errorFrom(() => checkFit(SMALL_CNN, { ...L476, macsPerSecond: -1 })).message).toContain("macsPerSecond");
    const tooMuch = errorFrom(() => checkFit(SMALL_CNN, { ...L476, reserve: { ramBytes: 131_072 } }));
    expect(tooMuch).toBeInstanceOf(RangeError);
    expect(tooMuch.message).toContain("131072");
    expect(errorFrom(() => checkFit(SMALL_CNN, { ...L476, reserve: { flashBytes: -5 } })).message).toContain("-5");
  },
);
