// A playable audio clip in a notebook: the samples are encoded as a 16-bit PCM WAV
// (course-lib/data/audio/wav.ts), base64-encoded into a data: URI and shown in an HTML <audio> element, so
// it plays offline in Jupyter and in the course book without any file or server. One second of 16 kHz
// mono audio is 32 KB of WAV, ~43 KB as base64 in the notebook.
import { defaultDisplayTarget, type DisplayTarget } from "./display";
import { escapeAttr, escapeHtml } from "./plot";
import { encodeWav, floatToInt16 } from "../data/audio/wav";

export interface AudioPlayerOptions {
  /** Caption above the player (e.g. the word and the speaker). */
  title?: string;
  target?: DisplayTarget;
}

/**
 * int16 samples as they are, or floats in [-1, 1] (int16 / 32768, e.g. loadKeywordAudio's normalised inputs)
 * converted with rounding and clipping.
 */
function toPcm(samples: Int16Array | ArrayLike<number>): Int16Array {
  if (samples instanceof Int16Array) return samples;
  if (samples === null || typeof samples !== "object" || typeof samples.length !== "number") {
    throw new TypeError(`audioPlayer: samples must be an Int16Array or an array of floats in [-1, 1], got ${String(samples)}`);
  }
  for (let i = 0; i < samples.length; i++) {
    if (!Number.isFinite(samples[i])) throw new RangeError(`audioPlayer: sample ${i} is ${samples[i]}, not a finite number`);
  }
  return floatToInt16(samples).pcm;
}

/** The data: URI of a mono 16-bit WAV of the samples. */
export function wavDataUri(samples: Int16Array | ArrayLike<number>, sampleRate: number): string {
  if (!Number.isInteger(sampleRate) || sampleRate <= 0) throw new RangeError(`audioPlayer: sampleRate must be a positive integer, got ${sampleRate}`);
  const pcm = toPcm(samples);
  if (pcm.length === 0) throw new RangeError("audioPlayer: no samples to play");
  return `data:audio/wav;base64,${Buffer.from(encodeWav(pcm, sampleRate)).toString("base64")}`;
}

/** The HTML of a player: an optional caption and an <audio controls> element with the WAV inlined. */
export function audioPlayerHtml(samples: Int16Array | ArrayLike<number>, sampleRate: number, opts: AudioPlayerOptions = {}): string {
  const uri = wavDataUri(samples, sampleRate);
  const caption = opts.title ? `<div style="font:12px/1.3 sans-serif;margin-bottom:2px">${escapeHtml(opts.title)}</div>` : "";
  return `<div class="course-audio" style="display:inline-block;margin:4px 12px 4px 0">${caption}<audio controls preload="none" src="${escapeAttr(uri)}" style="height:32px;width:220px"></audio></div>`;
}

/** Shows a playable clip in the notebook (a one-line description in a console). */
export function audioPlayer(samples: Int16Array | ArrayLike<number>, sampleRate: number, opts: AudioPlayerOptions = {}): void {
  const html = audioPlayerHtml(samples, sampleRate, opts);
  const seconds = (samples.length / sampleRate).toFixed(2);
  const target = opts.target ?? defaultDisplayTarget();
  target.show({ "text/html": html, "text/plain": `<audio${opts.title ? ` "${opts.title}"` : ""}: ${seconds} s at ${sampleRate} Hz>` });
}

/** Several clips side by side, each with its caption (one display output). */
export function audioPlayers(clips: { samples: Int16Array | ArrayLike<number>; title?: string }[], sampleRate: number, opts: { title?: string; target?: DisplayTarget } = {}): void {
  if (!Array.isArray(clips) || clips.length === 0) throw new RangeError("audioPlayers: expected a non-empty array of clips");
  const heading = opts.title ? `<div style="font:bold 14px sans-serif;margin:4px 0">${escapeHtml(opts.title)}</div>` : "";
  const html = `<div class="course-audio-row">${heading}${clips.map((c) => audioPlayerHtml(c.samples, sampleRate, { title: c.title })).join("")}</div>`;
  const target = opts.target ?? defaultDisplayTarget();
  target.show({ "text/html": html, "text/plain": `<${clips.length} audio clips${opts.title ? ` "${opts.title}"` : ""}>` });
}
