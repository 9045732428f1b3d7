// Reads what the streaming firmware (c/stream_app.c) prints on its UART, one line each:
//
//   stream samples=<S> clips=<C> frame_step=<hop> mel_bins=<M> width=<W> window_frames=<F> stride=<s> classes=<K> smooth=<w> suppression=<p> ops=<ops>
//   f <frame> <M float32 log-mel values, 8 hex digits each: the bits> <M uint8 log-mel, 2 hex each> <W int8 input values, 2 hex each>
//   i <inference> <last frame> <K int8 output scores, 2 hex each>
//   d <inference> <class> <sum of q + 128> <inferences averaged>
//   stack <bytes>
//   end
//
// Frames and inferences must arrive numbered 0, 1, 2, ...; an inference names the frame it ran after, and a
// detection follows its inference's line. A firmware that faults prints "hardfault": that is reported, not
// thrown. Any other line is an error naming it, so a garbled UART is never read as a result.
import { float32FromBits } from "./frontend-tables";

export interface StreamHeader {
  samples: number;
  clips: number;
  frameStep: number;
  melBins: number;
  width: number;
  windowFrames: number;
  stride: number;
  classes: number;
  smooth: number;
  suppression: number;
  ops: number;
}

export interface StreamFrameLine {
  index: number;
  /** The device's float32 log-mel of the frame. */
  logMel: Float32Array;
  /** Its uint8 rounding (the dataset's). */
  quantised: Uint8Array;
  /** The model's int8 input row made from it (log-mel bins or MFCCs). */
  row: Int8Array;
}

export interface StreamInferenceLine {
  index: number;
  /** The frame after which it ran: the input was frames frame − windowFrames + 1 … frame. */
  frame: number;
  output: Int8Array;
}

export interface StreamDetectionLine {
  inference: number;
  class: number;
  sum: number;
  count: number;
}

export interface StreamOutput {
  header: StreamHeader | null;
  frames: StreamFrameLine[];
  inferences: StreamInferenceLine[];
  detections: StreamDetectionLine[];
  stackPeak: number | null;
  ended: boolean;
  hardfault: boolean;
  /** Every line in order, with its kind: the order the instruction marks follow. */
  order: ("f" | "i")[];
}

const HEADER_FIELDS: [keyof StreamHeader, string][] = [
  ["samples", "samples"], ["clips", "clips"], ["frameStep", "frame_step"], ["melBins", "mel_bins"], ["width", "width"],
  ["windowFrames", "window_frames"], ["stride", "stride"], ["classes", "classes"], ["smooth", "smooth"], ["suppression", "suppression"], ["ops", "ops"],
];

function natural(text: string, where: string): number {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) throw new Error(`${where}: ${JSON.stringify(text)} is not a non-negative integer`);
  return Number(text);
}

function hexBytes(hex: string, count: number, where: string): Uint8Array {
  if (!/^[0-9a-f]*$/.test(hex) || hex.length !== 2 * count) {
    throw new Error(`${where}: expected ${count} bytes as ${2 * count} lowercase hex digits, got ${JSON.stringify(hex.slice(0, 40))} (${hex.length} characters)`);
  }
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function hexFloats(hex: string, count: number, where: string): Float32Array {
  if (!/^[0-9a-f]*$/.test(hex) || hex.length !== 8 * count) {
    throw new Error(`${where}: expected ${count} float32 values as ${8 * count} hex digits, got ${JSON.stringify(hex.slice(0, 40))} (${hex.length} characters)`);
  }
  const out = new Float32Array(count);
  for (let i = 0; i < count; i++) out[i] = float32FromBits(parseInt(hex.slice(8 * i, 8 * i + 8), 16));
  return out;
}

/** Parses stream_app.c's output; see the header. */
export function parseStreamOutput(text: string): StreamOutput {
  if (typeof text !== "string") throw new TypeError(`parseStreamOutput: expected the UART text as a string, got ${typeof text}`);
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  const out: StreamOutput = { header: null, frames: [], inferences: [], detections: [], stackPeak: null, ended: false, hardfault: false, order: [] };
  // The fault handler starts on a new line ("\nhardfault\n"): the line before it may have been cut short.
  const fault = lines.findIndex((l) => l.endsWith("hardfault"));
  const end = fault >= 0 ? fault : lines.length;
  for (let n = 0; n < end; n++) {
    try {
      parseLine(out, lines[n], `stream output line ${n + 1}`);
    } catch (err) {
      if (n !== end - 1 || fault < 0) throw err;
    }
  }
  out.hardfault = fault >= 0;
  if (!out.header && !out.hardfault) throw new Error(`stream output: no "stream" header line (got ${lines.length} lines${lines.length ? `, first ${JSON.stringify(lines[0].slice(0, 60))}` : ""})`);
  return out;
}

function parseLine(out: StreamOutput, line: string, where: string): void {
  if (out.ended) throw new Error(`${where}: ${JSON.stringify(line.slice(0, 60))} after "end"`);
  const words = line.split(" ");
  const h = out.header;
  if (!h) {
    if (words[0] !== "stream" || words.length !== HEADER_FIELDS.length + 1) {
      throw new Error(`${where}: expected "stream ${HEADER_FIELDS.map(([, k]) => `${k}=<n>`).join(" ")}", got ${JSON.stringify(line.slice(0, 120))}`);
    }
    const header = {} as StreamHeader;
    HEADER_FIELDS.forEach(([field, key], i) => {
      const [k, v] = words[i + 1].split("=");
      if (k !== key || v === undefined) throw new Error(`${where}: field ${i + 1} should be ${key}=<n>, got ${JSON.stringify(words[i + 1])}`);
      header[field] = natural(v, `${where} ${key}`);
    });
    out.header = header;
  } else if (words[0] === "f" && words.length === 5) {
    const index = natural(words[1], where);
    if (index !== out.frames.length) throw new Error(`${where}: frame ${index}, expected frame ${out.frames.length}`);
    out.frames.push({
      index,
      logMel: hexFloats(words[2], h.melBins, `${where} (log-mel)`),
      quantised: hexBytes(words[3], h.melBins, `${where} (uint8 log-mel)`),
      row: new Int8Array(hexBytes(words[4], h.width, `${where} (input row)`).buffer),
    });
    out.order.push("f");
  } else if (words[0] === "i" && words.length === 4) {
    const index = natural(words[1], where);
    if (index !== out.inferences.length) throw new Error(`${where}: inference ${index}, expected inference ${out.inferences.length}`);
    const frame = natural(words[2], where);
    if (frame !== out.frames.length - 1) throw new Error(`${where}: inference after frame ${frame}, but the last frame received is ${out.frames.length - 1}`);
    out.inferences.push({ index, frame, output: new Int8Array(hexBytes(words[3], h.classes, `${where} (output)`).buffer) });
    out.order.push("i");
  } else if (words[0] === "d" && words.length === 5) {
    const [inference, cls, sum, count] = words.slice(1).map((w) => natural(w, where));
    if (inference !== out.inferences.length - 1) throw new Error(`${where}: detection at inference ${inference}, but the last inference is ${out.inferences.length - 1}`);
    if (cls >= h.classes) throw new Error(`${where}: detection of class ${cls}, but there are ${h.classes} classes`);
    out.detections.push({ inference, class: cls, sum, count });
  } else if (words[0] === "stack" && words.length === 2) {
    out.stackPeak = natural(words[1], where);
  } else if (line === "end") {
    out.ended = true;
  } else {
    throw new Error(`${where}: unexpected ${JSON.stringify(line.slice(0, 80))} (expected f, i, d, stack, end or hardfault)`);
  }
}
