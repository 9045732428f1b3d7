// The gradients the course replaces while the wasm backend is active (Relu, Relu6, Square, Mean,
// FusedBatchNorm) and the fused hard-swish, moments, conv2d and matMul (bias + activation) ops, checked against the cpu backend, which keeps
// tfjs-core's own composed gradients and ops: same inputs, tf.grad on both, error relative to the
// reference's scale <= 1e-4. Inputs include the kinks (0 and 6 for relu6, -3 and 3 for hard-swish),
// NaN, sizes that are not a multiple of 4 (the SIMD loops' JS tail) and channel counts that are
// (SIMD) and are not (JS path).
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { COURSE_WASM_GRADIENTS, fusedConv2d, fusedMatMul, fusedMoments, hardSwish } from "./kernels/index";
import { randomValues, relativeMaxError } from "./kernel-check";

const TOLERANCE = 1e-4;

beforeAll(async () => {
  delete process.env.COURSE_BACKEND;
  await initBackend({ backend: "wasm" });
});

interface GradResult { y: Float32Array; dx: Float32Array[] }

/** Runs f forward and backward (weighted by a fixed random dy) on one backend. */
async function gradOn(backend: "wasm" | "cpu", f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: { shape: number[]; values: Float32Array }[]): Promise<GradResult> {
  await tf.setBackend(backend);
  const xs = inputs.map((i) => tf.tensor(i.values, i.shape));
  const y = f(...xs);
  const dy = tf.tensor(randomValues(y.size, 999), y.shape);
  const grads = tf.grads((...args: tf.Tensor[]) => f(...args))(xs, dy);
  const result = { y: Float32Array.from(await y.data()), dx: await Promise.all(grads.map(async (g) => Float32Array.from(await g.data()))) };
  tf.dispose([...xs, y, dy, ...grads]);
  return result;
}

function hasNaNAt(values: Float32Array, i: number): boolean {
  return Number.isNaN(values[i]);
}

/** Compares wasm and cpu; NaN must appear at the same places (then the rest is compared). */
async function expectSameGrads(label: string, f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: { shape: number[]; values: Float32Array }[]) {
  const wasm = await gradOn("wasm", f, inputs);
  const cpu = await gradOn("cpu", f, inputs);
  const pairs: [string, Float32Array, Float32Array][] = [["y", wasm.y, cpu.y], ...wasm.dx.map((d, i) => [`dx${i}`, d, cpu.dx[i]] as [string, Float32Array, Float32Array])];
  for (const [name, a, b] of pairs) {
    for (let i = 0; i < b.length; i++) {
      expect(hasNaNAt(a, i), `${label} ${name}[${i}]: wasm ${a[i]} cpu ${b[i]}`).toBe(hasNaNAt(b, i));
    }
    const err = relativeMaxError(a.map((v) => (Number.isNaN(v) ? 0 : v)), b.map((v) => (Number.isNaN(v) ? 0 : v)));
    expect(err, `${label} ${name}: relative error ${err}`).toBeLessThanOrEqual(TOLERANCE);
  }
}

/** Random values scaled to [-range, range) with the given special values written in front. */
function values(size: number, seed: number, range: number, special: number[] = []): Float32Array {
  const v = randomValues(size, seed).map((x) => x * range);
  special.forEach((s, i) => (v[i] = s));
  return v;
}

describe("fused tf.moments (BatchNorm statistics)", () => {
  // fusedMoments is what tfjs-core's `moments` becomes under CommonJS (tsx, notebooks, the benchmark);
  // vitest loads tfjs as an ES module, where it cannot be replaced, so it is called directly here: the
  // fused kernel on wasm against tfjs-core's stock moments on cpu.
  const shape = [3, 5, 4, 8];
  const size = shape.reduce((a, b) => a * b, 1);
  // Large per-channel offsets: the variance must not lose precision to the mean.
  const x = () => ({ shape, values: values(size, 21, 2).map((v, i) => v + 50 * ((i % 8) - 3)) });
  for (const keepDims of [false, true]) {
    it(`mean and variance and their gradient match cpu (keepDims ${keepDims})`, async () => {
      await expectSameGrads("moments", (t) => {
        const { mean, variance } = fusedMoments(t, [0, 1, 2], keepDims);
        return tf.add(tf.mul(mean, 0.7), tf.mul(variance, tf.linspace(-1, 2, 8)));
      }, [x()]);
    });
  }
  it("only the mean, or only the variance, on the gradient path", async () => {
    await expectSameGrads("moments mean", (t) => fusedMoments(t, [0, 1, 2]).mean, [x()]);
    await expectSameGrads("moments variance", (t) => fusedMoments(t, [0, 1, 2]).variance, [x()]);
  });
  it("BatchNorm on fused moments: loss gradient matches cpu", async () => {
    await expectSameGrads("bn(moments)", (t, gamma, beta) => {
      const { mean, variance } = fusedMoments(t, [0, 1, 2]);
      return tf.batchNorm(t, mean, variance, beta, gamma, 1e-3);
    }, [x(), { shape: [8], values: values(8, 22, 0.5).map((v) => 1 + v) }, { shape: [8], values: values(8, 23, 1) }]);
  });
  it("runs the fused kernel on wasm and the stock op for other axes; installed as tfjs-core's CommonJS moments", async () => {
    await tf.setBackend("wasm");
    const t = tf.tensor(x().values, shape);
    expect((await tf.profile(() => fusedMoments(t, [0, 1, 2]))).kernelNames).toContain("CourseMoments");
    expect((await tf.profile(() => fusedMoments(t, [1, 2]))).kernelNames).not.toContain("CourseMoments");
    await expectSameGrads("moments axes [1,2]", (u) => fusedMoments(u, [1, 2]).variance, [x()]);
    t.dispose();
    expect(require("@tensorflow/tfjs-core").moments).toBe(fusedMoments);
  });
});

