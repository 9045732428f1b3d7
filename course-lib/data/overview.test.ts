// datasetOverview: one row per dataset whose counts match the manifests and the digits package, with the
// raw bytes of one example a device would hold; firstOfEachClass picks examples class by class.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { firstOfEachClass } from "./dataset";
import { datasetDir, readManifest, writeManifest } from "./manifest";
import { COURSE_DATASETS, datasetOverview } from "./overview";
import { removeDir } from "./test-support";

describe("datasetOverview", () => {
  const temps: string[] = [];
  afterAll(() => temps.forEach(removeDir));

  it("has one row per dataset with the shipped counts and raw example sizes", () => {
    const rows = datasetOverview();
    expect(rows.map((r) => r.dataset)).toEqual([...COURSE_DATASETS]);
    const by = Object.fromEntries(rows.map((r) => [r.dataset, r]));
    expect([by.digits.examples, by.digits.classes, by.digits.rawBytes]).toEqual([10_000, 10, 784]);
    expect([by.fashion.example, by.fashion.rawType, by.fashion.rawBytes]).toEqual(["28×28×1 pixels", "uint8", 784]);
    expect([by.keywords.example, by.keywords.rawBytes, by.keywords.classes]).toEqual(["16000 samples (1 s)", 32_000, 12]);
    expect([by.motion.exampleShape, by.motion.rawType, by.motion.rawBytes]).toEqual([[128, 6], "int16", 1536]);
    for (const name of ["fashion", "keywords", "motion"] as const) {
      const m = readManifest(name, datasetDir(name));
      const total = Object.values(m.counts).reduce((s, split) => s + Object.values(split).reduce((a, b) => a + b, 0), 0);
      expect(by[name].examples).toBe(total);
      expect(by[name].fewestPerClass).toBeLessThanOrEqual(by[name].mostPerClass);
    }
    expect(datasetOverview(["motion", "digits"]).map((r) => r.dataset)).toEqual(["motion", "digits"]);
  });

  it("names an unknown dataset and a manifest detail it cannot use", () => {
    expect(() => datasetOverview(["cifar" as never])).toThrow(/unknown dataset "cifar" \(expected one of digits, fashion, keywords, motion\)/);
    expect(() => datasetOverview([])).toThrow(/non-empty list/);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "overview-"));
    temps.push(dir);
    const m = readManifest("motion", datasetDir("motion"));
    writeManifest(dir, { ...m, details: { ...m.details, windowSamples: "128" } });
    expect(() => datasetOverview(["motion"], { motion: dir })).toThrow(/details\.windowSamples should be a positive integer, got "128"/);
  });
});

describe("firstOfEachClass", () => {
  it("returns the first perClass positions of each class, class by class", () => {
    expect(firstOfEachClass([2, 0, 1, 0, 2, 1], 3, 2)).toEqual([1, 3, 2, 5, 0, 4]);
    expect(firstOfEachClass(Int32Array.from([1, 0]), 2)).toEqual([1, 0]);
  });
  it("names a missing class and a bad label", () => {
    expect(() => firstOfEachClass([0, 0, 1], 2, 2)).toThrow(/class 1 has 1 examples, fewer than perClass 2/);
    expect(() => firstOfEachClass([0, 3], 2)).toThrow(/label 3 at position 1 is outside 0..1/);
    expect(() => firstOfEachClass([0], 0)).toThrow(/numClasses must be a positive integer, got 0/);
  });
});
