// Radix-2 FFTs in plain TypeScript. The tfjs wasm backend has no FFT/RFFT kernels, and audio features
// must be computed identically on a laptop and (later) on a microcontroller, so we own the arithmetic.
//
// fftInPlace: iterative Cooley-Tukey on separate real/imaginary Float64Arrays (length a power of two).
// rfft: the real-input FFT done the classic way - pack N reals as N/2 complex numbers, one N/2-point
// complex FFT, then split the result into the N/2+1 non-redundant bins. Twiddle tables are cached per size.

export function isPowerOfTwo(n: number): boolean {
  return Number.isInteger(n) && n >= 1 && (n & (n - 1)) === 0;
}

function checkSize(n: number, what: string): void {
  if (!isPowerOfTwo(n)) throw new RangeError(`${what}: length must be a power of two, got ${n}`);
}

interface Tables {
  cos: Float64Array; // cos(2*pi*k/n), k < n/2
  sin: Float64Array;
  bitrev: Uint32Array;
}
const tableCache = new Map<number, Tables>();

function tables(n: number): Tables {
  let t = tableCache.get(n);
  if (t) return t;
  const half = Math.max(1, n >> 1);
  const cos = new Float64Array(half);
  const sin = new Float64Array(half);
  for (let k = 0; k < half; k++) {
    cos[k] = Math.cos((2 * Math.PI * k) / n);
    sin[k] = Math.sin((2 * Math.PI * k) / n);
  }
  const bitrev = new Uint32Array(n);
  const bits = Math.round(Math.log2(n));
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    bitrev[i] = r;
  }
  t = { cos, sin, bitrev };
  tableCache.set(n, t);
  return t;
}

/** Forward complex FFT in place: X[k] = sum_n x[n] exp(-2*pi*i*k*n/N). */
export function fftInPlace(re: Float64Array, im: Float64Array): void {
  const n = re.length;
  checkSize(n, "fftInPlace");
  if (im.length !== n) throw new RangeError(`fftInPlace: re has ${n} values but im has ${im.length}`);
  const { cos, sin, bitrev } = tables(n);
  for (let i = 0; i < n; i++) {
    const j = bitrev[i];
    if (j > i) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let size = 2; size <= n; size <<= 1) {
    const half = size >> 1;
    const step = n / size;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[k * step];
        const wi = -sin[k * step];
        const a = start + k;
        const b = a + half;
        const tr = re[b] * wr - im[b] * wi;
        const ti = re[b] * wi + im[b] * wr;
        re[b] = re[a] - tr;
        im[b] = im[a] - ti;
        re[a] += tr;
        im[a] += ti;
      }
    }
  }
}

/**
 * Real-input FFT of length N (power of two, >= 2): returns the N/2+1 bins X[0..N/2].
 * `out` may be passed to avoid allocation.
 */
export function rfft(
  input: ArrayLike<number>,
  out?: { re: Float64Array; im: Float64Array },
): { re: Float64Array; im: Float64Array } {
  const n = input.length;
  checkSize(n, "rfft");
  if (n < 2) throw new RangeError(`rfft: length must be at least 2, got ${n}`);
  const m = n >> 1;
  const zr = new Float64Array(m);
  const zi = new Float64Array(m);
  for (let k = 0; k < m; k++) {
    zr[k] = input[2 * k];
    zi[k] = input[2 * k + 1];
  }
  fftInPlace(zr, zi);
  const res = out ?? { re: new Float64Array(m + 1), im: new Float64Array(m + 1) };
  if (res.re.length !== m + 1 || res.im.length !== m + 1) {
    throw new RangeError(`rfft: output arrays must have ${m + 1} values`);
  }
  const { cos, sin } = tables(n);
  // X[k] = E[k] + W^k O[k], with E/O recovered from Z = FFT(even + i*odd) by conjugate symmetry.
  for (let k = 0; k <= m; k++) {
    const k1 = k % m;
    const k2 = (m - k) % m;
    const er = 0.5 * (zr[k1] + zr[k2]);
    const ei = 0.5 * (zi[k1] - zi[k2]);
    const or = 0.5 * (zi[k1] + zi[k2]);
    const oi = -0.5 * (zr[k1] - zr[k2]);
    const wr = k < m ? cos[k] : -1;
    const wi = k < m ? -sin[k] : 0;
    res.re[k] = er + (or * wr - oi * wi);
    res.im[k] = ei + (or * wi + oi * wr);
  }
  return res;
}

/** Direct O(N^2) DFT of a real signal (reference for tests and teaching). */
export function dftReal(input: ArrayLike<number>): { re: Float64Array; im: Float64Array } {
  const n = input.length;
  const bins = Math.floor(n / 2) + 1;
  const re = new Float64Array(bins);
  const im = new Float64Array(bins);
  for (let k = 0; k < bins; k++) {
    let sr = 0;
    let si = 0;
    for (let t = 0; t < n; t++) {
      const angle = (-2 * Math.PI * ((k * t) % n)) / n;
      sr += input[t] * Math.cos(angle);
      si += input[t] * Math.sin(angle);
    }
    re[k] = sr;
    im[k] = si;
  }
  return { re, im };
}
