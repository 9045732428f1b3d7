// Seeded background-noise generators for the keyword dataset and for augmentation: white, pink (1/f),
// brown (1/f^2) and mains hum. Each returns unit-RMS float64 noise so callers set the level explicitly
// (by SNR or dBFS); the spectra are the textbook ones a learner can check with a spectrogram.
import { SeededRandom } from "../seeded";

export type NoiseKind = "white" | "pink" | "brown" | "hum";
export const NOISE_KINDS: readonly NoiseKind[] = ["white", "pink", "brown", "hum"];

export function rms(x: ArrayLike<number>, start = 0, end = x.length): number {
  let s = 0;
  for (let i = start; i < end; i++) s += x[i] * x[i];
  return end > start ? Math.sqrt(s / (end - start)) : 0;
}

function toUnitRms(x: Float64Array): Float64Array {
  const r = rms(x);
  if (r > 0) for (let i = 0; i < x.length; i++) x[i] /= r;
  return x;
}

export function whiteNoise(n: number, rng: SeededRandom): Float64Array {
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) x[i] = rng.normal();
  return toUnitRms(x);
}

/** Pink noise: white noise through Paul Kellet's refined 1/f filter (accurate to +-0.05 dB above 9 Hz at 44.1 kHz). */
export function pinkNoise(n: number, rng: SeededRandom): Float64Array {
  const x = new Float64Array(n);
  let b0 = 0, b1 = 0, b2 = 0, b3 = 0, b4 = 0, b5 = 0, b6 = 0;
  for (let i = 0; i < n; i++) {
    const w = rng.normal();
    b0 = 0.99886 * b0 + w * 0.0555179;
    b1 = 0.99332 * b1 + w * 0.0750759;
    b2 = 0.969 * b2 + w * 0.153852;
    b3 = 0.8665 * b3 + w * 0.3104856;
    b4 = 0.55 * b4 + w * 0.5329522;
    b5 = -0.7616 * b5 - w * 0.016898;
    x[i] = b0 + b1 + b2 + b3 + b4 + b5 + b6 + w * 0.5362;
    b6 = w * 0.115926;
  }
  return toUnitRms(x);
}

/** Brown (red) noise: leaky integral of white noise (the leak keeps it from drifting off), DC removed. */
export function brownNoise(n: number, rng: SeededRandom): Float64Array {
  const x = new Float64Array(n);
  let acc = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    acc = 0.998 * acc + rng.normal();
    x[i] = acc;
    mean += acc;
  }
  mean /= Math.max(1, n);
  for (let i = 0; i < n; i++) x[i] -= mean;
  return toUnitRms(x);
}

/** Mains hum: 50 or 60 Hz (+-0.5%) with harmonics 2..6 of random strength and phase. */
export function humNoise(n: number, sampleRate: number, rng: SeededRandom): Float64Array {
  const base = rng.choice([50, 60]) * rng.uniform(0.995, 1.005);
  const x = new Float64Array(n);
  const amps = [1, ...Array.from({ length: 5 }, () => rng.uniform(0, 0.6))];
  const phases = amps.map(() => rng.uniform(0, 2 * Math.PI));
  for (let i = 0; i < n; i++) {
    let v = 0;
    for (let h = 0; h < amps.length; h++) v += amps[h] * Math.sin((2 * Math.PI * base * (h + 1) * i) / sampleRate + phases[h]);
    x[i] = v;
  }
  return toUnitRms(x);
}

export function makeNoise(kind: NoiseKind, n: number, sampleRate: number, rng: SeededRandom): Float64Array {
  switch (kind) {
    case "white":
      return whiteNoise(n, rng);
    case "pink":
      return pinkNoise(n, rng);
    case "brown":
      return brownNoise(n, rng);
    case "hum":
      return humNoise(n, sampleRate, rng);
    default:
      throw new RangeError(`unknown noise kind ${JSON.stringify(kind)} (expected one of ${NOISE_KINDS.join(", ")})`);
  }
}
