// Graded tests for lesson 06's soft targets (exercises/06-knowledge-distillation/soft-targets.ts). Run them
// with `npm run grade -- --only 06.1` and `--only 06.2`; each failing test prints its feedback as a hint.
// The references share no code with the course's: PyTorch's own F.kl_div(log_softmax(s/T), softmax(t/T),
// reduction="batchmean")·T² and F.cross_entropy in float64 (course-lib/compress/distill/fixtures/
// kd-reference.json, written by make-kd-fixture.py there), and a plain-JS float64 computation (test-helpers.ts). Most 06.2
// tests probe one property each (how the loss changes with T, with swapping the two networks, with classes
// nobody predicts, with α at 0 and 1, with splitting the batch), so a single mistake fails its own test;
// when your numbers are what a known mistake computes, the failure names the mistake.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect } from "vitest";
import { logSoftmax64, readKdReference, type Matrix } from "../../course-lib/compress/distill/test-helpers";
import { mulberry32 } from "../../course-lib/data/random";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { distillationLoss, softmaxWithTemperature } from "@exercise/06-knowledge-distillation/soft-targets";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const fixture = readKdReference();

/** Uniform values in [−scale, scale], rounded to float32 so the float64 reference sees what the tensors hold. */
function randomMatrix(next: () => number, rows: number, cols: number, scale: number): Matrix {
  return Array.from({ length: rows }, () => Array.from({ length: cols }, () => Math.fround(scale * (2 * next() - 1))));
}

function oneHot(indices: number[], classes: number): Matrix {
  return indices.map((k) => Array.from({ length: classes }, (_, c) => (c === k ? 1 : 0)));
}

function transpose(m: Matrix): Matrix {
  return m[0].map((_, c) => m.map((row) => row[c]));
}


/** |a − b| within float32 rounding of a loss computed another correct way (the mistakes are much larger). */
function close(a: number, b: number, rel = 2e-4, abs = 1e-5): boolean {
  return Math.abs(a - b) <= abs + rel * Math.max(Math.abs(a), Math.abs(b));
}

function tensorValues(result: unknown, call: string): { shape: number[]; values: number[] } {
  if (!(result instanceof tf.Tensor)) throw new Error(`${call} must return a tf.Tensor, got ${result === null ? "null" : typeof result}`);
  return { shape: result.shape, values: Array.from(result.dataSync()) };
}

// ---------------------------------------------------------------- 06.1 softmaxWithTemperature

/** softmax(x / T) over the last axis of a row-major array of the given shape, in float64. */
function softmax64(values: number[], shape: number[], temperature: number): number[] {
  const classes = shape[shape.length - 1];
  const out: number[] = [];
  for (let start = 0; start < values.length; start += classes) {
    out.push(...logSoftmax64(values.slice(start, start + classes), temperature).map(Math.exp));
  }
  return out;
}

function mySoftmax(values: number[], shape: number[], temperature: number): { shape: number[]; values: number[] } {
  const call = `softmaxWithTemperature(logits [${shape}], ${temperature})`;
  return tf.tidy(() => tensorValues(softmaxWithTemperature(tf.tensor(values, shape), temperature), call));
}

function expectProbabilities(what: string, mine: number[], expected: number[]): void {
  const worst = mine.length === expected.length ? Math.max(...mine.map((v, i) => (Number.isNaN(v) ? Infinity : Math.abs(v - expected[i])))) : Infinity;
  if (!(worst <= 2e-6)) {
    const round = (v: number[]) => v.map((x) => Number(x.toPrecision(6)));
    expect({ case: what, probabilities: round(mine) }).toEqual({ case: what, probabilities: round(expected) });
  }
}

graded(
  { id: "06.1", points: 2, feedback: "Divide the logits by T, then take the softmax over the last axis: exp(z_i / T) / Σ_j exp(z_j / T) for each row (tf.softmax(tf.div(logits, T)) does both)." },
  "matches softmax(z / T) computed in float64 on random logits",
  () => {
    const next = mulberry32(601);
    for (const shape of [[6, 10], [4, 3], [1, 12]]) {
      for (const temperature of [0.3, 1, 2.5, 10]) {
        const logits = randomMatrix(next, shape[0], shape[1], 8).flat();
        const mine = mySoftmax(logits, shape, temperature);
        const what = `logits [${shape}], T = ${temperature}`;
        expect({ case: what, shape: mine.shape }).toEqual({ case: what, shape });
        expectProbabilities(what, mine.values, softmax64(logits, shape, temperature));
      }
    }
  },
);

