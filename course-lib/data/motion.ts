// Motion (human activity recognition) loader: windows of a waist-worn accelerometer + gyroscope
// (50 Hz, 128 samples) for six activities, read from CSV with danfojs-node.
//
//   const frame = await loadMotionFrame({ split: "train" });        // danfojs DataFrame, one row per sample
//   const train = await loadMotion({ split: "train" });              // inputs [n,128,6], labels one-hot [n,6]
//   const accOnly = await loadMotion({ channels: ["acc_x", "acc_y", "acc_z"] });
//
// normalize (default true) standardises each channel with the train split's mean and std (recorded in the
// manifest, so a device can apply the same constants). The data are simulated by generate-motion.ts.
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import type * as Dfd from "danfojs-node";
import {
  checkKnownKeys,
  checkSplit,
  DatasetSplits,
  fileSplit,
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
import { checkCounts, datasetDir, DatasetIntegrityError, DatasetManifest, manifestEntry, verifyDataset } from "./manifest";
import { MOTION_ACTIVITIES, MOTION_CHANNELS, MOTION_CSV_COLUMNS, MOTION_WINDOW } from "./generate-motion";

export { MOTION_ACTIVITIES, MOTION_CHANNELS };

export interface MotionOptions extends LoadOptions {
  /** Which sensor channels, in this order; default all six (acc_x, acc_y, acc_z, gyro_x, gyro_y, gyro_z). */
  channels?: string[];
  /** Dataset directory (tests use temp copies); default datasets/motion. */
  dir?: string;
}

export interface MotionDataset extends TensorDataset {
  inputs: tf.Tensor3D;
  /** Subject id of each returned window (train and test subjects never overlap). */
  subjects: Int32Array;
  channels: string[];
  sampleRate: number;
}

const MOTION_KEYS = ["channels", "dir"];

function danfo(): typeof Dfd {
  // Loaded lazily: danfojs-node pulls in a second copy of tfjs and takes a while to import.
  return require("danfojs-node");
}

/** The verified CSV of a split as a danfojs DataFrame (columns window, subject, activity, sample, channels). */
export async function loadMotionFrame(opts: { split?: Split; dir?: string } = {}): Promise<Dfd.DataFrame> {
  checkKnownKeys(opts as Record<string, unknown>, ["split", "dir"], "motion");
  const split = checkSplit(opts.split ?? "train", "motion");
  const dir = datasetDir("motion", opts.dir);
  const manifest = verifyDataset("motion", dir);
  return readFrame(manifest, dir, split);
}

async function readFrame(manifest: DatasetManifest, dir: string, split: Split): Promise<Dfd.DataFrame> {
  const file = path.join(dir, manifestEntry(manifest, `${split}.csv`).path);
  const df = (await danfo().readCSV(file)) as Dfd.DataFrame;
  const columns = df.columns;
  if (columns.join(",") !== MOTION_CSV_COLUMNS.join(",")) {
    throw new DatasetIntegrityError("motion", file, `columns are [${columns.join(", ")}], expected [${MOTION_CSV_COLUMNS.join(", ")}]`);
  }
  return df;
}

function columnValues(df: Dfd.DataFrame, name: string): unknown[] {
  return (df.column(name) as Dfd.Series).values as unknown[];
}

/**
 * Load motion windows as tensors: inputs [n, 128, channels] float32, labels one-hot [n, 6] (or int32 [n]).
 * With validationFraction, validation holds out whole train subjects.
 */
export async function loadMotion(opts: MotionOptions = {}): Promise<MotionDataset> {
  const o = resolveOptions(opts, "motion", MOTION_KEYS);
  const channels = opts.channels ?? [...MOTION_CHANNELS];
  if (!Array.isArray(channels) || channels.length === 0) {
    throw new RangeError(`motion: channels must be a non-empty array of ${MOTION_CHANNELS.join(", ")}`);
  }
  const channelIdx = channels.map((c) => {
    const i = MOTION_CHANNELS.indexOf(c);
    if (i < 0) throw new RangeError(`motion: unknown channel ${JSON.stringify(c)} (expected some of ${MOTION_CHANNELS.join(", ")})`);
    return i;
  });
  const dir = datasetDir("motion", opts.dir);
  const manifest = verifyDataset("motion", dir);
  const shipped = fileSplit(o.split);
  const file = path.join(dir, `${shipped}.csv`);
  const df = await readFrame(manifest, dir, shipped);
  const rows = df.shape[0];
  if (rows % MOTION_WINDOW !== 0) {
    throw new DatasetIntegrityError("motion", file, `${rows} rows is not a whole number of ${MOTION_WINDOW}-sample windows`);
  }
  const windows = rows / MOTION_WINDOW;
  const windowCol = columnValues(df, "window");
  const sampleCol = columnValues(df, "sample");
  const subjectCol = columnValues(df, "subject");
  const activityCol = columnValues(df, "activity");
  const channelCols = MOTION_CHANNELS.map((c) => columnValues(df, c));
  const values = new Float32Array(windows * MOTION_WINDOW * channels.length);
  const labels = new Int32Array(windows);
  const subjects = new Int32Array(windows);
  for (let w = 0; w < windows; w++) {
    const first = w * MOTION_WINDOW;
    const activity = activityCol[first];
    const label = MOTION_ACTIVITIES.indexOf(String(activity));
    if (label < 0) throw new DatasetIntegrityError("motion", file, `row ${first + 2}: unknown activity ${JSON.stringify(activity)}`);
    labels[w] = label;
    subjects[w] = Number(subjectCol[first]);
    for (let s = 0; s < MOTION_WINDOW; s++) {
      const r = first + s;
      if (Number(windowCol[r]) !== w || Number(sampleCol[r]) !== s || activityCol[r] !== activity || Number(subjectCol[r]) !== subjects[w]) {
        throw new DatasetIntegrityError(
          "motion",
          file,
          `row ${r + 2}: expected window ${w} sample ${s} (${activity}, subject ${subjects[w]}), found window ${windowCol[r]} sample ${sampleCol[r]} (${activityCol[r]}, subject ${subjectCol[r]})`,
        );
      }
      channelIdx.forEach((ci, k) => {
        const v = channelCols[ci][r];
        if (typeof v !== "number" || !Number.isFinite(v)) {
          throw new DatasetIntegrityError("motion", file, `row ${r + 2}, column ${MOTION_CHANNELS[ci]}: ${JSON.stringify(v)} is not a number`);
        }
        values[(w * MOTION_WINDOW + s) * channels.length + k] = v;
      });
    }
  }
  checkCounts(manifest, shipped, labels, file);
  const stats = manifest.details.trainChannelStats as { mean: number[]; std: number[] };
  const mean = channelIdx.map((i) => stats.mean[i]);
  const std = channelIdx.map((i) => stats.std[i]);
  if (o.normalize) {
    for (let i = 0; i < values.length; i++) {
      const k = i % channels.length;
      values[i] = (values[i] - mean[k]) / std[k];
    }
  }
  const indices = selectIndices(splitPositions(o, "motion", labels, subjects), o);
  const per = MOTION_WINDOW * channels.length;
  const picked = new Float32Array(indices.length * per);
  indices.forEach((src, i) => picked.set(values.subarray(src * per, (src + 1) * per), i * per));
  const classIndices = gatherLabels(labels, indices);
  return makeTensorDataset({
    name: o.split,
    dataset: "motion",
    inputs: tf.tensor3d(picked, [indices.length, MOTION_WINDOW, channels.length], "float32"),
    labels: labelsTensor(classIndices, MOTION_ACTIVITIES.length, o.oneHot),
    classIndices,
    sourceIndices: indices,
    size: indices.length,
    classNames: MOTION_ACTIVITIES,
    numClasses: MOTION_ACTIVITIES.length,
    exampleShape: [MOTION_WINDOW, channels.length],
    normalization: o.normalize ? { kind: "standardize per channel (train split statistics)", mean, std } : null,
    source: `synthetic motion ${o.split} windows from ${file}`,
    subjects: gatherLabels(subjects, indices),
    channels,
    sampleRate: manifest.details.sampleRate as number,
  });
}

/** Train (+ validation) + test at once, like loadMnist(): { train, validation?, test, classNames, seed, dispose() }. */
export function loadMotionSplits(opts: Omit<MotionOptions, "split"> = {}): Promise<DatasetSplits<MotionDataset>> {
  return loadAllSplits(loadMotion, opts);
}

/** The statistics perAxisStatistics computes for every sensor axis, in this order. */
export const PER_AXIS_STATISTICS = ["mean", "std", "min", "max"] as const;

/** Feature names of perAxisStatistics for these channels: "acc_x mean", ..., "gyro_z max". */
export function perAxisStatisticNames(channels: readonly string[] = MOTION_CHANNELS): string[] {
  return PER_AXIS_STATISTICS.flatMap((stat) => channels.map((c) => `${c} ${stat}`));
}

/**
 * Hand-made features of motion windows [n, steps, axes]: the mean, standard deviation, minimum and maximum
 * of every axis over the window, as [n, 4 * axes] (all means first, then all stds, ...). The classic
 * alternative to a network reading the raw window: a few numbers per window, computed as the samples
 * arrive, with about five operations per reading (an add for the mean, a subtract and a multiply-add for
 * the variance, two comparisons).
 */
export function perAxisStatistics(windows: tf.Tensor3D): tf.Tensor2D {
  if (!(windows instanceof tf.Tensor) || windows.rank !== 3) {
    const shape = windows instanceof tf.Tensor ? `[${windows.shape.join(", ")}]` : typeof windows;
    throw new RangeError(`perAxisStatistics: expected windows of shape [n, steps, axes], got ${shape}`);
  }
  if (windows.shape[1] < 2) throw new RangeError(`perAxisStatistics: a window needs at least 2 steps, got ${windows.shape[1]}`);
  return tf.tidy(() => {
    const { mean, variance } = tf.moments(windows, 1);
    return tf.concat([mean, tf.sqrt(variance), tf.min(windows, 1), tf.max(windows, 1)], 1) as tf.Tensor2D;
  });
}
