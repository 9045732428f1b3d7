// Keyword-spotting loader: the synthetic speech-commands-style dataset made by generate-keywords.ts
// (12 classes: silence, unknown, yes, no, up, down, left, right, on, off, stop, go).
//
//   const train = await loadKeywords({ split: "train" });                  // inputs [n,49,40,1] log-mel, labels one-hot [n,12]
//   const mf = await loadKeywords({ split: "test", features: "mfcc" });    // inputs [n,49,10,1]
//   const audio = await loadKeywordAudio({ split: "train" });              // inputs [n,16000] raw waveforms (the shipped sample)
//
// Features: log-mel (audio/features.ts defaults: 30 ms window, 20 ms hop, 40 HTK mel bins 125-7500 Hz,
// ln(E + 1e-6)) stored as uint8 (value = -14 + 0.1 q); MFCC is the orthonormal DCT-II of the dequantised
// log-mel, first 10 coefficients. normalize (default true) standardises each mel bin / coefficient with the
// train split's mean and std (returned in `normalization`, for use on a device).
import * as fs from "fs";
import * as path from "path";
import * as tf from "@tensorflow/tfjs";
import { mfccFromLogMel } from "./audio/features";
import {
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
import {
  AUDIO_SAMPLE_PER_CLASS,
  ClipRecord,
  CLIP_SAMPLES,
  FEATURE_BINS,
  FEATURE_FRAMES,
  KEYWORD_CLASSES,
  LOGMEL_QUANT,
  SAMPLE_RATE,
} from "./generate-keywords";
import { checkCounts, datasetDir, DatasetIntegrityError, DatasetManifest, manifestEntry, verifyDataset } from "./manifest";

export { KEYWORD_CLASSES };

export type KeywordFeatures = "logmel" | "mfcc";

export interface KeywordsOptions extends LoadOptions {
  /** "logmel" (49x40, default) or "mfcc" (49x10). */
  features?: KeywordFeatures;
  /** Add a trailing channel axis ([n,49,40,1], for conv2d). Default true. */
  channelAxis?: boolean;
  /** Dataset directory (tests use temp copies); default datasets/keywords. */
  dir?: string;
}

export interface KeywordsDataset extends TensorDataset {
  /** How each returned clip was made (speaker, word, speed, pitch, noise, SNR...). */
  clips: ClipRecord[];
  sampleRate: number;
}

const FEATURE_KEYS = ["features", "channelAxis", "dir"];
const NUM_MFCC = 10;

interface Verified {
  manifest: DatasetManifest;
  dir: string;
  records: Record<Split, ClipRecord[]>;
}

function verified(dirOpt?: string): Verified {
  const dir = datasetDir("keywords", dirOpt);
  const manifest = verifyDataset("keywords", dir);
  const indexFile = path.join(dir, manifestEntry(manifest, "index.json").path);
  let clips: ClipRecord[];
  try {
    clips = (JSON.parse(fs.readFileSync(indexFile, "utf8")) as { clips: ClipRecord[] }).clips;
  } catch (err) {
    throw new DatasetIntegrityError("keywords", indexFile, `cannot parse index (${(err as Error).message})`);
  }
  const records: Record<Split, ClipRecord[]> = { train: [], test: [] };
  clips.forEach((c, i) => {
    if (c === null || typeof c !== "object" || !(c.split in records)) {
      throw new DatasetIntegrityError("keywords", indexFile, `clip ${i} has no valid split (got ${JSON.stringify(c?.split)})`);
    }
    records[c.split].push(c);
  });
  return { manifest, dir, records };
}

/** Dequantised log-mel of a whole split: Float32Array [clips * 49 * 40]. */
function readLogMel(v: Verified, split: Split): { data: Float32Array; labels: Int32Array } {
  const file = path.join(v.dir, manifestEntry(v.manifest, `logmel-${split}.u8`).path);
  const bytes = fs.readFileSync(file);
  const records = v.records[split];
  const per = FEATURE_FRAMES * FEATURE_BINS;
  if (bytes.length !== records.length * per) {
    throw new DatasetIntegrityError("keywords", file, `${bytes.length} bytes, but index.json lists ${records.length} clips of ${per} bytes`);
  }
  const labels = Int32Array.from(records, (r) => r.label);
  checkCounts(v.manifest, split, labels, file);
  const data = new Float32Array(bytes.length);
  for (let i = 0; i < bytes.length; i++) data[i] = LOGMEL_QUANT.offset + LOGMEL_QUANT.step * bytes[i];
  return { data, labels };
}

function toMfcc(logMel: Float32Array, clips: number): Float32Array {
  const per = FEATURE_FRAMES * FEATURE_BINS;
  const out = new Float32Array(clips * FEATURE_FRAMES * NUM_MFCC);
  for (let c = 0; c < clips; c++) {
    out.set(mfccFromLogMel(logMel.subarray(c * per, (c + 1) * per), FEATURE_FRAMES, FEATURE_BINS, NUM_MFCC), c * FEATURE_FRAMES * NUM_MFCC);
  }
  return out;
}

function featureMatrix(v: Verified, split: Split, kind: KeywordFeatures) {
  const { data, labels } = readLogMel(v, split);
  return { data: kind === "mfcc" ? toMfcc(data, labels.length) : data, labels, width: kind === "mfcc" ? NUM_MFCC : FEATURE_BINS };
}

const statsCache = new Map<string, { mean: number[]; std: number[] }>();

/** Per-column (mel bin or MFCC coefficient) mean and std over every frame of the train split. */
export function keywordTrainStats(kind: KeywordFeatures, dir?: string): { mean: number[]; std: number[] } {
  const v = verified(dir);
  const key = `${v.dir}:${kind}:${manifestEntry(v.manifest, "logmel-train.u8").sha256}`;
  const cached = statsCache.get(key);
  if (cached) return cached;
  const { data, width } = featureMatrix(v, "train", kind);
  const sum = new Float64Array(width);
  const sumSq = new Float64Array(width);
  for (let i = 0; i < data.length; i++) {
    sum[i % width] += data[i];
    sumSq[i % width] += data[i] * data[i];
  }
  const rows = data.length / width;
  const mean = Array.from(sum, (s) => s / rows);
  const std = Array.from(sumSq, (s, k) => Math.max(1e-6, Math.sqrt(Math.max(0, s / rows - mean[k] * mean[k]))));
  const stats = { mean, std };
  statsCache.set(key, stats);
  return stats;
}

/** Speaker of each clip, or a per-clip key for silence (so validation holds out whole speakers). */
function speakerGroups(records: ClipRecord[]): string[] {
  return records.map((r, i) => r.speaker ?? `no-speaker-${i}`);
}

/**
 * Load keyword features as tensors: inputs [n,49,40,1] (log-mel) or [n,49,10,1] (MFCC), labels one-hot [n,12].
 * With validationFraction, validation holds out whole train speakers (test speakers are unseen anyway).
 */
export async function loadKeywords(opts: KeywordsOptions = {}): Promise<KeywordsDataset> {
  const o = resolveOptions(opts, "keywords", FEATURE_KEYS);
  const kind = opts.features ?? "logmel";
  if (kind !== "logmel" && kind !== "mfcc") {
    throw new RangeError(`keywords: features must be "logmel" or "mfcc", got ${JSON.stringify(kind)}`);
  }
  const channelAxis = opts.channelAxis ?? true;
  const v = verified(opts.dir);
  const shipped = fileSplit(o.split);
  const { data, labels, width } = featureMatrix(v, shipped, kind);
  const per = FEATURE_FRAMES * width;
  let normalization: KeywordsDataset["normalization"] = null;
  if (o.normalize) {
    const { mean, std } = keywordTrainStats(kind, opts.dir);
    for (let i = 0; i < data.length; i++) data[i] = (data[i] - mean[i % width]) / std[i % width];
    normalization = { kind: `standardize per ${kind === "mfcc" ? "coefficient" : "mel bin"} (train split statistics)`, mean, std };
  }
  const records = v.records[shipped];
  const indices = selectIndices(splitPositions(o, "keywords", labels, speakerGroups(records)), o);
  const picked = new Float32Array(indices.length * per);
  indices.forEach((src, i) => picked.set(data.subarray(src * per, (src + 1) * per), i * per));
  const classIndices = gatherLabels(labels, indices);
  const exampleShape = channelAxis ? [FEATURE_FRAMES, width, 1] : [FEATURE_FRAMES, width];
  return makeTensorDataset({
    name: o.split,
    dataset: "keywords",
    inputs: tf.tensor(picked, [indices.length, ...exampleShape], "float32"),
    labels: labelsTensor(classIndices, KEYWORD_CLASSES.length, o.oneHot),
    classIndices,
    sourceIndices: indices,
    size: indices.length,
    classNames: KEYWORD_CLASSES,
    numClasses: KEYWORD_CLASSES.length,
    exampleShape,
    normalization,
    source: `synthetic keywords (${kind}, ${o.split}) from ${v.dir}`,
    clips: Array.from(indices, (i) => records[i]),
    sampleRate: SAMPLE_RATE,
  });
}

/** Train (+ validation) + test at once, like loadMnist(): { train, validation?, test, classNames, seed, dispose() }. */
export function loadKeywordsSplits(opts: Omit<KeywordsOptions, "split"> = {}): Promise<DatasetSplits<KeywordsDataset>> {
  return loadAllSplits(loadKeywords, opts);
}

export interface KeywordAudioOptions extends LoadOptions {
  dir?: string;
}

/**
 * The shipped raw-audio sample (8 train / 4 test clips per class) as inputs [n, 16000] float32. normalize
 * (default true) scales int16 to [-1, 1); false keeps int16 values. sourceIndices are positions in the
 * split's clip list (the same positions loadKeywords uses), so audio and features can be matched.
 */
export async function loadKeywordAudio(opts: KeywordAudioOptions = {}): Promise<KeywordsDataset> {
  const o = resolveOptions(opts, "keywords audio", ["dir"]);
  if (o.split === "validation") throw new RangeError(`keywords audio: the raw-audio sample has only "train" and "test" clips, got split "validation"`);
  const shipped = fileSplit(o.split);
  const v = verified(opts.dir);
  const file = path.join(v.dir, manifestEntry(v.manifest, "audio-sample.s16le").path);
  const bytes = fs.readFileSync(file);
  const records = v.records[shipped];
  const sampled = Int32Array.from(records.flatMap((r, i) => (r.audioSample !== null ? [i] : [])));
  const expected = KEYWORD_CLASSES.length * AUDIO_SAMPLE_PER_CLASS[shipped];
  if (sampled.length !== expected) {
    throw new DatasetIntegrityError("keywords", file, `index.json marks ${sampled.length} ${shipped} clips as sampled, expected ${expected}`);
  }
  const totalClips = v.records.train.concat(v.records.test).filter((r) => r.audioSample !== null).length;
  if (bytes.length !== totalClips * CLIP_SAMPLES * 2) {
    throw new DatasetIntegrityError("keywords", file, `${bytes.length} bytes, expected ${totalClips} clips x ${CLIP_SAMPLES * 2} bytes`);
  }
  const indices = selectIndices(sampled, o);
  const picked = new Float32Array(indices.length * CLIP_SAMPLES);
  const scale = o.normalize ? 1 / 32768 : 1;
  indices.forEach((pos, i) => {
    const start = records[pos].audioSample! * CLIP_SAMPLES * 2;
    for (let s = 0; s < CLIP_SAMPLES; s++) picked[i * CLIP_SAMPLES + s] = bytes.readInt16LE(start + 2 * s) * scale;
  });
  const classIndices = Int32Array.from(indices, (i) => records[i].label);
  return makeTensorDataset({
    name: o.split,
    dataset: "keywords-audio",
    inputs: tf.tensor2d(picked, [indices.length, CLIP_SAMPLES], "float32"),
    labels: labelsTensor(classIndices, KEYWORD_CLASSES.length, o.oneHot),
    classIndices,
    sourceIndices: indices,
    size: indices.length,
    classNames: KEYWORD_CLASSES,
    numClasses: KEYWORD_CLASSES.length,
    exampleShape: [CLIP_SAMPLES],
    normalization: o.normalize ? { kind: "scale", mean: 0, std: 32768 } : null,
    source: `synthetic keywords raw-audio sample (${o.split}, 16 kHz int16) from ${file}`,
    clips: Array.from(indices, (i) => records[i]),
    sampleRate: SAMPLE_RATE,
  });
}
