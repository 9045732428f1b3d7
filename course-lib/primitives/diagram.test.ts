// Tests for the block diagrams (diagram.ts) lesson 02 displays.
import { describe, expect, it } from "vitest";
import { createCaptureTarget } from "../viz/display";
import { blockDiagramSvg, showBlockDiagrams } from "./diagram";

describe("block diagrams", () => {
  const inverted = { title: "inverted <residual>", tensors: [{ channels: 16, label: "in" }, { channels: 64 }, { channels: 16 }], ops: ["1×1", "1×1"], skip: true };
  it("draws one bar per tensor, heights proportional to channels, and the skip arc", () => {
    const svg = blockDiagramSvg(inverted);
    expect(svg.startsWith("<svg")).toBe(true);
    const heights = [...svg.matchAll(/<rect [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights).toEqual([37.5, 150, 37.5]);
    expect(svg).toContain("skip connection");
    expect(svg).toContain("inverted &lt;residual&gt;");
    expect(blockDiagramSvg({ ...inverted, skip: false })).not.toContain("skip connection");
  });
  it("shares one scale between diagrams and rejects inconsistent ones", () => {
    const target = createCaptureTarget();
    showBlockDiagrams([inverted, { title: "b", tensors: [{ channels: 128 }, { channels: 32 }], ops: ["x"] }], { target });
    const html = target.messages[0].bundle["text/html"] as string;
    expect(html.match(/<svg/g)).toHaveLength(2);
    expect(html).toContain('height="75"'); // 64 of 128 channels
    expect(() => blockDiagramSvg({ title: "x", tensors: [{ channels: 1 }, { channels: 2 }], ops: [] })).toThrow(/1 ops/);
    expect(() => blockDiagramSvg({ title: "x", tensors: [{ channels: 0 }, { channels: 2 }], ops: ["a"] })).toThrow(/channels 0/);
  });
});
