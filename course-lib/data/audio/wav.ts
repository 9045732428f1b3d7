// Minimal WAV (RIFF PCM 16-bit) reading and writing: the keyword generator reads espeak-ng's output, and
// lessons write clips to listen to them. espeak-ng writes 0x7fffffff as the chunk sizes when it streams to
// stdout, so the data chunk is taken as "the rest of the file" when its size field overruns the buffer.

export interface PcmAudio {
  sampleRate: number;
  channels: number;
  /** Interleaved int16 samples. */
  samples: Int16Array;
}

export function parseWav(buf: Uint8Array, source = "WAV data"): PcmAudio {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const tag = (o: number) => String.fromCharCode(buf[o], buf[o + 1], buf[o + 2], buf[o + 3]);
  if (buf.length < 12 || tag(0) !== "RIFF" || tag(8) !== "WAVE") {
    throw new Error(`${source}: not a RIFF/WAVE file (${buf.length} bytes, starts with ${JSON.stringify(tag(0))})`);
  }
  let offset = 12;
  let sampleRate = 0;
  let channels = 0;
  let bits = 0;
  while (offset + 8 <= buf.length) {
    const id = tag(offset);
    const size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === "fmt ") {
      const format = view.getUint16(body, true);
      channels = view.getUint16(body + 2, true);
      sampleRate = view.getUint32(body + 4, true);
      bits = view.getUint16(body + 14, true);
      if (format !== 1 || bits !== 16) {
        throw new Error(`${source}: only 16-bit PCM is supported, got format ${format} with ${bits} bits`);
      }
    } else if (id === "data") {
      if (!sampleRate) throw new Error(`${source}: data chunk before fmt chunk`);
      const end = Math.min(buf.length, body + size);
      const count = Math.floor((end - body) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = view.getInt16(body + 2 * i, true);
      return { sampleRate, channels, samples };
    }
    offset = body + size + (size & 1);
  }
  throw new Error(`${source}: no data chunk found`);
}

export function encodeWav(samples: Int16Array, sampleRate: number, channels = 1): Uint8Array {
  const out = new Uint8Array(44 + samples.length * 2);
  const view = new DataView(out.buffer);
  const put = (o: number, s: string) => [...s].forEach((c, i) => (out[o + i] = c.charCodeAt(0)));
  put(0, "RIFF");
  view.setUint32(4, 36 + samples.length * 2, true);
  put(8, "WAVE");
  put(12, "fmt ");
  view.setUint32(16, 16, true);
  view.setUint16(20, 1, true);
  view.setUint16(22, channels, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels * 2, true);
  view.setUint16(32, channels * 2, true);
  view.setUint16(34, 16, true);
  put(36, "data");
  view.setUint32(40, samples.length * 2, true);
  for (let i = 0; i < samples.length; i++) view.setInt16(44 + 2 * i, samples[i], true);
  return out;
}

/** Float samples to int16 with rounding and clipping; returns the number of clipped samples too. */
export function floatToInt16(x: ArrayLike<number>): { pcm: Int16Array; clipped: number } {
  const pcm = new Int16Array(x.length);
  let clipped = 0;
  for (let i = 0; i < x.length; i++) {
    let v = Math.round(x[i] * 32768);
    if (v > 32767) {
      v = 32767;
      clipped++;
    } else if (v < -32768) {
      v = -32768;
      clipped++;
    }
    pcm[i] = v;
  }
  return { pcm, clipped };
}
