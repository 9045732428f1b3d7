// Tests of the sparse-storage accounting (storage.ts). References independent of the encoder: byte layouts
// worked out by hand on small matrices; the byte formulas of compression.md §4.2 evaluated from a separate
// count of non-zeros, zero runs and column gaps; exact decode round trips; a sweep of random masks that
// locates each format's break-even with dense empirically; and, for a quantized model, the float pruning
// mask mapped through TFLite's layouts by index arithmetic written here.
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { mulberry32, shuffleInPlace, type RandomSource } from "../../data/random";
import { withSeededRandom } from "../../nets/seeded";
import { quantizeModel } from "../../quantize/quantize-model";
import { initBackend } from "../../runtime/backend";
import { tableText } from "../../viz/html-table";
import {
  breakEvenSparsity, csrBytes, decodeSparse, encodeSparse, layerStorage, SPARSE_FORMATS, storageBytes, storageTableOptions, weightMatrices, type SparseFormat,
} from "./storage";

beforeAll(async () => {
  await initBackend();
});

/** A rows × cols int8 matrix with exactly `zeros` zeros at random places; the others uniform in [−128, 127] \ {0}. */
function randomSparse(next: RandomSource, rows: number, cols: number, zeros: number): Int8Array {
  const n = rows * cols;
  const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), next);
  const out = new Int8Array(n);
  for (let k = zeros; k < n; k++) {
    const v = Math.floor(next() * 255) - 127; // −127..127
    out[order[k]] = v === 0 ? -128 : v;
  }
  return out;
}

/** §4.2's byte counts, from counts made here: non-zeros, zero runs before each value, in-row column gaps. */
function formulaBytes(values: Int8Array, rows: number, cols: number): Record<SparseFormat, number> {
  const n = values.length;
  const nnz = values.filter((v) => v !== 0).length;
  // Run-length fillers: each run of z zeros before a value needs ⌊z/16⌋ fillers (a filler covers 16 places).
  let runFillers = 0;
  let run = 0;
  for (const v of values) {
    if (v === 0) run++;
    else { runFillers += Math.floor(run / 16); run = 0; }
  }
  const entries = nnz + runFillers;
  // csr8 with cols > 256: a gap of g zeros since the previous entry in the row needs ⌊g/256⌋ fillers.
  let gapFillers = 0;
  if (cols > 256) {
    for (let r = 0; r < rows; r++) {
      let previous = -1;
      for (let c = 0; c < cols; c++) {
        if (values[r * cols + c] === 0) continue;
        gapFillers += Math.floor((c - previous - 1) / 256);
        previous = c;
      }
    }
  }
  return {
    dense: n,
    bitmask: Math.ceil(n / 8) + nnz,
    csr8: 2 * (rows + 1) + 2 * (nnz + gapFillers),
    csr16: 2 * (rows + 1) + 3 * nnz,
    "run-length": entries + Math.ceil(entries / 2),
  };
}