graded(
  { id: "06.1", points: 1, feedback: "The softmax runs over the LAST axis only (the classes of each example), for any rank: each row sums to 1 and the shape is kept. Normalising over the whole tensor or over the batch axis mixes examples." },
  "normalises each row over the last axis, for tensors of rank 1, 2 and 3",
  () => {
    const next = mulberry32(602);
    for (const shape of [[5], [3, 7], [2, 3, 4], [4, 4]]) {
      const size = shape.reduce((a, b) => a * b, 1);
      const logits = randomMatrix(next, 1, size, 5)[0];
      const mine = mySoftmax(logits, shape, 2);
      const what = `logits [${shape}], T = 2`;
      expect({ case: what, shape: mine.shape }).toEqual({ case: what, shape });
      const classes = shape[shape.length - 1];
      const rowSums: number[] = [];
      for (let start = 0; start < size; start += classes) rowSums.push(mine.values.slice(start, start + classes).reduce((a, b) => a + b, 0));
      expect({ case: what, rowSumsAreOne: rowSums.every((s) => Math.abs(s - 1) < 1e-5) }).toEqual({ case: what, rowSumsAreOne: true });
      expectProbabilities(what, mine.values, softmax64(logits, shape, 2));
    }
  },
);

graded(
  { id: "06.1", points: 1, feedback: "T = 1 is the plain softmax, and a larger T must give a flatter distribution (z is DIVIDED by T): softmax([2, 1, 0]) = [0.665, 0.245, 0.090], at T = 10 [0.367, 0.332, 0.301]." },
  "T = 1 is the plain softmax and a higher temperature flattens the distribution",
  () => {
    const logits = [2, 1, 0];
    expectProbabilities("logits [2, 1, 0], T = 1", mySoftmax(logits, [3], 1).values, softmax64(logits, [3], 1));
    const entropy = (p: number[]) => -p.reduce((sum, v) => sum + (v > 0 ? v * Math.log(v) : 0), 0);
    const temperatures = [0.5, 1, 2, 4, 10, 100];
    const entropies = temperatures.map((T) => entropy(mySoftmax(logits, [3], T).values));
    const increasing = entropies.every((h, i) => i === 0 || h > entropies[i - 1]);
    expect({ temperatures, entropyGrowsWithT: increasing }).toEqual({ temperatures, entropyGrowsWithT: true });
    const flat = mySoftmax(logits, [3], 1000).values;
    expect({ case: "T = 1000 is almost uniform", spread: Math.max(...flat) - Math.min(...flat) < 0.005 }).toEqual({ case: "T = 1000 is almost uniform", spread: true });
  },
);

graded(
  { id: "06.1", points: 1, feedback: "exp(1000) overflows to Infinity and Infinity / Infinity is NaN: subtract each row's maximum of z / T before exponentiating (softmax is unchanged by it), or use tf.softmax / tf.logSoftmax, which do." },
  "stays finite and exact for logits of ±1e3 to ±1e4",
  () => {
    const logits = [1e4, 0, -1e4, 1e3, 1e3, -1e3, -5e3, -5e3, -5e3, 2000, 1999, 0];
    for (const temperature of [1, 0.5, 4]) {
      const mine = mySoftmax(logits, [4, 3], temperature);
      const what = `logits [[1e4, 0, −1e4], [1e3, 1e3, −1e3], [−5e3, −5e3, −5e3], [2000, 1999, 0]], T = ${temperature}`;
      expect({ case: what, allFinite: mine.values.every(Number.isFinite) }).toEqual({ case: what, allFinite: true });
      expectProbabilities(what, mine.values, softmax64(logits, [4, 3], temperature));
    }
  },
);

