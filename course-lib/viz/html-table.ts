// Small HTML tables for notebooks (cost tables, "does it fit?" tables): one display_data bundle with an
// HTML table and an aligned plain-text version, so the table reads well in Jupyter, in the book and in a
// console. Cells can be coloured (green "fits", red "does not fit") without any script.
import { defaultDisplayTarget, type DisplayTarget } from "./display";
import { escapeAttr, escapeHtml } from "./plot";

/** A cell: a plain value, or a value with a background colour and a tooltip. */
export type TableCell = string | number | { text: string | number; background?: string; color?: string; title?: string; bold?: boolean };

export interface TableOptions {
  /** Column headers. */
  columns: string[];
  rows: TableCell[][];
  title?: string;
  /** A line of small print under the table (sources, conventions). */
  caption?: string;
  /** Right-align these columns (default: columns whose cells are all numbers). */
  alignRight?: number[];
  target?: DisplayTarget;
}

function cellText(cell: TableCell): string {
  if (typeof cell === "object" && cell !== null) return typeof cell.text === "number" ? cell.text.toLocaleString("en-US") : cell.text;
  return typeof cell === "number" ? cell.toLocaleString("en-US") : String(cell);
}

function check(opts: TableOptions): void {
  if (!opts || !Array.isArray(opts.columns) || opts.columns.length === 0) throw new Error("table: expected { columns: [...], rows: [...] } with at least one column");
  if (!Array.isArray(opts.rows)) throw new Error(`table: rows must be an array of rows, got ${String(opts.rows)}`);
  opts.rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== opts.columns.length) {
      throw new Error(`table: row ${i} has ${Array.isArray(row) ? row.length : "no"} cells but there are ${opts.columns.length} columns`);
    }
  });
}

function rightAligned(opts: TableOptions): Set<number> {
  if (opts.alignRight) return new Set(opts.alignRight);
  const right = new Set<number>();
  opts.columns.forEach((_, c) => {
    const numeric = opts.rows.length > 0 && opts.rows.every((r) => typeof r[c] === "number" || (typeof r[c] === "object" && typeof (r[c] as { text: unknown }).text === "number"));
    if (numeric) right.add(c);
  });
  return right;
}

/** The HTML of a table. */
export function tableHtml(opts: TableOptions): string {
  check(opts);
  const right = rightAligned(opts);
  const th = opts.columns
    .map((c, i) => `<th style="padding:3px 8px;border-bottom:2px solid #888;text-align:${right.has(i) ? "right" : "left"}">${escapeHtml(c)}</th>`)
    .join("");
  const body = opts.rows
    .map((row) => {
      const tds = row.map((cell, i) => {
        const styles = [`padding:3px 8px`, `border-bottom:1px solid #ddd`, `text-align:${right.has(i) ? "right" : "left"}`];
        // Short values ("109.2 k", "3.56 KB / 16 KB") read badly when broken over two lines; long text may wrap.
        if (cellText(cell).length <= 24) styles.push("white-space:nowrap");
        let title = "";
        if (typeof cell === "object" && cell !== null) {
          if (cell.background) styles.push(`background:${cell.background}`);
          if (cell.color) styles.push(`color:${cell.color}`);
          if (cell.bold) styles.push("font-weight:bold");
          if (cell.title) title = ` title="${escapeAttr(cell.title)}"`;
        }
        return `<td style="${escapeAttr(styles.join(";"))}"${title}>${escapeHtml(cellText(cell))}</td>`;
      });
      return `<tr>${tds.join("")}</tr>`;
    })
    .join("");
  const heading = opts.title ? `<div style="font:bold 14px sans-serif;margin:6px 0 4px">${escapeHtml(opts.title)}</div>` : "";
  const caption = opts.caption ? `<div style="font:12px sans-serif;color:#555;margin-top:4px">${escapeHtml(opts.caption)}</div>` : "";
  return `<div class="course-table">${heading}<table style="border-collapse:collapse;font:13px sans-serif"><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>${caption}</div>`;
}

/** The plain-text version of a table: columns padded to a common width. */
export function tableText(opts: TableOptions): string {
  check(opts);
  const right = rightAligned(opts);
  const cells = [opts.columns, ...opts.rows.map((r) => r.map(cellText))];
  const widths = opts.columns.map((_, c) => Math.max(...cells.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((t, c) => (right.has(c) ? t.padStart(widths[c]) : t.padEnd(widths[c]))).join("  ").trimEnd();
  const lines = [line(cells[0]), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)];
  if (opts.title) lines.unshift(opts.title);
  if (opts.caption) lines.push(opts.caption);
  return lines.join("\n");
}

/** Displays a table in the notebook (plain text in a console). */
export function table(opts: TableOptions): void {
  const target = opts.target ?? defaultDisplayTarget();
  target.show({ "text/html": tableHtml(opts), "text/plain": tableText(opts) });
}
