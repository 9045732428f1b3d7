// Lesson 06's experiment: does distillation help a tiny student, and when? Every arm (from scratch, soft
// targets, features, both, or any loss setting of a sweep) trains the same student architecture, from the
// same seeded initial weights, on the same class-balanced subset of the training split, for the same
// epochs, through the same loop (distill(); the scratch arm is α = 0 without a teacher). Only the loss
// differs, so a difference in test accuracy is the method's, measured against its seed-to-seed spread.
//
// The teacher is trained once by the caller, on the full training split: the students then see `fraction`
// of it. That is Hinton et al.'s 3 % experiment (a model that learned from all the data teaching one that
// may only see a part of it); a teacher trained on the same subset is the stricter setting, not run here.
import * as tf from "@tensorflow/tfjs";
import { stratifiedSubset } from "../../data/dataset";
import { withSeededRandomAsync } from "../../nets/seeded";
import { stepProgress } from "../../quantize/task-progress";
import { evaluate } from "../../train/evaluate";
import type { LabelledData } from "../../train/fit";
import { meanSd, verdict, type MeanSd } from "../../train/seeds";
import type { DisplayTarget } from "../../viz/display";
import { distill, type DistillLoss } from "./distill";

/** One way of training the student: a name and a loss (α = 0 without features is training from scratch). */
export interface DistillationArm {
  name: string;
  loss: DistillLoss;
}

export interface DistillationStudyOptions {
  /** Trained already; used in inference mode only. */
  teacher: tf.LayersModel;
  /** Builds a fresh, uncompiled student (called inside the seeded scope, so its initial weights are seeded). */
  buildStudent: () => tf.LayersModel;
  train: LabelledData;
  test: LabelledData;
  arms: DistillationArm[];
  /** Fractions of the training split, in (0, 1]. */
  fractions: number[];
  /** Epochs for each fraction (same length): smaller subsets need more epochs for the same number of steps. */
  epochs: number[];
  /** ≥ 3 seeds: each seed fixes the subset, the initial weights and the shuffle, shared by all arms. */
  seeds: number[];
  batchSize?: number;
  learningRate?: number;
  title?: string;
  /** Progress bar target (default: shown in a notebook, silent elsewhere). */
  display?: DisplayTarget | false;
}

/** One trained student. */
export interface DistillationRun {
  arm: string;
  fraction: number;
  /** Training examples the student saw. */
  examples: number;
  epochs: number;
  seed: number;
  /** Test accuracy of the student. */
  accuracy: number;
  /** Its accuracy on its own training batches over the last epoch (far above `accuracy`: memorising). */
  trainAccuracy: number;
  /** Fraction of test examples on which the student's top class equals the teacher's. */
  agreement: number;
  /** Seconds of the student's training epochs (the teacher pass excluded). */
  trainSeconds: number;
  /** Seconds of the one teacher pass over the subset (0 for the scratch arm). */
  teacherSeconds: number;
}

function checkStudy(o: DistillationStudyOptions): void {
  const where = "distillationStudy";
  if (!(o.teacher instanceof tf.LayersModel)) throw new TypeError(`${where}: teacher must be a trained tf.LayersModel`);
  if (typeof o.buildStudent !== "function") throw new TypeError(`${where}: buildStudent must be a function returning a fresh student`);
  if (!Array.isArray(o.arms) || o.arms.length === 0) throw new RangeError(`${where}: arms must be a non-empty list of { name, loss }`);
  const names = new Set<string>();
  for (const arm of o.arms) {
    if (!arm || typeof arm.name !== "string" || arm.name === "") throw new TypeError(`${where}: every arm needs a name, got ${JSON.stringify(arm)}`);
    if (names.has(arm.name)) throw new RangeError(`${where}: two arms are named ${JSON.stringify(arm.name)}`);
    names.add(arm.name);
  }
  if (!Array.isArray(o.fractions) || o.fractions.length === 0 || o.fractions.some((f) => !(typeof f === "number" && f > 0 && f <= 1))) {
    throw new RangeError(`${where}: fractions must be numbers in (0, 1], got ${JSON.stringify(o.fractions)}`);
  }
  if (!Array.isArray(o.epochs) || o.epochs.length !== o.fractions.length || o.epochs.some((e) => !Number.isInteger(e) || e < 1)) {
    throw new RangeError(`${where}: epochs must give one positive integer per fraction (${o.fractions.length}), got ${JSON.stringify(o.epochs)}`);
  }
  if (!Array.isArray(o.seeds) || o.seeds.length < 3 || new Set(o.seeds).size !== o.seeds.length) {
    throw new RangeError(`${where}: seeds must be at least 3 distinct seeds (a mean ± sd needs a spread), got ${JSON.stringify(o.seeds)}`);
  }
}

const topClasses = (scores: tf.Tensor): Int32Array => tf.tidy(() => tf.argMax(scores, -1).dataSync() as Int32Array);

/**
 * Trains one student per (fraction, seed, arm) and scores it on the test split; returns every run, in the
 * order fraction → seed → arm. Seeds are paired across arms: the same seed gives every arm the same subset,
 * the same initial weights and the same batch order.
 */
