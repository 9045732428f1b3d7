// Tests of lesson 06's experiment (study.ts: distillationStudy, summarizeDistillation) and its figure
// (show.ts: distillationFigure), on tiny conv nets (6×6 inputs, 4 classes: the toy task of test-helpers.ts)
// as in distill.test.ts. The students are instrumented: the builder records each one's initial weights, and
// its dispose() records the trained weights and its top class on every test example before the study throws
// it away. Accuracy and agreement are then recomputed here from those predictions and the teacher's; the
// pairing across arms is checked on the weights themselves, and one run is repeated by hand with distill() on
// the stratified subset.
// The summary is tested on synthetic runs against meanSd and verdict from train/seeds.ts.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { distillationStudy, summarizeDistillation, type DistillationArm, type DistillationRun, type DistillationStudyOptions } from "./study";
import { distillationFigure, distillationTableOptions } from "./show";
import { distill } from "./distill";
import { crossEntropyFromLogits } from "./loss";
import { initBackend } from "../../runtime/backend";
import { stratifiedSubset } from "../../data/dataset";
import { withSeededRandomAsync } from "../../nets/seeded";
import { fitWithProgress, type LabelledData } from "../../train/fit";
import { meanSd, verdict } from "../../train/seeds";
import { buildToyStudent, buildToyTeacher, makeToyData, TOY_CLASSES } from "./test-helpers";

const N_TRAIN = 64;
const N_TEST = 120;
const BATCH = 16;
const FRACTIONS = [0.5, 1];
const EPOCHS = [2, 1];
const SEEDS = [1, 2, 3];
const SCRATCH: DistillationArm = { name: "scratch", loss: { temperature: 1, alpha: 0 } };
const SOFT: DistillationArm = { name: "soft KD", loss: { temperature: 4, alpha: 0.9 } };
const SCRATCH_2: DistillationArm = { name: "scratch 2", loss: { temperature: 1, alpha: 0 } };
const ARMS = [SCRATCH, SOFT, SCRATCH_2];

/** The student, unseeded: the study seeds it. */
const buildStudent = () => buildToyStudent();

const weightsOf = (m: tf.LayersModel): number[][] => m.getWeights().map((w) => Array.from(w.dataSync()));
const maxAbsDiff = (a: number[][], b: number[][]): number => Math.max(...a.flatMap((w, i) => w.map((v, j) => Math.abs(v - b[i][j]))));
const argmaxRows = (rows: number[][]): number[] => rows.map((r) => r.indexOf(Math.max(...r)));

interface Recorded {
  initial: number[][];
  trained?: number[][];
  /** The student's top class on each test example, recorded when the study disposes it. */
  predicted?: number[];
}

/** A buildStudent that records every student it builds (in build order, which is the run order). */
function recordingBuilder(log: Recorded[]): () => tf.LayersModel {
  return () => {
    const model = buildStudent();
    const rec: Recorded = { initial: weightsOf(model) };
    log.push(rec);
    const dispose = model.dispose.bind(model);
    model.dispose = () => {
      rec.trained = weightsOf(model);
      rec.predicted = argmaxRows(tf.tidy(() => (model.predict(test.images) as tf.Tensor).arraySync() as number[][]));
      return dispose();
    };
    return model;
  };
}

let train: LabelledData;
let test: LabelledData;
let teacher: tf.LayersModel;
let trainClasses: number[];
let testClasses: number[];
let teacherTop: number[];
let runs: DistillationRun[];
let students: Recorded[];
let tensorsBefore: number;
let tensorsAfter: number;

function studyOptions(over: Partial<DistillationStudyOptions> = {}): DistillationStudyOptions {
  return {
    teacher, buildStudent, train, test, arms: ARMS, fractions: FRACTIONS, epochs: EPOCHS, seeds: SEEDS,
    batchSize: BATCH, learningRate: 0.02, display: false, ...over,
  };
}

beforeAll(async () => {
  await initBackend();
  train = makeToyData(N_TRAIN, 1);
  test = makeToyData(N_TEST, 2);
  trainClasses = argmaxRows(train.labels.arraySync() as number[][]);
  testClasses = argmaxRows(test.labels.arraySync() as number[][]);
  teacher = buildToyTeacher(10);
  teacher.compile({ optimizer: tf.train.adam(0.02), loss: (y: tf.Tensor, z: tf.Tensor) => crossEntropyFromLogits(y, z) });
  await fitWithProgress(teacher, train, { epochs: 10, batchSize: BATCH, seed: 3, display: false });
  teacherTop = argmaxRows(tf.tidy(() => (teacher.predict(test.images) as tf.Tensor).arraySync() as number[][]));
  students = [];
  tensorsBefore = tf.memory().numTensors;
  runs = await distillationStudy(studyOptions({ buildStudent: recordingBuilder(students) }));
  tensorsAfter = tf.memory().numTensors;
});

