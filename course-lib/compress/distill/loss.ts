// The soft-target loss of knowledge distillation (Hinton, Vinyals & Dean 2015, arXiv 1503.02531).
//
//   L = α · T² · KL(softmax(z_t / T) ‖ softmax(z_s / T))  +  (1 − α) · CE(y, softmax(z_s))
//
// z_t are the teacher's logits, z_s the student's, y the one-hot labels. Every choice below is one that a
// published implementation got wrong at some point (../shared/notes/compression.md §1.2), so each is tested:
// - KL(teacher ‖ student): the teacher's distribution p is the target, the student's q is what moves.
//   Swapping them (the first Keras example did) still trains, towards a different, mode-seeking objective.
// - T²: the soft term's gradient is (1/T)(q − p) per logit, so without T² it shrinks as 1/T² and the balance
//   between the two terms drifts whenever T is tuned. With T² it is T·(q − p), comparable to the hard term's.
// - Reduction: summed over the classes, averaged over the batch (PyTorch's reduction="batchmean"). An
//   element-wise mean divides the soft term by the number of classes (attention-transfer's fix 4133ac5).
// - α weights the soft term, as in attention-transfer (α = 0.9 at T = 4) and Distiller, and as Hinton
//   recommends ("a considerably lower weight" on the hard labels). Keras puts α on the hard term instead and
//   the PyTorch tutorial uses two free weights. We follow this convention because α = 0 is then exactly
//   ordinary cross-entropy training: the from-scratch baseline runs through the same loop with the same
//   data order and optimizer, which makes the comparison fair by construction.
// - Stable: log-softmax everywhere (logits of ±1e4 give finite values), T = 1 for the hard term and at
//   deployment; the student is trained at the same T as the teacher's targets are softened with.
import * as tf from "@tensorflow/tfjs";

export interface DistillationLossOptions {
  /** T > 0: how much both distributions are softened. T = 1 is the plain softmax. */
  temperature: number;
  /** α in [0, 1]: the weight of the soft term; 1 − α weights the hard (label) term. */
  alpha: number;
}

/** The three numbers one distillation step is made of (scalars; the caller disposes them). */
export interface DistillationLossTerms {
  /** T² · KL(softmax(z_t/T) ‖ softmax(z_s/T)), batch mean. */
  soft: tf.Scalar;
  /** Cross-entropy of the labels against softmax(z_s), batch mean. */
  hard: tf.Scalar;
  /** α · soft + (1 − α) · hard. */
  total: tf.Scalar;
}

/** Throws a RangeError naming the value unless T > 0 is a finite number. */
export function checkTemperature(temperature: unknown, where: string): number {
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(`${where}: temperature must be a finite number > 0 (1 = the plain softmax), got ${String(temperature)}`);
  }
  return temperature;
}

/** Throws a RangeError naming the value unless 0 ≤ α ≤ 1. */
export function checkAlpha(alpha: unknown, where: string): number {
  if (typeof alpha !== "number" || !Number.isFinite(alpha) || alpha < 0 || alpha > 1) {
    throw new RangeError(`${where}: alpha must be a number in [0, 1] (the weight of the soft term), got ${String(alpha)}`);
  }
  return alpha;
}

function checkLogits(name: string, t: unknown, where: string): tf.Tensor {
  if (!(t instanceof tf.Tensor)) throw new TypeError(`${where}: ${name} must be a tf.Tensor, got ${typeof t}`);
  if (t.rank !== 2) throw new RangeError(`${where}: ${name} must be [batch, classes], got shape [${t.shape}]`);
  return t;
}

/** −Σ y · log softmax(z) over the classes, averaged over the batch: the hard term, and plain training's loss. */
export function crossEntropyFromLogits(labels: tf.Tensor, logits: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.div(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(logits)))), logits.shape[0] as number) as tf.Scalar);
}

/** softmax(z / T) over the last axis (the classes). */
export function softmaxWithTemperature(logits: tf.Tensor, temperature: number): tf.Tensor {
  const T = checkTemperature(temperature, "softmaxWithTemperature");
  if (!(logits instanceof tf.Tensor)) throw new TypeError(`softmaxWithTemperature: logits must be a tf.Tensor, got ${typeof logits}`);
  if (logits.rank < 1) throw new RangeError("softmaxWithTemperature: logits must have a class axis, got a scalar");
  // exp(logSoftmax) rather than tf.softmax: the same stable path as the loss, so probabilities and loss agree.
  return tf.tidy(() => tf.exp(tf.logSoftmax(tf.div(logits, T))));
}

/**
 * The soft and hard terms and their α-weighted sum for a batch. `studentLogits` and `teacherLogits` are
 * [batch, classes] logits (not probabilities), `labels` one-hot [batch, classes].
 */
export function distillationLossTerms(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labels: tf.Tensor,
  options: DistillationLossOptions,
): DistillationLossTerms {
  const where = "distillationLoss";
  if (!options || typeof options !== "object") throw new TypeError(`${where}: options must be { temperature, alpha }, got ${String(options)}`);
  const T = checkTemperature(options.temperature, where);
  const alpha = checkAlpha(options.alpha, where);
  const s = checkLogits("studentLogits", studentLogits, where);
  const t = checkLogits("teacherLogits", teacherLogits, where);
  const y = checkLogits("labels", labels, where);
  if (t.shape[1] !== s.shape[1]) {
    throw new RangeError(`${where}: the teacher has ${t.shape[1]} classes but the student ${s.shape[1]}; they must predict the same classes`);
  }
  if (t.shape[0] !== s.shape[0]) {
    throw new RangeError(`${where}: teacherLogits has ${t.shape[0]} examples but studentLogits ${s.shape[0]}`);
  }
  if (y.shape[0] !== s.shape[0] || y.shape[1] !== s.shape[1]) {
    throw new RangeError(`${where}: labels must be one-hot [${s.shape}] like the student's logits, got [${y.shape}]`);
  }
  return tf.tidy(() => {
    const batch = s.shape[0] as number;
    const logP = tf.logSoftmax(tf.div(t, T)); // teacher, the target
    const logQ = tf.logSoftmax(tf.div(s, T)); // student at the same temperature
    // Σ_c p (log p − log q): p = 0 gives 0 · finite = 0, since log-softmax never returns −∞ for finite logits.
    const kl = tf.div(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ))), batch);
    const soft = tf.mul(kl, T * T) as tf.Scalar;
    const hard = crossEntropyFromLogits(y, s);
    const total = tf.add(tf.mul(soft, alpha), tf.mul(hard, 1 - alpha)) as tf.Scalar;
    return { soft, hard, total };
  });
}

/** α · T² · KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1 − α) · CE(y, softmax(z_s)), batch mean (see the header). */
export function distillationLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labels: tf.Tensor,
  options: DistillationLossOptions,
): tf.Scalar {
  const { soft, hard, total } = distillationLossTerms(studentLogits, teacherLogits, labels, options);
  soft.dispose();
  hard.dispose();
  return total;
}
