// Band-limited resampling by windowed-sinc interpolation (used to bring espeak-ng's 22050 Hz speech to
// 16 kHz). Plain float64 arithmetic with a fixed kernel, so the output is bit-identical on every run -
// the keyword dataset's reproducibility depends on it (sox's resampler would make sox's version part of
// the dataset's identity).

/**
 * Resample `input` from `fromRate` to `toRate`. The low-pass cutoff is 0.95 x the lower Nyquist frequency;
 * the kernel is a Blackman-windowed sinc spanning `halfWidth` zero crossings on each side.
 */
export function resample(input: ArrayLike<number>, fromRate: number, toRate: number, halfWidth = 16): Float64Array {
  for (const [name, v] of [["fromRate", fromRate], ["toRate", toRate]] as const) {
    if (!Number.isInteger(v) || v <= 0) throw new RangeError(`resample: ${name} must be a positive integer, got ${v}`);
  }
  const outLength = Math.floor((input.length * toRate) / fromRate);
  const out = new Float64Array(outLength);
  if (fromRate === toRate) {
    for (let i = 0; i < outLength; i++) out[i] = input[i];
    return out;
  }
  // cutoff as a fraction of the input sample rate
  const cutoff = (0.95 * Math.min(fromRate, toRate)) / 2 / fromRate;
  // when downsampling, the kernel stretches over more input samples
  const span = Math.ceil(halfWidth / (2 * cutoff));
  for (let n = 0; n < outLength; n++) {
    const t = (n * fromRate) / toRate; // position in input samples
    const centre = Math.floor(t);
    let acc = 0;
    for (let j = centre - span + 1; j <= centre + span; j++) {
      if (j < 0 || j >= input.length) continue;
      const d = t - j;
      const x = 2 * cutoff * d;
      const sinc = x === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const w = d / span; // window position in [-1, 1]
      if (w <= -1 || w >= 1) continue;
      const blackman = 0.42 + 0.5 * Math.cos(Math.PI * w) + 0.08 * Math.cos(2 * Math.PI * w);
      acc += input[j] * 2 * cutoff * sinc * blackman;
    }
    out[n] = acc;
  }
  return out;
}
