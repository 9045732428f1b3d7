// Lesson 06's setting, defined once for the notebook and for the longer command-line run
// (`npm run distill:study`): keyword spotting on 10 MFCCs × 49 frames, a wide PhiNet teacher that does not
// fit the 64 KB / 16 KB STM32F303K8, a DS-CNN student that does, and the arms of the experiment.
import * as tf from "@tensorflow/tfjs";
import { dsCnn } from "../../nets/ds-cnn";
import { phinet } from "../../nets/phinet";
import { withSeededRandom, withSeededRandomAsync } from "../../nets/seeded";
import { fitWithProgress, type FitResult, type LabelledData } from "../../train/fit";
import type { DisplayTarget } from "../../viz/display";
import { crossEntropyFromLogits } from "./loss";
import type { DistillationArm } from "./study";

/** MFCC input of the keyword dataset: 49 frames × 10 coefficients × 1 channel. */
export const KEYWORD_MFCC_SHAPE = [49, 10, 1];

/** The teacher: PhiNet (lesson 03) at α = 0.75 with 4 blocks, 12 keyword classes. */
export const TEACHER_OPTIONS = { inputShape: KEYWORD_MFCC_SHAPE, inputLayout: "hwc" as const, includeTop: true, numClasses: 12, alpha: 0.75, numLayers: 4 };

/** The student: a DS-CNN with a 16-filter 3×3 stem and three blocks of 16, 32, 32 filters. */
export const STUDENT_OPTIONS = {
  inputShape: KEYWORD_MFCC_SHAPE, numClasses: 12, stemFilters: 16, stemKernel: [3, 3] as [number, number],
  blockFilters: [16, 32, 32], blockStrides: [2, 2, 1],
};

/** The layers the feature term compares: the pooled embeddings that each head reads. */
export const FEATURE_LAYERS = { student: "embedding", teacher: "head_pool" };

/** Epochs of the teacher's training on the whole split (batch 64). */
export const TEACHER_EPOCHS = 6;

export const LESSON_TEMPERATURE = 4;
export const LESSON_ALPHA = 0.9;

/** Scratch, soft targets, features (cosine on the embeddings), and both. */
export const LESSON_ARMS: DistillationArm[] = [
  { name: "scratch", loss: { temperature: 1, alpha: 0 } },
  { name: "soft KD", loss: { temperature: LESSON_TEMPERATURE, alpha: LESSON_ALPHA } },
  { name: "feature KD", loss: { temperature: 1, alpha: 0, features: { ...FEATURE_LAYERS, kind: "cosine", weight: 1 } } },
  { name: "soft + feature KD", loss: { temperature: LESSON_TEMPERATURE, alpha: LESSON_ALPHA, features: { ...FEATURE_LAYERS, kind: "cosine", weight: 1 } } },
];

/**
 * 10 %, 30 % and all of the training split. Epochs give 150, 168 and 270 steps of 64 clips: short runs, so
 * that the notebook trains its 36 students in about a minute and a half (the CLI's --epochs runs longer).
 */
export const LESSON_FRACTIONS = [0.1, 0.3, 1];
export const LESSON_EPOCHS = [30, 12, 6];
export const LESSON_BATCH_SIZE = 64;
export const LESSON_LEARNING_RATE = 0.005;

export function buildTeacher(seed = 1): tf.LayersModel {
  return withSeededRandom(seed, () => phinet(TEACHER_OPTIONS));
}

export function buildStudent(): tf.LayersModel {
  return dsCnn(STUDENT_OPTIONS);
}

/**
 * Trains the teacher on the whole training split with cross-entropy on its logits (Adam, seeded shuffle),
 * inside a seeded scope: PhiNet's spatial dropout draws its masks from Math.random, and an unseeded teacher
 * would teach every run of the notebook something slightly different.
 */
export async function trainTeacher(teacher: tf.LayersModel, train: LabelledData, options: { epochs: number; seed?: number; display?: DisplayTarget | false }): Promise<FitResult> {
  const seed = options.seed ?? 1;
  teacher.compile({ optimizer: tf.train.adam(0.003), loss: crossEntropyFromLogits, metrics: ["accuracy"] });
  return withSeededRandomAsync(seed, () =>
    fitWithProgress(teacher, train, { epochs: options.epochs, batchSize: 64, seed, title: "training the teacher", display: options.display }));
}
