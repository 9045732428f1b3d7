// Every kernel the course registers for wasm, checked against the cpu backend's kernel on the same
// inputs (error relative to the output's scale <= 1e-4) over strides, paddings, dilations, depth
// multipliers, odd sizes and batch sizes; dilated depthwise gradients (which the cpu kernels do not
// implement) are checked with the adjoint identity against the cpu forward convolution instead.
import { beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { COURSE_WASM_KERNELS } from "./kernels/index";
import { compareWithCpu, input, KernelInput, randomValues, relativeMaxError, runKernelOn } from "./kernel-check";

const TOLERANCE = 1e-4;

beforeAll(async () => {
  delete process.env.COURSE_BACKEND;
  await initBackend({ backend: "wasm" });
});

function outSize(size: number, filter: number, stride: number, pad: string, dilation = 1): number {
  const eff = (filter - 1) * dilation + 1;
  return pad === "same" ? Math.ceil(size / stride) : Math.ceil((size - eff + 1) / stride);
}

async function expectMatchesCpu(name: string, inputs: Record<string, KernelInput>, attrs: Record<string, unknown>) {
  const { error } = await compareWithCpu(name, inputs, attrs);
  expect(error, `${name} ${JSON.stringify(attrs)} inputs ${Object.values(inputs).map((i) => `[${i.shape}]`)}`).toBeLessThanOrEqual(TOLERANCE);
}

const SIZES: [number, number, number][] = [
  [1, 7, 9], // batch 1, odd sizes
  [4, 8, 8], // several images, even
];

describe("Conv2D gradients", () => {
  for (const [N, H, W] of SIZES) {
    for (const f of [1, 3, 5]) {
      for (const s of [1, 2]) {
        for (const pad of ["same", "valid"]) {
          const label = `x [${N},${H},${W},3] filter ${f}x${f} stride ${s} ${pad}`;
          const oh = outSize(H, f, s, pad), ow = outSize(W, f, s, pad);
          it(`Conv2DBackpropFilter ${label}`, async () => {
            await expectMatchesCpu("Conv2DBackpropFilter", { x: input([N, H, W, 3], 1), dy: input([N, oh, ow, 5], 2) }, {
              strides: [s, s], pad, dataFormat: "NHWC", dimRoundingMode: undefined, filterShape: [f, f, 3, 5],
            });
          });
          it(`Conv2DBackpropInput ${label}`, async () => {
            await expectMatchesCpu("Conv2DBackpropInput", { dy: input([N, oh, ow, 5], 3), filter: input([f, f, 3, 5], 4) }, {
              strides: [s, s], pad, dataFormat: "NHWC", dimRoundingMode: undefined, inputShape: [N, H, W, 3],
            });
          });
        }
      }
    }
  }
  for (const [N, H, W] of [[4, 8, 8], [1, 6, 10]] as [number, number, number][]) {
    it(`pointwise x [${N},${H},${W},8] -> 12 channels (SIMD transposes)`, async () => {
      const attrs = { strides: [1, 1], pad: "valid", dataFormat: "NHWC", dimRoundingMode: undefined };
      await expectMatchesCpu("Conv2DBackpropFilter", { x: input([N, H, W, 8], 15), dy: input([N, H, W, 12], 16) }, { ...attrs, filterShape: [1, 1, 8, 12] });
      await expectMatchesCpu("Conv2DBackpropInput", { dy: input([N, H, W, 12], 17), filter: input([1, 1, 8, 12], 18) }, { ...attrs, inputShape: [N, H, W, 8] });
    });
  }
  it("rejects channels-first data", async () => {
    await expect(
      runKernelOn("wasm", "Conv2DBackpropFilter", { x: input([1, 3, 5, 5], 1), dy: input([1, 5, 3, 3], 2) }, {
        strides: [1, 1], pad: "valid", dataFormat: "NCHW", filterShape: [3, 3, 3, 5],
      }),
    ).rejects.toThrow(/NCHW/);
  });
});

describe("convolution filter gradient, direct loop (conv-direct.ts: CO % 8 == 0)", () => {
  // Taps FH*FW*CI of 1, 6, 9, 25, 27, 49 and 72 leave 1-4 taps in the last group of four; CO 8 to 48 are one
  // to six 8-channel blocks (CO 5 and 12 take the GEMM, tested above); explicit pads and stride 3 exercise the
  // padded scratch image's geometry, and batches of 2-3 its reuse from image to image.
  const cases: [number[], number[], number, number[] | string, number][] = [
    [[2, 9, 11, 1], [1, 1], 1, "valid", 8],
    [[1, 10, 9, 1], [2, 3], 1, "same", 8],
    [[3, 8, 8, 1], [3, 3], 2, "same", 24],
    [[2, 28, 28, 1], [5, 5], 1, "valid", 8],
    [[1, 13, 12, 1], [7, 7], 3, "same", 16],
    [[2, 9, 10, 1], [3, 3], 1, [[0, 0], [2, 1], [0, 3], [0, 0]] as unknown as string, 8],
    [[2, 9, 10, 3], [3, 3], 2, "same", 32],
    [[2, 12, 12, 8], [3, 3], 1, [[0, 0], [1, 0], [2, 1], [0, 0]] as unknown as string, 16],
    [[3, 6, 7, 6], [1, 1], 1, "valid", 8],
    [[2, 7, 7, 5], [3, 3], 1, "same", 40],
    [[3, 6, 6, 8], [1, 1], 1, "valid", 48],
  ];
  for (const [xShape, [FH, FW], s, pad, CO] of cases) {
    const [N, H, W, CI] = xShape;
    const attrs = { strides: [s, s], pad, dataFormat: "NHWC", dimRoundingMode: undefined, filterShape: [FH, FW, CI, CO] };
    const info = tf.backend_util.computeConv2DInfo([N, H, W, CI], [FH, FW, CI, CO], [s, s], 1, pad as "same");
    it(`x [${xShape}] filter ${FH}x${FW} -> ${CO} stride ${s} pad ${JSON.stringify(pad)}`, async () => {
      await expectMatchesCpu("Conv2DBackpropFilter", { x: input(xShape, 41), dy: input([N, info.outHeight, info.outWidth, CO], 42) }, attrs);
    });
  }
});

describe("depthwise gradients", () => {
  for (const [N, H, W] of SIZES) {
    for (const M of [1, 2]) {
      for (const s of [1, 2]) {
        for (const pad of ["same", "valid"]) {
          const label = `x [${N},${H},${W},3] 3x3 multiplier ${M} stride ${s} ${pad}`;
          const oh = outSize(H, 3, s, pad), ow = outSize(W, 3, s, pad);
          const attrs = { strides: [s, s], pad, dilations: [1, 1], dimRoundingMode: undefined };
          it(`DepthwiseConv2dNativeBackpropFilter ${label}`, async () => {
            await expectMatchesCpu("DepthwiseConv2dNativeBackpropFilter", { x: input([N, H, W, 3], 5), dy: input([N, oh, ow, 3 * M], 6) }, {
              ...attrs, filterShape: [3, 3, 3, M],
            });
          });
          if (M === 1) {
            it(`DepthwiseConv2dNativeBackpropFilter ${label.replace(",3]", ",8]")} (SIMD path: 8 channels)`, async () => {
              await expectMatchesCpu("DepthwiseConv2dNativeBackpropFilter", { x: input([N, H, W, 8], 9), dy: input([N, oh, ow, 8], 10) }, {
                ...attrs, filterShape: [3, 3, 8, 1],
              });
            });
          }
          it(`DepthwiseConv2dNativeBackpropInput ${label}`, async () => {
            await expectMatchesCpu("DepthwiseConv2dNativeBackpropInput", { dy: input([N, oh, ow, 3 * M], 7), filter: input([3, 3, 3, M], 8) }, {
              ...attrs, inputShape: [N, H, W, 3],
            });
          });
          if (M === 1) {
            it(`DepthwiseConv2dNativeBackpropInput ${label.replace(",3]", ",8]")} (SIMD path: 8 channels)`, async () => {
              await expectMatchesCpu("DepthwiseConv2dNativeBackpropInput", { dy: input([N, oh, ow, 8], 17), filter: input([3, 3, 8, 1], 18) }, {
                ...attrs, inputShape: [N, H, W, 8],
              });
            });
          }
        }
      }
    }
  }

  // The cpu backprop kernels ignore dilation, so dilation 2 is checked through the adjoint identity
  // <dW, G> = <dy, conv(x, G)> and <dx, V> = <dy, conv(V, W)>, with conv the cpu forward convolution.
  // Multiplier 1 with 4 channels takes the SIMD loops, 3 channels and multiplier 2 the typed-array ones.
  for (const [M, C] of [[1, 3], [2, 3], [1, 4]]) {
    for (const pad of ["same", "valid"]) {
      it(`dilation 2 multiplier ${M} ${C} channels ${pad}: adjoint of the cpu forward convolution`, async () => {
        const [N, H, W] = [2, 9, 8];
        const oh = outSize(H, 3, 1, pad, 2), ow = outSize(W, 3, 1, pad, 2);
        const x = input([N, H, W, C], 11), dy = input([N, oh, ow, C * M], 12), w = input([3, 3, C, M], 13), v = input([N, H, W, C], 14);
        const attrs = { strides: [1, 1], pad, dilations: [2, 2], dimRoundingMode: undefined };
        const dW = await runKernelOn("wasm", "DepthwiseConv2dNativeBackpropFilter", { x, dy }, { ...attrs, filterShape: [3, 3, C, M] });
        const dX = await runKernelOn("wasm", "DepthwiseConv2dNativeBackpropInput", { dy, filter: w }, { ...attrs, inputShape: [N, H, W, C] });
        const convXW = await runKernelOn("cpu", "DepthwiseConv2dNative", { x, filter: w }, attrs);
        const convVW = await runKernelOn("cpu", "DepthwiseConv2dNative", { x: v, filter: w }, attrs);
        const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };
        // <dW, w> = <dy, conv(x, w)>
        const lhsW = dot(dW.values, w.values), rhsW = dot(dy.values, convXW.values);
        expect(Math.abs(lhsW - rhsW) / Math.max(1, Math.abs(rhsW))).toBeLessThan(TOLERANCE);
        // <dx, v> = <dy, conv(v, w)>
        const lhsX = dot(dX.values, v.values), rhsX = dot(dy.values, convVW.values);
        expect(Math.abs(lhsX - rhsX) / Math.max(1, Math.abs(rhsX))).toBeLessThan(TOLERANCE);
      });
    }
  }
});

