// Feature distillation: the student also learns to reproduce one of the teacher's intermediate feature
// maps (FitNets' "hints", Romero et al. 2015, arXiv 1412.6550), compared as embeddings by Euclidean (MSE)
// or cosine distance (the two similarity losses of the FBK slides and of tinyCLAP).
//
// A thin student has fewer channels than the teacher at the same depth, so a learned 1×1 convolution (the
// FitNets regressor; a dense layer for [batch, features] embeddings) maps the student's channels to the
// teacher's. It is trained with the student and thrown away afterwards: nothing of it reaches the device.
// Spatial sizes are matched by average pooling the larger map by an integer factor per axis (a stride-2
// student block against a stride-1 teacher block, say); a ratio that is not an integer cannot be matched.
// Average pooling commutes with the 1×1 adapter (both are linear), so the order of the two does not matter.
//
// - "mse": mean over every feature element of (adapter(s) − t)², averaged over the batch. FitNets' ½‖·‖²
//   summed differs by a constant factor, which the feature weight absorbs.
// - "cosine": 1 − cos(adapter(s), t) of each example's flattened features, averaged over the batch: 0 when
//   they point the same way whatever their lengths, 2 when opposite. (Keras's cosine_similarity loss is
//   −cos, PyTorch's CosineEmbeddingLoss with target 1 is 1 − cos, as here.)
import * as tf from "@tensorflow/tfjs";

export type FeatureLossKind = "mse" | "cosine";
export const FEATURE_LOSS_KINDS: readonly FeatureLossKind[] = ["mse", "cosine"];

export interface FeatureLossOptions {
  kind: FeatureLossKind;
  /** Maps the student's channels to the teacher's (featureAdapter); null or absent when they already match. */
  adapter?: tf.layers.Layer | null;
}

/** Cosine's guard against a zero-length vector (the loss is then 1: no direction to agree with). */
const COSINE_EPSILON = 1e-8;

export function checkFeatureKind(kind: unknown, where: string): FeatureLossKind {
  if (!FEATURE_LOSS_KINDS.includes(kind as FeatureLossKind)) {
    throw new RangeError(`${where}: kind must be one of ${FEATURE_LOSS_KINDS.map((k) => `"${k}"`).join(", ")}, got ${JSON.stringify(kind)}`);
  }
  return kind as FeatureLossKind;
}

function checkFeatureShape(name: string, shape: readonly (number | null)[], where: string): void {
  if (shape.length !== 2 && shape.length !== 4) {
    throw new RangeError(`${where}: ${name} must be [batch, features] or [batch, height, width, channels], got shape [${shape}]`);
  }
}

/** Integer pooling factors that bring `larger` down to `smaller` on one axis, or an error naming both. */
function poolFactor(student: number, teacher: number, axis: string, where: string): [number, number] {
  const [big, small] = student >= teacher ? [student, teacher] : [teacher, student];
  if (big % small !== 0) {
    throw new RangeError(
      `${where}: the student's ${axis} (${student}) and the teacher's (${teacher}) cannot be matched by pooling: ` +
        `one must be a whole multiple of the other; pick feature layers at the same or a power-of-two resolution`,
    );
  }
  return student >= teacher ? [big / small, 1] : [1, big / small];
}

/**
 * The pool sizes ([height, width]) that make the student's and the teacher's spatial sizes equal, for
 * shapes [batch, H, W, C] (or [H, W, C] without the batch); [1, 1] each for [batch, features] embeddings.
 */
export function spatialPooling(
  studentShape: readonly (number | null)[],
  teacherShape: readonly (number | null)[],
): { student: [number, number]; teacher: [number, number] } {
  const where = "featureDistillationLoss";
  const s = studentShape.length === 3 ? [null, ...studentShape] : studentShape;
  const t = teacherShape.length === 3 ? [null, ...teacherShape] : teacherShape;
  checkFeatureShape("the student's features", s, where);
  checkFeatureShape("the teacher's features", t, where);
  if (s.length !== t.length) {
    throw new RangeError(`${where}: the student's features [${s}] and the teacher's [${t}] must both be maps or both be vectors`);
  }
  if (s.length === 2) return { student: [1, 1], teacher: [1, 1] };
  const [sh, th] = poolFactor(s[1] as number, t[1] as number, "height", where);
  const [sw, tw] = poolFactor(s[2] as number, t[2] as number, "width", where);
  return { student: [sh, sw], teacher: [th, tw] };
}

/** Average-pools an [batch, H, W, C] map by an integer factor per axis (identity for [1, 1] or embeddings). */
export function poolFeatures(x: tf.Tensor, factor: readonly [number, number]): tf.Tensor {
  if (x.rank !== 4 || (factor[0] === 1 && factor[1] === 1)) return x;
  return tf.avgPool(x as tf.Tensor4D, [factor[0], factor[1]], [factor[0], factor[1]], "valid");
}

