// IDX files (the MNIST / Fashion-MNIST container): a big-endian header (magic 0x0000 08 <dims>, then one
// uint32 per dimension) followed by unsigned bytes. Reads plain or gzip-compressed files and checks that
// the payload length matches the header, so a truncated file is reported instead of decoded short.
import * as fs from "fs";
import * as zlib from "zlib";

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

export function decodeIdx(raw: Uint8Array, source: string): IdxArray {
  if (raw.length < 4) throw new Error(`${source}: too short for an IDX header (${raw.length} bytes)`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const magic = view.getUint32(0, false);
  const type = (magic >> 8) & 0xff;
  const dims = magic & 0xff;
  if (magic >>> 16 !== 0 || type !== 0x08 || dims < 1 || dims > 4) {
    throw new Error(`${source}: not an unsigned-byte IDX file (magic 0x${magic.toString(16).padStart(8, "0")}, expected 0x000008NN)`);
  }
  const headerBytes = 4 + 4 * dims;
  if (raw.length < headerBytes) throw new Error(`${source}: header needs ${headerBytes} bytes, file has ${raw.length}`);
  const shape: number[] = [];
  for (let d = 0; d < dims; d++) shape.push(view.getUint32(4 + 4 * d, false));
  const expected = shape.reduce((a, b) => a * b, 1);
  const actual = raw.length - headerBytes;
  if (actual !== expected) {
    throw new Error(`${source}: header says shape [${shape.join(", ")}] = ${expected} bytes of data, file has ${actual}`);
  }
  return { shape, data: raw.subarray(headerBytes) };
}

export function encodeIdx(shape: number[], data: Uint8Array): Uint8Array {
  const expected = shape.reduce((a, b) => a * b, 1);
  if (data.length !== expected) throw new RangeError(`encodeIdx: shape [${shape.join(", ")}] needs ${expected} bytes, got ${data.length}`);
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, 0x0800 | shape.length, false);
  shape.forEach((s, d) => view.setUint32(4 + 4 * d, s, false));
  out.set(data, 4 + 4 * shape.length);
  return out;
}

/** Read an IDX file; `.gz` files are gunzipped (a damaged gzip stream is reported with the file name). */
export function readIdxFile(file: string): IdxArray {
  let raw: Uint8Array = fs.readFileSync(file);
  if (file.endsWith(".gz")) {
    try {
      raw = zlib.gunzipSync(raw);
    } catch (err) {
      throw new Error(`${file}: gzip data is damaged (${(err as Error).message})`);
    }
  }
  return decodeIdx(raw, file);
}
