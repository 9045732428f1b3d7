// The C front end's constants (c/frontend_tables.h and .c), written from the TypeScript front end's own
// functions (course-lib/data/audio/features.ts: resolveConfig, hannWindow, melFilterbank, dctMatrix) and the
// dataset's rounding (generate-keywords.ts LOGMEL_QUANT), so that C and TypeScript share one definition.
// Every table is `const` (flash). Values are float32 printed with 9 significant digits, which names exactly
// one float32 (the host test prints the compiled tables back bit by bit).
//
// What is folded in ahead of time, and why:
// - the window holds w[n] / 32768, the int16 → [-1, 1) scale (a power of two: exact);
// - the mel filterbank is sparse: each triangle's first bin, count and its non-zero weights only (the full
//   40 × 257 float table is 41 KB, most of a 64 KB board's flash);
// - the uint8 rounding is a table of 255 thresholds: fe_logmel_threshold[j − 1] is the smallest float32 x
//   with Math.round((x − offset) / step) ≥ j, so the C reproduces generate-keywords.ts's float64 rounding
//   exactly on every float32 value without double arithmetic;
// - normalisation and input quantisation are one multiply-add per value: ((offset + step q) − mean) / std / s
//   = a·q + c for log-mel; (y − mean) / std / s = a·y + c for MFCC; a and c are rounded to float32 once.
import { dctMatrix, hannWindow, melFilterbank, resolveConfig, type FeatureConfig } from "../data/audio/features";
import { LOGMEL_QUANT } from "../data/generate-keywords";

export type StreamingFeatures = "logmel" | "mfcc";

export interface FrontEndTableOptions {
  features: StreamingFeatures;
  /** Per mel bin (log-mel) or per coefficient (MFCC) train statistics: keywordTrainStats(features). */
  normalization: { mean: readonly number[]; std: readonly number[] };
  /** The model's int8 input quantisation. */
  input: { scale: number; zeroPoint: number };
  /** Front-end configuration; default features.ts's MICRO_SPEECH_CONFIG (the dataset's). */
  config?: Partial<FeatureConfig>;
}

export interface FrontEndTables {
  files: { "frontend_tables.h": string; "frontend_tables.c": string };
  config: FeatureConfig;
  /** Values per frame the model sees: numMelBins (log-mel) or numMfcc (MFCC). */
  width: number;
  /** Non-zero weights of the sparse filterbank. */
  melWeights: number;
  /** Bytes of all tables together (what they add to flash). */
  tableBytes: number;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The bits of a float32 value. */
export function float32Bits(x: number): number {
  f32[0] = x;
  return u32[0];
}

/** The float32 with these bits. */
export function float32FromBits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0];
}

/** The next float32 above (dir 1) or below (dir −1) a finite float32 x. */
function nextFloat32(x: number, dir: 1 | -1): number {
  if (x === 0) return dir * float32FromBits(1);
  const bits = float32Bits(x);
  const awayFromZero = (x > 0) === (dir > 0);
  return float32FromBits(awayFromZero ? bits + 1 : bits - 1);
}

/** A C float literal naming exactly Math.fround(x): 9 significant digits round-trip every float32. */
export function cFloat(x: number): string {
  const f = Math.fround(x);
  if (!Number.isFinite(f)) throw new RangeError(`cFloat: ${x} is not a finite float32`);
  if (f === 0) return "0.0f";
  let s = f.toPrecision(9);
  if (Math.fround(Number(s)) !== f) throw new Error(`cFloat: ${s} does not name the float32 ${f}`);
  if (s.includes("e")) s = s.replace(/\.?0+e/, "e");
  else if (s.includes(".")) s = s.replace(/0+$/, "").replace(/\.$/, ".0");
  return `${s}f`;
}

/** generate-keywords.ts's uint8 rounding of one log-mel value: Math.round((x − offset) / step) in 0..255. */
export function logMelToUint8(x: number): number {
  const v = Math.round((x - LOGMEL_QUANT.offset) / LOGMEL_QUANT.step);
  return Math.max(0, Math.min(255, v));
}

