// Graded tests for lesson 08's batch-norm folding (exercises/08-quantization/fold.ts). Run them with
// `npm run grade -- --only 08.4`; each failing test prints its feedback as a hint.
// A hand-worked case, random kernels compared with course-lib/primitives/batch-norm.ts, and tfjs itself:
// a Conv2D followed by a BatchNormalization layer must compute what one Conv2D with the folded weights does.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, expect } from "vitest";
import { errorFrom, graded, validCall } from "../../course-lib/grader/graded";
import { mulberry32 } from "../../course-lib/data/random";
import * as reference from "../../course-lib/primitives/batch-norm";
import { foldBatchNorm } from "@exercise/08-quantization/fold";

beforeAll(async () => {
  await tf.setBackend("cpu");
});

const values = (next: () => number, n: number, lo: number, hi: number) => Float32Array.from({ length: n }, () => lo + (hi - lo) * next());

graded(
  { id: "08.4", points: 1, feedback: "f[c] = gamma[c] / sqrt(variance[c] + epsilon); kernel'[..., c] = f[c]·kernel[..., c]; bias'[c] = f[c]·(bias[c] − mean[c]) + beta[c]." },
  "folds a small dense kernel by hand",
  () => {
    const folded = foldBatchNorm({ values: [2, 4], shape: [1, 2] }, [1, 1], { gamma: [1, 2], beta: [0, 1], movingMean: [1, 3], movingVariance: [4, 16], epsilon: 0 }, "conv");
    expect(folded.kernel).toBeInstanceOf(Float32Array);
    expect(Array.from(folded.kernel)).toEqual([1, 2]);
    expect(Array.from(folded.bias)).toEqual([0, 0]);
    expect(folded.kernelShape).toEqual([1, 2]);
    const noBias = foldBatchNorm({ values: [1, 1, 1, 1], shape: [2, 2] }, null, { movingMean: [2, -2], movingVariance: [1, 0.25], epsilon: 0 }, "conv");
    expect(Array.from(noBias.kernel)).toEqual([1, 2, 1, 2]);
    expect(Array.from(noBias.bias)).toEqual([-2, 4]);
  },
);

graded(
  { id: "08.4", points: 2, feedback: "The output channel of flat index i is i mod C: C is the last dimension for conv/dense, the product of the last two for depthwise [kh, kw, c, m]. A missing gamma is 1, a missing beta 0, a null bias 0." },
  "matches the course's folding on conv and depthwise kernels, with and without bias, gamma and beta",
  () => {
    const next = mulberry32(84);
    const shapes: [number[], reference.KernelLayout][] = [[[3, 3, 4, 8], "conv"], [[3, 3, 4, 2], "depthwise"], [[10, 6], "conv"], [[5, 5, 3, 1], "depthwise"]];
    for (const [shape, layout] of shapes) {
      const c = layout === "depthwise" ? shape[2] * shape[3] : shape[shape.length - 1];
      const kernel = { values: values(next, shape.reduce((a, b) => a * b, 1), -1, 1), shape };
      for (const withBias of [true, false]) {
        const bn = { gamma: withBias ? values(next, c, 0.5, 2) : undefined, beta: withBias ? values(next, c, -1, 1) : undefined, movingMean: values(next, c, -1, 1), movingVariance: values(next, c, 0.01, 3), epsilon: 1e-3 };
        const bias = withBias ? values(next, c, -0.5, 0.5) : null;
        const mine = foldBatchNorm(kernel, bias, bn, layout);
        const expected = reference.foldBatchNorm(kernel, bias, bn, layout);
        const what = `${layout} [${shape}] ${withBias ? "with" : "without"} bias`;
        expect({ what, kernel: Array.from(mine.kernel), bias: Array.from(mine.bias), shape: mine.kernelShape }).toEqual({ what, kernel: Array.from(expected.kernel), bias: Array.from(expected.bias), shape });
      }
    }
  },
);

graded(
  { id: "08.4", points: 2, feedback: "Folding must not change what the network computes: one Conv2D with the folded kernel and bias gives the output of Conv2D followed by BatchNormalization (to float32 rounding)." },
  "a tfjs Conv2D + BatchNormalization equals one Conv2D with the folded weights",
  () => {
    const next = mulberry32(85);
    const input = tf.tensor4d(values(next, 1 * 6 * 6 * 3, -1, 1), [1, 6, 6, 3]);
    const conv = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", useBias: true });
    const bn = tf.layers.batchNormalization({ epsilon: 1e-3 });
    const expected = bn.apply(conv.apply(input)) as tf.Tensor;
    bn.setWeights([tf.tensor1d(values(next, 4, 0.5, 2)), tf.tensor1d(values(next, 4, -1, 1)), tf.tensor1d(values(next, 4, -0.5, 0.5)), tf.tensor1d(values(next, 4, 0.1, 2))]);
    const withBn = (bn.apply(conv.apply(input), { training: false }) as tf.Tensor).dataSync();
    const [kernel, bias] = conv.getWeights();
    const [gamma, beta, movingMean, movingVariance] = bn.getWeights().map((w) => w.dataSync());
    const folded = foldBatchNorm({ values: kernel.dataSync(), shape: kernel.shape }, bias.dataSync(), { gamma, beta, movingMean, movingVariance, epsilon: 1e-3 }, "conv");
    const one = tf.conv2d(input, tf.tensor4d(folded.kernel, kernel.shape as [number, number, number, number]), 1, "same").add(tf.tensor1d(folded.bias)).dataSync();
    let worst = 0, largest = 0;
    for (let i = 0; i < one.length; i++) {
      worst = Math.max(worst, Math.abs(one[i] - withBn[i]));
      largest = Math.max(largest, Math.abs(withBn[i]));
    }
    expect(worst / largest, "largest difference relative to the largest output").toBeLessThan(1e-5);
    expected.dispose();
  },
);

graded(
  { id: "08.4", points: 1, feedback: "Throw a RangeError naming the lengths when gamma, beta, the moving statistics or the bias do not have one value per output channel, and naming the value when movingVariance + epsilon is not > 0." },
  "rejects statistics of the wrong length and a variance that is not positive",
  () => {
    const kernel = { values: [1, 2, 3, 4, 5, 6], shape: [2, 3] };
    const bn = { movingMean: [0, 0, 0], movingVariance: [1, 1, 1], epsilon: 0 };
    validCall("foldBatchNorm(3 channels, variance 1)", () => foldBatchNorm(kernel, null, bn, "conv"));
    const short = errorFrom(() => foldBatchNorm(kernel, null, { ...bn, movingMean: [0, 0] }, "conv"));
    expect(short).toBeInstanceOf(RangeError);
    expect(short.message).toMatch(/\b2\b/);
    expect(short.message).toMatch(/\b3\b/);
    const biasLength = errorFrom(() => foldBatchNorm(kernel, [1, 2, 3, 4], bn, "conv"));
    expect(biasLength).toBeInstanceOf(RangeError);
    expect(biasLength.message).toMatch(/\b4\b/);
    const negative = errorFrom(() => foldBatchNorm(kernel, null, { ...bn, movingVariance: [1, -2, 1] }, "conv"));
    expect(negative).toBeInstanceOf(RangeError);
    expect(negative.message).toMatch(/-2/);
  },
);
