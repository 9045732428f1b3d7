// Motion (HAR): generate-motion.ts reproduces the shipped CSVs byte for byte, the loader reads them through
// danfojs-node into windows, and the physical model shows the properties it claims (gait cadence, gravity
// orientation, still vs moving).
import { describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { motionCsv, MOTION_ACTIVITIES, ACTIVITY_MODELS, MOTION_SEED } from "./generate-motion";
import { loadMotion, loadMotionFrame, loadMotionSplits, perAxisStatisticNames, perAxisStatistics } from "./motion";
import { datasetDir, readManifest, sha256 } from "./manifest";
import { rfft } from "./audio/fft";

const manifest = readManifest("motion", datasetDir("motion"));

describe("generate-motion.ts", () => {
  it("reproduces train.csv and test.csv byte for byte from the seed", () => {
    for (const split of ["train", "test"] as const) {
      const { text } = motionCsv(manifest.generator.seed, split);
      const entry = manifest.files.find((f) => f.path === `${split}.csv`)!;
      expect(Buffer.byteLength(text), `${split}.csv size`).toBe(entry.bytes);
      expect(sha256(text), `${split}.csv SHA-256`).toBe(entry.sha256);
    }
  });

  it("a different seed gives different data", () => {
    const a = motionCsv(MOTION_SEED + 1, "test").text;
    expect(sha256(a)).not.toBe(manifest.files.find((f) => f.path === "test.csv")!.sha256);
  });
});

describe("loadMotionFrame / loadMotion", () => {
  it("reads the CSV as a danfojs DataFrame", async () => {
    const df = await loadMotionFrame({ split: "test" });
    expect(df.columns).toEqual(["window", "subject", "activity", "sample", "acc_x", "acc_y", "acc_z", "gyro_x", "gyro_y", "gyro_z"]);
    expect(df.shape[0]).toBe(270 * 128);
  });

  it("returns windows, one-hot labels, subjects and train-split normalisation", async () => {
    const train = await loadMotion({ split: "train", shuffle: false, normalize: false, oneHot: false });
    const test = await loadMotion({ split: "test", limit: 40, seed: 1 });
    expect(train.inputs.shape).toEqual([630, 128, 6]);
    expect(train.labels.dtype).toBe("int32");
    expect(test.inputs.shape).toEqual([40, 128, 6]);
    expect(test.labels.shape).toEqual([40, 6]);
    expect(test.classNames).toEqual(MOTION_ACTIVITIES);
    // split by subject: no subject in both
    const trainSubjects = new Set(train.subjects);
    for (const s of test.subjects) expect(trainSubjects.has(s)).toBe(false);
    // normalisation constants are the train split's per-channel mean/std
    const [mean, variance] = tf.tidy(() => {
      const m = tf.moments(train.inputs.reshape([-1, 6]), 0);
      return [Array.from(m.mean.dataSync()), Array.from(m.variance.dataSync())];
    });
    const stats = test.normalization!;
    (stats.mean as number[]).forEach((m, k) => expect(m).toBeCloseTo(mean[k], 4));
    (stats.std as number[]).forEach((s, k) => expect(s).toBeCloseTo(Math.sqrt(variance[k]), 3));
    const accOnly = await loadMotion({ split: "test", channels: ["acc_z", "acc_x"], normalize: false, shuffle: false, limit: 1 });
    expect(accOnly.inputs.shape).toEqual([1, 128, 2]);
    const full = await loadMotion({ split: "test", normalize: false, shuffle: false, limit: 1 });
    const f = full.inputs.dataSync();
    expect(Array.from(accOnly.inputs.dataSync().slice(0, 2))).toEqual([f[2], f[0]]);
    [train, test, accOnly, full].forEach((x) => x.dispose());
    await expect(loadMotion({ channels: ["mag_x"] })).rejects.toThrow(/unknown channel "mag_x"/);
  });

  it("holds out whole subjects for validation", async () => {
    const all = await loadMotionSplits({ validationFraction: 0.1, limit: 1000 });
    const trainSubjects = new Set(all.train.subjects);
    const validationSubjects = new Set(all.validation!.subjects);
    for (const s of validationSubjects) expect(trainSubjects.has(s)).toBe(false);
    expect(all.train.size + all.validation!.size).toBe(630);
    expect(validationSubjects.size).toBe(2);
    all.dispose();
  });

  it("shows the modelled physics: cadence, gravity tilt, and still vs moving", async () => {
    const ds = await loadMotion({ split: "train", shuffle: false, normalize: false, oneHot: false });
    const x = ds.inputs.arraySync() as number[][][];
    const byActivity = (a: string) => x.filter((_, i) => ds.classNames[ds.classIndices[i]] === a);
    // dominant frequency of vertical acceleration in walking windows ~ the modelled step cadence
    const cadence: number[] = [];
    for (const w of byActivity("walking")) {
      const v = w.map((s) => s[0]);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      const { re, im } = rfft(v.map((s) => s - mean));
      let best = 1;
      for (let k = 2; k < re.length; k++) if (re[k] ** 2 + im[k] ** 2 > re[best] ** 2 + im[best] ** 2) best = k;
      cadence.push((best * 50) / 128);
    }
    const median = cadence.sort((a, b) => a - b)[Math.floor(cadence.length / 2)];
    const walking = ACTIVITY_MODELS.walking as { cadence: [number, number] };
    expect(Math.abs(median - walking.cadence[0])).toBeLessThan(0.25);
    // sitting tilts the belt sensor back: gravity shows on the forward axis (z); standing keeps it on x
    const meanAxis = (a: string, k: number) => {
      const ws = byActivity(a);
      return ws.reduce((s, w) => s + w.reduce((t, r) => t + r[k], 0) / w.length, 0) / ws.length;
    };
    expect(meanAxis("sitting", 2)).toBeGreaterThan(0.15);
    expect(Math.abs(meanAxis("standing", 2))).toBeLessThan(0.2);
    expect(meanAxis("standing", 0)).toBeGreaterThan(0.9);
    // moving activities vary far more within a window than still ones; running most
    const spread = (a: string) => {
      const ws = byActivity(a);
      return ws.reduce((s, w) => {
        const v = w.map((r) => r[0]);
        const m = v.reduce((p, q) => p + q, 0) / v.length;
        return s + Math.sqrt(v.reduce((p, q) => p + (q - m) ** 2, 0) / v.length);
      }, 0) / ws.length;
    };
    expect(spread("running")).toBeGreaterThan(2 * spread("walking"));
    expect(spread("walking")).toBeGreaterThan(5 * spread("standing"));
    ds.dispose();
  });

});

describe("perAxisStatistics", () => {
  it("gives mean, std, min and max of every axis, means first, and names them", () => {
    // two windows of 4 steps x 2 axes
    const w = tf.tensor3d([[[1, 0], [2, 0], [3, 0], [4, 8]], [[0, 1], [0, 1], [0, 1], [0, 1]]]);
    const s = perAxisStatistics(w).arraySync();
    const std1 = Math.sqrt(1.25); // population std of 1, 2, 3, 4
    expect(s[0][0]).toBeCloseTo(2.5, 6);
    expect(s[0].slice(1)).toEqual([2, std1, 2 * Math.sqrt(3), 1, 0, 4, 8].map((v) => expect.closeTo(v, 5)));
    expect(s[1]).toEqual([0, 1, 0, 0, 0, 1, 0, 1].map((v) => expect.closeTo(v, 6)));
    expect(perAxisStatisticNames(["a", "b"])).toEqual(["a mean", "b mean", "a std", "b std", "a min", "b min", "a max", "b max"]);
    expect(perAxisStatisticNames()).toHaveLength(24);
    expect(() => perAxisStatistics(tf.zeros([2, 3]) as never)).toThrow(/expected windows of shape \[n, steps, axes\], got \[2, 3\]/);
    expect(() => perAxisStatistics(tf.zeros([2, 1, 3]) as tf.Tensor3D)).toThrow(/at least 2 steps, got 1/);
  });
});