/** The 255 thresholds of the rounding: entry j − 1 is the smallest float32 x with logMelToUint8(x) ≥ j. */
export function logMelThresholds(): Float32Array {
  const t = new Float32Array(255);
  for (let j = 1; j <= 255; j++) {
    const reaches = (x: number) => Math.round((x - LOGMEL_QUANT.offset) / LOGMEL_QUANT.step) >= j;
    let x = Math.fround(LOGMEL_QUANT.offset + LOGMEL_QUANT.step * (j - 0.5));
    while (!reaches(x)) x = nextFloat32(x, 1);
    while (reaches(nextFloat32(x, -1))) x = nextFloat32(x, -1);
    t[j - 1] = x;
  }
  return t;
}

/** The dequantised log-mel of every uint8 value, as the loader stores it (float32 of offset + step q). */
export function logMelValues(): Float32Array {
  return Float32Array.from({ length: 256 }, (_, q) => LOGMEL_QUANT.offset + LOGMEL_QUANT.step * q);
}

/** One triangle of the sparse filterbank: its first non-zero bin and its non-zero weights (contiguous). */
export interface SparseMelRow {
  first: number;
  weights: Float64Array;
}

/** melFilterbank's rows without their zeros; throws if a row's non-zero weights are not contiguous. */
export function sparseMelFilterbank(config: FeatureConfig): SparseMelRow[] {
  return melFilterbank(config).map((row, m) => {
    const nonzero: number[] = [];
    row.forEach((w, k) => {
      if (w !== 0) nonzero.push(k);
    });
    if (nonzero.length === 0) throw new RangeError(`sparseMelFilterbank: mel bin ${m} has no non-zero weight (fftSize ${config.fftSize} is too coarse for ${config.numMelBins} bins)`);
    const first = nonzero[0];
    const last = nonzero[nonzero.length - 1];
    if (last - first + 1 !== nonzero.length) throw new Error(`sparseMelFilterbank: mel bin ${m}'s non-zero weights are not contiguous`);
    return { first, weights: row.slice(first, last + 1) };
  });
}

/** Twiddles W^k = e^(−2πik/N), k < N/2, as [cos, −sin] rounded to float32 (exact zeros where the value is 0). */
export function fftTwiddles(fftSize: number): Float32Array {
  const t = new Float32Array(fftSize);
  for (let k = 0; k < fftSize / 2; k++) {
    // Quarter turns are exactly 0 or ±1; Math.cos(π/2) is 6e-17, which float32 would keep.
    const quarter = (4 * k) % fftSize === 0;
    const angle = (2 * Math.PI * k) / fftSize;
    t[2 * k] = quarter ? Math.round(Math.cos(angle)) : Math.cos(angle);
    t[2 * k + 1] = 0 - (quarter ? Math.round(Math.sin(angle)) : Math.sin(angle)); // 0 - x: +0, not -0
  }
  return t;
}

function bitReversal(n: number): Uint16Array {
  const bits = Math.round(Math.log2(n));
  return Uint16Array.from({ length: n }, (_, i) => {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    return r;
  });
}

/** Per-value multiply-add (a, c) of normalisation + input quantisation; see the header. */
export function normalisationConstants(options: FrontEndTableOptions, width: number): { a: Float32Array; c: Float32Array } {
  const { mean, std } = options.normalization;
  const { scale } = options.input;
  const a = new Float32Array(width);
  const c = new Float32Array(width);
  for (let i = 0; i < width; i++) {
    const k = 1 / (std[i] * scale);
    if (options.features === "logmel") {
      a[i] = LOGMEL_QUANT.step * k;
      c[i] = (LOGMEL_QUANT.offset - mean[i]) * k;
    } else {
      a[i] = k;
      c[i] = -mean[i] * k;
    }
  }
  return { a, c };
}

