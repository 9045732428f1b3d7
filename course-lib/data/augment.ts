// Seeded data augmentation: background noise mixed at a chosen SNR, time shifts for audio, and random
// crops and horizontal flips for images. Every random helper takes a seed or a SeededRandom, so an
// augmented epoch can be reproduced exactly.
import * as tf from "@tensorflow/tfjs";
import { makeNoise, NoiseKind, rms } from "./audio/noise";
import { SeededRandom } from "./seeded";

export type RandomSource = SeededRandom | number;

function asRng(r: RandomSource): SeededRandom {
  return typeof r === "number" ? new SeededRandom(r) : r;
}

/**
 * signal + noise scaled so that 10*log10(power(signal) / power(scaled noise)) = snrDb. The noise is tiled
 * (or cut) to the signal's length. Both must be non-silent, or the SNR is undefined.
 */
export function mixAtSnr(signal: ArrayLike<number>, noise: ArrayLike<number>, snrDb: number): Float32Array {
  if (!Number.isFinite(snrDb)) throw new RangeError(`mixAtSnr: snrDb must be a finite number, got ${snrDb}`);
  if (noise.length === 0) throw new RangeError("mixAtSnr: noise is empty");
  const tiled = new Float64Array(signal.length);
  for (let i = 0; i < signal.length; i++) tiled[i] = noise[i % noise.length];
  const ps = rms(signal);
  const pn = rms(tiled);
  if (ps === 0) throw new RangeError("mixAtSnr: signal is silent (RMS 0), SNR is undefined");
  if (pn === 0) throw new RangeError("mixAtSnr: noise is silent (RMS 0), SNR is undefined");
  const gain = ps / pn / Math.pow(10, snrDb / 20);
  const out = new Float32Array(signal.length);
  for (let i = 0; i < signal.length; i++) out[i] = signal[i] + gain * tiled[i];
  return out;
}

/** Mix generated background noise (white, pink, brown or hum) at snrDb. */
export function addBackgroundNoise(
  signal: ArrayLike<number>,
  opts: { kind: NoiseKind; snrDb: number; rng: RandomSource; sampleRate?: number },
): Float32Array {
  const noise = makeNoise(opts.kind, signal.length, opts.sampleRate ?? 16000, asRng(opts.rng));
  return mixAtSnr(signal, noise, opts.snrDb);
}

/** Shift by `shift` samples (positive = later), filling with zeros; the length is kept. */
export function timeShift(signal: ArrayLike<number>, shift: number): Float32Array {
  if (!Number.isInteger(shift)) throw new RangeError(`timeShift: shift must be an integer number of samples, got ${shift}`);
  const out = new Float32Array(signal.length);
  for (let i = 0; i < signal.length; i++) {
    const src = i - shift;
    if (src >= 0 && src < signal.length) out[i] = signal[src];
  }
  return out;
}

/** Shift by a uniformly random amount in [-maxShift, maxShift] samples. */
export function randomTimeShift(signal: ArrayLike<number>, maxShift: number, rng: RandomSource): Float32Array {
  if (!Number.isInteger(maxShift) || maxShift < 0) throw new RangeError(`randomTimeShift: maxShift must be a non-negative integer, got ${maxShift}`);
  return timeShift(signal, asRng(rng).int(-maxShift, maxShift + 1));
}

function checkImages(images: tf.Tensor, fn: string): [number, number, number, number] {
  if (images.rank !== 4) throw new RangeError(`${fn}: images must be [n, height, width, channels], got shape [${images.shape.join(", ")}]`);
  return images.shape as [number, number, number, number];
}

/**
 * Random crop with zero padding (the classic CIFAR augmentation): pad each image by `padding` pixels on
 * every side, then cut a window of the original size at a random offset. Returns a new tensor.
 */
export function randomCrop(images: tf.Tensor4D, padding: number, rng: RandomSource): tf.Tensor4D {
  const [n, h, w, c] = checkImages(images, "randomCrop");
  if (!Number.isInteger(padding) || padding < 0) throw new RangeError(`randomCrop: padding must be a non-negative integer, got ${padding}`);
  const r = asRng(rng);
  const src = images.dataSync();
  const out = new Float32Array(src.length);
  for (let i = 0; i < n; i++) {
    const dy = r.int(-padding, padding + 1);
    const dx = r.int(-padding, padding + 1);
    for (let y = 0; y < h; y++) {
      const sy = y + dy;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx = x + dx;
        if (sx < 0 || sx >= w) continue;
        for (let k = 0; k < c; k++) out[((i * h + y) * w + x) * c + k] = src[((i * h + sy) * w + sx) * c + k];
      }
    }
  }
  return tf.tensor4d(out, [n, h, w, c], "float32");
}

/** Flip each image left-right with probability p (default 0.5). Returns a new tensor. */
export function randomFlip(images: tf.Tensor4D, rng: RandomSource, p = 0.5): tf.Tensor4D {
  const [n, h, w, c] = checkImages(images, "randomFlip");
  if (!(p >= 0 && p <= 1)) throw new RangeError(`randomFlip: p must be in [0, 1], got ${p}`);
  const r = asRng(rng);
  const src = images.dataSync();
  const out = new Float32Array(src);
  for (let i = 0; i < n; i++) {
    if (!r.bool(p)) continue;
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < c; k++) out[((i * h + y) * w + x) * c + k] = src[((i * h + y) * w + (w - 1 - x)) * c + k];
      }
    }
  }
  return tf.tensor4d(out, [n, h, w, c], "float32");
}

/** Options of augmentImages. */
export interface ImageAugmentation {
  /** Largest shift in pixels along each axis (a random crop with this much zero padding). */
  maxShift: number;
  /** Also mirror left-right with probability 0.5 (right for clothes, wrong for digits and text). */
  flip?: boolean;
  /** Pass one SeededRandom for a whole training run: each call then draws new shifts (a number restarts it). */
  rng: RandomSource;
}

/**
 * A freshly augmented copy of a batch of images, e.g. once per epoch: each image shifted by up to
 * `maxShift` pixels (the uncovered border is 0, the background of MNIST-like images) and, with `flip`,
 * mirrored with probability 0.5. Returns a new tensor; `images` is unchanged.
 */
export function augmentImages(images: tf.Tensor4D, opts: ImageAugmentation): tf.Tensor4D {
  if (opts === null || typeof opts !== "object") {
    throw new TypeError(`augmentImages: expected options { maxShift, flip?, rng }, got ${String(opts)}`);
  }
  const { maxShift, flip = false } = opts;
  if (!Number.isInteger(maxShift) || maxShift < 0) {
    throw new RangeError(`augmentImages: maxShift must be a non-negative integer number of pixels, got ${maxShift}`);
  }
  if (typeof flip !== "boolean") throw new TypeError(`augmentImages: flip must be true or false, got ${String(flip)}`);
  const rng = asRng(opts.rng);
  const shifted = randomCrop(images, maxShift, rng);
  if (!flip) return shifted;
  const flipped = randomFlip(shifted, rng);
  shifted.dispose();
  return flipped;
}
