// Board catalogue facts the course relies on, QEMU stand-ins, and fits() budgets computed by hand.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { BOARDS, fits, getBoard } from "./catalogue";
import { profileModel, type ModelProfile } from "../profiler/profile";
import { BUILTINS } from "../profiler/builtins";
import { getDeviceClass } from "./orders-of-magnitude";

const KB = 1024;
const MB = 1024 * KB;

beforeAll(async () => {
  await tf.setBackend("cpu");
});

describe("catalogue", () => {
  it("has the boards of the course with their datasheet memory sizes", () => {
    const expected: [string, number, number][] = [
      ["stm32f303k8", 64 * KB, 16 * KB],
      ["stm32l476rg", 1 * MB, 128 * KB],
      ["stm32l496zg", 1 * MB, 320 * KB],
      ["stm32h743zi", 2 * MB, 1 * MB],
      ["nrf52840", 1 * MB, 256 * KB],
      ["rp2040", 2 * MB, 264 * KB],
      ["esp32-s3", 8 * MB, 512 * KB],
      ["k210", 16 * MB, 8 * MB],
    ];
    for (const [id, flash, ram] of expected) {
      const b = getBoard(id);
      expect([id, b.flashBytes, b.ramBytes]).toEqual([id, flash, ram]);
    }
    expect(getBoard("nrf52840").clockMHz).toBe(64);
    expect(getBoard("rp2040").clockMHz).toBe(133);
    expect(getBoard("esp32-s3").clockMHz).toBe(240);
    expect(getBoard("k210").clockMHz).toBe(400);
    const pi = getBoard("rpi4");
    expect(pi.core).toMatch(/Cortex-A72/);
    expect(pi.clockMHz).toBe(1500);
    expect(pi.ramBytes).toBeGreaterThanOrEqual(1024 * MB);
  });

  it("lists the same Raspberry Pi 4 variant as lesson 01's single-board-computer class", () => {
    const pi = getBoard("rpi4");
    const sbc = getDeviceClass("sbc");
    expect([pi.ramBytes, pi.flashBytes, pi.kind]).toEqual([sbc.ramBytes, sbc.storageBytes, "sbc"]);
    expect(BOARDS.filter((b) => b.kind === "sbc").map((b) => b.id)).toEqual(["rpi4"]);
  });

  it("maps cores to the QEMU machines that stand in for them", () => {
    for (const b of BOARDS) {
      const expected =
        b.id === "stm32f405rg" ? "netduinoplus2"
        : /Cortex-M4/.test(b.core) ? "mps2-an386"
        : /Cortex-M7/.test(b.core) ? "mps2-an500"
        : /Cortex-M55/.test(b.core) ? "mps3-an547"
        : null;
      expect([b.id, b.qemuMachine]).toEqual([b.id, expected]);
    }
  });

  it("every board has unique id, positive sizes and a source note", () => {
    expect(new Set(BOARDS.map((b) => b.id)).size).toBe(BOARDS.length);
    for (const b of BOARDS) {
      expect(b.flashBytes).toBeGreaterThan(0);
      expect(b.ramBytes).toBeGreaterThan(0);
      expect(b.opsPerSecondOrder).toBeGreaterThan(0);
      expect(b.source.length).toBeGreaterThan(20);
    }
  });

  it("an unknown board id names it and lists the valid ids", () => {
    expect(() => getBoard("stm32f999")).toThrow(/unknown board id "stm32f999"; expected one of: stm32f303k8, .*rpi4/);
    const profile = fakeProfile(1000, 100, 1e6);
    expect(() => fits(profile, "arduino-uno")).toThrow(/unknown board id "arduino-uno".*nrf52840/);
  });
});

function fakeProfile(flashInt8: number, ramInt8: number, macs: number): ModelProfile {
  return {
    name: "fake", layers: [], ramTimeline: [], options: { inPlace: true, foldBatchNorm: true },
    totals: {
      params: { trainable: 0, nonTrainable: 0, total: 0 }, macs,
      flash: { float32: 4 * flashInt8, int8: flashInt8 }, peakRam: { float32: 4 * ramInt8, int8: ramInt8 },
      peakElements: ramInt8, peakLayer: "x",
    },
  };
}

describe("fits", () => {
  it("reports used, available, slack and ok per budget", () => {
    const r = fits(fakeProfile(40 * KB, 6 * KB, 2e6), "stm32f303k8", { precision: "int8" });
    expect(r.flash).toEqual({ used: 40 * KB, available: 64 * KB, capacity: 64 * KB, reserved: 0, slack: 24 * KB, utilisation: 40 / 64, ok: true });
    expect(r.ram).toMatchObject({ used: 6 * KB, available: 16 * KB, slack: 10 * KB, ok: true });
    expect(r.ok).toBe(true);
    expect(r.latencyOrderSeconds).toBeCloseTo(0.02, 12);
    // float32 is 4x: 160 KB flash and 24 KB RAM do not fit.
    const f = fits(fakeProfile(40 * KB, 6 * KB, 2e6), "stm32f303k8", { precision: "float32" });
    expect(f.flash).toMatchObject({ used: 160 * KB, slack: -96 * KB, ok: false });
    expect(f.ram).toMatchObject({ used: 24 * KB, slack: -8 * KB, ok: false });
    expect(f.ok).toBe(false);
  });

  it("a reserve reduces what is available", () => {
    const r = fits(fakeProfile(40 * KB, 6 * KB, 0), "stm32f303k8", { reserve: { flashBytes: 32 * KB, ramBytes: 12 * KB } });
    expect(r.precision).toBe("int8");
    expect(r.flash).toMatchObject({ available: 32 * KB, reserved: 32 * KB, slack: -8 * KB, ok: false });
    expect(r.ram).toMatchObject({ available: 4 * KB, slack: -2 * KB, ok: false });
    expect(() => fits(fakeProfile(1, 1, 0), "stm32f303k8", { reserve: { ramBytes: -5 } })).toThrow(/reserve.ramBytes must be a non-negative number of bytes, got -5/);
    expect(() => fits(fakeProfile(1, 1, 0), "stm32f303k8", { reserve: { flashBytes: 64 * KB } })).toThrow(/reserve.flashBytes \(65536\) must be less than stm32f303k8's flash \(65536 bytes\)/);
    expect(() => fits(fakeProfile(1, 1, 0), "stm32f303k8", { precision: "int4" as never })).toThrow(/precision must be "int8" or "float32", got "int4"/);
  });

  it("accepts a model and profiles it: lenet fits the F303K8 at int8 only", () => {
    const model = BUILTINS.lenet.build();
    const profile = profileModel(model);
    const int8 = fits(model, "stm32f303k8", { precision: "int8" });
    expect(int8.flash.used).toBe(profile.totals.flash.int8);
    expect(int8.ram.used).toBe(profile.totals.peakRam.int8);
    // int8 flash by hand: per layer weights + 4 B scale and 4 B bias per output channel
    const weights = 150 + 2400 + 48000 + 10080 + 840;
    const channels = 6 + 16 + 120 + 84 + 10;
    expect(int8.flash.used).toBe(weights + 8 * channels);
    expect(int8.ok).toBe(true);
    expect(fits(model, "stm32f303k8", { precision: "float32" }).ok).toBe(false);
    expect(fits(model, "stm32l476rg", { precision: "float32" }).ok).toBe(true);
  });
});
