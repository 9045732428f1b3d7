// Every loader refuses damaged data: for each dataset and each file its manifest lists, a temp copy with
// the file missing, truncated, or with one byte flipped makes the loader throw a DatasetIntegrityError that
// names the file and the problem. Also: a missing manifest, and files that match a (rewritten) manifest but
// whose contents disagree with the recorded class counts or are not numbers.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { afterAll, describe, expect, it } from "vitest";
import { loadFashion } from "./fashion";
import { loadKeywords, loadKeywordAudio } from "./keywords";
import { loadMotion } from "./motion";
import { DatasetIntegrityError, describeFile, readManifest, summarizeDataset, writeManifest } from "./manifest";
import { encodeIdx } from "./idx";
import { removeDir, tempCopyOfDataset } from "./test-support";

const loaders: Record<string, (dir: string) => Promise<unknown>> = {
  fashion: (dir) => loadFashion({ dir, source: "subset", limit: 1 }),
  keywords: async (dir) => {
    await loadKeywords({ dir, limit: 1 });
    await loadKeywordAudio({ dir, limit: 1 });
  },
  motion: (dir) => loadMotion({ dir, limit: 1 }),
};

const temps: string[] = [];
afterAll(() => temps.forEach(removeDir));

async function expectIntegrityError(load: Promise<unknown>, file: string, problem: RegExp): Promise<void> {
  let error: unknown = null;
  try {
    await load;
  } catch (err) {
    error = err;
  }
  expect(error, `expected a DatasetIntegrityError for ${file}`).toBeInstanceOf(DatasetIntegrityError);
  const message = (error as Error).message;
  expect(message).toContain(file);
  expect(message).toMatch(problem);
}

for (const name of Object.keys(loaders)) {
  describe(`${name}: damaged copies are refused`, () => {
    const dir = tempCopyOfDataset(name);
    temps.push(dir);
    const manifest = readManifest(name, dir);

    it("the untouched copy loads and summarises its manifest", async () => {
      await loaders[name](dir);
      const summary = summarizeDataset(name, dir);
      for (const cls of manifest.classes) expect(summary).toContain(`| ${cls} | ${manifest.counts.train[cls]} | ${manifest.counts.test[cls]} |`);
      expect(summary).toContain(manifest.licence);
    });

    for (const entry of manifest.files) {
      it(`${entry.path}: missing, truncated, flipped byte`, async () => {
        const file = path.join(dir, entry.path);
        const original = fs.readFileSync(file);
        try {
          fs.rmSync(file);
          await expectIntegrityError(loaders[name](dir), entry.path, /missing/);
          fs.writeFileSync(file, original.subarray(0, Math.floor(original.length / 2)));
          await expectIntegrityError(loaders[name](dir), entry.path, /truncated: \d+ bytes on disk, manifest says \d+/);
          const flipped = Buffer.from(original);
          flipped[Math.floor(flipped.length / 2)] ^= 0x01;
          fs.writeFileSync(file, flipped);
          await expectIntegrityError(loaders[name](dir), entry.path, /corrupted: SHA-256 is [0-9a-f]{64}, manifest says/);
        } finally {
          fs.writeFileSync(file, original);
        }
        await loaders[name](dir); // restored copy loads again
      });
    }

    it("a missing manifest.json is named", async () => {
      const file = path.join(dir, "manifest.json");
      const original = fs.readFileSync(file);
      fs.rmSync(file);
      try {
        await expectIntegrityError(loaders[name](dir), "manifest.json", /missing/);
      } finally {
        fs.writeFileSync(file, original);
      }
    });
  });
}

describe("files consistent with a rewritten manifest but wrong inside", () => {
  it("fashion: labels whose class counts disagree with the manifest", async () => {
    const dir = tempCopyOfDataset("fashion");
    temps.push(dir);
    const rel = "t10k-labels-idx1-ubyte.gz";
    const labels = new Uint8Array(2000); // all class 0
    fs.writeFileSync(path.join(dir, rel), zlib.gzipSync(encodeIdx([2000], labels)));
    const manifest = readManifest("fashion", dir);
    manifest.files = manifest.files.map((f) => (f.path === rel ? describeFile(dir, rel, f.description) : f));
    writeManifest(dir, manifest);
    await expectIntegrityError(loadFashion({ dir, split: "test", source: "subset" }), rel, /has 2000 examples of class "T-shirt\/top", manifest says 200/);
  });

  it("motion: a cell that is not a number is reported with its row and column", async () => {
    const dir = tempCopyOfDataset("motion");
    temps.push(dir);
    const file = path.join(dir, "test.csv");
    const lines = fs.readFileSync(file, "utf8").split("\n");
    const cells = lines[5].split(",");
    cells[6] = "oops";
    lines[5] = cells.join(",");
    fs.writeFileSync(file, lines.join("\n"));
    const manifest = readManifest("motion", dir);
    manifest.files = manifest.files.map((f) => (f.path === "test.csv" ? describeFile(dir, "test.csv", f.description) : f));
    writeManifest(dir, manifest);
    await expectIntegrityError(loadMotion({ dir, split: "test" }), "test.csv", /row 6, column acc_z: "oops" is not a number/);
  });
});
