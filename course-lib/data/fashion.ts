// Fashion-MNIST loader: 28x28 grayscale clothing images in 10 classes, as tfjs tensors.
//
//   const train = await loadFashion({ split: "train", limit: 5000 });   // xs [5000,28,28,1] in [0,1], ys one-hot
//
// Two sources: the shipped stratified subset in datasets/fashion (12k train / 2k test, always available),
// and the full 60k / 10k set from Debian's dataset-fashion-mnist package. source "auto" (the default) uses
// the full set when the package is installed; the result's `source` line says which one was used. Both are
// verified first (manifest sizes and SHA-256, per-class counts).
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import {
  checkKnownKeys,
  checkSplit,
  DatasetSplits,
  fileSplit,
  gatherExamples,
  gatherLabels,
  labelsTensor,
  loadAllSplits,
  LoadOptions,
  makeTensorDataset,
  resolveOptions,
  selectIndices,
  Split,
  splitPositions,
  TensorDataset,
} from "./dataset";
import { readIdxFile } from "./idx";
import { checkCounts, datasetDir, DatasetIntegrityError, DatasetManifest, manifestEntry, verifyDataset, verifyFile } from "./manifest";
import { FASHION_CLASSES, FASHION_DEBIAN_DIR, FASHION_FILES } from "./make-fashion-subset";

export { FASHION_CLASSES };

export type FashionSource = "auto" | "subset" | "full";

export interface FashionOptions extends LoadOptions {
  /** "subset" (shipped), "full" (Debian package, error if absent) or "auto" (full when installed). Default "auto". */
  source?: FashionSource;
  /** Images as [n, 784] instead of [n, 28, 28, 1]. Default false. */
  flatten?: boolean;
  /** Directory of the shipped subset (tests point this at temp copies). Default datasets/fashion. */
  dir?: string;
  /** Directory of the full set. Default /usr/share/datasets/fashion-mnist. */
  fullDir?: string;
}

const FASHION_KEYS = ["source", "flatten", "dir", "fullDir"];

export interface FashionArrays {
  split: Split;
  /** n * 784 pixel values 0..255, row-major. */
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  source: string;
}

/** Is the full Fashion-MNIST (Debian package) installed? */
export function fashionFullAvailable(fullDir = FASHION_DEBIAN_DIR): boolean {
  return Object.values(FASHION_FILES).every((f) => fs.existsSync(path.join(fullDir, f.images)) && fs.existsSync(path.join(fullDir, f.labels)));
}

/** Decoded, verified images and labels of one shipped split (no tensors; used by loadFashion and the tests). */
export function readFashion(opts: { split?: Split; source?: FashionSource; dir?: string; fullDir?: string } = {}): FashionArrays {
  checkKnownKeys(opts as Record<string, unknown>, ["split", "source", "dir", "fullDir"], "fashion");
  const split = checkSplit(opts.split ?? "train", "fashion");
  const source = opts.source ?? "auto";
  if (!["auto", "subset", "full"].includes(source)) {
    throw new RangeError(`fashion: source must be "auto", "subset" or "full", got ${JSON.stringify(source)}`);
  }
  const dir = datasetDir("fashion", opts.dir);
  const manifest = verifyDataset("fashion", dir);
  const fullDir = opts.fullDir ?? FASHION_DEBIAN_DIR;
  const useFull = source === "full" || (source === "auto" && fashionFullAvailable(fullDir));
  if (source === "full" && !fashionFullAvailable(fullDir)) {
    throw new Error(`fashion: source "full" needs the Debian package (files in ${fullDir}): apt-get install -y dataset-fashion-mnist`);
  }
  const names = FASHION_FILES[split];
  let imagesFile: string;
  let labelsFile: string;
  let expectedCounts: Record<string, number>;
  let description: string;
  if (useFull) {
    const debianFiles = manifest.details.debianFiles as Array<{ path: string; bytes: number; sha256: string }>;
    const check = (name: string) => {
      const entry = debianFiles.find((f) => path.basename(f.path) === name);
      if (!entry) throw new DatasetIntegrityError("fashion", name, "no SHA-256 recorded for this Debian file in manifest.json");
      return verifyFile("fashion", fullDir, { ...entry, path: name, description: "Debian dataset-fashion-mnist" });
    };
    imagesFile = check(names.images);
    labelsFile = check(names.labels);
    const perClass = (manifest.details.fullCounts as { perClass: Record<Split, number> }).perClass[split];
    expectedCounts = Object.fromEntries(FASHION_CLASSES.map((c) => [c, perClass]));
    description = `full Fashion-MNIST ${split} set (Debian dataset-fashion-mnist, ${fullDir})`;
  } else {
    imagesFile = path.join(dir, manifestEntry(manifest, names.images).path);
    labelsFile = path.join(dir, manifestEntry(manifest, names.labels).path);
    expectedCounts = manifest.counts[split];
    description = `Fashion-MNIST ${split} subset shipped in ${dir} (1 in 5 images, stratified by class)`;
  }
  const images = decodeChecked(manifest, imagesFile, 3);
  const labels = decodeChecked(manifest, labelsFile, 1);
  if (images.shape[0] !== labels.shape[0] || images.shape[1] !== 28 || images.shape[2] !== 28) {
    throw new DatasetIntegrityError(
      "fashion",
      imagesFile,
      `images have shape [${images.shape.join(", ")}], expected [${labels.shape[0]}, 28, 28] to match ${labelsFile}`,
    );
  }
  checkCounts(manifest, split, labels.data, labelsFile, expectedCounts);
  return { split, images: images.data, labels: labels.data, count: labels.shape[0], source: description };
}