describe("encodeSparse on hand-worked matrices", () => {
  // 3 × 4:  [0 3 0 0 | 5 0 0 −2 | 0 0 0 0]: non-zeros at flat indices 1, 4, 7.
  const m = Int8Array.from([0, 3, 0, 0, 5, 0, 0, -2, 0, 0, 0, 0]);
  const expected: Record<SparseFormat, number[]> = {
    dense: [0, 3, 0, 0, 5, 0, 0, 254, 0, 0, 0, 0],
    // mask bits 1, 4, 7 → 2 + 16 + 128 = 146; the second mask byte covers indices 8..11, all zero.
    bitmask: [146, 0, 3, 5, 254],
    // row pointers 0, 1, 3, 3 (uint16 LE); columns 1, 0, 3; values.
    csr8: [0, 0, 1, 0, 3, 0, 3, 0, 1, 0, 3, 3, 5, 254],
    csr16: [0, 0, 1, 0, 3, 0, 3, 0, 1, 0, 0, 0, 3, 0, 3, 5, 254],
    // zero runs 1, 2, 2 → nibbles (1 | 2 << 4) = 33, then 2; values.
    "run-length": [33, 2, 3, 5, 254],
  };
  const index: Record<SparseFormat, number> = { dense: 0, bitmask: 2, csr8: 11, csr16: 14, "run-length": 2 };
  for (const format of SPARSE_FORMATS) {
    it(`${format}: the bytes worked out by hand, and back`, () => {
      const e = encodeSparse(m, 3, 4, format);
      expect(Array.from(e.data)).toEqual(expected[format]);
      expect(e.bytes).toBe(expected[format].length);
      expect(e.parts).toEqual({ values: format === "dense" ? 12 : 3, index: index[format] });
      expect(Array.from(decodeSparse(e, 3, 4))).toEqual(Array.from(m));
    });
  }

  it("run-length inserts a filler entry for each 16 zeros of a run over 15", () => {
    // 1 × 40: 7 at index 35, 9 at 39. 35 zeros = filler (16) + filler (16) + run 3; then run 3.
    const v = new Int8Array(40);
    v[35] = 7;
    v[39] = 9;
    const e = encodeSparse(v, 1, 40, "run-length");
    expect(Array.from(e.data)).toEqual([0xff, 0x33, 0, 0, 7, 9]);
    expect(e.parts).toEqual({ values: 2, index: 4 });
    expect(Array.from(decodeSparse(e, 1, 40))).toEqual(Array.from(v));
    // Exactly 15 zeros need no filler, 16 need one.
    const at = (i: number) => { const x = new Int8Array(20); x[i] = 1; return encodeSparse(x, 1, 20, "run-length").data.length; };
    expect([at(15), at(16)]).toEqual([2, 3]);
  });

  it("csr8 with more than 256 columns stores gaps, with a filler entry per 256 skipped columns", () => {
    // 1 × 600: 1 at column 10, −1 at 599. Gaps: 10; then 588 = filler (256) + filler (256) + 76.
    const v = new Int8Array(600);
    v[10] = 1;
    v[599] = -1;
    const e = encodeSparse(v, 1, 600, "csr8");
    expect(Array.from(e.data)).toEqual([0, 0, 4, 0, 10, 255, 255, 76, 1, 0, 0, 255]);
    expect(e.parts).toEqual({ values: 2, index: 10 });
    expect(Array.from(decodeSparse(e, 1, 600))).toEqual(Array.from(v));
    // A gap of exactly 256 zeros needs a filler, 255 does not.
    const gapBytes = (column: number) => { const x = new Int8Array(300); x[0] = 2; x[column] = 3; return Array.from(encodeSparse(x, 1, 300, "csr8").data); };
    expect(gapBytes(256)).toEqual([0, 0, 2, 0, 0, 255, 2, 3]);
    expect(gapBytes(257)).toEqual([0, 0, 3, 0, 0, 255, 0, 2, 0, 3]);
    // At 256 columns the index is the column itself: no filler even for column 255 after column 0.
    const w = new Int8Array(256);
    w[0] = 5;
    w[255] = 6;
    expect(Array.from(encodeSparse(w, 1, 256, "csr8").data)).toEqual([0, 0, 2, 0, 0, 255, 5, 6]);
  });

  it("all-zero and fully dense matrices", () => {
    const zeros = new Int8Array(24);
    expect(storageBytes(zeros, 4, 6)).toEqual({ dense: 24, bitmask: 3, csr8: 10, csr16: 10, "run-length": 0 });
    const full = Int8Array.from({ length: 24 }, (_, i) => i - 12 || 1);
    expect(storageBytes(full, 4, 6)).toEqual({ dense: 24, bitmask: 27, csr8: 58, csr16: 82, "run-length": 36 });
    for (const format of SPARSE_FORMATS) {
      expect(Array.from(decodeSparse(encodeSparse(zeros, 4, 6, format), 4, 6))).toEqual(Array.from(zeros));
      expect(Array.from(decodeSparse(encodeSparse(full, 4, 6, format), 4, 6))).toEqual(Array.from(full));
    }
  });

  it("row pointers wrap modulo 2^16 so a tensor may hold more than 65,535 non-zeros", () => {
    const rows = 300;
    const cols = 250;
    const v = Int8Array.from({ length: rows * cols }, (_, i) => (i % 7) - 3 || 4);
    for (const format of ["csr8", "csr16"] as const) {
      const e = encodeSparse(v, rows, cols, format);
      expect(e.bytes).toBe(formulaBytes(v, rows, cols)[format]);
      expect(decodeSparse(e, rows, cols)).toEqual(v);
    }
  });
});