afterAll(() => {
  for (const d of [train, test]) {
    d?.images.dispose();
    d?.labels.dispose();
  }
  teacher?.dispose();
});

describe("distillationStudy: runs", () => {
  it("one run per (fraction, seed, arm), in the order fraction → seed → arm, each from a fresh student", () => {
    const expected = FRACTIONS.flatMap((fraction, fi) => SEEDS.flatMap((seed) => ARMS.map((a) => ({ fraction, seed, arm: a.name, epochs: EPOCHS[fi] }))));
    expect(runs.map((r) => ({ fraction: r.fraction, seed: r.seed, arm: r.arm, epochs: r.epochs }))).toEqual(expected);
    expect(students).toHaveLength(expected.length);
    expect(students.every((s) => s.trained !== undefined)).toBe(true); // every student was disposed
  });

  it("examples = the size of the stratified subset of that fraction and seed", () => {
    for (const r of runs) expect(r.examples, `${r.fraction} seed ${r.seed}`).toBe(stratifiedSubset(trainClasses, TOY_CLASSES, r.fraction, r.seed).length);
    expect(runs.filter((r) => r.fraction === 1).every((r) => r.examples === N_TRAIN)).toBe(true);
    expect(runs.filter((r) => r.fraction === 0.5).every((r) => r.examples < N_TRAIN && r.examples >= N_TRAIN / 2 - TOY_CLASSES)).toBe(true);
  });

  it("accuracy and agreement equal recomputations from the student's and the teacher's top classes", () => {
    runs.forEach((r, i) => {
      const top = students[i].predicted!;
      const accuracy = top.filter((c, e) => c === testClasses[e]).length / N_TEST;
      const agreement = top.filter((c, e) => c === teacherTop[e]).length / N_TEST;
      expect(r.accuracy, `run ${i}`).toBeCloseTo(accuracy, 12);
      expect(r.agreement, `run ${i}`).toBeCloseTo(agreement, 12);
      expect(r.agreement).toBeGreaterThanOrEqual(0);
      expect(r.agreement).toBeLessThanOrEqual(1);
    });
    // The two measures differ somewhere (the teacher is not the labels), so swapping them would show.
    expect(runs.some((r) => Math.abs(r.accuracy - r.agreement) > 0.02)).toBe(true);
  });

  it("teacherSeconds is 0 for scratch arms and > 0 for soft KD; trainSeconds > 0", () => {
    for (const r of runs) {
      if (r.arm === "soft KD") expect(r.teacherSeconds).toBeGreaterThan(0);
      else expect(r.teacherSeconds, r.arm).toBe(0);
      expect(r.trainSeconds).toBeGreaterThan(0);
    }
  });

  it("leaves no tensors behind", () => {
    expect(tensorsAfter).toBe(tensorsBefore);
  });
});