graded(
  { id: "06.1", points: 1, feedback: "Throw a RangeError naming the temperature when it is not a finite number > 0 (0, negative, NaN, Infinity): dividing by it would give Infinity, flip the logits or give NaN." },
  "rejects a temperature that is not a finite number > 0",
  () => {
    const logits = tf.tensor2d([[1, 2, 3]]);
    validCall("softmaxWithTemperature(logits, 1)", () => softmaxWithTemperature(logits, 1));
    validCall("softmaxWithTemperature(logits, 0.05)", () => softmaxWithTemperature(logits, 0.05));
    for (const [temperature, named] of [[0, /\b0\b/], [-2, /-2/], [Number.NaN, /NaN/], [Infinity, /Infinity/], [-Infinity, /-Infinity/]] as const) {
      const error = errorFrom(() => softmaxWithTemperature(logits, temperature));
      expect(error, `softmaxWithTemperature(logits, ${temperature})`).toBeInstanceOf(RangeError);
      expect(error.message, `softmaxWithTemperature(logits, ${temperature})`).toMatch(named);
    }
    logits.dispose();
  },
);

// ---------------------------------------------------------------- 06.2 distillationLoss

interface KdCase {
  student: Matrix;
  teacher: Matrix;
  labels: Matrix;
  temperature: number;
  alpha: number;
}

/** Mistakes that published implementations shipped (Keras, attention-transfer) or that are easy to make, and their hints. */
const MISTAKES = {
  "no T²": "the soft term is missing its T² factor (α · T² · KL)",
  "KL(q ‖ p)": "the KL is taken the wrong way round, KL(student ‖ teacher): the teacher's p = softmax(z_t / T) weights the log-ratio, Σ p (log p − log q)",
  "soft element mean": "the KL is averaged over batch × classes (tf.mean): sum it over the classes, then divide by the batch size only",
  "hard element mean": "the cross-entropy is averaged over batch × classes (tf.mean): sum −y · log q over the classes, then divide by the batch size only",
  "batch sum": "the loss is summed over the batch: divide the sums by the number of examples",
  "α on the hard term": "α weights the hard (label) term: α must weight the soft term and 1 − α the cross-entropy",
  "hard term at T": "the cross-entropy with the labels uses softmax(z_s / T): the hard term is at T = 1",
  "softmax over the batch": "the softmax normalises over the batch axis: normalise over the classes (the last axis) of each example",
  "softmax over everything": "the softmax normalises over the whole tensor: sum the exponentials over the last axis only (keepDims)",
} as const;
type Mistake = keyof typeof MISTAKES;
const MISTAKE_NAMES = Object.keys(MISTAKES) as Mistake[];

/** The loss in float64, as defined in the exercise or as computed with one mistake. */
function referenceLoss(c: KdCase, mistake?: Mistake): number {
  const T = c.temperature;
  const batch = c.student.length;
  const classes = c.student[0].length;
  const logSoftmaxOf = (m: Matrix, temperature: number): Matrix => {
    if (mistake === "softmax over the batch") return transpose(transpose(m).map((column) => logSoftmax64(column, temperature)));
    if (mistake === "softmax over everything") {
      const flat = logSoftmax64(m.flat(), temperature);
      return m.map((_, b) => flat.slice(b * classes, (b + 1) * classes));
    }
    return m.map((row) => logSoftmax64(row, temperature));
  };
  const logP = logSoftmaxOf(c.teacher, T);
  const logQ = logSoftmaxOf(c.student, T);
  const logQHard = logSoftmaxOf(c.student, mistake === "hard term at T" ? T : 1);
  let kl = 0;
  let crossEntropy = 0;
  for (let b = 0; b < batch; b++) {
    for (let k = 0; k < classes; k++) {
      kl += mistake === "KL(q ‖ p)" ? Math.exp(logQ[b][k]) * (logQ[b][k] - logP[b][k]) : Math.exp(logP[b][k]) * (logP[b][k] - logQ[b][k]);
      crossEntropy -= c.labels[b][k] * logQHard[b][k];
    }
  }
  kl /= mistake === "soft element mean" ? batch * classes : mistake === "batch sum" ? 1 : batch;
  crossEntropy /= mistake === "hard element mean" ? batch * classes : mistake === "batch sum" ? 1 : batch;
  const soft = mistake === "no T²" ? kl : T * T * kl;
  return mistake === "α on the hard term" ? (1 - c.alpha) * soft + c.alpha * crossEntropy : c.alpha * soft + (1 - c.alpha) * crossEntropy;
}

