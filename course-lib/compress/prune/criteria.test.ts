// Filter scores and the channels kept, against references we did not write: PyTorch's
// torch.linalg.matrix_norm(ord="nuc"), per-filter L1 / L2 norms and the filters
// torch.nn.utils.prune.ln_structured keeps (fixtures/structured-reference.json, made by
// fixtures/make-structured-fixture.py, regenerated and compared below), explicit loops over the kernel's four
// indices, and constructed matrices whose nuclear norm is known in closed form.
import { join } from "node:path";
import * as tf from "@tensorflow/tfjs";
import { beforeAll, describe, expect, it } from "vitest";
import { jsonMismatches, pythonCannotImport, regenerateFixture } from "../../tools/python-fixture";
import { mulberry32 } from "../../data/random";
import { initBackend } from "../../runtime/backend";
import { channelsToKeep, filterScores, keptCount, nuclearNorm } from "./criteria";
import { readStructuredReference, type FilterCase } from "./structured-test-helpers";

type Sym = tf.SymbolicTensor;
const SCRIPT_PATH = join(__dirname, "fixtures", "make-structured-fixture.py");
const fixture = readStructuredReference();

beforeAll(async () => {
  await initBackend();
});

const close = (a: number, b: number, rel = 1e-9) => Math.abs(a - b) <= rel * (1 + Math.abs(b));

describe("nuclearNorm", () => {
  it("equals torch.linalg.matrix_norm(ord='nuc') on random, thin, wide, rank-deficient and zero matrices", () => {
    for (const c of fixture.nuclear) {
      const mine = nuclearNorm(c.rows, c.cols, c.data);
      expect(close(mine, c.nuclear, 1e-7), `${c.name}: ${mine} vs torch ${c.nuclear}`).toBe(true);
    }
  });

  it("closed forms: rank 1 = Frobenius, zero = 0, k·A = |k|·‖A‖*, Aᵀ the same, diagonal = Σ|d|", () => {
    const next = mulberry32(2103);
    const u = Array.from({ length: 5 }, () => next() - 0.5), v = Array.from({ length: 7 }, () => next() - 0.5);
    const rank1 = u.flatMap((a) => v.map((b) => a * b));
    const frobenius = Math.sqrt(rank1.reduce((s, x) => s + x * x, 0));
    expect(close(nuclearNorm(5, 7, rank1), frobenius, 1e-7)).toBe(true);
    expect(nuclearNorm(3, 4, new Float64Array(12))).toBe(0);
    const a = Array.from({ length: 20 }, () => next() - 0.5);
    const base = nuclearNorm(4, 5, a);
    for (const k of [3, -2.5, 1e-3]) expect(close(nuclearNorm(4, 5, a.map((x) => k * x)), Math.abs(k) * base, 1e-9)).toBe(true);
    const transposed = Array.from({ length: 20 }, (_, i) => a[(i % 4) * 5 + Math.floor(i / 4)]);
    expect(close(nuclearNorm(5, 4, transposed), base, 1e-12)).toBe(true);
    expect(close(nuclearNorm(3, 3, [2, 0, 0, 0, -5, 0, 0, 0, 0.5]), 7.5, 1e-12)).toBe(true);
  });

  it("rejects a size that does not match the data", () => {
    expect(() => nuclearNorm(2, 3, [1, 2, 3])).toThrow(/2×3 matrix needs 6 values, got 3/);
    expect(() => nuclearNorm(0, 3, [])).toThrow(/positive integers, got 0×3/);
  });
});

/** A model whose group "w" has the fixture's kernel (a conv, or a dense layer on a flat input). */
function modelWithKernel(c: FilterCase): tf.LayersModel {
  const conv = c.shape.length === 4;
  const [kh, kw, cin, cout] = conv ? c.shape : [1, 1, c.shape[0], c.shape[1]];
  const input = tf.input({ shape: conv ? [kh + 2, kw + 2, cin] : [cin], name: "input" });
  const layer = conv ? tf.layers.conv2d({ filters: cout, kernelSize: [kh, kw], useBias: false, name: "w" }) : tf.layers.dense({ units: cout, useBias: false, name: "w" });
  let x = layer.apply(input) as Sym;
  if (conv) x = tf.layers.flatten({ name: "flat" }).apply(x) as Sym;
  const model = tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2, name: "out" }).apply(x) as Sym });
  const kernel = tf.tensor(c.kernel, c.shape);
  layer.setWeights([kernel]);
  kernel.dispose();
  return model;
}

