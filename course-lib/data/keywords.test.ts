// Keywords: the loader's shapes, features and normalisation; the shipped raw-audio sample agrees with the
// shipped features and index hashes (no espeak-ng needed); and, when espeak-ng is installed, the generator
// regenerates clips of every class in both splits byte for byte (required under CI).
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { loadKeywordAudio, loadKeywords, loadKeywordsSplits, KEYWORD_CLASSES } from "./keywords";
import {
  checkAgainstShipped,
  ClipRecord,
  espeakVersion,
  int16Bytes,
  LOGMEL_QUANT,
  quantisedLogMel,
  speakerPool,
} from "./generate-keywords";
import { mfccFromLogMel } from "./audio/features";
import { datasetDir, readManifest, sha256 } from "./manifest";
import { testNeedingPackage } from "./test-support";

const dir = datasetDir("keywords");
const rmsOf = (v: ArrayLike<number>) => Math.sqrt(Array.from(v).reduce((a, b) => a + b * b, 0) / v.length);
const manifest = readManifest("keywords", dir);
const index = JSON.parse(fs.readFileSync(path.join(dir, "index.json"), "utf8")) as { clips: ClipRecord[] };

describe("loadKeywords", () => {
  it("returns 49x40 log-mel features, one-hot labels over 12 classes and clip metadata", async () => {
    const ds = await loadKeywords({ split: "test" });
    expect(ds.inputs.shape).toEqual([manifest.counts.test.yes * 12, 49, 40, 1]);
    expect(ds.labels.shape).toEqual([ds.size, 12]);
    expect(ds.classNames).toEqual(KEYWORD_CLASSES);
    expect(ds.classNames.slice(0, 3)).toEqual(["silence", "unknown", "yes"]);
    ds.clips.forEach((c, i) => expect(c.label).toBe(ds.classIndices[i]));
    expect(ds.clips.filter((c) => ds.classNames[c.label] === "silence").every((c) => c.word === null)).toBe(true);
    ds.dispose();
  });

  it("standardises with train statistics (train mean ~0, std ~1 per mel bin)", async () => {
    const ds = await loadKeywords({ split: "train", channelAxis: false });
    const { mean, variance } = tf.tidy(() => {
      const m = tf.moments(ds.inputs.reshape([-1, 40]), 0);
      return { mean: Array.from(m.mean.dataSync()), variance: Array.from(m.variance.dataSync()) };
    });
    mean.forEach((m) => expect(Math.abs(m)).toBeLessThan(1e-3));
    variance.forEach((v) => expect(Math.abs(v - 1)).toBeLessThan(1e-2));
    expect((ds.normalization!.mean as number[]).length).toBe(40);
    ds.dispose();
  });

  it("derives 49x10 MFCC from the stored log-mel", async () => {
    const lm = await loadKeywords({ split: "test", normalize: false, shuffle: false, limit: 3, channelAxis: false });
    const mf = await loadKeywords({ split: "test", normalize: false, shuffle: false, limit: 3, features: "mfcc" });
    expect(mf.inputs.shape).toEqual([3, 49, 10, 1]);
    const logMel = lm.inputs.dataSync();
    const want = mfccFromLogMel(logMel.subarray(49 * 40, 2 * 49 * 40), 49, 40, 10);
    const got = mf.inputs.dataSync().subarray(49 * 10, 2 * 49 * 10);
    for (let i = 0; i < want.length; i++) expect(Math.abs(got[i] - want[i])).toBeLessThan(1e-4);
    [lm, mf].forEach((x) => x.dispose());
  });

  it("holds out whole speakers for validation", async () => {
    const all = await loadKeywordsSplits({ validationFraction: 0.1, features: "mfcc" });
    const speakers = (ds: typeof all.train) => new Set(ds.clips.map((c) => c.speaker).filter((s) => s !== null));
    const trainSpeakers = speakers(all.train);
    for (const s of speakers(all.validation!)) expect(trainSpeakers.has(s)).toBe(false);
    expect(all.train.size + all.validation!.size).toBe(12 * manifest.counts.train.yes);
    expect(Math.abs(all.validation!.size / (all.train.size + all.validation!.size) - 0.1)).toBeLessThan(0.02);
    expect(all.test.inputs.shape.slice(1)).toEqual([49, 10, 1]);
    all.dispose();
  });

  it("rejects bad options by name", async () => {
    await expect(loadKeywords({ features: "spectrogram" as never })).rejects.toThrow(/features must be "logmel" or "mfcc", got "spectrogram"/);
    await expect(loadKeywords({ seed: -3 })).rejects.toThrow(/seed must be an integer.*got -3/);
  });

  it("keeps test speakers out of training", () => {
    const train = new Set(index.clips.filter((c) => c.split === "train" && c.speaker).map((c) => c.speaker));
    const test = new Set(index.clips.filter((c) => c.split === "test" && c.speaker).map((c) => c.speaker));
    for (const s of test) expect(train.has(s)).toBe(false);
    expect(new Set([...speakerPool(manifest.generator.seed, "train"), ...speakerPool(manifest.generator.seed, "test")]).size).toBe(
      speakerPool(manifest.generator.seed, "train").length + speakerPool(manifest.generator.seed, "test").length,
    );
  });
});

