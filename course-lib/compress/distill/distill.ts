// distill(): trains a student on a teacher's soft targets (and optionally on one of its feature maps)
// through the course's one training loop, fitWithProgress: the same seeded shuffle, the same live progress,
// the same backend kernels as every other lesson.
//
// How it fits model.fit. The teacher runs once, in inference mode (BatchNorm on its moving statistics, no
// dropout), over the training examples; its logits (and pooled features) are cached and packed beside the
// labels into one target matrix. The student is wrapped in a training model whose single output packs its
// logits (and its adapted features) the same way, and one loss function unpacks both and returns
//   α · T² · KL(teacher ‖ student) + (1 − α) · CE(labels, student) + β · feature loss.
// So a distillation epoch costs about as much as a plain student epoch: the teacher's forward pass is paid
// once instead of once per epoch (`teacherSeconds` is that pass; without the cache every further epoch would
// pay it again). The price: inputs must be the same every epoch, so no per-epoch augmentation.
// α = 0 without features is plain cross-entropy training: the fair from-scratch baseline runs through the
// same loop, data order and optimizer. (With a teacher given, its KL is still logged at α = 0.)
// The teacher's weights are never in the training model, so they cannot change.
import * as tf from "@tensorflow/tfjs";
import { fitWithProgress, type LabelledData } from "../../train/fit";
import type { DisplayTarget } from "../../viz/display";
import { alignedFeatureLoss, checkFeatureKind, featureAdapter, spatialPooling, type FeatureLossKind } from "./feature-loss";
import { checkAlpha, checkTemperature, crossEntropyFromLogits, distillationLossTerms, type DistillationLossOptions } from "./loss";

/** Which feature maps to match, how, and how much that term weighs. */
export interface FeatureDistillation {
  /** Name of the student layer whose output is compared (model.getLayer(name)). */
  student: string;
  /** Name of the teacher layer it should reproduce. */
  teacher: string;
  kind: FeatureLossKind;
  /** β ≥ 0, the weight of the feature term (added to the α-weighted soft and hard terms). */
  weight: number;
}

export interface DistillLoss extends DistillationLossOptions {
  features?: FeatureDistillation;
}

export interface DistillOptions {
  /** Required unless alpha is 0 and there are no features (the from-scratch baseline). */
  teacher?: tf.LayersModel | null;
  /** A model with one output: logits [batch, classes]. Trained in place. */
  student: tf.LayersModel;
  data: LabelledData;
  loss: DistillLoss;
  epochs: number;
  batchSize?: number;
  /** Seed of the per-epoch shuffle (weights are seeded by whoever builds the student). */
  seed?: number;
  /** Adam's learning rate (default 0.001), unless an optimizer is given. */
  learningRate?: number;
  optimizer?: tf.Optimizer;
  title?: string;
  /** Progress display as in fitWithProgress: default the notebook, false for none. */
  display?: DisplayTarget | false;
}

/** One epoch's means over its batches (epoch counts from 1). `soft` is T²·KL (logged even when α = 0), `feature` the β-free term. */
export interface DistillEpoch {
  epoch: number;
  loss: number;
  hard: number;
  soft?: number;
  feature?: number;
  /** Training accuracy of the student's logits. */
  acc: number;
  seconds: number;
}

export interface DistillResult {
  history: DistillEpoch[];
  /** Wall-clock seconds of the training epochs. */
  seconds: number;
  /** Seconds of the one teacher pass that filled the cache (0 without a teacher). */
  teacherSeconds: number;
  /** Examples the teacher was run on: the training set size, once, however many epochs. */
  teacherExamples: number;
  /** The trained channel adapter of the feature term, or null. Not part of the student: dispose it when done. */
  adapter: tf.layers.Layer | null;
}

type Sym = tf.SymbolicTensor;

/** [batch, ...] → [batch, n]; tfjs's Flatten refuses a tensor that is already [batch, n]. */
const flat = (x: Sym): Sym => (x.shape.length > 2 ? (tf.layers.flatten().apply(x) as Sym) : x);

