// Builds datasets/fashion/: a stratified, seeded subset of Fashion-MNIST (1200 train + 200 test images per
// class = 12k / 2k) as gzip IDX files, from the full set in Debian's dataset-fashion-mnist package.
//
//   apt-get install -y dataset-fashion-mnist
//   npx tsx course-lib/data/make-fashion-subset.ts [--out DIR] [--source DIR]
//
// Selection: for each class, a seeded permutation of that class's images (seed 20240501, stream
// "fashion/<split>/<class>") and its first N indices; the chosen indices are then sorted, so the subset keeps
// Fashion-MNIST's original order. The manifest records the SHA-256 of the Debian files it was cut from, so
// the loader can also verify the full set when it uses it.
import * as fs from "fs";
import * as path from "path";
import * as zlib from "zlib";
import { encodeIdx, readIdxFile } from "./idx";
import { countByClass, DatasetManifest, datasetDir, describeFile, sha256, sha256File, writeManifest } from "./manifest";
import { deriveSeed, SeededRandom } from "./seeded";
import type { Split } from "./dataset";

export const FASHION_SEED = 20240501;
export const FASHION_CLASSES: readonly string[] = [
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot",
];
export const FASHION_DEBIAN_DIR = "/usr/share/datasets/fashion-mnist";
export const FASHION_SUBSET_PER_CLASS: Readonly<Record<Split, number>> = { train: 1200, test: 200 };
export const FASHION_FILES: Readonly<Record<Split, { images: string; labels: string }>> = {
  train: { images: "train-images-idx3-ubyte.gz", labels: "train-labels-idx1-ubyte.gz" },
  test: { images: "t10k-images-idx3-ubyte.gz", labels: "t10k-labels-idx1-ubyte.gz" },
};

/** Indices of the stratified subset of one split, in ascending (original) order. */
export function subsetIndices(labels: Uint8Array, split: Split, perClass: number, seed: number): Int32Array {
  const chosen: number[] = [];
  FASHION_CLASSES.forEach((cls, c) => {
    const members: number[] = [];
    for (let i = 0; i < labels.length; i++) if (labels[i] === c) members.push(i);
    if (members.length < perClass) {
      throw new RangeError(`fashion: class "${cls}" has ${members.length} ${split} images, need ${perClass}`);
    }
    new SeededRandom(deriveSeed(seed, "fashion", split, cls)).shuffle(members);
    chosen.push(...members.slice(0, perClass));
  });
  return Int32Array.from(chosen.sort((a, b) => a - b));
}

function gzip(data: Uint8Array): Buffer {
  // level 9, no file name, mtime 0: the same zlib gives the same bytes on every run.
  return zlib.gzipSync(data, { level: 9 });
}

export function makeFashionSubset(opts: { outDir: string; sourceDir?: string; seed?: number; log?: (s: string) => void }): DatasetManifest {
  const sourceDir = opts.sourceDir ?? FASHION_DEBIAN_DIR;
  const seed = opts.seed ?? FASHION_SEED;
  const log = opts.log ?? (() => undefined);
  const t0 = Date.now();
  if (!fs.existsSync(sourceDir)) {
    throw new Error(`fashion: ${sourceDir} not found; install the full set with: apt-get install -y dataset-fashion-mnist`);
  }
  fs.mkdirSync(opts.outDir, { recursive: true });
  const files = [];
  const counts: Record<string, Record<string, number>> = {};
  const debianFiles = [];
  for (const split of ["train", "test"] as Split[]) {
    const names = FASHION_FILES[split];
    const images = readIdxFile(path.join(sourceDir, names.images));
    const labels = readIdxFile(path.join(sourceDir, names.labels));
    for (const n of [names.images, names.labels]) {
      const p = path.join(sourceDir, n);
      debianFiles.push({ path: p, bytes: fs.statSync(p).size, sha256: sha256File(p) });
    }
    const idx = subsetIndices(labels.data, split, FASHION_SUBSET_PER_CLASS[split], seed);
    const [, rows, cols] = images.shape;
    const px = rows * cols;
    const subImages = new Uint8Array(idx.length * px);
    const subLabels = new Uint8Array(idx.length);
    idx.forEach((src, i) => {
      subImages.set(images.data.subarray(src * px, (src + 1) * px), i * px);
      subLabels[i] = labels.data[src];
    });
    const imageIdx = encodeIdx([idx.length, rows, cols], subImages);
    const labelIdx = encodeIdx([idx.length], subLabels);
    fs.writeFileSync(path.join(opts.outDir, names.images), gzip(imageIdx));
    fs.writeFileSync(path.join(opts.outDir, names.labels), gzip(labelIdx));
    files.push(describeFile(opts.outDir, names.images, `${split} images: IDX uint8 [${idx.length}, ${rows}, ${cols}], gzip`, sha256(imageIdx)));
    files.push(describeFile(opts.outDir, names.labels, `${split} labels: IDX uint8 [${idx.length}], gzip`, sha256(labelIdx)));
    counts[split] = countByClass(FASHION_CLASSES, subLabels);
    log(`${split}: ${idx.length} of ${labels.data.length} images`);
  }
  const manifest: DatasetManifest = {
    name: "fashion",
    title: "Fashion-MNIST (stratified subset)",
    description:
      "28x28 grayscale images of 10 clothing classes. Shipped: 1200 train + 200 test images per class, chosen by a " +
      "seeded stratified draw from the full 60k/10k set. The loader uses the full set instead when Debian's " +
      "dataset-fashion-mnist package is installed (option source).",
    licence: "MIT (Expat), Copyright 2017 Zalando SE (https://github.com/zalandoresearch/fashion-mnist)",
    provenance: `Cut from Debian package dataset-fashion-mnist (${sourceDir}) by course-lib/data/make-fashion-subset.ts.`,
    generator: {
      script: "course-lib/data/make-fashion-subset.ts",
      command: "npx tsx course-lib/data/make-fashion-subset.ts",
      seed,
      tools: { node: process.version, zlib: process.versions.zlib },
      seconds: Math.round((Date.now() - t0) / 100) / 10,
    },
    classes: [...FASHION_CLASSES],
    counts,
    files,
    details: {
      imageShape: [28, 28],
      debianDir: FASHION_DEBIAN_DIR,
      debianFiles,
      fullCounts: { train: 60000, test: 10000, perClass: { train: 6000, test: 1000 } },
    },
  };
  writeManifest(opts.outDir, manifest);
  log(`wrote ${opts.outDir} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  return manifest;
}

if (require.main === module) {
  const argv = process.argv.slice(2);
  let outDir = datasetDir("fashion");
  let sourceDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--out") outDir = path.resolve(argv[++i]);
    else if (argv[i] === "--source") sourceDir = path.resolve(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]} (expected --out DIR, --source DIR)`);
  }
  makeFashionSubset({ outDir, sourceDir, log: (s) => console.log(s) });
}