describe("MaxPoolGrad", () => {
  for (const [N, H, W] of SIZES) {
    for (const f of [2, 3]) {
      for (const s of [1, 2]) {
        for (const pad of ["same", "valid"]) {
          it(`x [${N},${H},${W},4] pool ${f} stride ${s} ${pad} (with ties)`, async () => {
            // Rounded, ReLU'd values: many equal maxima, so the tie-breaking must match the cpu's.
            const x = input([N, H, W, 4], 21, (v) => Math.max(0, Math.round(v * 3)));
            const attrs = { filterSize: [f, f], strides: [s, s], pad, dimRoundingMode: undefined };
            const y = await runKernelOn("cpu", "MaxPool", { x }, attrs);
            const dy = input(y.shape, 22);
            await expectMatchesCpu("MaxPoolGrad", { dy, input: x, output: { shape: y.shape, values: y.values } }, attrs);
          });
        }
      }
    }
  }
});

describe("MaxPoolGrad SIMD path (non-overlapping windows, 8 channels)", () => {
  for (const [N, H, W] of [[1, 7, 9], [2, 8, 8], [1, 6, 9]] as [number, number, number][]) {
    for (const f of [2, 3]) {
      it(`x [${N},${H},${W},8] pool ${f} stride ${f} valid (with ties, uncovered edge rows)`, async () => {
        const x = input([N, H, W, 8], 23, (v) => Math.max(0, Math.round(v * 3)));
        const attrs = { filterSize: [f, f], strides: [f, f], pad: "valid", dimRoundingMode: undefined };
        const y = await runKernelOn("cpu", "MaxPool", { x }, attrs);
        const dy = input(y.shape, 24);
        await expectMatchesCpu("MaxPoolGrad", { dy, input: x, output: { shape: y.shape, values: y.values } }, attrs);
      });
    }
  }
});

