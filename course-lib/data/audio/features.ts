// Speech features in plain TypeScript: framing, Hann window, power spectrogram, mel filterbank, log-mel
// and MFCC, with TFLite Micro micro_speech-like defaults (16 kHz, 30 ms window, 20 ms stride, 40 mel bins
// -> 49 frames x 40 for a 1 s clip; MFCC keeps 10 coefficients -> 49 x 10).
//
// Conventions, stated exactly (the numpy fixture in make-fixture.py implements the same ones independently):
// - Input: float samples in [-1, 1] (int16 / 32768). No pre-emphasis, no dithering, no DC removal.
// - Framing: frame length 480 samples, hop 320, no padding; frames = 1 + floor((len - 480) / 320).
// - Window: periodic Hann, w[n] = 0.5 - 0.5 cos(2 pi n / N), N = frame length (like tf.signal.hann_window).
// - FFT: the frame zero-padded at the end to fftSize = 512 (next power of two); power = |X[k]|^2 for
//   k = 0..256, unnormalised (no division by N).
// - Mel scale: HTK, mel(f) = 2595 log10(1 + f / 700). 40 triangles with edges equally spaced in mel between
//   lowerHz = 125 and upperHz = 7500 (micro_speech's band). Each triangle is evaluated at the FFT bin
//   centre frequencies k * sampleRate / fftSize and peaks at 1.0 (no Slaney area normalisation).
// - Log-mel: ln(melEnergy + 1e-6) (natural log, additive offset 1e-6).
// - MFCC: orthonormal DCT-II of the 40 log-mel values (scipy.fft.dct(type=2, norm="ortho")), first 10 kept.
// Computation is in float64; results are returned as Float32Array, row-major [frame][bin].
import { isPowerOfTwo, rfft } from "./fft";

export interface FeatureConfig {
  sampleRate: number;
  frameLength: number;
  frameStep: number;
  fftSize: number;
  numMelBins: number;
  lowerHz: number;
  upperHz: number;
  logOffset: number;
  numMfcc: number;
}

export const MICRO_SPEECH_CONFIG: Readonly<FeatureConfig> = Object.freeze({
  sampleRate: 16000,
  frameLength: 480,
  frameStep: 320,
  fftSize: 512,
  numMelBins: 40,
  lowerHz: 125,
  upperHz: 7500,
  logOffset: 1e-6,
  numMfcc: 10,
});

export function resolveConfig(partial?: Partial<FeatureConfig>): FeatureConfig {
  const c: FeatureConfig = { ...MICRO_SPEECH_CONFIG, ...(partial ?? {}) };
  const positiveInts: Array<keyof FeatureConfig> = ["sampleRate", "frameLength", "frameStep", "fftSize", "numMelBins", "numMfcc"];
  for (const k of positiveInts) {
    if (!Number.isInteger(c[k]) || c[k] <= 0) throw new RangeError(`audio features: ${k} must be a positive integer, got ${c[k]}`);
  }
  if (!isPowerOfTwo(c.fftSize) || c.fftSize < c.frameLength) {
    throw new RangeError(`audio features: fftSize must be a power of two >= frameLength (${c.frameLength}), got ${c.fftSize}`);
  }
  if (!(c.lowerHz >= 0 && c.upperHz > c.lowerHz && c.upperHz <= c.sampleRate / 2)) {
    throw new RangeError(
      `audio features: need 0 <= lowerHz < upperHz <= sampleRate/2 (${c.sampleRate / 2}), got lowerHz=${c.lowerHz}, upperHz=${c.upperHz}`,
    );
  }
  if (!(c.logOffset > 0)) throw new RangeError(`audio features: logOffset must be > 0, got ${c.logOffset}`);
  if (c.numMfcc > c.numMelBins) throw new RangeError(`audio features: numMfcc (${c.numMfcc}) must be <= numMelBins (${c.numMelBins})`);
  return c;
}

export function numFrames(numSamples: number, frameLength: number, frameStep: number): number {
  return numSamples < frameLength ? 0 : 1 + Math.floor((numSamples - frameLength) / frameStep);
}

/** Split a signal into overlapping frames (no padding); returns frames x frameLength, row-major. */
export function frameSignal(signal: ArrayLike<number>, frameLength: number, frameStep: number): Float64Array[] {
  const count = numFrames(signal.length, frameLength, frameStep);
  if (count === 0) {
    throw new RangeError(`frameSignal: signal of ${signal.length} samples is shorter than one frame (${frameLength})`);
  }
  const frames: Float64Array[] = [];
  for (let f = 0; f < count; f++) {
    const frame = new Float64Array(frameLength);
    const start = f * frameStep;
    for (let i = 0; i < frameLength; i++) frame[i] = signal[start + i];
    frames.push(frame);
  }
  return frames;
}