describe("distillationStudy: pairing", () => {
  const at = (fraction: number, seed: number, arm: string) => runs.findIndex((r) => r.fraction === fraction && r.seed === seed && r.arm === arm);

  it("all arms of one seed start from the same initial weights; other seeds from other ones", () => {
    for (const fraction of FRACTIONS) {
      for (const seed of SEEDS) {
        const init = students[at(fraction, seed, "scratch")].initial;
        for (const arm of ["soft KD", "scratch 2"]) expect(students[at(fraction, seed, arm)].initial).toEqual(init);
      }
      expect(maxAbsDiff(students[at(fraction, 1, "scratch")].initial, students[at(fraction, 2, "scratch")].initial)).toBeGreaterThan(1e-3);
    }
    // The seed alone fixes the initial weights, whatever the fraction.
    expect(students[at(0.5, 3, "scratch")].initial).toEqual(students[at(1, 3, "scratch")].initial);
  });

  it("two arms with the same loss train to identical weights and accuracies per seed (same subset and order)", () => {
    for (const fraction of FRACTIONS) {
      for (const seed of SEEDS) {
        const [a, b] = [at(fraction, seed, "scratch"), at(fraction, seed, "scratch 2")];
        expect(students[b].trained).toEqual(students[a].trained);
        expect(runs[b].accuracy).toBe(runs[a].accuracy);
        expect(runs[b].agreement).toBe(runs[a].agreement);
        // Soft KD did train differently, so the equality above is not vacuous.
        expect(maxAbsDiff(students[at(fraction, seed, "soft KD")].trained!, students[a].trained!)).toBeGreaterThan(1e-4);
      }
    }
  });

  it("a second study repeats the scratch runs exactly, even with scratch as the second arm", async () => {
    const again: Recorded[] = [];
    const rerun = await distillationStudy(studyOptions({ buildStudent: recordingBuilder(again), arms: [SOFT, SCRATCH], fractions: [0.5], epochs: [2] }));
    expect(rerun.map((r) => `${r.seed} ${r.arm}`)).toEqual(["1 soft KD", "1 scratch", "2 soft KD", "2 scratch", "3 soft KD", "3 scratch"]);
    for (const seed of SEEDS) {
      const first = at(0.5, seed, "scratch");
      const j = rerun.findIndex((r) => r.seed === seed && r.arm === "scratch");
      expect(rerun[j].accuracy).toBe(runs[first].accuracy);
      expect(again[j].trained).toEqual(students[first].trained);
    }
  });

  it("the scratch run equals distill() without a teacher on the stratified subset, by hand", async () => {
    const seed = 2, fraction = 0.5;
    const subset = stratifiedSubset(trainClasses, TOY_CLASSES, fraction, seed);
    const index = tf.tensor1d(subset, "int32");
    const data = { images: tf.gather(train.images, index), labels: tf.gather(train.labels, index) };
    const trained = await withSeededRandomAsync(seed, async () => {
      const student = buildStudent();
      await distill({ teacher: null, student, data, loss: SCRATCH.loss, epochs: 2, batchSize: BATCH, seed, learningRate: 0.02, display: false });
      const w = weightsOf(student);
      student.dispose();
      return w;
    });
    for (const t of [index, data.images, data.labels]) t.dispose();
    expect(trained).toEqual(students[at(fraction, seed, "scratch")].trained);
  });
});

describe("distillationStudy: bad options name the value, before any training", () => {
  it("rejects fewer than 3 seeds, duplicate arm names, epochs not matching fractions, fraction 0", async () => {
    const predict = vi.spyOn(teacher, "predict");
    const build = vi.fn(buildStudent);
    try {
      await expect(distillationStudy(studyOptions({ buildStudent: build, seeds: [1, 2] }))).rejects.toThrow(/seeds must be at least 3 distinct seeds.*got \[1,2\]/);
      await expect(distillationStudy(studyOptions({ buildStudent: build, seeds: [1, 1, 2] }))).rejects.toThrow(/seeds.*got \[1,1,2\]/);
      await expect(distillationStudy(studyOptions({ buildStudent: build, arms: [SCRATCH, { name: "scratch", loss: SOFT.loss }] })))
        .rejects.toThrow(/two arms are named "scratch"/);
      await expect(distillationStudy(studyOptions({ buildStudent: build, epochs: [2] }))).rejects.toThrow(/epochs must give one positive integer per fraction \(2\), got \[2\]/);
      await expect(distillationStudy(studyOptions({ buildStudent: build, fractions: [0, 1] }))).rejects.toThrow(/fractions must be numbers in \(0, 1\], got \[0,1\]/);
      await expect(distillationStudy(studyOptions({ buildStudent: build, fractions: [0.5, 1.5] }))).rejects.toThrow(/fractions .*got \[0\.5,1\.5\]/);
      await expect(distillationStudy(studyOptions({ buildStudent: build, arms: [] }))).rejects.toThrow(/arms must be a non-empty list/);
      expect(predict).not.toHaveBeenCalled();
      expect(build).not.toHaveBeenCalled();
    } finally {
      predict.mockRestore();
    }
  });
});

/** A synthetic run: only arm, fraction, examples, seed and the measured numbers matter to the summary. */
function run(arm: string, fraction: number, seed: number, accuracy: number, extra: Partial<DistillationRun> = {}): DistillationRun {
  return { arm, fraction, examples: Math.round(1000 * fraction), epochs: 1, seed, accuracy, trainAccuracy: Math.min(1, accuracy + 0.08), agreement: accuracy - 0.05, trainSeconds: 2 + seed, teacherSeconds: arm === "scratch" ? 0 : 0.5 * seed, ...extra };
}