describe("reductions", () => {
  const shape = [3, 5, 4, 6];
  const cases: [number[] | number, boolean][] = [
    [[0, 1, 2], false], [[0, 1, 2], true], [[1, 2], false], [[3], true], [-1, false], [[0, 1, 2, 3], false], [[0, 2], false], [[1], false],
  ];
  for (const kernel of ["Sum", "Mean"]) {
    for (const [axis, keepDims] of cases) {
      it(`${kernel} axis ${JSON.stringify(axis)} keepDims ${keepDims}`, async () => {
        await expectMatchesCpu(kernel, { x: input(shape, 31) }, { axis, keepDims });
      });
    }
  }
  for (const kernel of ["Sum", "Mean"]) {
    // SIMD paths: per-channel sums over rows (inner % 4 == 0) and whole-row sums with a 0-3 element tail.
    for (const [shape, axis] of [[[3, 5, 4, 8], [0, 1, 2]], [[2, 3, 4, 12], [1, 2]], [[4, 23], [1]], [[3, 7, 5], [1, 2]], [[37], [0]]] as [number[], number[]][]) {
      it(`${kernel} [${shape}] axis ${JSON.stringify(axis)} (SIMD path)`, async () => {
        await expectMatchesCpu(kernel, { x: input(shape, 32) }, { axis, keepDims: false });
      });
    }
  }
  it("Sum accumulates in float64 (BatchNorm statistics over many values do not drift)", async () => {
    // 2^17 values near 1: a float32 running sum loses ~1e-4 relative here; float64 stays at float32 rounding.
    const n = 1 << 17;
    const values = randomValues(n, 41).map((v) => 1 + 0.01 * v);
    let exact = 0;
    for (const v of values) exact += v;
    const sum = await runKernelOn("wasm", "Sum", { x: { shape: [n, 1], values } }, { axis: [0], keepDims: false });
    expect(Math.abs(sum.values[0] - exact) / exact).toBeLessThan(1e-6);
    const mean = await runKernelOn("wasm", "Mean", { x: { shape: [n / 8, 8], values } }, { axis: [0], keepDims: false });
    let exact0 = 0;
    for (let i = 0; i < n; i += 8) exact0 += values[i];
    expect(Math.abs(mean.values[0] - exact0 / (n / 8)) / (exact0 / (n / 8))).toBeLessThan(1e-6);
  });
});