it("the replaced gradients are the ones tested here", () => {
  expect([...COURSE_WASM_GRADIENTS].sort()).toEqual(["CourseHardSwish", "FusedBatchNorm", "Mean", "Relu", "Relu6", "Square"]);
});

describe("element-wise gradients", () => {
  // 2*3*5*7 = 210 elements (not a multiple of 4) and 4*6*8 = 192 (a multiple).
  for (const shape of [[2, 3, 5, 7], [4, 6, 8]]) {
    const size = shape.reduce((a, b) => a * b, 1);
    it(`relu6 [${shape}] incl. x = 0, 6`, async () => {
      // (NaN is checked below on the gradient alone: the stock wasm Relu6 forward maps NaN to 0, cpu to NaN.)
      await expectSameGrads("relu6", (x) => tf.relu6(x), [{ shape, values: values(size, 1, 8, [0, 6, -0, 6.0001, 5.9999]) }]);
    });
    it(`relu [${shape}] incl. x = 0, NaN`, async () => {
      await expectSameGrads("relu", (x) => tf.relu(x), [{ shape, values: values(size, 2, 3, [0, NaN, -0]) }]);
    });
    it(`square [${shape}]`, async () => {
      await expectSameGrads("square", (x) => tf.square(x), [{ shape, values: values(size, 3, 5) }]);
    });
    it(`hard-swish op [${shape}] incl. x = -3, 3, NaN, ±large (fused on wasm, composed on cpu)`, async () => {
      await expectSameGrads("hardSwish", (x) => hardSwish(x), [{ shape, values: values(size, 4, 6, [-3, 3, NaN, -1e6, 1e6, 0, -2.9999, 3.0001]) }]);
    });
  }
  for (const [shape, axis, keepDims] of [[[4, 5, 6, 8], [0, 1, 2], false], [[3, 5, 7], [1], true], [[2, 3, 4], [0, 2], false], [[5, 6], undefined, false]] as [number[], number[] | undefined, boolean][]) {
    it(`mean [${shape}] axis ${JSON.stringify(axis)} keepDims ${keepDims}`, async () => {
      const size = shape.reduce((a, b) => a * b, 1);
      await expectSameGrads("mean", (x) => tf.mean(x, axis, keepDims), [{ shape, values: values(size, 5, 2) }]);
    });
  }
});

it("the relu6 gradient at NaN is NaN, as tfjs-core's composed gradient gives on cpu", async () => {
  const grads: number[][] = [];
  for (const backend of ["wasm", "cpu"]) {
    await tf.setBackend(backend);
    const x = tf.tensor([NaN, 1, 7, 0, NaN]);
    const g = tf.grad((t: tf.Tensor) => tf.relu6(t))(x);
    grads.push(Array.from(await g.data()));
    tf.dispose([x, g]);
  }
  expect(grads[0]).toEqual(grads[1]);
  expect(grads[0]).toEqual([NaN, 1, 0, 0, NaN]);
});

it("hard-swish's subgradient at the kinks is tfjs-core's: 0 at -3, 1.5 at 3", async () => {
  await tf.setBackend("wasm");
  const x = tf.tensor([-3, 3, -4, 4, 0]);
  const g = tf.grad((t: tf.Tensor) => hardSwish(t))(x);
  expect(Array.from(await g.data())).toEqual([0, 1.5, 0, 1, 0.5]);
  tf.dispose([x, g]);
});