function describeCase(c: KdCase): string {
  return `batch ${c.student.length}, ${c.student[0].length} classes, T = ${c.temperature}, α = ${c.alpha}`;
}

/** The learner's loss as a number; fails the test with the call named if it is not a scalar tensor. */
function myLoss(c: KdCase): number {
  return tf.tidy(() => {
    const call = `distillationLoss(${describeCase(c)})`;
    const result = distillationLoss(tf.tensor2d(c.student), tf.tensor2d(c.teacher), tf.tensor2d(c.labels), { temperature: c.temperature, alpha: c.alpha });
    const { shape, values } = tensorValues(result, call);
    if (shape.length !== 0) throw new Error(`${call} must return a scalar (tf.Scalar, shape []), got shape [${shape}]: average over the batch`);
    return values[0];
  });
}

/** What a test measures of a loss: numbers computed with it (the learner's, the reference or a mistake's). */
type Probe = (loss: (c: KdCase) => number) => number[];

/**
 * Compares what `probe` measures on the learner's loss with the float64 reference (or `expected`); when it
 * differs, names the mistake whose reference gives the learner's numbers, if one does.
 */
function expectProbe(what: string, probe: Probe, expected?: number[]): void {
  const mine = probe(myLoss);
  const wanted = expected ?? probe((c) => referenceLoss(c));
  const agrees = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => close(v, b[i]));
  if (agrees(mine, wanted)) return;
  const round = (v: number[]) => v.map((x) => Number(x.toPrecision(6)));
  if (mine.some((v) => !Number.isFinite(v))) {
    throw new Error(`${what}: got [${round(mine)}], not all finite: compute log p and log q with tf.logSoftmax (log(softmax(...)) is log 0 = −Infinity for a confident network, and 0 · −Infinity is NaN)`);
  }
  const suspects = MISTAKE_NAMES.filter((m) => {
    const theirs = probe((c) => referenceLoss(c, m));
    return agrees(mine, theirs) && !agrees(theirs, wanted);
  });
  if (suspects.length > 0) {
    throw new Error(`${what}: got [${round(mine)}], expected [${round(wanted)}]; that is what you get when ${suspects.map((m) => MISTAKES[m]).join("; or when ")}`);
  }
  expect({ case: what, values: round(mine) }).toEqual({ case: what, values: round(wanted) });
}

/**
 * A one-point 06.2 test on random batches: `probes` draws them from mulberry32(seed) and returns what to
 * measure, as [description, probe] pairs, each checked by expectProbe in turn.
 */
function gradedProbes(info: { seed: number; feedback: string }, title: string, probes: (next: () => number) => [string, Probe][]): void {
  graded({ id: "06.2", points: 1, feedback: info.feedback }, title, () => {
    for (const [what, probe] of probes(mulberry32(info.seed))) expectProbe(what, probe);
  });
}

/** A random batch: student and teacher logits of the given scales, one-hot labels. */
function randomCase(next: () => number, batch: number, classes: number, temperature: number, alpha: number, scales: [number, number] = [3, 5]): KdCase {
  const labels = oneHot(Array.from({ length: batch }, () => Math.floor(next() * classes)), classes);
  return { student: randomMatrix(next, batch, classes, scales[0]), teacher: randomMatrix(next, batch, classes, scales[1]), labels, temperature, alpha };
}

graded(
  { id: "06.2", points: 3, feedback: "L = α · T² · KL(softmax(z_t/T) ‖ softmax(z_s/T)) + (1 − α) · CE(y, softmax(z_s)): the KL summed over the classes and averaged over the batch, the cross-entropy at T = 1 averaged over the batch. Work the stub's example by hand first." },
  "matches PyTorch's kl_div(batchmean) · T² and cross_entropy over a grid of T and α",
  () => {
    for (const batch of fixture.logits) {
      const cases: KdCase[] = batch.cases.map(({ temperature, alpha }) => ({ student: batch.student, teacher: batch.teacher, labels: batch.labels, temperature, alpha }));
      const values = (key: "temperature" | "alpha") => [...new Set(cases.map((c) => c[key]))].join(", ");
      const grid = `${cases.length} cases: every T in {${values("temperature")}} with every α in {${values("alpha")}}`;
      expectProbe(`${batch.name}; ${grid}`, (loss) => cases.map(loss), batch.cases.map((c) => c.total));
    }
    // The stub's worked example.
    const example: KdCase = { student: [[0, 1, 0]], teacher: [[2, 1, 0]], labels: [[1, 0, 0]], temperature: 2, alpha: 0.9 };
    expectProbe("the stub's example: z_s [0, 1, 0], z_t [2, 1, 0], y [1, 0, 0], T = 2, α = 0.9", (loss) => [loss(example)]);
  },
);