describe("data movement", () => {
  const sliceCases: [number[], number[], number[]][] = [
    [[10, 7], [3, 0], [4, 7]], // whole rows: one contiguous copy
    [[10, 7], [2, 1], [5, 4]],
    [[4, 5, 6], [1, 2, 3], [2, 3, 2]],
    [[3, 4, 5, 6], [1, 0, 0, 0], [2, 4, 5, 6]], // batch slice, as in model.fit
    [[3, 4, 5, 6], [0, 1, 2, 1], [3, 2, 3, 4]],
    [[2, 3, 2, 3, 2], [1, 1, 0, 1, 1], [1, 2, 2, 2, 1]],
    [[9], [2], [5]],
  ];
  for (const [shape, begin, size] of sliceCases) {
    it(`Slice [${shape}] begin [${begin}] size [${size}]`, async () => {
      await expectMatchesCpu("Slice", { x: input(shape, 51) }, { begin, size });
    });
  }
  const tileCases: [number[], number[]][] = [
    [[1, 1, 1, 6], [4, 5, 3, 1]], // BatchNorm gradient's tile of a per-channel vector
    [[2, 3], [3, 2]],
    [[2, 1, 3], [1, 4, 2]],
    [[5], [3]],
    [[2, 3, 1, 2], [2, 1, 3, 2]],
  ];
  for (const [shape, reps] of tileCases) {
    it(`Tile [${shape}] reps [${reps}]`, async () => {
      await expectMatchesCpu("Tile", { x: input(shape, 61) }, { reps });
    });
  }
  it("Identity shares data and survives disposing its input", async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor([1, 2, 3, 4], [2, 2]);
    const y = tf.clone(x);
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1, 2, 3, 4]);
    y.dispose();
  });
});

