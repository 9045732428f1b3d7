// TensorFlow Lite Micro itself is the reference: ../shared/fixtures/tflite/golden/ holds what TFLM's
// reference kernels (commit 90b983c2, double rounding) output for the two converter-made fixture models on
// given input bytes. readTflite + runQuantized must reproduce every byte, also after exportTflite.
// With rounding "single" (XNNPACK's), hello_world differs from TFLM in 23 of 256 outputs (19 by 1, 1 by 2,
// 3 by 3: the notes' figure for XNNPACK and Arm NN against these TFLM outputs); the run prints its counts.
import { readTfliteFixture } from "./tflite/fixtures";
import { describe, expect, it } from "vitest";
import type { QuantizedGraph } from "./graph";
import { runQuantized } from "./interpreter";
import { readTflite } from "./tflite/reader";
import { exportTflite } from "./tflite/writer";

const bytesOf = readTfliteFixture;
const int8Of = (file: string): Int8Array => {
  const b = bytesOf(file);
  return new Int8Array(b.buffer, b.byteOffset, b.byteLength);
};

interface Golden {
  model: string;
  inferences: number;
  inputSize: number;
  outputSize: number;
}
const GOLDENS: Golden[] = [
  { model: "hello_world_int8", inferences: 256, inputSize: 1, outputSize: 1 },
  { model: "micro_speech_quantized", inferences: 32, inputSize: 1960, outputSize: 4 },
];

/** All outputs of the model on the golden inputs, concatenated. */
function runAll(graph: QuantizedGraph, g: Golden, rounding: "double" | "single"): Int8Array {
  const inputs = int8Of(`golden/${g.model}.input.bin`);
  expect(inputs.length).toBe(g.inferences * g.inputSize);
  const out = new Int8Array(g.inferences * g.outputSize);
  for (let n = 0; n < g.inferences; n++) {
    const y = runQuantized(graph, inputs.slice(n * g.inputSize, (n + 1) * g.inputSize), { rounding });
    expect(y.length).toBe(g.outputSize);
    out.set(y, n * g.outputSize);
  }
  return out;
}

/** Where two output sets differ: count and a histogram of |difference|. */
function differences(a: Int8Array, b: Int8Array): { count: number; byMagnitude: Record<number, number>; first: string[] } {
  const byMagnitude: Record<number, number> = {};
  const first: string[] = [];
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === b[i]) continue;
    count++;
    const d = Math.abs(a[i] - b[i]);
    byMagnitude[d] = (byMagnitude[d] ?? 0) + 1;
    if (first.length < 5) first.push(`#${i}: ${a[i]} vs ${b[i]}`);
  }
  return { count, byMagnitude, first };
}

describe("runQuantized(readTflite(model)) reproduces TFLM's outputs byte for byte", () => {
  for (const g of GOLDENS) {
    const golden = int8Of(`golden/${g.model}.tflm-output.bin`);
    const graph = readTflite(bytesOf(`${g.model}.tflite`), { name: g.model });

    it(`${g.model}: all ${g.inferences} inferences, and the same after exportTflite`, () => {
      expect(golden.length).toBe(g.inferences * g.outputSize);
      const ours = differences(runAll(graph, g, "double"), golden);
      expect(ours.first, `${ours.count} of ${golden.length} outputs differ from TFLM`).toEqual([]);
      const reexported = readTflite(exportTflite(graph));
      expect(differences(runAll(reexported, g, "double"), golden).count).toBe(0);
    });

    it(`${g.model}: how many outputs single rounding changes`, () => {
      const single = differences(runAll(graph, g, "single"), golden);
      console.log(`[tflm-golden] ${g.model}: rounding "single" differs from TFLM in ${single.count} of ${golden.length} outputs, by |d| ${JSON.stringify(single.byMagnitude)}`);
      if (g.model === "hello_world_int8") {
        // The notes' measurement of XNNPACK / Arm NN against these same TFLM outputs.
        expect(single.count).toBe(23);
        expect(single.byMagnitude).toEqual({ 1: 19, 2: 1, 3: 3 });
      } else {
        // No documented figure for these inputs; the notes saw Arm NN (single requantization) within 6 of
        // TFLM on micro_speech, and the predicted class should not move.
        expect(Math.max(0, ...Object.keys(single.byMagnitude).map(Number))).toBeLessThanOrEqual(6);
        const argmax = (v: Int8Array, n: number): number => {
          const row = Array.from(v.subarray(n * g.outputSize, (n + 1) * g.outputSize));
          return row.indexOf(Math.max(...row));
        };
        const singleOut = runAll(graph, g, "single");
        for (let n = 0; n < g.inferences; n++) expect(argmax(singleOut, n), `inference ${n}`).toBe(argmax(golden, n));
      }
    });
  }
});
