// Lesson 06 exercise 06.3: how far the student's intermediate features are from the teacher's (FitNets'
// "hints", Romero et al. 2015; the Euclidean and cosine embedding losses of feature distillation).
//
// Replace the `notImplemented(...)` line with your code. Until you do, notebooks/06-knowledge-distillation.ipynb
// prints "exercise 06.3 not implemented yet: showing the reference" and uses the course's version
// (course-lib/compress/distill/feature-loss.ts alignedFeatureLoss, which featureDistillationLoss applies after
// pooling and the 1×1 channel adapter). Check your work with `npm run grade -- --only 06.3`.
//
// Use tf ops and return a scalar tensor; wrap the work in tf.tidy so the intermediate tensors are freed.
import * as tf from "@tensorflow/tfjs";
import { notImplemented } from "../../course-lib/grader/exercise";

export type FeatureLossKind = "mse" | "cosine";

/**
 * Exercise 06.3: the feature-distillation loss between the student's and the teacher's features, already
 * aligned to the same shape [batch, ...] (embeddings [batch, features] or maps [batch, height, width, channels]).
 *
 * TODO:
 * - "mse": the mean over every element of (student − teacher)². It pulls the student's features onto the
 *   teacher's values, lengths included.
 * - "cosine": flatten each example to one vector (all of height × width × channels together, not one vector
 *   per pixel), then 1 − cos(s, t) = 1 − (s · t) / (|s| · |t|) per example, averaged over the batch.
 *   0 when the two point the same way whatever their lengths, 1 when orthogonal, 2 when opposite: only the
 *   direction is learned, so the student's features may keep their own scale.
 * - An example whose features are all zero (a ReLU layer that is silent on it) has no direction: its
 *   cosine is 0, so it adds 1 to the loss, never NaN. Guard the division, e.g. divide by
 *   max(|s| · |t|, 1e-12).
 *
 *   student [[1, 2], [3, 0]], teacher [[1, 0], [0, 4]]:
 *   "mse":    (0² + 2² + 3² + 4²) / 4 = 7.25
 *   "cosine": example 0: 1 − 1 / (√5 · 1) = 0.55279; example 1: 1 − 0 / (3 · 4) = 1;  mean 0.77639
 *   student [[0, 0]], teacher [[1, 1]], "cosine" → 1
 *
 * Throw a RangeError naming both shapes when the two tensors' shapes differ, and naming the value when
 * `kind` is not "mse" or "cosine".
 */
export function featureLoss(studentFeatures: tf.Tensor, teacherFeatures: tf.Tensor, kind: FeatureLossKind): tf.Scalar {
  notImplemented("06.3");
}