describe("shipped raw-audio sample", () => {
  it("matches the index hashes and yields exactly the shipped log-mel bytes", async () => {
    const bytes = fs.readFileSync(path.join(dir, "audio-sample.s16le"));
    let checked = 0;
    for (const split of ["train", "test"] as const) {
      const features = fs.readFileSync(path.join(dir, `logmel-${split}.u8`));
      const records = index.clips.filter((c) => c.split === split);
      records.forEach((rec, pos) => {
        if (rec.audioSample === null) return;
        const raw = bytes.subarray(rec.audioSample * 32000, (rec.audioSample + 1) * 32000);
        expect(sha256(raw).slice(0, 32), `${split} clip ${pos} audio hash`).toBe(rec.audioSha256);
        const pcm = new Int16Array(16000);
        for (let i = 0; i < 16000; i++) pcm[i] = raw.readInt16LE(2 * i);
        expect(Buffer.from(int16Bytes(pcm)).equals(raw)).toBe(true);
        const want = features.subarray(pos * 1960, (pos + 1) * 1960);
        expect(Buffer.from(quantisedLogMel(pcm)).equals(want), `${split} clip ${pos} log-mel`).toBe(true);
        checked++;
      });
    }
    expect(checked).toBe(12 * 12);
  });

  it("loads as [n,16000] waveforms; word clips have a loud burst, silence clips are stationary", async () => {
    const ds = await loadKeywordAudio({ split: "train", shuffle: false });
    expect(ds.inputs.shape).toEqual([96, 16000]);
    const x = ds.inputs.dataSync();
    // loudest 20 ms frame over the median frame: a spoken word stands out of its background
    const burst = (i: number) => {
      const frames: number[] = [];
      for (let f = 0; f < 50; f++) frames.push(rmsOf(x.subarray(i * 16000 + f * 320, i * 16000 + (f + 1) * 320)));
      const sorted = [...frames].sort((a, b) => a - b);
      return sorted[25] === 0 ? 1 : sorted[49] / sorted[25];
    };
    const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
    const silence = KEYWORD_CLASSES.indexOf("silence");
    const words = Array.from(ds.classIndices.keys()).filter((i) => ds.classIndices[i] >= 2).map(burst);
    const quiet = Array.from(ds.classIndices.keys()).filter((i) => ds.classIndices[i] === silence).map(burst);
    expect(median(words)).toBeGreaterThan(3);
    expect(median(quiet)).toBeLessThan(1.5);
    expect(ds.normalization).toEqual({ kind: "scale", mean: 0, std: 32768 });
    ds.dispose();
    const test = await loadKeywordAudio({ split: "test", normalize: false, limit: 5 });
    expect(test.inputs.shape).toEqual([5, 16000]);
    test.dispose();
  });

  it("records the log-mel quantisation in the manifest", () => {
    const features = manifest.details.features as { quantisation: { offset: number; step: number } };
    expect(features.quantisation).toMatchObject({ offset: LOGMEL_QUANT.offset, step: LOGMEL_QUANT.step });
  });
});

describe("generate-keywords.ts reproducibility (espeak-ng)", () => {
  const version = espeakVersion();
  testNeedingPackage(version !== null, "espeak-ng", "apt-get install -y espeak-ng", "regenerates the first clip of every class in both splits byte for byte", () => {
    const tools = manifest.generator.tools ?? {};
    const { compared, mismatches } = checkAgainstShipped(dir, 1);
    expect(compared).toBe(24);
    expect(mismatches, `generated with ${tools["espeak-ng"]}, now ${version}`).toEqual([]);
  });
});
