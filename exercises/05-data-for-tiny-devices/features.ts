// Lesson 05 exercises: the first steps of every keyword-spotting front end, written by you.
//
//   05.1  frameSignal   cut a signal into overlapping frames
//   05.2  hannWindow, applyWindow   taper each frame so the FFT sees no sharp edges
//   05.3  hzToMel, melToHz, melFilterbank   the triangle filters that turn 257 FFT bins into 40 mel bins
//
// Replace each `notImplemented(...)` line with your code. Until you do, notebooks/05-data-for-tiny-devices.ipynb
// prints "exercise 05.1 not implemented yet: showing the reference" and uses the course's version
// (course-lib/data/audio/features.ts). Once you have written a function, the notebook computes its
// spectrograms with yours. Check your work with:
//
//   npm run grade -- --only 05        (or --only 05.3 for one exercise)
//
import { notImplemented } from "../../course-lib/grader/exercise";

/**
 * Exercise 05.1: split a signal into overlapping frames.
 *
 * TODO: return frames of `frameLength` samples, the first starting at sample 0 and each next one `hop`
 * samples later, as long as a whole frame fits (no padding at the end: leftover samples are dropped).
 * The number of frames is 1 + floor((signal.length - frameLength) / hop).
 *
 *   frameSignal([0, 1, 2, 3, 4, 5, 6], 4, 2)  →  [[0, 1, 2, 3], [2, 3, 4, 5]]     (sample 6 is dropped)
 *   a 1 s clip at 16 kHz (16000 samples), frameLength 480 (30 ms), hop 320 (20 ms)  →  49 frames
 *
 * Each frame is a new Float64Array (a copy: changing a frame must not change the signal). `signal` can be
 * a plain array or a typed array (Int16Array, Float32Array): use .length and indexing.
 * Throw a RangeError, with the bad value in the message, when frameLength or hop is not a positive whole
 * number, or when the signal is shorter than one frame (say both lengths).
 */
export function frameSignal(signal: ArrayLike<number>, frameLength: number, hop: number): Float64Array[] {
  notImplemented("05.1");
}

/**
 * Exercise 05.2a: the periodic Hann window of length n.
 *
 * TODO: return w with w[i] = 0.5 - 0.5 * cos(2π i / n) for i = 0 .. n-1. ("Periodic": divide by n, not
 * n - 1, as tf.signal.hann_window and TFLite Micro's front end do; w[0] = 0 and the peak 1 is at i = n/2.)
 *
 *   hannWindow(4)  →  [0, 0.5, 1, 0.5]
 *
 * Throw a RangeError naming the bad value when n is not a positive whole number.
 */
export function hannWindow(n: number): Float64Array {
  notImplemented("05.2");
}

/**
 * Exercise 05.2b: apply a window to a frame.
 *
 * TODO: return a new Float64Array with out[i] = frame[i] * window[i] (do not modify `frame`).
 * Throw a RangeError when the lengths differ (name both lengths).
 */
export function applyWindow(frame: ArrayLike<number>, window: ArrayLike<number>): Float64Array {
  notImplemented("05.2");
}

/**
 * Exercise 05.3a: the HTK mel scale and its inverse.
 *
 * TODO: hzToMel(f) = 2595 · log10(1 + f / 700), and melToHz(m) = 700 · (10^(m / 2595) - 1).
 *   hzToMel(700) ≈ 781.17,   hzToMel(1000) ≈ 999.99,   melToHz(hzToMel(f)) = f
 */
export function hzToMel(hz: number): number {
  notImplemented("05.3");
}

export function melToHz(mel: number): number {
  notImplemented("05.3");
}

/** What a mel filterbank is built from (the keyword datasets use 16000, 512, 40, 125, 7500). */
export interface MelFilterbankOptions {
  /** Samples per second of the audio, e.g. 16000. */
  sampleRate: number;
  /** FFT length, a power of two, e.g. 512: the power spectrum has fftSize / 2 + 1 bins. */
  fftSize: number;
  /** How many triangles (mel bins), e.g. 40. */
  numMelBins: number;
  /** Lower edge of the first triangle in Hz, e.g. 125. */
  lowerHz: number;
  /** Upper edge of the last triangle in Hz, e.g. 7500 (at most sampleRate / 2). */
  upperHz: number;
}

/**
 * Exercise 05.3b: the mel filterbank, numMelBins rows of fftSize / 2 + 1 weights.
 *
 * TODO:
 *   1. Place numMelBins + 2 edge frequencies equally spaced on the MEL scale from hzToMel(lowerHz) to
 *      hzToMel(upperHz) (both included), and convert them back to Hz: edges[0 .. numMelBins + 1].
 *   2. Triangle m (m = 0 .. numMelBins-1) starts at edges[m], peaks at edges[m + 1] and ends at edges[m + 2].
 *   3. FFT bin k (k = 0 .. fftSize/2) sits at frequency f = k · sampleRate / fftSize. Its weight in triangle m:
 *        rising edge  (f - left) / (centre - left)    falling edge  (right - f) / (right - centre)
 *        weight = max(0, min(rising, falling))   — 1 at the centre, 0 outside [left, right].
 *
 * Example: sampleRate 16000, fftSize 512, 40 bins, 125-7500 Hz gives 40 rows of 257 weights; row 0 spans
 * 125-223 Hz (3 non-zero weights, peak at 172.5 Hz), row 39 spans 6631-7500 Hz (27 non-zero weights): the
 * mel scale is fine at low frequencies, where speech carries most of its information, and coarse at high ones.
 *
 * Throw a RangeError naming the bad value when: sampleRate or numMelBins is not a positive whole number;
 * fftSize is not a power of two (2, 4, 8, ...); lowerHz < 0, or lowerHz >= upperHz; upperHz > sampleRate / 2
 * (the FFT has nothing above the Nyquist frequency: say so, giving both numbers, e.g. "upperHz 9000 is above
 * the Nyquist frequency 8000 Hz").
 */
export function melFilterbank(options: MelFilterbankOptions): Float64Array[] {
  notImplemented("05.3");
}