describe("summarizeDistillation (synthetic runs, no training)", () => {
  // Baseline 0.80 ± 0.01 at fraction 0.1 and 0.90 ± 0.01 at 1; the arms are +0.10, −0.10 and +0.005 off it at 0.1.
  const base01 = [0.8, 0.81, 0.79];
  const byArm: Record<string, number[]> = { helps: [0.9, 0.91, 0.89], hurts: [0.7, 0.71, 0.69], same: [0.805, 0.815, 0.795] };
  const synthetic: DistillationRun[] = [
    ...[1, 2, 3].flatMap((s, i) => [run("scratch", 0.1, s, base01[i]), ...Object.entries(byArm).map(([arm, acc]) => run(arm, 0.1, s, acc[i]))]),
    ...[1, 2, 3].flatMap((s, i) => [run("scratch", 1, s, [0.9, 0.91, 0.89][i]), run("helps", 1, s, [0.9, 0.92, 0.88][i])]),
  ];

  it("one row per (fraction, arm), in first-appearance order, with the seeds' accuracies", () => {
    const s = summarizeDistillation(synthetic);
    expect(s.map((r) => `${r.fraction} ${r.arm}`)).toEqual(["0.1 scratch", "0.1 helps", "0.1 hurts", "0.1 same", "1 scratch", "1 helps"]);
    expect(s[1].accuracies).toEqual(byArm.helps);
    expect(s[1].examples).toBe(100);
    expect(s[5].examples).toBe(1000);
  });

  it("mean ± sd match meanSd; gain is the mean minus the baseline's mean at the same fraction", () => {
    const s = summarizeDistillation(synthetic);
    for (const row of s) {
      const group = synthetic.filter((r) => r.fraction === row.fraction && r.arm === row.arm);
      const base = synthetic.filter((r) => r.fraction === row.fraction && r.arm === "scratch");
      expect(row.accuracy).toEqual(meanSd(group.map((r) => r.accuracy)));
      expect(row.agreement).toEqual(meanSd(group.map((r) => r.agreement)));
      expect(row.trainAccuracy).toEqual(meanSd(group.map((r) => r.trainAccuracy)));
      expect(row.trainSeconds).toEqual(meanSd(group.map((r) => r.trainSeconds)));
      expect(row.teacherSeconds).toEqual(meanSd(group.map((r) => r.teacherSeconds)));
      expect(row.gain).toBeCloseTo(meanSd(group.map((r) => r.accuracy)).mean - meanSd(base.map((r) => r.accuracy)).mean, 12);
    }
    // By hand: sd of [0.8, 0.81, 0.79] is 0.01; gains +0.10, −0.10, +0.005 at 0.1, 0 at 1.
    expect(s[0].accuracy.sd).toBeCloseTo(0.01, 12);
    expect(s[0].accuracy.n).toBe(3);
    expect([s[0].gain, s[1].gain, s[2].gain, s[3].gain, s[5].gain].map((g) => Number(g.toFixed(12)))).toEqual([0, 0.1, -0.1, 0.005, 0]);
  });

  it("verdicts follow train/seeds.ts verdict: helps, hurts, no clear change; the baseline is 'baseline'", () => {
    const s = summarizeDistillation(synthetic);
    expect(s.map((r) => r.verdict)).toEqual(["baseline", "helps", "hurts", "no clear change", "baseline", "no clear change"]);
    for (const row of s.filter((r) => r.verdict !== "baseline")) {
      const base = synthetic.filter((r) => r.fraction === row.fraction && r.arm === "scratch").map((r) => r.accuracy);
      expect(row.verdict).toBe(verdict(row.accuracies, base));
    }
  });

  it("another baseline arm can be named", () => {
    const s = summarizeDistillation(synthetic.filter((r) => r.fraction === 0.1), "same");
    expect(s.find((r) => r.arm === "same")!.verdict).toBe("baseline");
    expect(s.find((r) => r.arm === "scratch")!.verdict).toBe("no clear change");
    expect(s.find((r) => r.arm === "scratch")!.gain).toBeCloseTo(-0.005, 12);
  });

  it("on the study's runs: scratch 2 has gain 0 and no clear change", () => {
    const s = summarizeDistillation(runs);
    expect(s).toHaveLength(FRACTIONS.length * ARMS.length);
    for (const row of s.filter((r) => r.arm === "scratch 2")) {
      expect(row.gain).toBe(0);
      expect(row.verdict).toBe("no clear change");
      expect(row.accuracy.n).toBe(SEEDS.length);
    }
  });

  it("pairs each run with the baseline's run of the same seed: paired gain and seeds won", () => {
    // Seed order shuffled on purpose: pairing must go by seed, not by position.
    const runs = [run("scratch", 1, 1, 0.7), run("scratch", 1, 2, 0.8), run("scratch", 1, 3, 0.9),
      run("kd", 1, 3, 0.91), run("kd", 1, 1, 0.74), run("kd", 1, 2, 0.79)];
    const kd = summarizeDistillation(runs).find((s) => s.arm === "kd")!;
    const diffs = [0.74 - 0.7, 0.79 - 0.8, 0.91 - 0.9];
    expect(kd.pairedGain.mean).toBeCloseTo(meanSd(diffs).mean, 12);
    expect(kd.pairedGain.sd).toBeCloseTo(meanSd(diffs).sd, 12);
    expect(kd.wins).toBe(2);
    // Unpaired, the spread of the arms (0.1) hides the gain; paired, it is a consistent +0.017 ± 0.025.
    expect(kd.accuracy.sd).toBeGreaterThan(3 * kd.pairedGain.sd);
    expect(() => summarizeDistillation([...runs, run("kd", 1, 4, 0.5)])).toThrow(/seed 4 .*baseline has not/);
  });

  it("errors: no runs; a missing baseline arm lists the arms there are", () => {
    expect(() => summarizeDistillation([])).toThrow(/no runs/);
    const noScratch = synthetic.filter((r) => r.arm !== "scratch");
    expect(() => summarizeDistillation(noScratch)).toThrow(/no baseline arm "scratch" at fraction 0\.1; arms are helps, hurts, same/);
    expect(() => summarizeDistillation(synthetic, "teacher")).toThrow(/no baseline arm "teacher".*arms are scratch, helps, hurts, same/);
    // A baseline missing at one fraction only.
    const partial = synthetic.filter((r) => !(r.arm === "scratch" && r.fraction === 1));
    expect(() => summarizeDistillation(partial)).toThrow(/no baseline arm "scratch" at fraction 1;/);
  });
});