function classCount(model: tf.LayersModel, who: string): number {
  if (model.outputs.length !== 1 || model.outputs[0].shape.length !== 2) {
    throw new RangeError(`distill: the ${who} must have one output of logits [batch, classes], got ${model.outputs.map((o) => `[${o.shape}]`).join(", ")}`);
  }
  // Probabilities would be softened a second time and the losses would silently be wrong: refuse them.
  const last = model.outputs[0].sourceLayer;
  const config = last.getConfig() as { activation?: unknown };
  if (last.getClassName() === "Softmax" || config.activation === "softmax") {
    throw new RangeError(
      `distill: the ${who}'s output layer "${last.name}" applies a softmax; distillation needs logits ` +
        `(build the last dense layer without activation: "softmax")`,
    );
  }
  return model.outputs[0].shape[1] as number;
}

function layerOutput(model: tf.LayersModel, name: string, who: string): Sym {
  let layer: tf.layers.Layer;
  try {
    layer = model.getLayer(name);
  } catch {
    const names = model.layers.map((l) => l.name);
    throw new RangeError(`distill: the ${who} has no layer named ${JSON.stringify(name)}; its layers are ${names.join(", ")}`);
  }
  const out = layer.output;
  if (Array.isArray(out)) throw new RangeError(`distill: the ${who}'s layer ${JSON.stringify(name)} has several outputs; pick a layer with one`);
  return out as Sym;
}

function checkLoss(loss: DistillLoss, hasTeacher: boolean): void {
  if (!loss || typeof loss !== "object") throw new TypeError(`distill: loss must be { temperature, alpha, features? }, got ${String(loss)}`);
  checkTemperature(loss.temperature, "distill");
  checkAlpha(loss.alpha, "distill");
  const f = loss.features;
  if (f !== undefined) {
    if (!f || typeof f !== "object") throw new TypeError(`distill: loss.features must be { student, teacher, kind, weight }, got ${String(f)}`);
    checkFeatureKind(f.kind, "distill");
    if (typeof f.weight !== "number" || !Number.isFinite(f.weight) || f.weight < 0) {
      throw new RangeError(`distill: loss.features.weight must be a finite number ≥ 0, got ${String(f.weight)}`);
    }
  }
  if (!hasTeacher && (loss.alpha > 0 || f !== undefined)) {
    throw new TypeError(`distill: a teacher is needed for alpha = ${loss.alpha}${f ? " and feature distillation" : ""}; only alpha = 0 without features trains without one`);
  }
}

/** Runs `model` over `x` in inference mode, batch by batch, and concatenates each output. */
function predictAll(model: tf.LayersModel, x: tf.Tensor, batchSize = 256): tf.Tensor[] {
  const n = x.shape[0];
  const parts: tf.Tensor[][] = model.outputs.map(() => []);
  for (let start = 0; start < n; start += batchSize) {
    const outs = tf.tidy(() => {
      const y = model.predict(x.slice(start, Math.min(batchSize, n - start)));
      return Array.isArray(y) ? y : [y];
    });
    outs.forEach((o, i) => parts[i].push(o));
  }
  return parts.map((p) => {
    const all = tf.concat(p, 0);
    p.forEach((t) => t.dispose());
    return all;
  });
}

/** The per-term metric functions tfjs logs every batch (named, since tfjs uses a function's name). */
function named<F extends (yTrue: tf.Tensor, yPred: tf.Tensor) => tf.Tensor>(name: string, fn: F): F {
  Object.defineProperty(fn, "name", { value: name });
  return fn;
}

/**
 * Trains `student` (in place) to match `teacher`'s softened outputs and, with `loss.features`, one of its
 * feature maps; returns the per-epoch terms and how long the teacher pass and the training took.
 */