/** Two-class logits whose student is the teacher mirrored: KL(p ‖ q) = KL(q ‖ p), so the direction does not matter. */
function mirroredCase(temperature: number): KdCase {
  const teacher = [[3, -1], [0.5, 2], [-2, 2.5]];
  return { teacher, student: teacher.map(([a, b]) => [b, a]), labels: oneHot([0, 1, 1], 2), temperature, alpha: 1 };
}

graded(
  { id: "06.2", points: 1, feedback: "Multiply the KL by T²: the soft term's gradient shrinks like 1/T² as T grows, and T² keeps its weight against the hard term the same whatever T you pick. At α = 1 the loss grows with T like T² · KL(T)." },
  "multiplies the soft term by T²",
  () => {
    const temperatures = [2, 4, 8];
    expectProbe(
      `loss(T) / loss(T = 1) at α = 1 for T = ${temperatures.join(", ")} (mirrored two-class logits)`,
      (loss) => temperatures.map((T) => loss(mirroredCase(T)) / loss(mirroredCase(1))),
    );
  },
);

graded(
  { id: "06.2", points: 1, feedback: "The soft term is KL(teacher ‖ student) = Σ_c p_c (log p_c − log q_c) with p = softmax(z_t / T), the teacher's target distribution, and q = softmax(z_s / T): KL is not symmetric, and KL(q ‖ p) is another objective (the first Keras example shipped it)." },
  "takes the KL from the teacher to the student, KL(p ‖ q)",
  () => {
    const confident = [[6, 0, 0, 0], [0, 5, -1, 0]];
    const unsure = [[0.5, 0, 0.2, 0], [0, 0.3, 0, 0.4]];
    const labels = oneHot([0, 1], 4);
    const probe = (loss: (c: KdCase) => number) =>
      [1, 3].map((T) => loss({ student: unsure, teacher: confident, labels, temperature: T, alpha: 1 }) / loss({ student: confident, teacher: unsure, labels, temperature: T, alpha: 1 }));
    expectProbe("loss(unsure student, confident teacher) / loss(confident student, unsure teacher) at α = 1, T = 1 and 3", probe);
  },
);

/** The same examples with `extra` classes that neither network predicts (logit −40: probability e^−40). */
function withDeadClasses(c: KdCase, extra: number): KdCase {
  const pad = (m: Matrix, value: number) => m.map((row) => [...row, ...Array.from({ length: extra }, () => value)]);
  return { ...c, student: pad(c.student, -40), teacher: pad(c.teacher, -40), labels: pad(c.labels, 0) };
}

/**
 * How the plain cross-entropy (α = 0, T = 1) changes with other labels: a ratio no mistake on the soft term
 * or in the reduction changes, which keeps a loss that ignores its inputs from passing the tests below.
 */
function labelsMatter(loss: (c: KdCase) => number, c: KdCase): number {
  const shifted = c.labels.map((row) => [row[row.length - 1], ...row.slice(0, -1)]);
  const plain = { ...c, alpha: 0, temperature: 1 };
  return loss({ ...plain, labels: shifted }) / loss(plain);
}