describe("distillationFigure", () => {
  // Rows deliberately out of order: the fraction-1 rows come first.
  const synthetic: DistillationRun[] = [1, 2, 3].flatMap((s) => [
    run("scratch", 1, s, [0.9, 0.92, 0.91][s - 1]), run("soft KD", 1, s, [0.93, 0.94, 0.92][s - 1]),
    run("scratch", 0.1, s, [0.6, 0.64, 0.62][s - 1]), run("soft KD", 0.1, s, [0.7, 0.7, 0.73][s - 1]),
    run("scratch", 0.3, s, [0.8, 0.81, 0.85][s - 1]), run("soft KD", 0.3, s, [0.84, 0.86, 0.85][s - 1]),
  ]);

  it("one trace per arm, x = examples ascending, y and error bars in percent", () => {
    const summaries = summarizeDistillation(synthetic);
    const fig = distillationFigure(summaries);
    const traces = fig.data as { name: string; x: number[]; y: number[]; error_y: { array: number[] } }[];
    expect(traces.map((t) => t.name)).toEqual(["scratch", "soft KD"]);
    for (const t of traces) {
      expect(t.x).toEqual([100, 300, 1000]);
      const rows = [0.1, 0.3, 1].map((f) => synthetic.filter((r) => r.arm === t.name && r.fraction === f).map((r) => r.accuracy));
      rows.forEach((acc, i) => {
        expect(t.y[i]).toBeCloseTo(100 * meanSd(acc).mean, 10);
        expect(t.error_y.array[i]).toBeCloseTo(100 * meanSd(acc).sd, 10);
      });
    }
    // By hand: soft KD at 10 % is (70 + 70 + 73) / 3 = 71 ± √3 ≈ 1.732 percent.
    expect(traces[1].y[0]).toBeCloseTo(71, 10);
    expect(traces[1].error_y.array[0]).toBeCloseTo(Math.sqrt(3), 10);
  });

  it("throws on no summaries", () => {
    expect(() => distillationFigure([])).toThrow(/no summaries/);
    expect(() => distillationTableOptions([])).toThrow(/no summaries/);
  });

  it("the table (notebook and CLI alike) has one row per arm and size, with the paired gain of each", () => {
    const summaries = summarizeDistillation(synthetic);
    const t = distillationTableOptions(summaries, "T");
    expect(t.rows).toHaveLength(summaries.length);
    t.rows.forEach((row) => expect(row).toHaveLength(t.columns.length));
    const softTenth = t.rows.find((r) => r[0] === 100 && r[1] === "soft KD")!;
    // Paired differences at 10 %: 10, 6, 11 points → +9.0 ± 2.6, won on 3 of 3 seeds.
    expect(softTenth[t.columns.indexOf("paired gain")]).toBe("+9.0 ± 2.6");
    expect(softTenth[t.columns.indexOf("seeds won")]).toBe("3 / 3");
    expect(t.rows.find((r) => r[1] === "scratch")![t.columns.indexOf("paired gain")]).toBe("—");
  });
});