/** Periodic Hann window of length n. */
export function hannWindow(n: number): Float64Array {
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (Math.pow(10, mel / 2595) - 1);
}

/** Mel filterbank as numMelBins rows of (fftSize/2 + 1) weights (HTK mel, triangles peaking at 1). */
export function melFilterbank(c: FeatureConfig): Float64Array[] {
  const bins = c.fftSize / 2 + 1;
  const lowMel = hzToMel(c.lowerHz);
  const highMel = hzToMel(c.upperHz);
  const edges = new Float64Array(c.numMelBins + 2);
  for (let i = 0; i < edges.length; i++) edges[i] = melToHz(lowMel + ((highMel - lowMel) * i) / (c.numMelBins + 1));
  const rows: Float64Array[] = [];
  for (let m = 0; m < c.numMelBins; m++) {
    const row = new Float64Array(bins);
    const left = edges[m];
    const centre = edges[m + 1];
    const right = edges[m + 2];
    for (let k = 0; k < bins; k++) {
      const f = (k * c.sampleRate) / c.fftSize;
      const up = (f - left) / (centre - left);
      const down = (right - f) / (right - centre);
      row[k] = Math.max(0, Math.min(up, down));
    }
    rows.push(row);
  }
  return rows;
}

/** Power spectrogram: frames x (fftSize/2+1), Hann-windowed, zero-padded to fftSize. */
export function powerSpectrogram(signal: ArrayLike<number>, partial?: Partial<FeatureConfig>): Float64Array[] {
  const c = resolveConfig(partial);
  const window = hannWindow(c.frameLength);
  const frames = frameSignal(signal, c.frameLength, c.frameStep);
  const padded = new Float64Array(c.fftSize);
  const bins = c.fftSize / 2 + 1;
  const spec = { re: new Float64Array(bins), im: new Float64Array(bins) };
  return frames.map((frame) => {
    padded.fill(0);
    for (let i = 0; i < c.frameLength; i++) padded[i] = frame[i] * window[i];
    rfft(padded, spec);
    const power = new Float64Array(bins);
    for (let k = 0; k < bins; k++) power[k] = spec.re[k] * spec.re[k] + spec.im[k] * spec.im[k];
    return power;
  });
}

const filterbankCache = new Map<string, Float64Array[]>();
function cachedFilterbank(c: FeatureConfig): Float64Array[] {
  const key = JSON.stringify(c);
  let fb = filterbankCache.get(key);
  if (!fb) {
    fb = melFilterbank(c);
    filterbankCache.set(key, fb);
  }
  return fb;
}

/** Log-mel spectrogram as a flat Float32Array [frames * numMelBins] plus its shape. */
export function logMelSpectrogram(
  signal: ArrayLike<number>,
  partial?: Partial<FeatureConfig>,
): { data: Float32Array; frames: number; bins: number } {
  const c = resolveConfig(partial);
  const fb = cachedFilterbank(c);
  const power = powerSpectrogram(signal, c);
  const out = new Float32Array(power.length * c.numMelBins);
  power.forEach((p, f) => {
    for (let m = 0; m < c.numMelBins; m++) {
      const w = fb[m];
      let e = 0;
      for (let k = 0; k < p.length; k++) if (w[k] !== 0) e += w[k] * p[k];
      out[f * c.numMelBins + m] = Math.log(e + c.logOffset);
    }
  });
  return { data: out, frames: power.length, bins: c.numMelBins };
}

/** Orthonormal DCT-II matrix, numOut x n (row k = coefficient k). */
export function dctMatrix(numOut: number, n: number): Float64Array[] {
  const rows: Float64Array[] = [];
  for (let k = 0; k < numOut; k++) {
    const row = new Float64Array(n);
    const scale = k === 0 ? Math.sqrt(1 / n) : Math.sqrt(2 / n);
    for (let i = 0; i < n; i++) row[i] = scale * Math.cos((Math.PI * k * (2 * i + 1)) / (2 * n));
    rows.push(row);
  }
  return rows;
}

const dctCache = new Map<string, Float64Array[]>();