describe("Cast and GatherV2", () => {
  it("Cast to the same dtype shares data and survives disposing its input", async () => {
    await tf.setBackend("wasm");
    const x = tf.tensor([1.5, -2, 3, 4], [2, 2]);
    const y = tf.cast(x, "float32");
    x.dispose();
    expect(Array.from(await y.data())).toEqual([1.5, -2, 3, 4]);
    y.dispose();
  });
  it("Cast float32 -> int32 and int32 -> float32 convert like cpu", async () => {
    const values = Float32Array.from([1.7, -2.2, 0, 3.5, -0.5, 9]);
    const toInt = await compareWithCpu("Cast", { x: { shape: [2, 3], values } }, { dtype: "int32" });
    expect(Array.from(toInt.wasm.values)).toEqual(Array.from(toInt.cpu.values));
    await tf.setBackend("wasm");
    const i = tf.tensor([1, -2, 3], [3], "int32");
    const f = tf.cast(i, "float32");
    expect(f.dtype).toBe("float32");
    expect(Array.from(await f.data())).toEqual([1, -2, 3]);
    tf.dispose([i, f]);
  });
  const gatherCases: [number[], number[], number[], number][] = [
    [[6, 4], [5, 0, 2, 2], [4], 0], // batch gather as in model.fit (repeated index)
    [[5, 3, 4, 2], [4, 1], [2], 0],
    [[3, 6, 2], [5, 0, 3], [3], 1], // inner axis
    [[4, 7], [6, 1, 0, 2, 5, 3], [2, 3], 1], // 2-D indices
  ];
  for (const [shape, idx, idxShape, axis] of gatherCases) {
    it(`GatherV2 [${shape}] indices [${idx}] axis ${axis}`, async () => {
      const x = tf.tensor(input(shape, 71).values, shape);
      const results: number[][] = [];
      for (const backend of ["wasm", "cpu"]) {
        await tf.setBackend(backend);
        const xt = tf.tensor(await x.data(), shape);
        const it = tf.tensor(idx, idxShape, "int32");
        const out = tf.gather(xt, it, axis);
        results.push(Array.from(await out.data()), out.shape);
        tf.dispose([xt, it, out]);
      }
      expect(results[0]).toEqual(results[2]);
      expect(results[1]).toEqual(results[3]);
      x.dispose();
    });
  }
  it("GatherV2 names an out-of-range index", async () => {
    await tf.setBackend("wasm");
    const x = tf.zeros([3, 2]);
    const idx = tf.tensor([0, 3], [2], "int32");
    expect(() => tf.gather(x, idx)).toThrow(/index 3 .*\[0, 2\]/);
    tf.dispose([x, idx]);
  });
});

describe("FusedBatchNorm forward", () => {
  for (const C of [8, 12, 3]) {
    for (const withScale of [true, false]) {
      it(`x [2,5,3,${C}] ${withScale ? "with" : "without"} scale/offset${C % 4 ? " (stock path)" : " (SIMD path)"}`, async () => {
        const inputs: Record<string, KernelInput> = {
          x: input([2, 5, 3, C], 81), mean: input([C], 82), variance: input([C], 83, (v) => 0.5 + Math.abs(v)),
        };
        if (withScale) {
          inputs.scale = input([C], 84);
          inputs.offset = input([C], 85);
        }
        await expectMatchesCpu("FusedBatchNorm", inputs, { varianceEpsilon: 1e-3 });
      });
    }
  }
});

describe("BatchMatMul with transposed operands", () => {
  // LeNet-like geometry: one input channel (the patch gather copies contiguous rows 4 floats at a time,
  // with a scalar tail) and 8 input channels (col2im adds 4 channels per step).
  for (const [N, H, W, CI, CO] of [[2, 12, 11, 1, 8], [3, 9, 10, 8, 16], [1, 7, 13, 4, 4]] as [number, number, number, number, number][]) {
    for (const s of [1, 2]) {
      for (const pad of ["same", "valid"]) {
        const label = `x [${N},${H},${W},${CI}] filter 5x5 -> ${CO} stride ${s} ${pad}`;
        const oh = outSize(H, 5, s, pad), ow = outSize(W, 5, s, pad);
        const attrs = { strides: [s, s], pad, dataFormat: "NHWC", dimRoundingMode: undefined };
        it(`Conv2DBackpropFilter and Conv2DBackpropInput ${label}`, async () => {
          await expectMatchesCpu("Conv2DBackpropFilter", { x: input([N, H, W, CI], 21), dy: input([N, oh, ow, CO], 22) }, { ...attrs, filterShape: [5, 5, CI, CO] });
          await expectMatchesCpu("Conv2DBackpropInput", { dy: input([N, oh, ow, CO], 23), filter: input([5, 5, CI, CO], 24) }, { ...attrs, inputShape: [N, H, W, CI] });
        });
      }
    }
  }
  const cases: [number[], number[], boolean, boolean][] = [
    [[1, 12, 8], [1, 12, 16], true, false], // dense dW = xᵀ dy (SIMD transpose)
    [[1, 12, 16], [1, 8, 16], false, true], // dense dx = dy Wᵀ
    [[2, 8, 4], [2, 12, 8], true, true], // batch 2, both
    [[1, 7, 5], [1, 7, 3], true, false], // not multiples of 4: stock transpose
    [[1, 6, 5], [1, 3, 5], false, true],
  ];
  for (const [aShape, bShape, transposeA, transposeB] of cases) {
    it(`[${aShape}]${transposeA ? "ᵀ" : ""} @ [${bShape}]${transposeB ? "ᵀ" : ""}`, async () => {
      await expectMatchesCpu("BatchMatMul", { a: input(aShape, 91), b: input(bShape, 92) }, { transposeA, transposeB });
    });
  }
});

