// Lesson 06 exercise 06.3: model solution (see exercises/06-knowledge-distillation/feature-loss.ts for the
// task). The same definition as course-lib/compress/distill/feature-loss.ts alignedFeatureLoss.
import * as tf from "@tensorflow/tfjs";

export type FeatureLossKind = "mse" | "cosine";

export function featureLoss(studentFeatures: tf.Tensor, teacherFeatures: tf.Tensor, kind: FeatureLossKind): tf.Scalar {
  if (kind !== "mse" && kind !== "cosine") {
    throw new RangeError(`featureLoss: kind must be "mse" or "cosine", got ${JSON.stringify(kind)}`);
  }
  const s = studentFeatures.shape, t = teacherFeatures.shape;
  if (s.length !== t.length || s.some((size, i) => size !== t[i])) {
    throw new RangeError(`featureLoss: the student's features [${s.join(", ")}] and the teacher's [${t.join(", ")}] must have the same shape`);
  }
  return tf.tidy(() => {
    if (kind === "mse") return tf.mean(tf.squaredDifference(studentFeatures, teacherFeatures)) as tf.Scalar;
    const batch = s[0];
    const a = tf.reshape(studentFeatures, [batch, -1]);
    const b = tf.reshape(teacherFeatures, [batch, -1]);
    const dot = tf.sum(tf.mul(a, b), 1);
    const norms = tf.mul(tf.norm(a, "euclidean", 1), tf.norm(b, "euclidean", 1));
    // A zero vector has no direction: clipping the product of the norms makes its cosine 0 (loss 1), not 0/0.
    const cos = tf.div(dot, tf.maximum(norms, 1e-12));
    return tf.mean(tf.sub(1, cos)) as tf.Scalar;
  });
}