/**
 * The learned map from the student's feature channels to the teacher's: a 1×1 convolution for feature
 * maps, a dense layer for embeddings; null when the channel counts are already equal (no adapter needed).
 */
export function featureAdapter(
  studentShape: readonly (number | null)[],
  teacherShape: readonly (number | null)[],
  name = "feature_adapter",
): tf.layers.Layer | null {
  spatialPooling(studentShape, teacherShape); // the same shape checks and errors as the loss
  const cs = studentShape[studentShape.length - 1] as number;
  const ct = teacherShape[teacherShape.length - 1] as number;
  if (cs === ct) return null;
  const isMap = studentShape.length >= 3;
  return isMap
    ? tf.layers.conv2d({ filters: ct, kernelSize: 1, useBias: true, name })
    : tf.layers.dense({ units: ct, useBias: true, name });
}

/** Applies pooling and the adapter to the student's features and pooling to the teacher's; checks they match. */
export function alignFeatures(studentFeatures: tf.Tensor, teacherFeatures: tf.Tensor, adapter?: tf.layers.Layer | null): [tf.Tensor, tf.Tensor] {
  const where = "featureDistillationLoss";
  // Tensors always carry the batch axis: a rank-3 tensor is not an unbatched [H, W, C] map here (spatialPooling
  // would accept that shape, and the loss would then treat H as the batch).
  checkFeatureShape("the student's features", studentFeatures.shape, where);
  checkFeatureShape("the teacher's features", teacherFeatures.shape, where);
  const pools = spatialPooling(studentFeatures.shape, teacherFeatures.shape);
  let s = poolFeatures(studentFeatures, pools.student);
  const t = poolFeatures(teacherFeatures, pools.teacher);
  if (adapter) s = adapter.apply(s) as tf.Tensor;
  const cs = s.shape[s.rank - 1], ct = t.shape[t.rank - 1];
  if (cs !== ct) {
    throw new RangeError(
      `${where}: the student's features have ${cs} channels and the teacher's ${ct}; ` +
        `pass an adapter (featureAdapter(studentShape, teacherShape)) that maps ${cs} to ${ct}`,
    );
  }
  if (s.shape[0] !== t.shape[0]) {
    throw new RangeError(`${where}: ${s.shape[0]} student examples against ${t.shape[0]} teacher examples`);
  }
  return [s, t];
}

/** The feature-distillation loss between already aligned features of equal shape (see the header). */
export function alignedFeatureLoss(s: tf.Tensor, t: tf.Tensor, kind: FeatureLossKind): tf.Scalar {
  return tf.tidy(() => {
    const batch = s.shape[0] as number;
    const flatS = tf.reshape(s, [batch, -1]);
    const flatT = tf.reshape(t, [batch, -1]);
    if (kind === "mse") return tf.mean(tf.squaredDifference(flatS, flatT)) as tf.Scalar;
    const dot = tf.sum(tf.mul(flatS, flatT), 1);
    // sqrt(max(|s|²·|t|², ε²)) rather than |s|·|t|: the gradient of a norm is NaN at a zero vector (an
    // example whose ReLU features are all zero), while the clipped product has gradient 0 there.
    const squaredNorms = tf.mul(tf.sum(tf.square(flatS), 1), tf.sum(tf.square(flatT), 1));
    const cos = tf.div(dot, tf.sqrt(tf.maximum(squaredNorms, COSINE_EPSILON ** 2)));
    return tf.mean(tf.sub(1, cos)) as tf.Scalar;
  });
}

/**
 * Feature distillation loss: pools the larger spatial map, maps the student's channels through `adapter`,
 * and compares with the teacher's features by "mse" or "cosine" distance (see the header).
 */
export function featureDistillationLoss(studentFeatures: tf.Tensor, teacherFeatures: tf.Tensor, options: FeatureLossOptions): tf.Scalar {
  const where = "featureDistillationLoss";
  if (!options || typeof options !== "object") throw new TypeError(`${where}: options must be { kind, adapter? }, got ${String(options)}`);
  const kind = checkFeatureKind(options.kind, where);
  if (!(studentFeatures instanceof tf.Tensor) || !(teacherFeatures instanceof tf.Tensor)) {
    throw new TypeError(`${where}: studentFeatures and teacherFeatures must be tf.Tensors`);
  }
  return tf.tidy(() => {
    const [s, t] = alignFeatures(studentFeatures, teacherFeatures, options.adapter);
    return alignedFeatureLoss(s, t, kind);
  });
}