describe("Square and Sub (tf.moments' forward ops)", () => {
  for (const shape of [[2, 3, 5, 7], [3, 4, 8]]) {
    it(`Square [${shape}] incl. NaN and ±Infinity`, async () => {
      const x = input(shape, 95);
      x.values.set([NaN, Infinity, -Infinity, 0]);
      const { wasm, cpu } = await compareWithCpu("Square", { x }, {});
      expect(Array.from(wasm.values)).toEqual(Array.from(cpu.values));
    });
  }
  const subCases: [number[], number[]][] = [
    [[2, 3, 4, 8], [1, 1, 1, 8]], // x - mean(keepDims), as in tf.moments: SIMD path
    [[5, 12], [12]], // channel vector without the leading ones: SIMD path
    [[2, 3, 4, 6], [1, 1, 1, 6]], // C not a multiple of 4: stock
    [[2, 3, 4, 8], [2, 1, 1, 8]], // per-sample broadcast: stock
    [[3, 4], [3, 4]], // same shape: stock
    [[3, 8], [1]], // scalar-like: stock
  ];
  for (const [aShape, bShape] of subCases) {
    it(`Sub [${aShape}] - [${bShape}]`, async () => {
      await expectMatchesCpu("Sub", { a: input(aShape, 96), b: input(bShape, 97) }, {});
    });
  }
});

describe("Add (bias add of conv and dense layers)", () => {
  const addCases: [number[], number[]][] = [
    [[2, 5, 6, 8], [8]], // conv bias: SIMD path
    [[7, 12], [1, 12]], // dense bias with a leading 1: SIMD path
    [[16], [2, 3, 16]], // the vector as the first operand: SIMD path
    [[2, 3, 4, 6], [6]], // C not a multiple of 4: stock
    [[3, 4], [3, 4]], // same shape (gradient accumulation): stock
    [[2, 3, 4, 8], [2, 1, 1, 8]], // per-sample broadcast: stock
    [[3, 8], []], // scalar: stock
  ];
  for (const [aShape, bShape] of addCases) {
    it(`Add [${aShape}] + [${bShape}]`, async () => {
      await expectMatchesCpu("Add", { a: input(aShape, 98), b: input(bShape, 99) }, {});
    });
  }
  it("Add propagates NaN and ±Infinity exactly as cpu", async () => {
    const a = input([2, 4], 100);
    a.values.set([NaN, Infinity, -Infinity, 1]);
    const b = input([4], 101);
    b.values.set([1, -Infinity, Infinity, NaN]);
    const { wasm, cpu } = await compareWithCpu("Add", { a, b }, {});
    expect(Array.from(wasm.values)).toEqual(Array.from(cpu.values));
  });
});

it("every registered kernel is covered above", () => {
  const covered = [
    "Conv2DBackpropFilter", "Conv2DBackpropInput", "DepthwiseConv2dNativeBackpropFilter", "DepthwiseConv2dNativeBackpropInput",
    "MaxPoolGrad", "Sum", "Mean", "Slice", "Tile", "Identity", "Cast", "GatherV2", "FusedBatchNorm", "BatchMatMul",
    "Square", "Sub", "Add",
  ];
  expect(Object.keys(COURSE_WASM_KERNELS).sort()).toEqual(covered.sort());
});

it("relativeMaxError sees differences", () => {
  expect(relativeMaxError([1, 2], [1, 2])).toBe(0);
  expect(relativeMaxError([1, 2.5], [1, 2])).toBeCloseTo(0.25);
});
