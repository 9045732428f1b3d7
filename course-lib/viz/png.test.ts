// Checks the PNG encoder byte by byte: signature, chunk CRCs, header fields and the inflated scanlines.
import * as zlib from "node:zlib";
import { describe, expect, it } from "vitest";
import { crc32, encodePng, pngDataUrl } from "./png";

function chunks(png: Buffer): { type: string; data: Buffer; crc: number; computed: number }[] {
  const out = [];
  let offset = 8;
  while (offset < png.length) {
    const length = png.readUInt32BE(offset);
    const type = png.toString("latin1", offset + 4, offset + 8);
    const data = png.subarray(offset + 8, offset + 8 + length);
    const crc = png.readUInt32BE(offset + 8 + length);
    out.push({ type, data, crc, computed: crc32(png.subarray(offset + 4, offset + 8 + length)) });
    offset += 12 + length;
  }
  return out;
}

describe("png encoder", () => {
  it("computes the standard CRC-32 check value", () => {
    expect(crc32(Buffer.from("123456789", "ascii"))).toBe(0xcbf43926);
  });

  it("writes a valid grayscale PNG whose IDAT inflates to filtered scanlines", () => {
    const bytes = Uint8Array.from([0, 64, 128, 255, 10, 20]);
    const png = encodePng({ width: 3, height: 2, channels: 1, bytes });
    expect([...png.subarray(0, 8)]).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    const list = chunks(png);
    expect(list.map((c) => c.type)).toEqual(["IHDR", "IDAT", "IEND"]);
    for (const c of list) expect(c.crc).toBe(c.computed);
    const ihdr = list[0].data;
    expect(ihdr.readUInt32BE(0)).toBe(3);
    expect(ihdr.readUInt32BE(4)).toBe(2);
    expect([ihdr[8], ihdr[9]]).toEqual([8, 0]);
    expect([...zlib.inflateSync(list[1].data)]).toEqual([0, 0, 64, 128, 0, 255, 10, 20]);
  });

  it("uses colour type 2 for RGB and 6 for RGBA", () => {
    const rgb = chunks(encodePng({ width: 1, height: 1, channels: 3, bytes: Uint8Array.from([1, 2, 3]) }));
    expect(rgb[0].data[9]).toBe(2);
    const rgba = chunks(encodePng({ width: 1, height: 1, channels: 4, bytes: Uint8Array.from([1, 2, 3, 4]) }));
    expect(rgba[0].data[9]).toBe(6);
    expect(pngDataUrl({ width: 1, height: 1, channels: 1, bytes: Uint8Array.from([7]) })).toMatch(
      /^data:image\/png;base64,iVBORw0KGgo[A-Za-z0-9+/=]+$/,
    );
  });

  it("rejects sizes that do not match the data", () => {
    expect(() => encodePng({ width: 2, height: 2, channels: 1, bytes: new Uint8Array(3) })).toThrow(
      /expected 4 bytes for 2x2x1, got 3/,
    );
    expect(() => encodePng({ width: 0, height: 2, channels: 1, bytes: new Uint8Array(0) })).toThrow(/positive integers/);
  });
});