function decodeChecked(manifest: DatasetManifest, file: string, dims: number) {
  let arr;
  try {
    arr = readIdxFile(file);
  } catch (err) {
    throw new DatasetIntegrityError(manifest.name, file, (err as Error).message.replace(`${file}: `, ""));
  }
  if (arr.shape.length !== dims) {
    throw new DatasetIntegrityError(manifest.name, file, `has ${arr.shape.length} dimensions, expected ${dims}`);
  }
  return arr;
}

export interface FashionDataset extends TensorDataset {
  /** The same tensor as `inputs` (as in mnist.ts): [n,28,28,1], or [n,784] with flatten. */
  images: tf.Tensor;
}

/**
 * Load a Fashion-MNIST split as tensors: inputs/images [n,28,28,1] (or [n,784]) float32, labels one-hot
 * [n,10] (or int32 [n]).
 *
 *   const train = await loadFashion({ split: "train", limit: 5000 });
 *   model.fit(train.images, train.labels, ...)
 */
export async function loadFashion(opts: FashionOptions = {}): Promise<FashionDataset> {
  const o = resolveOptions(opts, "fashion", FASHION_KEYS);
  const flatten = opts.flatten ?? false;
  const raw = readFashion({ split: fileSplit(o.split), source: opts.source, dir: opts.dir, fullDir: opts.fullDir });
  const indices = selectIndices(splitPositions(o, "fashion", raw.labels), o);
  const classIndices = gatherLabels(raw.labels, indices);
  const exampleShape = flatten ? [784] : [28, 28, 1];
  const inputs = tf.tensor(gatherExamples(raw.images, 784, indices, o.normalize ? 1 / 255 : 1), [indices.length, ...exampleShape], "float32");
  return makeTensorDataset({
    name: o.split,
    dataset: "fashion",
    inputs,
    images: inputs,
    labels: labelsTensor(classIndices, FASHION_CLASSES.length, o.oneHot),
    classIndices,
    sourceIndices: indices,
    size: indices.length,
    classNames: FASHION_CLASSES,
    numClasses: FASHION_CLASSES.length,
    exampleShape,
    normalization: o.normalize ? { kind: "scale", mean: 0, std: 255 } : null,
    source: raw.source,
  });
}

/** Train (+ validation) + test at once, like loadMnist(): { train, validation?, test, classNames, seed, dispose() }. */
export function loadFashionSplits(opts: Omit<FashionOptions, "split"> = {}): Promise<DatasetSplits<FashionDataset>> {
  return loadAllSplits(loadFashion, opts);
}