gradedProbes(
  { seed: 621, feedback: "Sum each term over the classes, then divide by the batch size (PyTorch's reduction \"batchmean\"). tf.mean over all the elements also divides by the number of classes, so adding classes nobody predicts would shrink the loss; a plain sum over the batch doubles it when the batch is repeated." },
  "sums over the classes and averages over the batch",
  (next) => {
    const base = randomCase(next, 4, 5, 1, 1);
    const twice = { ...base, student: [...base.student, ...base.student], teacher: [...base.teacher, ...base.teacher], labels: [...base.labels, ...base.labels] };
    const probe = (loss: (c: KdCase) => number) => [
      loss(withDeadClasses(base, 5)) / loss(base),
      loss(withDeadClasses({ ...base, alpha: 0 }, 5)) / loss({ ...base, alpha: 0 }),
      loss({ ...twice, temperature: 2, alpha: 0.5 }) / loss({ ...base, temperature: 2, alpha: 0.5 }),
      labelsMatter(loss, base),
    ];
    return [[
      "loss with 5 more classes of logit −40 / loss, at α = 1 and at α = 0 (T = 1); loss of the batch repeated twice / loss of the batch (T = 2, α = 0.5); cross-entropy with other labels / cross-entropy",
      probe,
    ]];
  },
);

gradedProbes(
  { seed: 622, feedback: "α weights the soft (teacher) term and 1 − α the hard (label) term: at α = 1 the labels do not matter, at α = 0 the teacher does not (plain training). Keras's example puts α on the other term; this course follows attention-transfer and Distiller." },
  "weights the soft term by α and the hard term by 1 − α",
  (next) => {
    const c = randomCase(next, 5, 4, 2, 1);
    const otherLabels = oneHot([3, 2, 1, 0, 3], 4);
    const otherTeacher = randomMatrix(next, 5, 4, 5);
    const probe = (loss: (k: KdCase) => number) => [
      loss({ ...c, labels: otherLabels }) / loss(c),
      loss({ ...c, alpha: 0, teacher: otherTeacher }) / loss({ ...c, alpha: 0 }),
      labelsMatter(loss, c),
    ];
    return [["loss with other labels / loss at α = 1; loss with another teacher / loss at α = 0 (T = 2); cross-entropy with other labels / cross-entropy", probe]];
  },
);

gradedProbes(
  { seed: 623, feedback: "The hard term is the ordinary cross-entropy −Σ y · log softmax(z_s) at T = 1, whatever T the soft term uses: the student is deployed at T = 1, so that is where it must get the labels right. At α = 0 the loss does not depend on T." },
  "computes the hard term at T = 1",
  (next) => {
    const c = randomCase(next, 4, 6, 1, 0);
    const temperatures = [2, 4, 10];
    return [[
      `loss(T) / loss(T = 1) at α = 0 for T = ${temperatures.join(", ")}; cross-entropy with other labels / cross-entropy`,
      (loss) => [...temperatures.map((T) => loss({ ...c, temperature: T }) / loss(c)), labelsMatter(loss, c)],
    ]];
  },
);

gradedProbes(
  { seed: 624, feedback: "Each softmax runs over the classes of one example (the last axis): tf.logSoftmax does, a hand-written exp / sum must sum over axis 1 with keepDims. Then the loss of a batch is the mean of its examples' losses." },
  "takes each softmax over the classes of one example",
  (next) =>
    [[3, 5], [4, 4]].map(([batch, classes]): [string, Probe] => {
      const c = randomCase(next, batch, classes, 2, 0.5);
      const single = (b: number): KdCase => ({ ...c, student: [c.student[b]], teacher: [c.teacher[b]], labels: [c.labels[b]] });
      const probe = (loss: (k: KdCase) => number) => {
        const parts = Array.from({ length: batch }, (_, b) => loss(single(b)));
        return [loss(c) / (parts.reduce((a, v) => a + v, 0) / batch), labelsMatter(loss, c)];
      };
      return [`loss of a batch / the mean of its examples' losses (${describeCase(c)}); cross-entropy with other labels / cross-entropy`, probe];
    }),
);