function checkOptions(options: FrontEndTableOptions): { config: FeatureConfig; width: number } {
  if (options === null || typeof options !== "object") throw new RangeError("frontEndTables: options must be { features, normalization, input }");
  if (options.features !== "logmel" && options.features !== "mfcc") {
    throw new RangeError(`frontEndTables: features must be "logmel" or "mfcc", got ${JSON.stringify(options.features)}`);
  }
  const config = resolveConfig(options.config);
  if (config.fftSize / 2 > 65535 || config.frameLength > config.fftSize) throw new RangeError(`frontEndTables: fftSize ${config.fftSize} is too large for the uint16 tables`);
  const width = options.features === "mfcc" ? config.numMfcc : config.numMelBins;
  const { mean, std } = options.normalization ?? ({} as FrontEndTableOptions["normalization"]);
  if (!Array.isArray(mean) || !Array.isArray(std) || mean.length !== width || std.length !== width) {
    throw new RangeError(
      `frontEndTables: normalization must hold ${width} means and ${width} stds (one per ${options.features === "mfcc" ? "coefficient" : "mel bin"}), got ${Array.isArray(mean) ? mean.length : "no"} and ${Array.isArray(std) ? std.length : "no"}`,
    );
  }
  mean.forEach((m, i) => {
    if (!Number.isFinite(m)) throw new RangeError(`frontEndTables: normalization.mean[${i}] must be finite, got ${m}`);
  });
  std.forEach((s, i) => {
    if (!(Number.isFinite(s) && s > 0)) throw new RangeError(`frontEndTables: normalization.std[${i}] must be a positive number, got ${s}`);
  });
  const { scale, zeroPoint } = options.input ?? ({} as FrontEndTableOptions["input"]);
  if (!(Number.isFinite(scale) && scale > 0)) throw new RangeError(`frontEndTables: input.scale must be a positive number, got ${scale}`);
  if (!(Number.isInteger(zeroPoint) && zeroPoint >= -128 && zeroPoint <= 127)) throw new RangeError(`frontEndTables: input.zeroPoint must be an int8, got ${zeroPoint}`);
  return { config, width };
}

/** `const float name[n] = { ... };` wrapped at 100 columns. */
function floatArray(name: string, values: ArrayLike<number>, dims: string, comment: string): string {
  return cTable(`const float ${name}${dims}`, Array.from(values, cFloat), comment);
}

function intArray(type: string, name: string, values: ArrayLike<number>, dims: string, comment: string): string {
  return cTable(`const ${type} ${name}${dims}`, Array.from(values, (v) => String(v)), comment);
}

function cTable(declaration: string, literals: string[], comment: string): string {
  const lines: string[] = [];
  let line = " ";
  for (const lit of literals) {
    if (line.length + lit.length + 2 > 100) {
      lines.push(line);
      line = " ";
    }
    line += ` ${lit},`;
  }
  lines.push(line);
  return `/* ${comment} */\n${declaration} = {\n${lines.join("\n")}\n};\n`;
}

