// Lesson 06 exercises 06.1 and 06.2: the teacher's softened outputs (soft targets) and the loss a student
// learns them with (Hinton, Vinyals & Dean 2015, "Distilling the knowledge in a neural network").
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/06-knowledge-distillation.ipynb
// prints "exercise 06.1 not implemented yet: showing the reference" and uses the course's version
// (course-lib/compress/distill/loss.ts softmaxWithTemperature and distillationLoss, which the course's
// distill() trains with). Check your work with `npm run grade -- --only 06.1` (and `--only 06.2`).
//
// Use tf ops (tf.div, tf.logSoftmax, tf.exp, tf.sum, ...) and return tensors; wrap the work in tf.tidy so
// the intermediate tensors are freed.
import * as tf from "@tensorflow/tfjs";
import { notImplemented } from "../../course-lib/grader/exercise";

export interface DistillationLossOptions {
  /** T > 0: how much both distributions are softened. T = 1 is the plain softmax. */
  temperature: number;
  /** α in [0, 1]: the weight of the soft (teacher) term; 1 − α weights the hard (label) term. */
  alpha: number;
}

/**
 * Exercise 06.1: the softmax at temperature T, softmax(z / T), over the last axis (the classes).
 *
 * TODO: divide the logits by T and take the softmax over the last axis, for a tensor of any rank ≥ 1
 * ([classes], [batch, classes], ...); the result has the logits' shape and every row sums to 1.
 * Why: a trained teacher is nearly one-hot at T = 1, so its outputs say little beyond the label. A higher T
 * flattens the distribution and brings out what the teacher knows about the other classes ("this 7 looks a
 * bit like a 1"): that "dark knowledge" is what the student learns from. T = 1 is the ordinary softmax.
 *
 *   logits [2, 1, 0]:  T = 1  → [0.6652, 0.2447, 0.0900]
 *                      T = 2  → [0.5065, 0.3072, 0.1863]   (softmax([1, 0.5, 0]))
 *                      T = 10 → [0.3672, 0.3322, 0.3006]   (almost uniform)
 *
 * It must stay finite for logits of ±1e4: exp(1000) is Infinity in float32 (and in float64), and
 * Infinity / Infinity is NaN. Subtract each row's maximum before exponentiating (softmax is unchanged by
 * it), or use tf.softmax / tf.logSoftmax, which do.
 *
 *   logits [1000, 0], T = 1  → [1, 0], not [NaN, 0]
 *
 * Throw a RangeError naming the value when the temperature is not a finite number > 0 (0, −2, NaN, Infinity).
 */
export function softmaxWithTemperature(logits: tf.Tensor, temperature: number): tf.Tensor {
  notImplemented("06.1");
}

/**
 * Exercise 06.2: the knowledge-distillation loss of a batch, a scalar:
 *
 *   L = α · T² · KL(p ‖ q)  +  (1 − α) · CE(y, softmax(z_s))
 *   p = softmax(z_t / T)  (the teacher's soft targets),   q = softmax(z_s / T)  (the student at the same T)
 *
 * `studentLogits` z_s and `teacherLogits` z_t are [batch, classes] logits (not probabilities), `labels` y is
 * one-hot [batch, classes].
 *
 * TODO, each point below is a bug that a published implementation shipped:
 * 1. The soft term: KL(p ‖ q) = Σ_c p_c · (log p_c − log q_c) for each example. The teacher's p is the target,
 *    the student's q is what moves: KL is not symmetric, and KL(q ‖ p) trains towards something else.
 *    Compute log p and log q with tf.logSoftmax (log(softmax(...)) gives log 0 = −Infinity and 0 · −Infinity
 *    = NaN for confident logits).
 * 2. Sum over the classes, then average over the batch (PyTorch's reduction "batchmean"): divide by the
 *    number of examples, not by examples × classes. tf.mean over all the elements would divide the soft term
 *    by the number of classes.
 * 3. Multiply the KL by T². The soft term's gradient with respect to a logit is (q − p) / T, and p and q
 *    themselves get flatter as T grows, so without T² its share of the gradient shrinks like 1 / T² and
 *    changing T would silently re-weight the two terms.
 * 4. The hard term is the ordinary cross-entropy at T = 1: −Σ_c y_c · log softmax(z_s)_c, averaged over the
 *    batch (the student is deployed at T = 1, so that is where it must get the labels right).
 * 5. α weights the soft term, 1 − α the hard one (as in attention-transfer and Distiller; Keras's example
 *    puts α on the hard term instead). So α = 0 is plain training on the labels, and α = 1 ignores them.
 *
 *   one example, 3 classes: z_s = [0, 1, 0], z_t = [2, 1, 0], y = [1, 0, 0], T = 2, α = 0.9
 *   p = [0.5065, 0.3072, 0.1863], q = softmax([0, 0.5, 0]) = [0.2741, 0.4519, 0.2741]
 *   KL(p ‖ q) = 0.5065·ln(0.5065/0.2741) + 0.3072·ln(0.3072/0.4519) + 0.1863·ln(0.1863/0.2741) = 0.12059
 *   CE = −ln softmax([0, 1, 0])_0 = ln(2 + e) = 1.55144
 *   L = 0.9 · 4 · 0.12059 + 0.1 · 1.55144 = 0.58926
 *   (without the T²: 0.26367; with KL(q ‖ p): 0.55771; with an element-mean: 0.29985; with α on the hard
 *   term: 1.44454; with the hard term at T: 0.56355)
 *
 * Throw a RangeError naming the value when the temperature is not a finite number > 0 or α is not in
 * [0, 1] (0 and 1 are allowed), and naming both class counts when the teacher's logits do not have as many
 * classes as the student's.
 */
export function distillationLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labels: tf.Tensor,
  options: DistillationLossOptions,
): tf.Scalar {
  notImplemented("06.2");
}
