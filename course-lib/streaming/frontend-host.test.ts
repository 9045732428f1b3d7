// The C front end (c/frontend.c with generated tables) built with the host gcc and held against TypeScript:
// fe_log against Math.log over the whole float32 range; the frames of the shipped test clips against
// features.ts (float64) and against the dataset's own stored uint8 features; the int8 rows against the
// training pipeline; and the compiled tables against the float32 values frontend-tables.ts meant to write.
// The host needs only gcc (the firmware test runs the same C on the board).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logMelSpectrogram } from "../data/audio/features";
import { keywordTrainStats, loadKeywordAudio, loadKeywords } from "../data/keywords";
import { mulberry32 } from "../data/random";
import type { QuantizedGraph } from "../quantize/graph";
import { trainingInputRow } from "./device";
import { fftTwiddles, float32FromBits, frontEndTables, logMelThresholds, logMelToUint8, normalisationConstants, sparseMelFilterbank, type FrontEndTableOptions } from "./frontend-tables";
import { buildFrontEndHost, type FrontEndHost } from "./host";
import { hannWindow, MICRO_SPEECH_CONFIG } from "../data/audio/features";

const work = mkdtempSync(join(tmpdir(), "tinyml-frontend-host-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const INPUT = { scale: Math.fround(9 / 255), zeroPoint: -43 };
/** A graph with only an input tensor: what quantizeInput needs (the model's input quantisation). */
function inputGraph(width: number): QuantizedGraph {
  return {
    format: 1, name: "input only", operators: [], inputs: [0], outputs: [0],
    tensors: [{ id: 0, name: "input", shape: [1, 49, width, 1], dtype: "int8", quant: { scale: [INPUT.scale], zeroPoint: [INPUT.zeroPoint], axis: 0 } }],
  };
}

let logmelOptions: FrontEndTableOptions;
let logmel: FrontEndHost;
let mfcc: FrontEndHost;
let pcm: Int16Array;
let shipped: Uint8Array[]; // the dataset's stored uint8 features of each clip
const CLIP = 16000;

beforeAll(async () => {
  logmelOptions = { features: "logmel", normalization: keywordTrainStats("logmel"), input: INPUT };
  [logmel, mfcc] = await Promise.all([
    buildFrontEndHost(join(work, "logmel"), logmelOptions),
    buildFrontEndHost(join(work, "mfcc"), { features: "mfcc", normalization: keywordTrainStats("mfcc"), input: INPUT }),
  ]);
  // One shipped test clip per class (12 s), and the same clips' stored features from the dataset.
  const audio = await loadKeywordAudio({ split: "test", normalize: false, shuffle: false });
  const features = await loadKeywords({ split: "test", normalize: false, shuffle: false });
  const picks = Array.from({ length: 12 }, (_, k) => audio.classIndices.indexOf(k));
  const samples = audio.inputs.dataSync() as Float32Array;
  pcm = new Int16Array(picks.length * CLIP);
  picks.forEach((i, c) => pcm.set(Int16Array.from(samples.subarray(i * CLIP, (i + 1) * CLIP)), c * CLIP));
  const stored = features.inputs.dataSync() as Float32Array;
  shipped = picks.map((i) => {
    const at = audio.sourceIndices[i] * 49 * 40;
    return Uint8Array.from(stored.subarray(at, at + 49 * 40), (v) => Math.round((v + 14) / 0.1));
  });
  for (const d of [audio, features]) {
    d.inputs.dispose();
    d.labels.dispose();
  }
}, 120_000);

/** ulps of the float32 result r off the true value t. */
function ulps(r: number, t: number): number {
  if (t === 0) return r === 0 ? 0 : Infinity;
  return Math.abs(r - t) / Math.pow(2, Math.floor(Math.log2(Math.abs(t))) - 23);
}

describe("the C front end on the host", () => {
  it("fe_log is within 1 ulp of Math.log (measured 0.74 ulp, 7.4e-8 relative) from the smallest subnormal to FLT_MAX", async () => {
    const random = mulberry32(11);
    const xs: number[] = [];
    for (let i = 0; i < 100_000; i++) xs.push(Math.fround(Math.pow(2, -149 + 277 * random()))); // every binade, subnormals included
    for (let k = -3000; k <= 3000; k++) xs.push(Math.fround(1 + k * 2 ** -23)); // next to 1, where ln → 0
    for (let e = -149; e < 128; e++) for (const d of [-1, 0, 1]) xs.push(float32FromBits(Math.max(1, ((e + 127) << 23) + d)));
    xs.push(Math.fround(Math.SQRT2), Math.fround(Math.SQRT1_2), float32FromBits(0x7f7fffff), float32FromBits(1), 1e-6, 1);
    const finite = Float32Array.from(xs.filter((x) => x > 0 && Number.isFinite(x)));
    const ys = await logmel.log(finite);
    let worstUlps = 0;
    let worstRelative = 0;
    for (let i = 0; i < finite.length; i++) {
      const t = Math.log(finite[i]);
      worstUlps = Math.max(worstUlps, ulps(ys[i], t));
      if (t !== 0) worstRelative = Math.max(worstRelative, Math.abs(ys[i] - t) / Math.abs(t));
    }
    console.log(`fe_log over ${finite.length} floats: worst ${worstUlps.toFixed(3)} ulp, ${worstRelative.toExponential(2)} relative`);
    expect(worstUlps).toBeLessThanOrEqual(1);
    expect(worstRelative).toBeLessThan(1.2e-7);
    expect(ys[finite.indexOf(1)]).toBe(0);
    const special = await logmel.log(Float32Array.from([0, -0, -1, Infinity, NaN]));
    expect(Array.from(special)).toEqual([-Infinity, -Infinity, NaN, Infinity, NaN]);
  });

  it("frames of 12 shipped clips match features.ts within 1e-4 and the dataset's stored uint8 features", async () => {
    const frames = await logmel.frames(pcm);
    const ts = logMelSpectrogram(Float64Array.from(pcm, (v) => v / 32768));
    expect(frames).toHaveLength(ts.frames);
    expect(frames).toHaveLength(599); // 1 + (192000 − 480) / 320
    let maxDelta = 0;
    let differing = 0;
    for (const f of frames) {
      for (let m = 0; m < 40; m++) {
        const reference = ts.data[f.index * 40 + m];
        maxDelta = Math.max(maxDelta, Math.abs(f.logMel[m] - reference));
        expect(Math.abs(f.quantised[m] - logMelToUint8(reference))).toBeLessThanOrEqual(1);
        if (f.quantised[m] !== logMelToUint8(reference)) differing++;
        expect(f.quantised[m]).toBe(logMelToUint8(f.logMel[m])); // the C rounding is the dataset's, exactly
      }
    }
    // Clip c starts at frame 50 c (16000 = 50 hops), so frames 50c..50c+48 are the clip's own 49 frames.
    let storedDiffering = 0;
    shipped.forEach((stored, c) => {
      for (let i = 0; i < 49 * 40; i++) if (frames[50 * c + Math.floor(i / 40)].quantised[i % 40] !== stored[i]) storedDiffering++;
    });
    console.log(`host front end, ${frames.length} frames: max |Δ log-mel| ${maxDelta.toExponential(2)}, uint8 differing from features.ts ${differing}, from the stored dataset ${storedDiffering} of ${12 * 49 * 40}`);
    // float32 against float64 (see FEATURE_TOLERANCE in device.ts): measured 4.4e-5; a flip needs a value that close to a boundary.
    expect(maxDelta).toBeLessThan(1e-4);
    expect(differing / (frames.length * 40)).toBeLessThanOrEqual(1e-3);
    expect(storedDiffering / (12 * 49 * 40)).toBeLessThanOrEqual(1e-3);
  });

  it("int8 rows (log-mel and MFCC) equal the training pipeline on the same uint8 values, up to one step at a boundary", async () => {
    const short = pcm.subarray(0, 3 * CLIP);
    for (const [host, features, width] of [[logmel, "logmel", 40], [mfcc, "mfcc", 10]] as const) {
      const frames = await host.frames(short);
      const graph = inputGraph(width);
      let differing = 0;
      for (const f of frames) {
        expect(f.row).toHaveLength(width);
        const expected = trainingInputRow(graph, f.quantised, features, keywordTrainStats(features));
        for (let k = 0; k < width; k++) {
          expect(Math.abs(expected[k] - f.row[k])).toBeLessThanOrEqual(1);
          if (expected[k] !== f.row[k]) differing++;
        }
      }
      expect(differing / (frames.length * width)).toBeLessThanOrEqual(1e-3);
    }
  });

  it("the compiled tables hold exactly the float32 values frontend-tables.ts computed", async () => {
    const tables = await logmel.tables();
    const { a, c } = normalisationConstants(logmelOptions, 40);
    const expected: Record<string, Float32Array> = {
      fe_window: Float32Array.from(hannWindow(480), (w) => w / 32768),
      fe_twiddle: fftTwiddles(512),
      fe_mel_weight: Float32Array.from(sparseMelFilterbank(MICRO_SPEECH_CONFIG).flatMap((r) => Array.from(r.weights))),
      fe_logmel_threshold: logMelThresholds(),
      fe_norm_scale: a,
      fe_norm_offset: c,
    };
    for (const [name, values] of Object.entries(expected)) expect({ name, values: Array.from(tables.get(name) ?? []) }).toEqual({ name, values: Array.from(values) });
    const mfccTables = await mfcc.tables();
    expect(mfccTables.get("fe_dct")).toHaveLength(400);
    expect(frontEndTables(logmelOptions).tableBytes).toBeLessThan(8 * 1024);
  });
});