describe("random sparse matrices at 0..99 % sparsity", () => {
  const shapes: [number, number][] = [[16, 72], [10, 300], [33, 9], [1, 37], [5, 7]];
  it("round-trip exactly and take the §4.2 bytes (fillers included)", () => {
    const next = mulberry32(707);
    for (const [rows, cols] of shapes) {
      const n = rows * cols;
      for (let pct = 0; pct <= 99; pct++) {
        const v = randomSparse(next, rows, cols, Math.round((pct / 100) * n));
        const want = formulaBytes(v, rows, cols);
        const nnz = v.filter((x) => x !== 0).length;
        for (const format of SPARSE_FORMATS) {
          const e = encodeSparse(v, rows, cols, format);
          const what = `${format} ${rows}×${cols} at ${pct} %`;
          expect({ what, bytes: e.bytes, length: e.data.length, sum: e.parts.values + e.parts.index }).toEqual({ what, bytes: want[format], length: want[format], sum: want[format] });
          expect(e.parts.values, what).toBe(format === "dense" ? n : nnz);
          const back = decodeSparse(e, rows, cols);
          if (!back.every((x, i) => x === v[i])) expect({ what, back: Array.from(back) }).toEqual({ what, back: Array.from(v) });
        }
        expect(storageBytes(v, rows, cols)).toEqual(want);
        expect(csrBytes(v, rows, cols, 2)).toBe(want.csr16);
        if (cols <= 256) expect(csrBytes(Array.from(v), rows, cols, 1)).toBe(want.csr8);
      }
    }
  });

  it("a decoder rejects bytes that do not fit the format and shape", () => {
    const v = randomSparse(mulberry32(3), 4, 10, 25);
    for (const format of SPARSE_FORMATS) {
      const e = encodeSparse(v, 4, 10, format);
      expect(() => decodeSparse({ format, data: e.data.slice(0, e.data.length - 1) }, 4, 10), format).toThrow(RangeError);
    }
  });
});

describe("breakEvenSparsity", () => {
  it("has the §4.2 values: bitmask 1/8, csr8 ≈ 1/2, csr16 ≈ 2/3, run-length ≈ 1/3, plus row-pointer overhead", () => {
    const n = 16 * 72;
    expect(breakEvenSparsity("bitmask", 16, 72)).toBe(0.125);
    expect(breakEvenSparsity("csr8", 16, 72)).toBeCloseTo(1 / 2 + 17 / n, 12);
    expect(breakEvenSparsity("csr16", 16, 72)).toBeCloseTo(2 / 3 + (2 * 17) / (3 * n), 12);
    expect(Math.abs(breakEvenSparsity("run-length", 16, 72) - 1 / 3)).toBeLessThanOrEqual(1 / n);
    expect(breakEvenSparsity("dense", 16, 72)).toBe(1);
    // A large layer approaches the asymptotes; a 1-column matrix never gains from CSR.
    expect(breakEvenSparsity("csr16", 64, 800)).toBeCloseTo(2 / 3, 2);
    expect(breakEvenSparsity("csr16", 8, 1)).toBeGreaterThan(1);
    expect(breakEvenSparsity("bitmask", 1, 9)).toBeCloseTo(2 / 9, 12);
  });

  it("matches the crossing found by sweeping real random masks, to within 1/N", () => {
    const next = mulberry32(77);
    for (const [rows, cols] of [[16, 72], [4, 300], [33, 9], [1, 37], [8, 1]] as [number, number][]) {
      const n = rows * cols;
      const smaller: Record<SparseFormat, boolean[]> = { dense: [], bitmask: [], csr8: [], csr16: [], "run-length": [] };
      for (let zeros = 0; zeros <= n; zeros++) {
        const v = randomSparse(next, rows, cols, zeros);
        for (const format of SPARSE_FORMATS) smaller[format].push(encodeSparse(v, rows, cols, format).bytes < n);
      }
      for (const format of SPARSE_FORMATS) {
        const s = breakEvenSparsity(format, rows, cols);
        const first = smaller[format].indexOf(true);
        const what = `${format} ${rows}×${cols}: break-even ${s}`;
        if (s >= 1) {
          expect(first, what).toBe(-1);
          continue;
        }
        expect(first, what).toBeGreaterThan(0);
        expect(first / n, what).toBeGreaterThan(s);
        expect(first / n, what).toBeLessThanOrEqual(s + 1 / n + 1e-12);
        // Once smaller, smaller at every higher sparsity.
        expect(smaller[format].slice(first).every(Boolean), what).toBe(true);
      }
    }
  });
});

