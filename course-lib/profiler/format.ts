// Plain-text rendering of a model profile and a board fit report, for the CLI and for notebooks (a
// monospace table prints well in a tslab cell's stdout).
import type { ModelProfile } from "./profile";
import type { FitReport } from "../boards/catalogue";

/** 12345678 -> "12,345,678". */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString("en-US");
}

/** Bytes in B / KiB / MiB / GiB with one decimal (KiB = 1024 bytes, as the board catalogue). */
export function formatBytes(n: number): string {
  const sign = n < 0 ? "-" : "";
  const a = Math.abs(n);
  if (a < 1024) return `${sign}${a} B`;
  if (a < 1024 ** 2) return `${sign}${(a / 1024).toFixed(1)} KiB`;
  if (a < 1024 ** 3) return `${sign}${(a / 1024 ** 2).toFixed(2)} MiB`;
  return `${sign}${(a / 1024 ** 3).toFixed(2)} GiB`;
}

function table(header: string[], rows: string[][], rightAligned: Set<number>): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]): string =>
    cells.map((c, i) => (rightAligned.has(i) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** Per-layer table followed by the totals. */
export function formatProfile(profile: ModelProfile): string {
  const rows = profile.layers.map((l) => [
    l.name,
    l.className,
    l.outputShapes.map((s) => s.join("x")).join(", "),
    formatCount(l.params.total),
    formatCount(l.macs),
    formatBytes(l.flash.float32),
    formatBytes(l.flash.int8),
    l.note ?? "",
  ]);
  const t = profile.totals;
  return [
    `model ${profile.name}`,
    table(["layer", "class", "output", "params", "MACs", "flash f32", "flash int8", "note"], rows, new Set([3, 4, 5, 6])),
    "",
    `params      ${formatCount(t.params.total)} total = ${formatCount(t.params.trainable)} trainable + ${formatCount(t.params.nonTrainable)} non-trainable (BN moving mean/variance)`,
    `MACs        ${formatCount(t.macs)} (conv and dense multiply-accumulates only)`,
    `flash       ${formatBytes(t.flash.float32)} float32, ${formatBytes(t.flash.int8)} int8 (weights only; BN folded: ${profile.options.foldBatchNorm ? "yes" : "no"})`,
    `peak RAM    ${formatBytes(t.peakRam.float32)} float32, ${formatBytes(t.peakRam.int8)} int8 (${formatCount(t.peakElements)} activation elements live while ${t.peakLayer} runs; in-place element-wise layers: ${profile.options.inPlace ? "yes" : "no"})`,
  ].join("\n");
}

/** One board's flash and RAM budgets. */
export function formatFit(report: FitReport): string {
  const b = report.board;
  const row = (what: string, x: FitReport["flash"]): string[] => [
    what, formatBytes(x.used), formatBytes(x.available), formatBytes(x.slack), `${(100 * x.utilisation).toFixed(1)}%`, x.ok ? "ok" : "DOES NOT FIT",
  ];
  const reserved = report.flash.reserved || report.ram.reserved
    ? ` (after reserving ${formatBytes(report.flash.reserved)} flash, ${formatBytes(report.ram.reserved)} RAM)`
    : "";
  return [
    `fit on ${b.name} [${b.id}]: ${b.core} @ ${b.clockMHz} MHz, ${formatBytes(b.flashBytes)} flash, ${formatBytes(b.ramBytes)} RAM, ${report.precision}${reserved}`,
    table(["budget", "used", "available", "slack", "used %", "verdict"], [row("flash", report.flash), row("RAM", report.ram)], new Set([1, 2, 3, 4])),
    `${report.ok ? "fits" : "does not fit"}; latency order of magnitude ~${report.latencyOrderSeconds.toPrecision(2)} s at ~${b.opsPerSecondOrder.toExponential(0)} MAC/s` +
      (b.qemuMachine ? `; emulated by qemu ${b.qemuMachine}` : "; no QEMU stand-in"),
  ].join("\n");
}