describe("BatchNorm gradient (training-mode batch statistics, as BatchNormalization layers compute it)", () => {
  for (const C of [8, 3]) {
    // (Without a scale or an offset tfjs-core cannot differentiate batchNorm at all, on any backend:
    // it saves/filters the missing inputs for the backward pass and fails. So both are given here.)
    {
      it(`x [3,5,4,${C}]${C % 4 ? " (JS path)" : " (SIMD path)"}`, async () => {
        const shape = [3, 5, 4, C];
        const size = shape.reduce((a, b) => a * b, 1);
        const inputs = [
          { shape, values: values(size, 6, 3).map((v, i) => v + (i % C)) }, // per-channel offsets
          { shape: [C], values: values(C, 7, 0.5).map((v) => 1 + v) },
          { shape: [C], values: values(C, 8, 1) },
        ];
        await expectSameGrads(
          "batchNorm",
          (x, gamma, beta) => {
            const { mean, variance } = tf.moments(x, [0, 1, 2]);
            return tf.batchNorm(x, mean, variance, beta, gamma, 1e-3);
          },
          inputs,
        );
      });
    }
  }
  it("with moving statistics (mean and variance are not functions of x)", async () => {
    const shape = [2, 3, 3, 8];
    const size = shape.reduce((a, b) => a * b, 1);
    await expectSameGrads(
      "batchNorm inference",
      (x, mean, variance, gamma, beta) => tf.batchNorm(x, mean, tf.add(tf.abs(variance), 0.5), beta, gamma, 1e-3),
      [
        { shape, values: values(size, 9, 2) }, { shape: [8], values: values(8, 10, 1) }, { shape: [8], values: values(8, 11, 1) },
        { shape: [8], values: values(8, 12, 2) }, { shape: [8], values: values(8, 13, 1) },
      ],
    );
  });
});

describe("fused conv2d (tfjs-layers' conv2d layers: bias + relu/linear, lazy gradients)", () => {
  // fusedConv2d is what tf.fused.conv2d becomes under CommonJS (tsx, notebooks, the benchmark); on cpu
  // it is tfjs-core's op (conv + add + relu in gradient mode, or its customGrad), the reference.
  // CI = 4 runs XNNPACK's convolution; CI = 1 with CO % 8 == 0 the direct loops of conv-direct.ts
  // (output widths 7, 4 and 8: the 4-position tiles with and without a tail; 5x5 has a 1-tap last group).
  const N = 3, H = 9, W = 8;
  for (const [CI, CO, F] of [[4, 8, 3], [1, 8, 3], [1, 16, 5]] as [number, number, number][]) {
    for (const activation of ["relu", "linear"] as const) {
      for (const withBias of [true, false]) {
        for (const [stride, pad] of [[1, "valid"], [2, "same"], [1, "same"]] as [number, "valid" | "same"][]) {
          const label = `${CI} -> ${CO} channels ${F}x${F} ${activation}${withBias ? " + bias" : ""} stride ${stride} ${pad}`;
          it(label, async () => {
            const inputs = [
              { shape: [N, H, W, CI], values: values(N * H * W * CI, 31, 1) },
              { shape: [F, F, CI, CO], values: values(F * F * CI * CO, 32, 0.5) },
              ...(withBias ? [{ shape: [CO], values: values(CO, 33, 0.3) }] : []),
            ];
            await expectSameGrads(
              `fused conv2d ${label}`,
              (x, filter, bias) => fusedConv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: stride, pad, bias, activation }),
              inputs,
            );
          });
        }
      }
    }
  }
  it("runs one CourseFusedConv2D kernel on wasm and skips the input gradient when x needs none", async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor4d(values(2 * 8 * 8 * 1, 34, 1), [2, 8, 8, 1]);
    const filter = tf.tensor4d(values(25 * 8, 35, 0.3), [5, 5, 1, 8]);
    const bias = tf.tensor1d(values(8, 36, 0.1));
    const f = (xx: tf.Tensor, ff: tf.Tensor, bb: tf.Tensor) =>
      tf.sum(fusedConv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides: 1, pad: "valid", bias: bb, activation: "relu" }));
    const forward = await tf.profile(() => f(x, filter, bias));
    expect(forward.kernelNames).toContain("CourseFusedConv2D");
    expect(forward.kernelNames).not.toContain("Add");
    // gradient w.r.t. the filter and bias only (x is the input image): no Conv2DBackpropInput
    const weightsOnly = await tf.profile(() => tf.grads((ff: tf.Tensor, bb: tf.Tensor) => f(x, ff, bb))([filter, bias]));
    expect(weightsOnly.kernelNames).toContain("Conv2DBackpropFilter");
    expect(weightsOnly.kernelNames).not.toContain("Conv2DBackpropInput");
    const all = await tf.profile(() => tf.grads(f)([x, filter, bias]));
    expect(all.kernelNames).toContain("Conv2DBackpropInput");
    tf.dispose([x, filter, bias]);
  });
  it("leaves what it does not cover to tfjs-core (dilation 2, relu6) with the same results", async () => {
    const inputs = [
      { shape: [2, 9, 9, 4], values: values(2 * 81 * 4, 37, 1) },
      { shape: [3, 3, 4, 4], values: values(36 * 4, 38, 0.5) },
      { shape: [4], values: values(4, 39, 0.3) },
    ];
    await tf.setBackend("wasm");
    const [x, filter, bias] = inputs.map((i) => tf.tensor(i.values, i.shape));
    const dilated = await tf.profile(() => fusedConv2d({ x: x as tf.Tensor4D, filter: filter as tf.Tensor4D, strides: 1, pad: "valid", bias, dilations: 2 }));
    expect(dilated.kernelNames).not.toContain("CourseFusedConv2D");
    tf.dispose([x, filter, bias]);
    await expectSameGrads(
      "fused conv2d relu6",
      (xx, ff, bb) => fusedConv2d({ x: xx as tf.Tensor4D, filter: ff as tf.Tensor4D, strides: 1, pad: "same", bias: bb, activation: "relu6" }),
      inputs,
    );
  });
  it("a bad input gets tfjs-core's error", async () => {
    await tf.setBackend("wasm");
    const x = tf.zeros([1, 6, 6, 3]) as tf.Tensor4D;
    expect(() => fusedConv2d({ x, filter: tf.zeros([3, 3, 2, 4]) as tf.Tensor4D, strides: 1, pad: "valid" })).toThrow(/depth of input \(3\) must match/);
    expect(() => fusedConv2d({ x, filter: tf.zeros([3, 3, 3, 4]) as tf.Tensor4D, strides: 1, pad: "bogus" as "same" })).toThrow(/pad/i);
    tf.dispose(x);
  });
});