export async function distill(options: DistillOptions): Promise<DistillResult> {
  if (!options || typeof options !== "object") throw new TypeError("distill: expected { teacher, student, data, loss, epochs }");
  const { teacher, student, data, loss } = options;
  if (!(student instanceof tf.LayersModel)) throw new TypeError(`distill: student must be a tf.LayersModel, got ${typeof student}`);
  if (teacher != null && !(teacher instanceof tf.LayersModel)) throw new TypeError(`distill: teacher must be a tf.LayersModel, got ${typeof teacher}`);
  checkLoss(loss, teacher != null);
  if (!data || !(data.images instanceof tf.Tensor) || !(data.labels instanceof tf.Tensor)) {
    throw new TypeError("distill: data must be { images: tf.Tensor, labels: tf.Tensor } (one-hot labels)");
  }
  const classes = classCount(student, "student");
  if (teacher) {
    const teacherClasses = classCount(teacher, "teacher");
    if (teacherClasses !== classes) {
      throw new RangeError(`distill: the teacher predicts ${teacherClasses} classes but the student ${classes}; they must predict the same classes`);
    }
  }
  if (data.labels.rank !== 2 || data.labels.shape[1] !== classes) {
    throw new RangeError(`distill: labels must be one-hot [examples, ${classes}], got [${data.labels.shape}]`);
  }
  const { temperature, alpha } = loss;
  const features = loss.features;

  // The student's side of the feature term: its layer's output, pooled, through the adapter.
  let studentFeature: Sym | null = null;
  let adapter: tf.layers.Layer | null = null;
  let teacherPool: [number, number] = [1, 1];
  let teacherFeatureSym: Sym | null = null;
  if (features && teacher) {
    const s = layerOutput(student, features.student, "student");
    teacherFeatureSym = layerOutput(teacher, features.teacher, "teacher");
    const pools = spatialPooling(s.shape, teacherFeatureSym.shape);
    teacherPool = pools.teacher;
    let x: Sym = s;
    if (pools.student[0] * pools.student[1] > 1) {
      x = tf.layers.averagePooling2d({ poolSize: pools.student, strides: pools.student, padding: "valid" }).apply(x) as Sym;
    }
    const pooledTeacher = [...teacherFeatureSym.shape];
    if (pooledTeacher.length === 4) {
      pooledTeacher[1] = (pooledTeacher[1] as number) / teacherPool[0];
      pooledTeacher[2] = (pooledTeacher[2] as number) / teacherPool[1];
    }
    adapter = featureAdapter(x.shape, pooledTeacher, `${student.name}_feature_adapter`);
    if (adapter) x = adapter.apply(x) as Sym;
    studentFeature = x;
  }

  // One teacher pass, in inference mode, cached for every epoch.
  const teacherStart = performance.now();
  let teacherLogits: tf.Tensor | null = null;
  let teacherFeatures: tf.Tensor | null = null;
  if (teacher) {
    const view = teacherFeatureSym ? tf.model({ inputs: teacher.inputs, outputs: [teacher.outputs[0], teacherFeatureSym] }) : teacher;
    const outs = predictAll(view, data.images);
    teacherLogits = outs[0];
    if (outs[1]) {
      const pooled = tf.tidy(() => {
        const f = outs[1].rank === 4 && teacherPool[0] * teacherPool[1] > 1
          ? tf.avgPool(outs[1] as tf.Tensor4D, teacherPool, teacherPool, "valid")
          : outs[1];
        return tf.reshape(f, [f.shape[0], -1]);
      });
      outs[1].dispose();
      teacherFeatures = pooled;
    }
  }
  const teacherSeconds = teacher ? (performance.now() - teacherStart) / 1000 : 0;
  const featureSize = teacherFeatures ? (teacherFeatures.shape[1] as number) : 0;
  const studentFeatureSize = studentFeature ? studentFeature.shape.slice(1).reduce((a, b) => (a as number) * (b as number), 1) as number : 0;
  if (studentFeature && studentFeatureSize !== featureSize) {
    throw new RangeError(`distill: the adapted student features have ${studentFeatureSize} values per example but the teacher's ${featureSize}`);
  }

  // Packed targets [labels | teacher logits | teacher features] and outputs [logits | logits | student
  // features]. model.fit insists that targets and outputs have the same shape, so the output repeats the
  // logits where the targets hold the teacher's; the loss never reads that copy (it gets no gradient).
  const targets = tf.concat([data.labels, ...(teacherLogits ? [teacherLogits] : []), ...(teacherFeatures ? [teacherFeatures] : [])], 1);
  teacherLogits?.dispose();
  teacherFeatures?.dispose();
  const logits = student.outputs[0];
  const outputParts: Sym[] = [logits, ...(teacher ? [logits] : []), ...(studentFeature ? [flat(studentFeature)] : [])];
  const packedOutput = outputParts.length > 1 ? (tf.layers.concatenate({ axis: 1 }).apply(outputParts) as Sym) : logits;
  const trainingModel = tf.model({ inputs: student.inputs, outputs: packedOutput, name: `${student.name}_distill` });

  const hasTeacher = teacher != null;
  const unpack = (yTrue: tf.Tensor, yPred: tf.Tensor) => ({
    labels: yTrue.slice([0, 0], [-1, classes]),
    teacher: hasTeacher ? yTrue.slice([0, classes], [-1, classes]) : null,
    teacherFeatures: featureSize ? yTrue.slice([0, 2 * classes], [-1, featureSize]) : null,
    student: yPred.slice([0, 0], [-1, classes]),
    studentFeatures: featureSize ? yPred.slice([0, 2 * classes], [-1, featureSize]) : null,
  });
  const terms = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
    const u = unpack(yTrue, yPred);
    // Without a teacher (the baseline, α = 0) the loss is the hard term alone, the same function as KD's.
    const t = u.teacher
      ? distillationLossTerms(u.student, u.teacher, u.labels, { temperature, alpha })
      : { soft: null, hard: crossEntropyFromLogits(u.labels, u.student), total: crossEntropyFromLogits(u.labels, u.student) };
    const feature = u.studentFeatures && u.teacherFeatures ? alignedFeatureLoss(u.studentFeatures, u.teacherFeatures, features!.kind) : null;
    return { ...t, feature };
  };
  // tfjs calls the loss and then each metric on the same batch's targets and outputs, inside one training
  // step. The loss keeps its terms for that step, so the metrics report them instead of computing every
  // term again (which cost a quarter of a small student's step); on any other call they compute afresh.
  let lastStep: { yPred: tf.Tensor; terms: ReturnType<typeof terms> } | null = null;
  const termsOf = (yTrue: tf.Tensor, yPred: tf.Tensor) => (lastStep && lastStep.yPred === yPred ? lastStep.terms : terms(yTrue, yPred));
  const lossFn = (yTrue: tf.Tensor, yPred: tf.Tensor) => {
    // No tf.tidy here: the terms must live until the metrics have read them; the training step's own scope
    // disposes them with the rest of the step.
    const t = terms(yTrue, yPred);
    lastStep = { yPred, terms: t };
    return t.feature ? tf.add(t.total, tf.mul(t.feature, features!.weight)) : t.total;
  };
  const metrics = [
    named("acc", (yTrue, yPred) => tf.tidy(() => tf.metrics.categoricalAccuracy(yTrue.slice([0, 0], [-1, classes]), yPred.slice([0, 0], [-1, classes])))),
    named("hard", (yTrue, yPred) => termsOf(yTrue, yPred).hard),
    ...(hasTeacher ? [named("soft", (yTrue, yPred) => termsOf(yTrue, yPred).soft!)] : []),
    ...(featureSize ? [named("feature", (yTrue, yPred) => termsOf(yTrue, yPred).feature!)] : []),
  ];
  // An optimizer made here holds Adam's moments (twice the student's weights): disposed when training ends.
  const optimizer = options.optimizer ?? tf.train.adam(options.learningRate ?? 0.001);
  trainingModel.compile({ optimizer, loss: lossFn, metrics });

  try {
    const fit = await fitWithProgress(trainingModel, { images: data.images, labels: targets }, {
      epochs: options.epochs,
      batchSize: options.batchSize,
      seed: options.seed,
      title: options.title ?? (hasTeacher ? `distilling ${student.name}` : `training ${student.name}`),
      display: options.display,
    });
    const history = fit.history.map((r) => ({
      epoch: r.epoch,
      loss: r.loss,
      hard: r.metrics.hard,
      ...(hasTeacher ? { soft: r.metrics.soft } : {}),
      ...(featureSize ? { feature: r.metrics.feature } : {}),
      acc: r.metrics.acc,
      seconds: r.seconds,
    }));
    return { history, seconds: fit.seconds, teacherSeconds, teacherExamples: teacher ? data.images.shape[0] : 0, adapter };
  } finally {
    lastStep = null;
    targets.dispose();
    if (!options.optimizer) optimizer.dispose();
  }
}