/** frontend_tables.h and frontend_tables.c for one model's input and normalisation; see the header. */
export function frontEndTables(options: FrontEndTableOptions): FrontEndTables {
  const { config, width } = checkOptions(options);
  const mfcc = options.features === "mfcc";
  const mel = sparseMelFilterbank(config);
  const melWeights = mel.reduce((s, r) => s + r.weights.length, 0);
  const window = hannWindow(config.frameLength).map((w) => w / 32768);
  const { a, c } = normalisationConstants(options, width);
  const half = config.fftSize / 2;
  const tableBytes = 4 * config.frameLength + 4 * config.fftSize + 2 * half + 2 * 2 * config.numMelBins + 4 * melWeights + 4 * 255 + 2 * 4 * width +
    (mfcc ? 4 * 256 + 4 * config.numMfcc * config.numMelBins : 0);

  const header = `/* frontend_tables.h: the front end's constants, generated by course-lib/streaming/frontend-tables.ts
 * from course-lib/data/audio/features.ts (do not edit). ${options.features === "mfcc" ? `MFCC (${config.numMfcc} per frame)` : `log-mel (${config.numMelBins} per frame)`}. */
#ifndef TINYML_COURSE_FRONTEND_TABLES_H
#define TINYML_COURSE_FRONTEND_TABLES_H

#include <stdint.h>

#define FE_SAMPLE_RATE ${config.sampleRate}
#define FE_FRAME_LENGTH ${config.frameLength}
#define FE_FRAME_STEP ${config.frameStep}
#define FE_FFT_SIZE ${config.fftSize}
#define FE_MEL_BINS ${config.numMelBins}
#define FE_MEL_WEIGHTS ${melWeights}
#define FE_USE_MFCC ${mfcc ? 1 : 0}
#define FE_NUM_MFCC ${config.numMfcc}
/* Values per frame in the model's input: mel bins or MFCCs. */
#define FE_FEATURE_WIDTH ${width}
#define FE_LOG_OFFSET ${cFloat(config.logOffset)}
/* The model's input zero point (its scale is folded into fe_norm_scale / fe_norm_offset). */
#define FE_INPUT_ZERO_POINT ${options.input.zeroPoint}

extern const float fe_window[FE_FRAME_LENGTH];
extern const float fe_twiddle[FE_FFT_SIZE]; /* W^k: cos at 2k, -sin at 2k + 1 */
extern const uint16_t fe_bitrev[FE_FFT_SIZE / 2];
extern const uint16_t fe_mel_first[FE_MEL_BINS];
extern const uint16_t fe_mel_count[FE_MEL_BINS];
extern const float fe_mel_weight[FE_MEL_WEIGHTS];
extern const float fe_logmel_threshold[255];
extern const float fe_norm_scale[FE_FEATURE_WIDTH];
extern const float fe_norm_offset[FE_FEATURE_WIDTH];
#if FE_USE_MFCC
extern const float fe_logmel_value[256];
extern const float fe_dct[FE_NUM_MFCC * FE_MEL_BINS]; /* row c at c * FE_MEL_BINS */
#endif

#endif /* TINYML_COURSE_FRONTEND_TABLES_H */
`;
  const parts = [
    `/* frontend_tables.c: generated by course-lib/streaming/frontend-tables.ts (do not edit); ${tableBytes} bytes of tables. */`,
    `#include "frontend_tables.h"\n`,
    floatArray("fe_window", window, "[FE_FRAME_LENGTH]", `periodic Hann window / 32768 (hannWindow(${config.frameLength}))`),
    floatArray("fe_twiddle", fftTwiddles(config.fftSize), "[FE_FFT_SIZE]", `W^k = e^(-2 pi i k / ${config.fftSize}), k < ${config.fftSize / 2}: cos at 2k, -sin at 2k + 1`),
    intArray("uint16_t", "fe_bitrev", bitReversal(half), "[FE_FFT_SIZE / 2]", `bit reversal of ${Math.log2(half)}-bit indices (the ${half}-point complex FFT)`),
    intArray("uint16_t", "fe_mel_first", mel.map((r) => r.first), "[FE_MEL_BINS]", "first FFT bin of each mel triangle"),
    intArray("uint16_t", "fe_mel_count", mel.map((r) => r.weights.length), "[FE_MEL_BINS]", "non-zero weights of each triangle"),
    floatArray("fe_mel_weight", mel.flatMap((r) => Array.from(r.weights)), "[FE_MEL_WEIGHTS]", `the triangles' non-zero weights, one after the other (melFilterbank: HTK mel, ${config.lowerHz}-${config.upperHz} Hz)`),
    floatArray("fe_logmel_threshold", logMelThresholds(), "[255]", `entry j - 1: the smallest float whose uint8 log-mel (Math.round((x - ${LOGMEL_QUANT.offset}) / ${LOGMEL_QUANT.step})) is >= j`),
    floatArray("fe_norm_scale", a, "[FE_FEATURE_WIDTH]", mfcc ? "1 / (std * input scale)" : `${LOGMEL_QUANT.step} / (std * input scale)`),
    floatArray("fe_norm_offset", c, "[FE_FEATURE_WIDTH]", mfcc ? "-mean / (std * input scale)" : `(${LOGMEL_QUANT.offset} - mean) / (std * input scale)`),
  ];
  if (mfcc) {
    parts.push(
      "#if FE_USE_MFCC",
      floatArray("fe_logmel_value", logMelValues(), "[256]", `dequantised log-mel: float32 of ${LOGMEL_QUANT.offset} + ${LOGMEL_QUANT.step} q`),
      floatArray("fe_dct", dctMatrix(config.numMfcc, config.numMelBins).flatMap((r) => Array.from(r)), "[FE_NUM_MFCC * FE_MEL_BINS]", "orthonormal DCT-II (dctMatrix), row c at c * FE_MEL_BINS"),
      "#endif",
    );
  }
  return { files: { "frontend_tables.h": header, "frontend_tables.c": parts.join("\n") }, config, width, melWeights, tableBytes };
}