export async function distillationStudy(o: DistillationStudyOptions): Promise<DistillationRun[]> {
  checkStudy(o);
  const classes = o.train.labels.shape[1] as number;
  const trainClasses = topClasses(o.train.labels);
  const teacherTest = evaluate(o.teacher, o.test).predicted;
  const total = o.fractions.length * o.seeds.length * o.arms.length;
  const progress = stepProgress(o.title ?? `distillation study: ${total} students`, total, o.display === false ? false : o.display);
  const runs: DistillationRun[] = [];
  for (const [fi, fraction] of o.fractions.entries()) {
    for (const seed of o.seeds) {
      const subset = stratifiedSubset(trainClasses, classes, fraction, seed);
      const index = tf.tensor1d(subset, "int32");
      const data = { images: tf.gather(o.train.images, index), labels: tf.gather(o.train.labels, index) };
      index.dispose();
      try {
        for (const arm of o.arms) {
          const scratch = arm.loss.alpha === 0 && !arm.loss.features;
          runs.push(
            await withSeededRandomAsync(seed, async () => {
              const student = o.buildStudent();
              try {
                const r = await distill({
                  teacher: scratch ? null : o.teacher, student, data, loss: arm.loss, epochs: o.epochs[fi],
                  batchSize: o.batchSize, seed, learningRate: o.learningRate, display: false,
                });
                r.adapter?.dispose();
                const e = evaluate(student, o.test);
                let agree = 0;
                for (let i = 0; i < e.predicted.length; i++) if (e.predicted[i] === teacherTest[i]) agree++;
                return {
                  arm: arm.name, fraction, examples: subset.length, epochs: o.epochs[fi], seed, accuracy: e.accuracy,
                  trainAccuracy: r.history[r.history.length - 1].acc,
                  agreement: agree / e.predicted.length, trainSeconds: r.seconds, teacherSeconds: r.teacherSeconds,
                };
              } finally {
                student.dispose();
              }
            }),
          );
          progress.step(runs.length);
        }
      } finally {
        data.images.dispose();
        data.labels.dispose();
      }
    }
  }
  progress.finish();
  return runs;
}

/** One arm at one data size, over its seeds, compared with the baseline arm at the same size. */
export interface DistillationSummary {
  arm: string;
  fraction: number;
  examples: number;
  accuracy: MeanSd;
  trainAccuracy: MeanSd;
  agreement: MeanSd;
  /** Mean accuracy minus the baseline's mean (0 for the baseline itself). */
  gain: number;
  /**
   * The per-seed differences from the baseline (same seed: same subset, weights and batch order), as
   * mean ± sd: pairing removes the spread that subset and initialisation add to both arms alike.
   */
  pairedGain: MeanSd;
  /** Seeds on which this arm beat the baseline (strictly). */
  wins: number;
  /** The course's rule (train/seeds.ts verdict): a gain counts only beyond twice the larger seed sd. */
  verdict: "baseline" | "helps" | "hurts" | "no clear change";
  trainSeconds: MeanSd;
  teacherSeconds: MeanSd;
  accuracies: number[];
}

/** Groups runs by (fraction, arm) and compares each arm with `baseline` (default "scratch") at the same fraction. */
export function summarizeDistillation(runs: DistillationRun[], baseline = "scratch"): DistillationSummary[] {
  if (!Array.isArray(runs) || runs.length === 0) throw new RangeError("summarizeDistillation: no runs to summarise");
  const key = (r: DistillationRun) => `${r.fraction}\u0000${r.arm}`;
  const groups = new Map<string, DistillationRun[]>();
  for (const r of runs) groups.set(key(r), [...(groups.get(key(r)) ?? []), r]);
  const out: DistillationSummary[] = [];
  for (const group of groups.values()) {
    const { arm, fraction, examples } = group[0];
    const base = groups.get(`${fraction}\u0000${baseline}`);
    if (!base) {
      const arms = [...new Set(runs.map((r) => r.arm))];
      throw new RangeError(`summarizeDistillation: no baseline arm ${JSON.stringify(baseline)} at fraction ${fraction}; arms are ${arms.join(", ")}`);
    }
    const acc = group.map((r) => r.accuracy);
    const baseAcc = base.map((r) => r.accuracy);
    const diffs = group.map((r) => {
      const partner = base.find((b) => b.seed === r.seed);
      if (!partner) throw new RangeError(`summarizeDistillation: arm ${JSON.stringify(arm)} has seed ${r.seed} at fraction ${fraction} but the baseline has not`);
      return r.accuracy - partner.accuracy;
    });
    out.push({
      arm, fraction, examples,
      accuracy: meanSd(acc),
      trainAccuracy: meanSd(group.map((r) => r.trainAccuracy)),
      agreement: meanSd(group.map((r) => r.agreement)),
      gain: meanSd(acc).mean - meanSd(baseAcc).mean,
      pairedGain: meanSd(diffs),
      wins: diffs.filter((d) => d > 0).length,
      verdict: arm === baseline ? "baseline" : verdict(acc, baseAcc),
      trainSeconds: meanSd(group.map((r) => r.trainSeconds)),
      teacherSeconds: meanSd(group.map((r) => r.teacherSeconds)),
      accuracies: acc,
    });
  }
  return out;
}