/** MFCC from an existing log-mel array (frames x bins) - lets loaders derive MFCC from stored log-mel. */
export function mfccFromLogMel(logMel: ArrayLike<number>, frames: number, bins: number, numMfcc: number): Float32Array {
  if (logMel.length !== frames * bins) {
    throw new RangeError(`mfccFromLogMel: expected ${frames}x${bins}=${frames * bins} values, got ${logMel.length}`);
  }
  const key = `${numMfcc}x${bins}`;
  let dct = dctCache.get(key);
  if (!dct) {
    dct = dctMatrix(numMfcc, bins);
    dctCache.set(key, dct);
  }
  const out = new Float32Array(frames * numMfcc);
  for (let f = 0; f < frames; f++) {
    for (let k = 0; k < numMfcc; k++) {
      const row = dct[k];
      let s = 0;
      for (let i = 0; i < bins; i++) s += row[i] * logMel[f * bins + i];
      out[f * numMfcc + k] = s;
    }
  }
  return out;
}

/** MFCC: frames x numMfcc (default 49 x 10 for 1 s at 16 kHz). */
export function mfcc(
  signal: ArrayLike<number>,
  partial?: Partial<FeatureConfig>,
): { data: Float32Array; frames: number; coefficients: number } {
  const c = resolveConfig(partial);
  // Keep float64 precision between log-mel and DCT by recomputing here rather than via the float32 result.
  const fb = cachedFilterbank(c);
  const power = powerSpectrogram(signal, c);
  const logMel = new Float64Array(power.length * c.numMelBins);
  power.forEach((p, f) => {
    for (let m = 0; m < c.numMelBins; m++) {
      let e = 0;
      for (let k = 0; k < p.length; k++) e += fb[m][k] * p[k];
      logMel[f * c.numMelBins + m] = Math.log(e + c.logOffset);
    }
  });
  return { data: mfccFromLogMel(logMel, power.length, c.numMelBins, c.numMfcc), frames: power.length, coefficients: c.numMfcc };
}

/** int16 PCM to float in [-1, 1). */
export function int16ToFloat(pcm: Int16Array): Float32Array {
  const out = new Float32Array(pcm.length);
  for (let i = 0; i < pcm.length; i++) out[i] = pcm[i] / 32768;
  return out;
}

/** One step of the feature front end and its multiply-accumulates. */
export interface FrontEndCost {
  step: "window" | "fft" | "power" | "mel" | "log" | "dct";
  /** What the step does, e.g. "512-point FFT". */
  label: string;
  macs: number;
}

/**
 * Multiply-accumulates of the front end above for `seconds` of audio, step by step (lesson 05's table):
 * - window: one multiply per sample of every frame;
 * - FFT: an upper bound, a radix-2 complex FFT of fftSize points, (N/2)·log2(N) butterflies of one complex
 *   multiply (4 real MACs) each, per frame (real-input tricks, as in fft.ts, roughly halve it);
 * - power: |X|² is 2 per bin; mel: one per non-zero filterbank weight; log: one per mel bin (a table
 *   lookup or a few MACs on a device); DCT: numMfcc × numMelBins per frame (only for MFCCs).
 */
export function frontEndCosts(partial?: Partial<FeatureConfig>, seconds = 1): FrontEndCost[] {
  const c = resolveConfig(partial);
  if (!(Number.isFinite(seconds) && seconds > 0)) throw new RangeError(`frontEndCosts: seconds must be > 0, got ${seconds}`);
  const frames = numFrames(Math.round(seconds * c.sampleRate), c.frameLength, c.frameStep);
  if (frames === 0) throw new RangeError(`frontEndCosts: ${seconds} s is shorter than one frame (${c.frameLength} samples)`);
  const bins = c.fftSize / 2 + 1;
  const melWeights = melFilterbank(c).reduce((s, row) => s + row.filter((w) => w > 0).length, 0);
  return [
    { step: "window", label: "Hann window", macs: frames * c.frameLength },
    { step: "fft", label: `${c.fftSize}-point FFT`, macs: frames * (c.fftSize / 2) * Math.log2(c.fftSize) * 4 },
    { step: "power", label: "power |X|²", macs: frames * bins * 2 },
    { step: "mel", label: `mel filterbank (${melWeights} non-zero weights)`, macs: frames * melWeights },
    { step: "log", label: "log", macs: frames * c.numMelBins },
    { step: "dct", label: `DCT to ${c.numMfcc} MFCC`, macs: frames * c.numMfcc * c.numMelBins },
  ];
}
