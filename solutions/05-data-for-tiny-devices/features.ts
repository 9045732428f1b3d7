// Lesson 05 exercises 05.1-05.3: model solutions (see exercises/05-data-for-tiny-devices/features.ts for the
// tasks). Same conventions as course-lib/data/audio/features.ts, which the graded tests compare against.

function positiveInteger(name: string, value: number): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0) {
    throw new RangeError(`${name} must be a positive whole number, got ${value}`);
  }
  return value;
}

export function frameSignal(signal: ArrayLike<number>, frameLength: number, hop: number): Float64Array[] {
  positiveInteger("frameLength", frameLength);
  positiveInteger("hop", hop);
  if (signal.length < frameLength) {
    throw new RangeError(`the signal has ${signal.length} samples, shorter than one frame of ${frameLength}`);
  }
  const count = 1 + Math.floor((signal.length - frameLength) / hop);
  const frames: Float64Array[] = [];
  for (let f = 0; f < count; f++) {
    const frame = new Float64Array(frameLength);
    for (let i = 0; i < frameLength; i++) frame[i] = signal[f * hop + i];
    frames.push(frame);
  }
  return frames;
}

export function hannWindow(n: number): Float64Array {
  positiveInteger("window length n", n);
  const w = new Float64Array(n);
  for (let i = 0; i < n; i++) w[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  return w;
}

export function applyWindow(frame: ArrayLike<number>, window: ArrayLike<number>): Float64Array {
  if (frame.length !== window.length) {
    throw new RangeError(`the frame has ${frame.length} samples but the window has ${window.length}`);
  }
  const out = new Float64Array(frame.length);
  for (let i = 0; i < frame.length; i++) out[i] = frame[i] * window[i];
  return out;
}

export function hzToMel(hz: number): number {
  return 2595 * Math.log10(1 + hz / 700);
}

export function melToHz(mel: number): number {
  return 700 * (Math.pow(10, mel / 2595) - 1);
}

export interface MelFilterbankOptions {
  sampleRate: number;
  fftSize: number;
  numMelBins: number;
  lowerHz: number;
  upperHz: number;
}

export function melFilterbank(options: MelFilterbankOptions): Float64Array[] {
  const { sampleRate, fftSize, numMelBins, lowerHz, upperHz } = options;
  positiveInteger("sampleRate", sampleRate);
  positiveInteger("numMelBins", numMelBins);
  if (!Number.isInteger(fftSize) || fftSize < 2 || (fftSize & (fftSize - 1)) !== 0) {
    throw new RangeError(`fftSize must be a power of two (2, 4, 8, ..., 512), got ${fftSize}`);
  }
  if (!(lowerHz >= 0)) throw new RangeError(`lowerHz must be >= 0, got ${lowerHz}`);
  if (!(upperHz > lowerHz)) throw new RangeError(`lowerHz (${lowerHz}) must be below upperHz (${upperHz})`);
  if (upperHz > sampleRate / 2) {
    throw new RangeError(`upperHz ${upperHz} is above the Nyquist frequency sampleRate / 2 = ${sampleRate / 2}`);
  }
  const lowMel = hzToMel(lowerHz);
  const highMel = hzToMel(upperHz);
  const edges: number[] = [];
  for (let i = 0; i < numMelBins + 2; i++) edges.push(melToHz(lowMel + ((highMel - lowMel) * i) / (numMelBins + 1)));
  const bins = fftSize / 2 + 1;
  const rows: Float64Array[] = [];
  for (let m = 0; m < numMelBins; m++) {
    const [left, centre, right] = [edges[m], edges[m + 1], edges[m + 2]];
    const row = new Float64Array(bins);
    for (let k = 0; k < bins; k++) {
      const f = (k * sampleRate) / fftSize;
      row[k] = Math.max(0, Math.min((f - left) / (centre - left), (right - f) / (right - centre)));
    }
    rows.push(row);
  }
  return rows;
}
