// Channel-shape diagrams of blocks (residual wide-narrow-wide, inverted residual narrow-wide-narrow) as
// plain SVG: each tensor is a bar whose height is proportional to its channel count, the operations are
// labelled arrows between bars, and a skip connection is an arc over the top. Plain SVG, no script. The
// notebook output shows each SVG as an <img> with a data: URL rather than inline: Jupyter's sanitizer for
// untrusted notebooks drops inline <svg> (leaving its labels as run-together text) but keeps images, so the
// diagrams render the same trusted or not, in Jupyter, VS Code and the course book.
import { defaultDisplayTarget, type DisplayTarget } from "../viz/display";
import { escapeAttr, escapeHtml } from "../viz/plot";

export interface DiagramTensor {
  /** Channels of the tensor (the bar's height). */
  channels: number;
  /** Text under the bar, e.g. "input" or "H×W×64". */
  label?: string;
}

export interface BlockDiagram {
  title: string;
  /** Tensors from input to output; ops[i] turns tensors[i] into tensors[i + 1]. */
  tensors: DiagramTensor[];
  ops: string[];
  /** Draw the skip connection from the first to the last tensor. */
  skip?: boolean;
}

export interface DiagramOptions {
  /** Channel count drawn at full height (default: the largest in the diagrams), so several diagrams share a scale. */
  maxChannels?: number;
  width?: number;
  target?: DisplayTarget;
}

const BAR_W = 26;
const MAX_BAR_H = 150;
const TOP = 80;

/** The SVG of one block diagram. */
export function blockDiagramSvg(d: BlockDiagram, options: DiagramOptions = {}): string {
  if (!d || !Array.isArray(d.tensors) || d.tensors.length < 2) throw new Error("blockDiagramSvg: a diagram needs at least two tensors");
  if (!Array.isArray(d.ops) || d.ops.length !== d.tensors.length - 1) {
    throw new Error(`blockDiagramSvg: ${d.tensors.length} tensors need ${d.tensors.length - 1} ops, got ${Array.isArray(d.ops) ? d.ops.length : String(d.ops)}`);
  }
  d.tensors.forEach((t, i) => {
    if (!(Number.isFinite(t.channels) && t.channels > 0)) throw new Error(`blockDiagramSvg: tensor ${i} has channels ${String(t.channels)}; expected a number > 0`);
  });
  const maxC = options.maxChannels ?? Math.max(...d.tensors.map((t) => t.channels));
  const width = options.width ?? 460;
  const gap = (width - 40 - BAR_W * d.tensors.length) / (d.tensors.length - 1);
  const mid = TOP + MAX_BAR_H / 2;
  const xOf = (i: number) => 20 + i * (BAR_W + gap);
  const parts: string[] = [];
  parts.push(`<text x="${width / 2}" y="18" text-anchor="middle" font-weight="bold" font-size="14">${escapeHtml(d.title)}</text>`);
  d.tensors.forEach((t, i) => {
    const h = Math.max(4, (MAX_BAR_H * t.channels) / maxC);
    const x = xOf(i);
    const edge = i === 0 || i === d.tensors.length - 1;
    parts.push(`<rect x="${x}" y="${mid - h / 2}" width="${BAR_W}" height="${h}" rx="3" fill="${edge ? "#9ecae1" : "#fdae6b"}" stroke="#333"/>`);
    parts.push(`<text x="${x + BAR_W / 2}" y="${mid + h / 2 + 15}" text-anchor="middle" font-size="12" font-weight="bold">${t.channels}</text>`);
    if (t.label) parts.push(`<text x="${x + BAR_W / 2}" y="${mid + MAX_BAR_H / 2 + 32}" text-anchor="middle" font-size="11" fill="#555">${escapeHtml(t.label)}</text>`);
  });
  d.ops.forEach((op, i) => {
    const x1 = xOf(i) + BAR_W + 3;
    const x2 = xOf(i + 1) - 3;
    parts.push(`<line x1="${x1}" y1="${mid}" x2="${x2 - 6}" y2="${mid}" stroke="#333" stroke-width="1.5"/>`);
    parts.push(`<polygon points="${x2},${mid} ${x2 - 7},${mid - 4} ${x2 - 7},${mid + 4}" fill="#333"/>`);
    op.split("\n").forEach((line, j) => {
      parts.push(`<text x="${(x1 + x2) / 2}" y="${mid - 8 - 13 * (op.split("\n").length - 1 - j)}" text-anchor="middle" font-size="11">${escapeHtml(line)}</text>`);
    });
  });
  if (d.skip) {
    const xa = xOf(0) + BAR_W / 2;
    const xb = xOf(d.tensors.length - 1) + BAR_W / 2;
    const y0 = mid - (MAX_BAR_H * d.tensors[0].channels) / maxC / 2 - 2;
    const y1 = mid - (MAX_BAR_H * d.tensors[d.tensors.length - 1].channels) / maxC / 2 - 8;
    parts.push(`<path d="M ${xa} ${y0} C ${xa} ${TOP - 36}, ${xb} ${TOP - 36}, ${xb} ${y1}" fill="none" stroke="#2ca02c" stroke-width="2" stroke-dasharray="5,3"/>`);
    parts.push(`<polygon points="${xb},${y1 + 6} ${xb - 4},${y1 - 2} ${xb + 4},${y1 - 2}" fill="#2ca02c"/>`);
    parts.push(`<text x="${(xa + xb) / 2}" y="${TOP - 42}" text-anchor="middle" font-size="12" fill="#2ca02c">skip connection (+)</text>`);
  }
  const height = TOP + MAX_BAR_H + 45;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif">${parts.join("")}</svg>`;
}

/** An SVG as an <img> (data: URL), sized as the SVG says; `alt` is the diagram in words. */
export function svgImage(svg: string, alt: string): string {
  const size = /^<svg [^>]*?width="([\d.]+)" height="([\d.]+)"/.exec(svg);
  if (!size) throw new Error(`svgImage: expected an <svg ... width="..." height="..."> element, got ${JSON.stringify(svg.slice(0, 40))}`);
  const url = `data:image/svg+xml;base64,${Buffer.from(svg, "utf8").toString("base64")}`;
  return `<img src="${url}" width="${size[1]}" height="${size[2]}" alt="${escapeAttr(alt)}">`;
}

/** Shows several block diagrams side by side, on one channel scale. */
export function showBlockDiagrams(diagrams: BlockDiagram[], options: DiagramOptions = {}): void {
  if (!Array.isArray(diagrams) || diagrams.length === 0) throw new Error("showBlockDiagrams: expected at least one diagram");
  const maxChannels = options.maxChannels ?? Math.max(...diagrams.flatMap((d) => d.tensors.map((t) => t.channels)));
  const target = options.target ?? defaultDisplayTarget();
  const describe = (d: BlockDiagram) => `${d.title}: ${d.tensors.map((t) => t.channels).join(" → ")}${d.skip ? " (+ skip)" : ""}`;
  const images = diagrams.map((d) => svgImage(blockDiagramSvg(d, { ...options, maxChannels }), describe(d)));
  // Untrusted, the sanitizer drops the style: the images then sit inline, still side by side.
  const html = `<div class="course-diagrams" style="display:flex;flex-wrap:wrap;gap:16px">${images.join("")}</div>`;
  target.show({ "text/html": html, "text/plain": diagrams.map(describe).join("\n") });
}
