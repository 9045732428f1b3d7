// Test helpers of structured pruning (channels.test.ts, criteria.test.ts, structured.test.ts): a small
// conv-BN-ReLU CNN with 'valid' convs and Flatten→Dense, weights and BN statistics set to non-trivial seeded
// values (so that a removed channel's BN shift act(β − γμ/√(σ²+ε)) is non-zero and the fold matters), and
// the largest difference between two models' outputs on the same inputs.
import { readFileSync } from "fs";
import { join } from "path";
import * as tf from "@tensorflow/tfjs";
import { mulberry32 } from "../../data/random";

type Sym = tf.SymbolicTensor;

/**
 * input [12, 12, 1] → conv1 3×3 'valid' (8, no bias) → BN → ReLU → max-pool 2 → conv2 3×3 'valid' (8, no bias)
 * → BN → ReLU → Flatten (3·3·8 = 72) → fc1 Dense 16 ReLU → logits Dense 4.
 */
export function smallCnn(widths = { conv1: 8, conv2: 8, fc1: 16 }): tf.LayersModel {
  const input = tf.input({ shape: [12, 12, 1], name: "input" });
  let x = tf.layers.conv2d({ filters: widths.conv1, kernelSize: 3, useBias: false, name: "conv1" }).apply(input) as Sym;
  x = tf.layers.batchNormalization({ name: "conv1_bn" }).apply(x) as Sym;
  x = tf.layers.reLU({ name: "conv1_relu" }).apply(x) as Sym;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: "conv1_pool" }).apply(x) as Sym;
  x = tf.layers.conv2d({ filters: widths.conv2, kernelSize: 3, useBias: false, name: "conv2" }).apply(x) as Sym;
  x = tf.layers.batchNormalization({ name: "conv2_bn" }).apply(x) as Sym;
  x = tf.layers.reLU({ name: "conv2_relu" }).apply(x) as Sym;
  x = tf.layers.flatten({ name: "flatten" }).apply(x) as Sym;
  x = tf.layers.dense({ units: widths.fc1, activation: "relu", name: "fc1" }).apply(x) as Sym;
  const out = tf.layers.dense({ units: 4, name: "logits" }).apply(x) as Sym;
  return tf.model({ inputs: input, outputs: out, name: "small_cnn" });
}

/**
 * Sets every weight of `model` to seeded values: kernels uniform in ±√(3/fan-in) (unit-variance outputs),
 * biases ±0.5, BN γ in [0.5, 1.5], β in [−0.3, 1.2] (mostly positive: ReLU passes the shift), moving mean in
 * ±0.5 and moving variance in [0.5, 1.5].
 */
export function randomizeWeights(model: tf.LayersModel, seed: number): void {
  const random = mulberry32(seed);
  const u = (lo: number, hi: number) => lo + (hi - lo) * random();
  for (const layer of model.layers) {
    const weights = layer.weights;
    if (weights.length === 0) continue;
    const values = weights.map((w) => {
      const name = w.originalName.split("/").pop() as string;
      const shape = w.shape as number[];
      const size = shape.reduce((a, b) => a * b, 1);
      const fanIn = shape.length > 1 ? size / shape[shape.length - 1] : 1;
      const range: [number, number] =
        name === "gamma" ? [0.5, 1.5] : name === "beta" ? [-0.3, 1.2] : name === "moving_mean" ? [-0.5, 0.5] : name === "moving_variance" ? [0.5, 1.5]
          : name === "bias" ? [-0.5, 0.5] : [-Math.sqrt(3 / fanIn), Math.sqrt(3 / fanIn)];
      return tf.tensor(Float32Array.from({ length: size }, () => u(range[0], range[1])), shape);
    });
    layer.setWeights(values);
    tf.dispose(values);
  }
}

/** Seeded inputs in [−1, 1) for `model`, batch `n`. */
export function randomInputs(model: tf.LayersModel, n: number, seed: number): tf.Tensor {
  const shape = [n, ...(model.inputs[0].shape.slice(1) as number[])];
  const random = mulberry32(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => 2 * random() - 1), shape);
}

/** max |a(x) − b(x)| over the outputs, and max |a(x)| for scale. */
export function outputGap(a: tf.LayersModel, b: tf.LayersModel, x: tf.Tensor): { gap: number; scale: number } {
  return tf.tidy(() => {
    const ya = (a.predict(x) as tf.Tensor).dataSync();
    const yb = (b.predict(x) as tf.Tensor).dataSync();
    if (ya.length !== yb.length) throw new Error(`outputGap: outputs of ${ya.length} and ${yb.length} values`);
    let gap = 0, scale = 0;
    for (let i = 0; i < ya.length; i++) {
      gap = Math.max(gap, Math.abs(ya[i] - yb[i]));
      scale = Math.max(scale, Math.abs(ya[i]));
    }
    return { gap, scale };
  });
}

// ---------------------------------------------------------------------------------------------------------
// The PyTorch fixture (fixtures/structured-reference.json, written by fixtures/make-structured-fixture.py)

export interface NuclearCase {
  name: string;
  rows: number;
  cols: number;
  /** Row-major. */
  data: number[];
  nuclear: number;
}

export interface FilterCase {
  name: string;
  /** tfjs layout: [kh, kw, cin, cout] for a conv, [in, out] for a dense layer; filters on the last axis. */
  shape: number[];
  kernel: number[];
  l1: number[];
  l2: number[];
  /** Filters torch's ln_structured(dim=0, n) keeps at `amount`. */
  pruned: { amount: number; n: 1 | 2; kept: number[] }[];
}

export interface StructuredReference {
  script: string;
  torch: string;
  nuclear: NuclearCase[];
  filters: FilterCase[];
  energy: { shape: number[]; maps: number[]; nuclear: number[] };
}

export const STRUCTURED_FIXTURE = join(__dirname, "fixtures", "structured-reference.json");

export function readStructuredReference(path = STRUCTURED_FIXTURE): StructuredReference {
  return JSON.parse(readFileSync(path, "utf8")) as StructuredReference;
}
