// Fashion-MNIST: the shipped subset loads with the common API (split, limit, seeded shuffle, normalisation,
// one-hot), the full Debian set is used when installed, and make-fashion-subset.ts reproduces the shipped
// files from the Debian package.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { FASHION_CLASSES, fashionFullAvailable, loadFashion, loadFashionSplits, readFashion } from "./fashion";
import { makeFashionSubset } from "./make-fashion-subset";
import { datasetDir, readManifest, sha256, sha256File } from "./manifest";
import { removeDir, testNeedingPackage } from "./test-support";
import * as zlib from "zlib";

describe("loadFashion (shipped subset)", () => {
  it("returns normalised images and one-hot labels with class names", async () => {
    const ds = await loadFashion({ split: "train", limit: 256, source: "subset" });
    expect(ds.inputs.shape).toEqual([256, 28, 28, 1]);
    expect(ds.labels.shape).toEqual([256, 10]);
    expect(ds.classNames).toEqual(FASHION_CLASSES);
    const [lo, hi] = tf.tidy(() => [ds.inputs.min().dataSync()[0], ds.inputs.max().dataSync()[0]]);
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(1);
    expect(hi).toBeGreaterThan(0.9); // real images, not blank
    const argmax = tf.tidy(() => ds.labels.argMax(1).dataSync());
    expect(Array.from(argmax)).toEqual(Array.from(ds.classIndices));
    expect(ds.source).toMatch(/subset/);
    ds.dispose();
  });

  it("ships 1200 train and 200 test images per class", () => {
    for (const [split, per] of [["train", 1200], ["test", 200]] as const) {
      const raw = readFashion({ split, source: "subset" });
      const counts = new Array(10).fill(0);
      raw.labels.forEach((y) => counts[y]++);
      expect(counts).toEqual(new Array(10).fill(per));
    }
  });

  it("shuffles by seed, keeps file order without shuffle, and limits after shuffling", async () => {
    const a = await loadFashion({ split: "test", seed: 3, limit: 50, source: "subset" });
    const b = await loadFashion({ split: "test", seed: 3, limit: 50, source: "subset" });
    const c = await loadFashion({ split: "test", seed: 4, limit: 50, source: "subset" });
    const d = await loadFashion({ split: "test", shuffle: false, limit: 5, source: "subset", normalize: false, oneHot: false });
    expect(Array.from(a.sourceIndices)).toEqual(Array.from(b.sourceIndices));
    expect(Array.from(a.sourceIndices)).not.toEqual(Array.from(c.sourceIndices));
    expect(Array.from(d.sourceIndices)).toEqual([0, 1, 2, 3, 4]);
    expect(d.labels.dtype).toBe("int32");
    expect(d.labels.shape).toEqual([5]);
    expect(tf.tidy(() => d.inputs.max().dataSync()[0])).toBeGreaterThan(1); // raw 0..255
    const raw = readFashion({ split: "test", source: "subset" });
    expect(Array.from(d.inputs.dataSync().slice(0, 784))).toEqual(Array.from(raw.images.slice(0, 784)));
    [a, b, c, d].forEach((x) => x.dispose());
  });

  it("carves a stratified validation split out of train, like loadMnist's train/validation/test", async () => {
    const all = await loadFashionSplits({ validationFraction: 0.1, source: "subset", oneHot: false });
    expect([all.train.size, all.validation!.size, all.test.size]).toEqual([10800, 1200, 2000]);
    expect(all.classNames).toEqual(FASHION_CLASSES);
    const trainSet = new Set(all.train.sourceIndices);
    for (const i of all.validation!.sourceIndices) expect(trainSet.has(i)).toBe(false);
    const perClass = new Array(10).fill(0);
    all.validation!.classIndices.forEach((c) => perClass[c]++);
    expect(perClass).toEqual(new Array(10).fill(120));
    // the hold-out does not depend on the shuffle seed
    const again = await loadFashion({ split: "validation", validationFraction: 0.1, seed: 99, source: "subset", limit: 1200 });
    expect([...again.sourceIndices].sort((x, y) => x - y)).toEqual([...all.validation!.sourceIndices].sort((x, y) => x - y));
    all.dispose();
    again.dispose();
    await expect(loadFashion({ split: "validation" })).rejects.toThrow(/split "validation" needs validationFraction > 0/);
    await expect(loadFashion({ validationFraction: 1 })).rejects.toThrow(/validationFraction must be a number in \[0, 1\), got 1/);
  });

  it("flattens on request and rejects bad options by name", async () => {
    const ds = await loadFashion({ limit: 3, flatten: true, source: "subset" });
    expect(ds.inputs.shape).toEqual([3, 784]);
    ds.dispose();
    await expect(loadFashion({ split: "valid" as never })).rejects.toThrow(/split must be "train", "validation" or "test", got "valid"/);
    await expect(loadFashion({ limit: 0 })).rejects.toThrow(/limit must be a positive integer, got 0/);
    await expect(loadFashion({ splt: "test" } as never)).rejects.toThrow(/unknown option "splt"/);
    await expect(loadFashion({ source: "web" as never })).rejects.toThrow(/source must be "auto", "subset" or "full", got "web"/);
  });
});

describe("full Fashion-MNIST from the Debian package", () => {
  const available = fashionFullAvailable();
  const needs = ["dataset-fashion-mnist", "apt-get install -y dataset-fashion-mnist"] as const;

  testNeedingPackage(available, ...needs, "loads 60000/10000 verified images", async () => {
    const train = readFashion({ split: "train", source: "full" });
    const test = readFashion({ split: "test", source: "auto" });
    expect(train.count).toBe(60000);
    expect(test.count).toBe(10000);
    expect(test.source).toMatch(/full Fashion-MNIST/);
    const ds = await loadFashion({ split: "train", source: "full", limit: 10 });
    expect(ds.inputs.shape).toEqual([10, 28, 28, 1]);
    ds.dispose();
  });

  let outDir = "";
  afterAll(() => outDir && removeDir(outDir));
  testNeedingPackage(available, ...needs, "make-fashion-subset.ts reproduces the shipped files", () => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "fashion-regen-"));
    const regenerated = makeFashionSubset({ outDir });
    const shipped = readManifest("fashion", datasetDir("fashion"));
    for (const f of shipped.files) {
      const mine = regenerated.files.find((g) => g.path === f.path)!;
      // The decompressed IDX payload must be identical; the gzip bytes too, as long as zlib is the same.
      expect(sha256(zlib.gunzipSync(fs.readFileSync(path.join(outDir, f.path)))), f.path).toBe(f.contentSha256);
      expect(mine.sha256, `${f.path} gzip bytes (zlib ${process.versions.zlib})`).toBe(f.sha256);
      expect(sha256File(path.join(datasetDir("fashion"), f.path))).toBe(f.sha256);
    }
    expect(regenerated.counts).toEqual(shipped.counts);
  });
});