gradedProbes(
  { seed: 625, feedback: "Confident networks have logits of ±1e3 and more, and a softmax does not change when all the logits of a row move by the same amount: compute log p and log q with tf.logSoftmax (stable), never log(softmax(...)), which is log 0 = −Infinity, nor exp of the raw logits, which is Infinity." },
  "stays finite and exact for logits of ±1e3 to ±1e4",
  (next) => {
    const moderate = randomCase(next, 4, 3, 1, 0.5);
    const offsets = [1e4, -1e4, 3e3, -5e3];
    const shift = (m: Matrix) => m.map((row, b) => row.map((v) => Math.fround(v + offsets[b])));
    const extreme: KdCase = {
      teacher: [[1e4, -1e4, 0], [2e3, 1999, -2e3], [-5e3, 0, 5e3], [0, 0, 0]],
      student: [[9e3, -1e4, 500], [1999, 2e3, 0], [5e3, 0, -5e3], [1e3, -1e3, 0]],
      labels: oneHot([0, 1, 2, 0], 3),
      temperature: 1,
      alpha: 0.5,
    };
    const probe = (loss: (c: KdCase) => number) => [
      ...[1, 4, 20].map((T) => loss({ ...moderate, student: shift(moderate.student), teacher: shift(moderate.teacher), temperature: T }) / loss({ ...moderate, temperature: T })),
      ...[1, 4].map((T) => loss({ ...extreme, student: shift(extreme.student), teacher: shift(extreme.teacher), temperature: T }) / loss({ ...extreme, temperature: T })),
      loss({ ...extreme, alpha: 0 }) / loss({ ...moderate, alpha: 0, temperature: 1 }),
    ];
    return [[
      "loss with every row's logits moved by 1e4, −1e4, 3e3, −5e3 / loss, at T = 1, 4, 20 for logits of scale 1 and at T = 1, 4 for logits of ±1e4; cross-entropy of the ±1e4 logits / cross-entropy of the small ones",
      probe,
    ]];
  },
);

graded(
  { id: "06.2", points: 1, feedback: "Throw a RangeError naming the value when T is not a finite number > 0 or α is outside [0, 1] (0 and 1 are valid: plain training and pure distillation), and naming both counts when the teacher's and the student's logits have different numbers of classes." },
  "rejects a bad temperature, an α outside [0, 1] and teacher and student with different classes",
  () => {
    const s = tf.tensor2d([[1, 2, 3], [0, 1, 0]]);
    const t = tf.tensor2d([[2, 1, 0], [1, 1, 1]]);
    const y = tf.tensor2d([[1, 0, 0], [0, 0, 1]]);
    for (const options of [{ temperature: 4, alpha: 0 }, { temperature: 4, alpha: 1 }, { temperature: 0.5, alpha: 0.9 }]) {
      validCall(`distillationLoss(s, t, y, ${JSON.stringify(options)})`, () => distillationLoss(s, t, y, options));
    }
    const bad: [{ temperature: number; alpha: number }, RegExp][] = [
      [{ temperature: 4, alpha: -0.1 }, /-0\.1/],
      [{ temperature: 4, alpha: 1.5 }, /1\.5/],
      [{ temperature: 4, alpha: Number.NaN }, /NaN/],
      [{ temperature: 0, alpha: 0.5 }, /\b0\b/],
      [{ temperature: -3, alpha: 0.5 }, /-3/],
      [{ temperature: Number.NaN, alpha: 0.5 }, /NaN/],
      [{ temperature: Infinity, alpha: 0.5 }, /Infinity/],
    ];
    for (const [options, named] of bad) {
      const call = `distillationLoss(s, t, y, { temperature: ${options.temperature}, alpha: ${options.alpha} })`;
      const error = errorFrom(() => distillationLoss(s, t, y, options));
      expect(error, call).toBeInstanceOf(RangeError);
      expect(error.message, call).toMatch(named);
    }
    const teacher10 = tf.zeros([2, 10]);
    const student12 = tf.zeros([2, 12]);
    const labels12 = tf.oneHot([1, 11], 12);
    validCall("distillationLoss(12 classes, 12 classes, labels of 12)", () => distillationLoss(student12, tf.zeros([2, 12]), labels12, { temperature: 2, alpha: 0.5 }));
    const call = "distillationLoss(student of 12 classes, teacher of 10, labels of 12, { temperature: 2, alpha: 0.5 })";
    const mismatch = errorFrom(() => distillationLoss(student12, teacher10, labels12, { temperature: 2, alpha: 0.5 }));
    expect(mismatch, call).toBeInstanceOf(RangeError);
    expect(mismatch.message, call).toMatch(/\b10\b/);
    expect(mismatch.message, call).toMatch(/\b12\b/);
    tf.dispose([s, t, y, teacher10, student12, labels12]);
  },
);