describe("errors name the bad value", () => {
  it("encodeSparse, decodeSparse, breakEvenSparsity", () => {
    const v = new Int8Array(12);
    expect(() => encodeSparse(v, 3, 5, "csr8")).toThrow(/12 values .* 3 × 5 .*15/);
    expect(() => encodeSparse(v, 3, 4, "csr32" as SparseFormat)).toThrow(/"csr32".*"dense"/);
    expect(() => encodeSparse(Array.from(v) as unknown as Int8Array, 3, 4, "dense")).toThrow(/Int8Array.*Array/);
    expect(() => encodeSparse(v, 0, 4, "dense")).toThrow(/rows must be a positive integer, got 0/);
    expect(() => decodeSparse({ format: "coo" as SparseFormat, data: new Uint8Array(3) }, 1, 3)).toThrow(/"coo"/);
    expect(() => breakEvenSparsity("csr16", 2.5, 4)).toThrow(/rows .* got 2.5/);
  });

  it("csrBytes", () => {
    expect(() => csrBytes([1, 0, 2], 2, 2, 1)).toThrow(/3 values .* 2 × 2 .*4/);
    expect(() => csrBytes([1, 0, 2, 0], 2, 2, 4 as 1)).toThrow(/indexBytes must be 1 or 2, got 4/);
    expect(() => csrBytes(new Array(300).fill(1), 1, 300, 1)).toThrow(/256 columns, got cols 300/);
    expect(csrBytes(new Array(300).fill(1), 1, 300, 2)).toBe(4 + 900);
  });
});