/** Σ|w| and √Σw² per output filter by explicit loops over [kh, kw, cin, cout] (a dense [in, out] is 1×1). */
function normsByLoops(c: FilterCase): { l1: number[]; l2: number[] } {
  const [kh, kw, cin, cout] = c.shape.length === 4 ? c.shape : [1, 1, c.shape[0], c.shape[1]];
  const l1 = new Array(cout).fill(0), sq = new Array(cout).fill(0);
  for (let o = 0; o < cout; o++) {
    for (let i = 0; i < kh; i++) for (let j = 0; j < kw; j++) for (let ci = 0; ci < cin; ci++) {
      const w = c.kernel[((i * kw + j) * cin + ci) * cout + o];
      l1[o] += Math.abs(w);
      sq[o] += w * w;
    }
  }
  return { l1, l2: sq.map(Math.sqrt) };
}

describe("L1 / L2 filter scores", () => {
  it("equal PyTorch's per-filter norms and explicit loops, for conv kernels and dense weights", () => {
    for (const c of fixture.filters) {
      const model = modelWithKernel(c);
      const loops = normsByLoops(c);
      for (const p of ["l1", "l2"] as const) {
        const mine = Array.from(filterScores(model, "w", p));
        mine.forEach((v, o) => {
          expect(close(v, c[p][o], 1e-12), `${c.name} ${p}[${o}]: ${v} vs torch ${c[p][o]}`).toBe(true);
          expect(close(v, loops[p][o], 1e-12)).toBe(true);
        });
      }
      model.dispose();
    }
  });

  it("keep the filters torch's ln_structured(dim=0) keeps, for n = 1 and 2 at each amount", () => {
    let checked = 0;
    for (const c of fixture.filters) {
      const model = modelWithKernel(c);
      for (const p of c.pruned) {
        const scores = filterScores(model, "w", p.n === 1 ? "l1" : "l2");
        expect(channelsToKeep(scores, p.amount, c.name), `${c.name}, amount ${p.amount}, n=${p.n}`).toEqual(p.kept);
        checked++;
      }
      model.dispose();
    }
    expect(checked).toBeGreaterThanOrEqual(25);
  });

  it("a group joined by an add scores each channel by the sum over its producers", () => {
    const input = tf.input({ shape: [3, 3, 2] });
    const a = tf.layers.conv2d({ filters: 4, kernelSize: 1, name: "a" });
    const b = tf.layers.conv2d({ filters: 4, kernelSize: 3, padding: "same", name: "b" });
    const sum = tf.layers.add({ name: "sum" }).apply([a.apply(input) as Sym, b.apply(input) as Sym]) as Sym;
    const model = tf.model({ inputs: input, outputs: tf.layers.conv2d({ filters: 2, kernelSize: 1, name: "c" }).apply(sum) as Sym });
    const perFilter = (layer: tf.layers.Layer) => {
      const k = layer.getWeights()[0];
      return Array.from({ length: 4 }, (_, o) => (k.arraySync() as number[][][][]).flat(2).reduce((s, row) => s + Math.abs(row[o]), 0));
    };
    const expected = perFilter(a).map((v, o) => v + perFilter(b)[o]);
    Array.from(filterScores(model, "a", "l1")).forEach((v, o) => expect(close(v, expected[o], 1e-6)).toBe(true));
    model.dispose();
  });
});

