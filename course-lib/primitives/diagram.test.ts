// Tests for the block diagrams (diagram.ts) lesson 02 displays.
import { describe, expect, it } from "vitest";
import { loadJupyterSanitizer } from "../tools/jupyter-sanitizer";
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
    const svgs = [...html.matchAll(/<img src="data:image\/svg\+xml;base64,([^"]+)"/g)].map((m) => Buffer.from(m[1], "base64").toString("utf8"));
    expect(svgs).toHaveLength(2);
    expect(svgs.every((svg) => svg.startsWith("<svg"))).toBe(true);
    expect(svgs[0]).toContain('height="75"'); // 64 of 128 channels
    expect(html).toContain('alt="inverted &lt;residual&gt;: 16 → 64 → 16 (+ skip)"');
    expect(() => blockDiagramSvg({ title: "x", tensors: [{ channels: 1 }, { channels: 2 }], ops: [] })).toThrow(/1 ops/);
    expect(() => blockDiagramSvg({ title: "x", tensors: [{ channels: 0 }, { channels: 2 }], ops: ["a"] })).toThrow(/channels 0/);
  });

  // Notebook 6 sanitizes an untrusted notebook's HTML outputs: inline <svg> is dropped (its labels ran
  // together as text), images with data: URLs are kept.
  const sanitizer = loadJupyterSanitizer();
  it.skipIf("missing" in sanitizer)(`survive Jupyter's sanitizer for untrusted notebooks${"missing" in sanitizer ? ` (skipped: ${sanitizer.missing})` : ""}`, () => {
    if ("missing" in sanitizer) return;
    const target = createCaptureTarget();
    showBlockDiagrams([inverted, { title: "b", tensors: [{ channels: 128 }, { channels: 32 }], ops: ["x"] }], { target });
    const html = target.messages[0].bundle["text/html"] as string;
    const sanitized = sanitizer.sanitizeOutput(html);
    expect(sanitized.match(/<img src="data:image\/svg\+xml;base64,/g)).toHaveLength(2);
    expect(sanitized.replace(/ \/>/g, ">")).toContain(html.replace(/^<div[^>]*>|<\/div>$/g, ""));
  });
});