describe("fused matMul (tfjs-layers' dense layers: bias + relu/linear, lazy gradients)", () => {
  for (const activation of ["relu", "linear"] as const) {
    for (const withBias of [true, false]) {
      it(`${activation}${withBias ? " + bias" : ""}`, async () => {
        const [m, k, n] = [7, 12, 5];
        await expectSameGrads(
          `fused matMul ${activation}`,
          (a, b, bias) => fusedMatMul({ a, b, bias, activation }),
          [
            { shape: [m, k], values: values(m * k, 41, 1) },
            { shape: [k, n], values: values(k * n, 42, 0.5) },
            ...(withBias ? [{ shape: [n], values: values(n, 43, 0.3) }] : []),
          ],
        );
      });
    }
  }
  it("runs one CourseFusedMatMul kernel on wasm and skips dA when the input needs no gradient", async () => {
    await tf.setBackend("wasm");
    const a = tf.tensor2d(values(4 * 6, 44, 1), [4, 6]);
    const b = tf.tensor2d(values(6 * 8, 45, 0.5), [6, 8]);
    const bias = tf.tensor1d(values(8, 46, 0.1));
    const f = (aa: tf.Tensor, bb: tf.Tensor, cc: tf.Tensor) => tf.sum(fusedMatMul({ a: aa, b: bb, bias: cc, activation: "relu" }));
    const forward = await tf.profile(() => f(a, b, bias));
    expect(forward.kernelNames).toContain("CourseFusedMatMul");
    expect(forward.kernelNames).not.toContain("Add");
    const weightsOnly = await tf.profile(() => tf.grads((bb: tf.Tensor, cc: tf.Tensor) => f(a, bb, cc))([b, bias]));
    expect(weightsOnly.kernels.filter((k) => k.name === "BatchMatMul")).toHaveLength(1);
    const all = await tf.profile(() => tf.grads(f)([a, b, bias]));
    expect(all.kernels.filter((k) => k.name === "BatchMatMul")).toHaveLength(2);
    tf.dispose([a, b, bias]);
  });
  it("leaves transposes and other activations to tfjs-core, with the same results", async () => {
    // (no bias with transposeB: the stock wasm _FusedMatMul adds the bias wrongly there, see README)
    await expectSameGrads(
      "fused matMul transposeB",
      (a, b) => fusedMatMul({ a, b, transposeB: true }),
      [{ shape: [3, 4], values: values(12, 47, 1) }, { shape: [5, 4], values: values(20, 48, 1) }],
    );
    await expectSameGrads(
      "fused matMul sigmoid",
      (a, b, bias) => fusedMatMul({ a, b, bias, activation: "sigmoid" }),
      [{ shape: [3, 4], values: values(12, 47, 1) }, { shape: [4, 5], values: values(20, 48, 1) }, { shape: [5], values: values(5, 49, 1) }],
    );
  });
  it("a bad input gets tfjs-core's error", async () => {
    await tf.setBackend("wasm");
    const a = tf.zeros([2, 3]);
    expect(() => fusedMatMul({ a, b: tf.zeros([4, 5]) })).toThrow(/inner shapes \(3\) and \(4\)/);
    tf.dispose(a);
  });
});