describe("energy (nuclear norm of each channel's feature maps over a calibration batch)", () => {
  // input [3, 4, 3] → 1×1 identity conv "id" (the group) → Flatten → Dense: the maps are the input's channels.
  function identityModel(): tf.LayersModel {
    const input = tf.input({ shape: [3, 4, 3], name: "input" });
    const id = tf.layers.conv2d({ filters: 3, kernelSize: 1, useBias: false, name: "id" });
    const y = tf.layers.dense({ units: 2, name: "out" }).apply(tf.layers.flatten({ name: "flat" }).apply(id.apply(input) as Sym) as Sym) as Sym;
    const model = tf.model({ inputs: input, outputs: y });
    const eye = tf.tensor4d([1, 0, 0, 0, 1, 0, 0, 0, 1], [1, 1, 3, 3]);
    id.setWeights([eye]);
    eye.dispose();
    return model;
  }

  it("equals torch's nuclear norm of each channel's N×(H·W) matrix; the rank-1 channel its Frobenius norm, the zero channel 0", () => {
    const model = identityModel();
    const { shape, maps, nuclear } = fixture.energy;
    const calibration = tf.tensor(maps, shape);
    const scores = filterScores(model, "id", "energy", { calibration });
    nuclear.forEach((v, c) => expect(close(scores[c], v, 1e-7), `channel ${c}: ${scores[c]} vs torch ${v}`).toBe(true));
    const channel1 = maps.filter((_, i) => i % 3 === 1);
    expect(close(scores[1], Math.sqrt(channel1.reduce((s, x) => s + x * x, 0)), 1e-7)).toBe(true);
    expect(scores[2]).toBe(0);
    // Scaling the data by k scales every score by |k|.
    const scaled = tf.mul(calibration, -3);
    Array.from(filterScores(model, "id", "energy", { calibration: scaled })).forEach((v, c) => expect(close(v, 3 * scores[c], 1e-6)).toBe(true));
    tf.dispose([calibration, scaled]);
    model.dispose();
  });

  it("needs a calibration batch of the model's input shape, and leaks no tensors", () => {
    const model = identityModel();
    expect(() => filterScores(model, "id", "energy")).toThrow(/needs options.calibration/);
    const wrong = tf.zeros([2, 4, 4, 3]);
    expect(() => filterScores(model, "id", "energy", { calibration: wrong })).toThrow(/shape \[N ≥ 1, 3, 4, 3\].*got \[2, 4, 4, 3\]/);
    const ok = tf.ones([2, 3, 4, 3]);
    const before = tf.memory().numTensors;
    filterScores(model, "id", "energy", { calibration: ok });
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([wrong, ok]);
    model.dispose();
  });
});

describe("channelsToKeep", () => {
  it("keeps max(1, round(C·(1 − r))) channels: the highest scores, in ascending order", () => {
    const scores = [0.5, 3, 1, 4, 2, 0];
    expect(channelsToKeep(scores, 0)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(channelsToKeep(scores, 0.5)).toEqual([1, 3, 4]);
    expect(channelsToKeep(scores, 0.25)).toEqual([0, 1, 2, 3, 4]); // 6·0.75 = 4.5 → 5 (halves up)
    expect(channelsToKeep(scores, 0.9)).toEqual([3]); // 0.6 → 1
    expect(channelsToKeep(Float64Array.from(scores), 0.99)).toEqual([3]); // 0.06 → 0 → at least 1
    // C, r → kept, by hand
    const table: [number, number, number][] = [[8, 0.5, 4], [8, 0.3, 6], [10, 0.25, 8], [16, 0.7, 5], [3, 0.5, 2], [1, 0.5, 1], [4, 0.9, 1], [64, 0.75, 16]];
    for (const [c, r, kept] of table) {
      expect(keptCount(c, r), `C ${c}, r ${r}`).toBe(kept);
      expect(channelsToKeep(new Float64Array(c).map((_, i) => i), r)).toHaveLength(kept);
    }
  });

  it("breaks ties towards the lower index", () => {
    expect(channelsToKeep([1, 2, 2, 2, 0], 0.6)).toEqual([1, 2]);
    expect(channelsToKeep([5, 5, 5, 5], 0.5)).toEqual([0, 1]);
    expect(channelsToKeep([0, 0, 0], 0.9)).toEqual([0]);
  });

  it("rejects a ratio outside [0, 1), naming it and the layer, and NaN scores", () => {
    expect(() => channelsToKeep([1, 2], 1, 'group "conv1"')).toThrow(/ratio 1 for group "conv1" would remove every one of its 2 filters/);
    for (const r of [1.2, -0.1, Number.NaN, Infinity]) expect(() => channelsToKeep([1, 2], r, "conv9")).toThrow(new RegExp(`conv9 must be in \\[0, 1\\), got ${String(r)}`));
    expect(() => channelsToKeep([1, Number.NaN], 0.5, "conv2")).toThrow(/score 1 of conv2 is NaN/);
    expect(() => channelsToKeep([], 0.5, "conv2")).toThrow(/no channels/);
  });
});

describe("fixtures/structured-reference.json is what make-structured-fixture.py writes", () => {
  const missing = pythonCannotImport("torch", "python3-torch");

  it("regenerated numbers equal the committed JSON to 1e-12", (ctx) => {
    if (missing) ctx.skip(`skipped: ${missing}`);
    const regenerated = regenerateFixture(SCRIPT_PATH, "structured-reference.json", readStructuredReference);
    expect(jsonMismatches(regenerated, fixture, { ignoreKeys: ["torch"] })).toEqual([]);
  }, 90_000);
});