describe("layerStorage on a pruned model quantized with quantizeModel", () => {
  type Sym = tf.SymbolicTensor;
  function buildModel(): tf.LayersModel {
    const input = tf.input({ shape: [8, 8, 3] });
    let x = tf.layers.conv2d({ filters: 4, kernelSize: 3, useBias: false, name: "conv" }).apply(input) as Sym;
    x = tf.layers.batchNormalization({ name: "conv_bn" }).apply(x) as Sym;
    x = tf.layers.reLU({ name: "conv_relu" }).apply(x) as Sym;
    x = tf.layers.depthwiseConv2d({ kernelSize: 3, depthMultiplier: 2, useBias: false, name: "dw" }).apply(x) as Sym;
    x = tf.layers.batchNormalization({ name: "dw_bn" }).apply(x) as Sym;
    x = tf.layers.conv2d({ filters: 6, kernelSize: 1, name: "pw" }).apply(x) as Sym;
    x = tf.layers.flatten({ name: "flatten" }).apply(x) as Sym;
    const out = tf.layers.dense({ units: 5, name: "fc" }).apply(x) as Sym;
    return tf.model({ inputs: input, outputs: out });
  }

  /** tfjs kernel index → [row, col] of the matrix view, by the layouts of graph.ts (written independently). */
  function matrixPosition(layer: string, shape: number[], i: number): [number, number] {
    if (layer === "fc") { const [, nOut] = shape; return [i % nOut, Math.floor(i / nOut)]; } // [in, out] → row out, col in
    const [kh, kw, ci, co] = shape; // conv [kh, kw, in, out]; depthwise [kh, kw, C, M]
    const o = i % co;
    const c = Math.floor(i / co) % ci;
    const tap = Math.floor(i / (co * ci)); // h·kw + w
    if (layer === "dw") return [c * co + o, tap]; // channel c·M + m, its kh·kw taps
    return [o, tap * ci + c]; // OHWI: col (h·kw + w)·in + i
  }

  it("keeps every pruned zero (and only adds zeros for weights below half a step), and counts bytes per layer", () => {
    const model = withSeededRandom(5, buildModel);
    const next = mulberry32(9);
    const pruned = new Map<string, Set<string>>();
    for (const name of ["conv", "dw", "pw", "fc"]) tf.tidy(() => {
      const layer = model.getLayer(name);
      const [kernel, ...rest] = layer.getWeights();
      const n = kernel.size;
      const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), next);
      // Kept weights in ±[0.5, 1]: at least 63 quantization steps from zero, so none rounds to 0 ...
      const k = Array.from({ length: n }, () => (next() < 0.5 ? -1 : 1) * (0.5 + 0.5 * next()));
      const zeros = new Set(order.slice(0, Math.round(0.6 * n)));
      zeros.forEach((i) => { k[i] = 0; });
      // ... except one weight in fc far below half a step, which int8 turns into a zero.
      if (name === "fc") k[order[n - 1]] = 1e-5;
      pruned.set(name, new Set([...zeros].map((i) => matrixPosition(name, kernel.shape, i).join(","))));
      const bn = model.layers.find((l) => l.name === `${name}_bn`);
      if (bn) {
        const c = bn.getWeights()[0].shape[0];
        bn.setWeights([tf.tensor1d(Array.from({ length: c }, () => 0.5 + next())), tf.tensor1d(Array.from({ length: c }, () => next() - 0.5)),
          tf.tensor1d(Array.from({ length: c }, () => next() - 0.5)), tf.tensor1d(Array.from({ length: c }, () => 0.5 + next()))]);
      }
      layer.setWeights([tf.tensor(k, kernel.shape), ...rest]);
    });
    const calibration = tf.randomUniform([16, 8, 8, 3], -1, 1, "float32", 3);
    const graph = quantizeModel(model, { calibration });
    tf.dispose(calibration);
    model.dispose();

    const tensorsBefore = tf.memory().numTensors;
    const matrices = weightMatrices(graph);
    expect(matrices.map((m) => [m.layer, m.op, m.rows, m.cols])).toEqual([
      ["conv", "conv2d", 4, 27], ["dw", "depthwiseConv2d", 8, 9], ["pw", "conv2d", 6, 8], ["fc", "fullyConnected", 5, 96],
    ]);
    const storage = layerStorage(graph);
    storage.layers.forEach((l, li) => {
      const m = matrices[li];
      const zerosAt = new Set<string>();
      m.values.forEach((v, i) => { if (v === 0) zerosAt.add(`${Math.floor(i / m.cols)},${i % m.cols}`); });
      const expected = pruned.get(l.layer) as Set<string>;
      const extra = l.layer === "fc" ? 1 : 0;
      expect({ layer: l.layer, zeros: l.zeros, missing: [...expected].filter((p) => !zerosAt.has(p)) }).toEqual({ layer: l.layer, zeros: expected.size + extra, missing: [] });
      expect(l.weights).toBe(m.rows * m.cols);
      expect(l.sparsity).toBeCloseTo(l.zeros / l.weights, 12);
      expect(l.bytes).toEqual(formulaBytes(m.values, m.rows, m.cols));
      expect(l.bytes[l.best]).toBe(Math.min(...SPARSE_FORMATS.map((f) => l.bytes[f])));
    });
    // 60 % sparse: bitmask (and run-length) beat dense, csr16 does not (break-even ≈ 67 % + pointers).
    const fc = storage.layers[3];
    expect(fc.bytes.bitmask).toBeLessThan(fc.bytes.dense);
    expect(fc.bytes.csr16).toBeGreaterThan(fc.bytes.dense);
    for (const f of SPARSE_FORMATS) expect(storage.total.bytes[f]).toBe(storage.layers.reduce((s, l) => s + l.bytes[f], 0));
    expect(storage.total.weights).toBe(27 * 4 + 72 + 48 + 480);
    expect(storage.total.bestBytes).toBe(storage.layers.reduce((s, l) => s + Math.min(...SPARSE_FORMATS.map((f) => l.bytes[f])), 0));

    const options = storageTableOptions(storage);
    expect(options.rows.length).toBe(5);
    expect(options.rows.every((r) => r.length === options.columns.length)).toBe(true);
    expect(options.rows[3][5]).toMatchObject({ title: expect.stringMatching(/above .* % sparsity/) });
    const text = tableText(options);
    expect(text).toContain("total");
    expect(text).toContain(String(storage.total.bytes.dense));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
  });
});
