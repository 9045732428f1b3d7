// Lesson 06 exercises 06.1 and 06.2: model solution (see exercises/06-knowledge-distillation/soft-targets.ts
// for the task). The same definitions as course-lib/compress/distill/loss.ts; the graded tests compare with
// PyTorch's values (course-lib/compress/distill/fixtures/kd-reference.json) and a float64 computation.
import * as tf from "@tensorflow/tfjs";

export interface DistillationLossOptions {
  temperature: number;
  alpha: number;
}

function checkTemperature(temperature: number, where: string): void {
  if (typeof temperature !== "number" || !Number.isFinite(temperature) || temperature <= 0) {
    throw new RangeError(`${where}: temperature must be a finite number > 0, got ${temperature}`);
  }
}

export function softmaxWithTemperature(logits: tf.Tensor, temperature: number): tf.Tensor {
  checkTemperature(temperature, "softmaxWithTemperature");
  // tf.softmax subtracts the row maximum before exponentiating, so logits of ±1e4 stay finite.
  return tf.tidy(() => tf.softmax(tf.div(logits, temperature)));
}

export function distillationLoss(
  studentLogits: tf.Tensor,
  teacherLogits: tf.Tensor,
  labels: tf.Tensor,
  options: DistillationLossOptions,
): tf.Scalar {
  const where = "distillationLoss";
  const { temperature: T, alpha } = options;
  checkTemperature(T, where);
  if (typeof alpha !== "number" || !(alpha >= 0 && alpha <= 1)) {
    throw new RangeError(`${where}: alpha must be in [0, 1] (the weight of the soft term), got ${alpha}`);
  }
  const classes = studentLogits.shape[studentLogits.rank - 1];
  const teacherClasses = teacherLogits.shape[teacherLogits.rank - 1];
  if (teacherClasses !== classes) {
    throw new RangeError(`${where}: the teacher has ${teacherClasses} classes and the student ${classes}; they must be the same`);
  }
  if (labels.shape[labels.rank - 1] !== classes) {
    throw new RangeError(`${where}: labels have ${labels.shape[labels.rank - 1]} classes and the student ${classes}`);
  }
  return tf.tidy(() => {
    const batch = studentLogits.shape[0];
    const logP = tf.logSoftmax(tf.div(teacherLogits, T));
    const logQ = tf.logSoftmax(tf.div(studentLogits, T));
    // KL(p ‖ q) = Σ_c p (log p − log q), summed over classes and examples, then divided by the batch size.
    const kl = tf.div(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ))), batch);
    const crossEntropy = tf.div(tf.neg(tf.sum(tf.mul(labels, tf.logSoftmax(studentLogits)))), batch);
    return tf.add(tf.mul(kl, alpha * T * T), tf.mul(crossEntropy, 1 - alpha)) as tf.Scalar;
  });
}
