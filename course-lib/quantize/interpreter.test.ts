// Tests of the integer interpreter's plumbing (the kernels' arithmetic is tested in kernels/kernels.test.ts, the
// whole-model bit-exactness against TFLM's outputs in tflite/): every GraphOp kind dispatches, the trace equals
// the plain run, the prepared multipliers come from the float32 scales in TFLM's order, the plan is cached
// per graph and rounding mode, both rounding modes differ where they should, the batch runner equals
// one-by-one runs, and bad inputs or graphs fail with errors that name the tensor, op and layer.
import { describe, expect, it } from "vitest";
import { mulberry32 } from "../data/random";
import type { GraphOpKind, QuantizedGraph } from "./graph";
import { quantizeMultiplier } from "./fixed-point";
import { prepareQuantized, runQuantized, runQuantizedBatch, runQuantizedTrace } from "./interpreter";
import { syntheticActivations, syntheticCnn } from "./tflite/synthetic-graphs";

function randomInput(n: number, seed: number): Int8Array {
  const rand = mulberry32(seed);
  return Int8Array.from({ length: n }, () => Math.floor(rand() * 256) - 128);
}

const clone = (g: QuantizedGraph): QuantizedGraph => JSON.parse(JSON.stringify(g));

describe("runQuantized", () => {
  const cnn = syntheticCnn();
  const acts = syntheticActivations();

  it("dispatches every GraphOp kind", () => {
    const kinds = new Set<GraphOpKind>();
    for (const g of [cnn, acts]) {
      const trace = runQuantizedTrace(g, randomInput(prepareQuantized(g).inputSize, 1));
      expect(trace.steps.length).toBe(g.operators.length);
      trace.steps.forEach((s) => kinds.add(s.kind));
    }
    const all: GraphOpKind[] = ["conv2d", "depthwiseConv2d", "fullyConnected", "add", "mul", "mean", "averagePool2d", "maxPool2d", "pad", "reshape", "concatenation", "softmax", "logistic", "tanh", "hardSwish", "quantize"];
    expect([...kinds].sort()).toEqual(all.sort());
  });

  it("the trace's last step is the output, and runs do not leak state into each other", () => {
    const n = prepareQuantized(cnn).inputSize;
    const a = randomInput(n, 2);
    const b = randomInput(n, 3);
    const outA = runQuantized(cnn, a);
    const outB = runQuantized(cnn, b);
    expect(Array.from(runQuantized(cnn, a))).toEqual(Array.from(outA));
    const trace = runQuantizedTrace(cnn, b);
    expect(Array.from(trace.steps[trace.steps.length - 1].values)).toEqual(Array.from(outB));
    expect(Array.from(trace.outputs[0])).toEqual(Array.from(outB));
    expect(trace.steps.map((s) => s.name)).toEqual(cnn.operators.map((op) => cnn.tensors[op.outputs[0]].name));
    // Softmax output sums to about 256/256.
    expect(Array.from(outB).reduce((s, q) => s + q + 128, 0)).toBeGreaterThan(250);
  });

  it("batch runs equal one-by-one runs", () => {
    const n = prepareQuantized(cnn).inputSize;
    const inputs = randomInput(5 * n, 4);
    const batch = runQuantizedBatch(cnn, inputs);
    const single = Array.from({ length: 5 }, (_, k) => Array.from(runQuantized(cnn, inputs.subarray(k * n, (k + 1) * n)))).flat();
    expect(Array.from(batch)).toEqual(single);
  });

  it("derives conv multipliers from (double)s_in·(double)s_w[c]/(double)s_out and caches the plan", () => {
    const plan = prepareQuantized(cnn);
    expect(prepareQuantized(cnn)).toBe(plan);
    expect(prepareQuantized(cnn, { rounding: "single" })).not.toBe(plan);
    const index = cnn.operators.findIndex((op) => op.kind === "conv2d");
    const op = cnn.operators[index];
    const [x, w, y] = [op.inputs[0], op.inputs[1], op.outputs[0]].map((id) => cnn.tensors[id as number]);
    const convPlan = plan.ops[index].plan as { multipliers: Int32Array; shifts: Int32Array };
    w.quant!.scale.forEach((sW: number, c: number) => {
      const q = quantizeMultiplier((x.quant!.scale[0] * sW) / y.quant!.scale[0]);
      expect([convPlan.multipliers[c], convPlan.shifts[c]]).toEqual([q.multiplier, q.shift]);
    });
    expect(plan.macs).toBeGreaterThan(0);
  });

  it("the two rounding modes give different outputs somewhere, and the same most of the time", () => {
    const n = prepareQuantized(cnn).inputSize;
    let differ = 0;
    let values = 0;
    for (let k = 0; k < 40; k++) {
      const t1 = runQuantizedTrace(cnn, randomInput(n, 100 + k));
      const t2 = runQuantizedTrace(cnn, randomInput(n, 100 + k), { rounding: "single" });
      t1.steps.forEach((s, i) => s.values.forEach((v, j) => {
        values++;
        if (v !== t2.steps[i].values[j]) differ++;
      }));
    }
    expect(differ).toBeGreaterThan(0);
    expect(differ / values).toBeLessThan(0.2);
  });

  it("rejects bad inputs with clear errors", () => {
    const n = prepareQuantized(cnn).inputSize;
    expect(() => runQuantized(cnn, new Float32Array(n) as unknown as Int8Array)).toThrow(/must be an Int8Array.*Float32Array/);
    expect(() => runQuantized(cnn, new Int8Array(n - 1))).toThrow(new RegExp(`input "input" of shape \\[1,6,6,2\\] needs ${n} int8 values, got ${n - 1}`));
    expect(() => runQuantized(acts, new Int8Array(prepareQuantized(acts).inputSize))).toThrow(/2 outputs/);
    expect(() => runQuantized(cnn, new Int8Array(n), { rounding: "nearest" as "double" })).toThrow(/rounding must be/);
  });

  it("rejects malformed graphs naming the op and tensor", () => {
    const badShape = clone(cnn);
    badShape.tensors[badShape.operators[1].outputs[0] as number].shape = [1, 3, 5, 4];
    expect(() => runQuantized(badShape, new Int8Array(72))).toThrow(/op 1 \(conv2d → "conv1"\).*shape \[1,3,5,4\].*produces \[1,3,6,4\]/);
    const zpWeights = clone(cnn);
    zpWeights.tensors[zpWeights.operators[1].inputs[1] as number].quant!.zeroPoint[0] = 3;
    expect(() => runQuantized(zpWeights, new Int8Array(72))).toThrow(/conv1\/filter.*zero point 0/);
    const poolParams = clone(cnn);
    const avgIndex = poolParams.operators.findIndex((op) => op.kind === "averagePool2d");
    poolParams.tensors[poolParams.operators[avgIndex].outputs[0]].quant!.zeroPoint[0] += 1;
    expect(() => runQuantized(poolParams, new Int8Array(72))).toThrow(/averagePool2d.*equal input and output quantization/);
    const unknown = clone(cnn);
    (unknown.operators[0] as { kind: string }).kind = "gather";
    expect(() => runQuantized(unknown, new Int8Array(72))).toThrow(/op 0 \(gather.*not supported/);
  });
});
