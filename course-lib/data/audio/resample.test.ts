// Resampler and WAV helpers: a tone keeps its frequency and level, out-of-band content is removed,
// and WAV round-trips (including espeak-ng's streamed headers).
import { describe, expect, it } from "vitest";
import { resample } from "./resample";
import { encodeWav, floatToInt16, parseWav } from "./wav";
import { rfft } from "./fft";

function tone(freq: number, rate: number, n: number, amp = 0.5): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => amp * Math.sin((2 * Math.PI * freq * i) / rate));
}

describe("resample", () => {
  it("keeps a 1 kHz tone at 1 kHz and at the same amplitude (22050 -> 16000)", () => {
    const y = resample(tone(1000, 22050, 22050), 22050, 16000);
    expect(y.length).toBe(16000);
    const mid = y.subarray(4000, 4000 + 4096);
    const { re, im } = rfft(mid);
    let best = 0;
    for (let k = 1; k < re.length; k++) if (re[k] ** 2 + im[k] ** 2 > re[best] ** 2 + im[best] ** 2) best = k;
    expect(Math.abs((best * 16000) / 4096 - 1000)).toBeLessThan(16000 / 4096);
    const peak = Math.max(...Array.from(mid, Math.abs));
    expect(Math.abs(peak - 0.5)).toBeLessThan(0.005);
  });

  it("removes content above the new Nyquist frequency (10 kHz tone -> near silence)", () => {
    const y = resample(tone(10000, 22050, 22050), 22050, 16000);
    const mid = y.subarray(1000, 15000);
    expect(Math.max(...Array.from(mid, Math.abs))).toBeLessThan(0.01);
  });

  it("rejects bad rates", () => {
    expect(() => resample([1, 2], 0, 16000)).toThrow(/fromRate must be a positive integer, got 0/);
  });
});

describe("wav", () => {
  it("round-trips int16 PCM and tolerates streamed (0x7fffffff) chunk sizes", () => {
    const { pcm, clipped } = floatToInt16([0, 0.5, -1, 1.5, -0.25]);
    expect(clipped).toBe(1);
    expect(Array.from(pcm)).toEqual([0, 16384, -32768, 32767, -8192]);
    const bytes = encodeWav(pcm, 16000);
    const back = parseWav(bytes);
    expect(back.sampleRate).toBe(16000);
    expect(Array.from(back.samples)).toEqual(Array.from(pcm));
    const streamed = bytes.slice();
    new DataView(streamed.buffer).setUint32(40, 0x7fffffff, true);
    expect(Array.from(parseWav(streamed).samples)).toEqual(Array.from(pcm));
  });

  it("names what is wrong with a non-WAV buffer", () => {
    expect(() => parseWav(new Uint8Array([1, 2, 3]), "clip.wav")).toThrow(/clip.wav: not a RIFF\/WAVE file/);
  });
});
