// A tiny PNG encoder (8-bit grayscale / RGB / RGBA) on node's zlib, so notebooks can show small images
// such as MNIST digits as <img> tags without a canvas or an image library.
import * as zlib from "node:zlib";

/** Raw pixels to encode: `width*height*channels` bytes, row-major, channels interleaved. */
export interface RawImage {
  width: number;
  height: number;
  /** 1 = grayscale, 3 = RGB, 4 = RGBA. */
  channels: 1 | 3 | 4;
  /** 0..255 per sample. */
  bytes: Uint8Array;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 as used by PNG chunks (and zip). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, "latin1");
  Buffer.from(data.buffer, data.byteOffset, data.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

const COLOR_TYPE = { 1: 0, 3: 2, 4: 6 } as const;

/** Encodes raw 8-bit pixels as a PNG file. */
export function encodePng(image: RawImage): Buffer {
  const { width, height, channels, bytes } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new Error(`encodePng: width and height must be positive integers, got ${width}x${height}`);
  }
  if (!(channels in COLOR_TYPE)) throw new Error(`encodePng: channels must be 1, 3 or 4, got ${channels}`);
  const rowBytes = width * channels;
  if (bytes.length !== rowBytes * height) {
    throw new Error(
      `encodePng: expected ${rowBytes * height} bytes for ${width}x${height}x${channels}, got ${bytes.length}`,
    );
  }
  // Each scanline is prefixed with filter type 0 (None): small images compress fine without filtering.
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    raw[y * (rowBytes + 1)] = 0;
    raw.set(bytes.subarray(y * rowBytes, (y + 1) * rowBytes), y * (rowBytes + 1) + 1);
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = COLOR_TYPE[channels];
  header[10] = 0; // deflate
  header[11] = 0; // adaptive filtering
  header[12] = 0; // no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk("IHDR", header),
    chunk("IDAT", zlib.deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

/** Encodes raw pixels as a `data:image/png;base64,...` URL for an <img src>. */
export function pngDataUrl(image: RawImage): string {
  return `data:image/png;base64,${encodePng(image).toString("base64")}`;
}
