// danfojs DataFrames and Series as notebook tables. danfojs-node renders only to the console
// (df.print(), df.toString(): box-drawing text that wraps badly in Jupyter and has no HTML form), so this
// reads a frame's columns, index and values and shows them with the course's HTML table (html-table.ts).
// It is duck-typed (no danfojs import): anything with { columns, index, values } or { index, values } works.
import { table, type TableCell } from "./html-table";
import type { DisplayTarget } from "./display";

/** The parts of a danfojs DataFrame this needs. */
export interface FrameLike {
  columns: string[];
  index: Array<string | number>;
  values: unknown[] | unknown[][];
}

/** The parts of a danfojs Series this needs (e.g. the result of value_counts()). */
export interface SeriesLike {
  index: Array<string | number>;
  values: unknown[];
}

export interface FrameTableOptions {
  title?: string;
  caption?: string;
  /** Significant decimals for non-integer numbers (default 3). */
  digits?: number;
  /** Show at most this many rows (default 30); a caption says how many were left out. */
  maxRows?: number;
  /** Header of the index column (default ""). */
  indexName?: string;
  /** Header of a Series' values (default: the Series' name, else "value"; valueCounts() results have none). */
  valueName?: string;
  target?: DisplayTarget;
}

function cell(value: unknown, digits: number): TableCell {
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return String(value);
    return Number.isInteger(value) ? value : Number(value.toFixed(digits));
  }
  return value === null || value === undefined ? "" : String(value);
}

/** A frame's values are rows (arrays); a Series (which also has `columns` in danfojs) holds plain values. */
function isFrame(x: unknown): x is FrameLike {
  if (typeof x !== "object" || x === null) return false;
  const f = x as FrameLike;
  return Array.isArray(f.columns) && Array.isArray(f.index) && Array.isArray(f.values) && (f.values.length === 0 || Array.isArray(f.values[0]));
}

function isSeries(x: unknown): x is SeriesLike {
  return typeof x === "object" && x !== null && Array.isArray((x as SeriesLike).index) && Array.isArray((x as SeriesLike).values);
}

/** Shows a danfojs DataFrame (or Series) as an HTML table, index first. */
export function frameTable(data: FrameLike | SeriesLike, opts: FrameTableOptions = {}): void {
  const digits = opts.digits ?? 3;
  const maxRows = opts.maxRows ?? 30;
  let columns: string[];
  let body: unknown[][];
  if (isFrame(data)) {
    columns = [opts.indexName ?? "", ...data.columns];
    body = (data.values as unknown[][]).map((row, i) => {
      if (!Array.isArray(row) || row.length !== data.columns.length) {
        throw new Error(`frameTable: row ${i} has ${Array.isArray(row) ? row.length : "no"} values but the frame has ${data.columns.length} columns`);
      }
      return [data.index[i], ...row];
    });
  } else if (isSeries(data)) {
    const name = (data as { name?: unknown }).name;
    columns = [opts.indexName ?? "", opts.valueName ?? (typeof name === "string" && name ? name : "value")];
    body = data.values.map((v, i) => [data.index[i], v]);
  } else {
    throw new TypeError(`frameTable: expected a danfojs DataFrame or Series ({ columns, index, values }), got ${String(data)}`);
  }
  const shown = body.slice(0, maxRows);
  const more = body.length - shown.length;
  const caption = [opts.caption, more > 0 ? `${more} more rows not shown (of ${body.length})` : undefined].filter(Boolean).join(" · ");
  table({
    title: opts.title,
    caption: caption || undefined,
    columns,
    rows: shown.map((r) => r.map((v, i) => (i === 0 ? { text: String(v), bold: true } : cell(v, digits)))),
    target: opts.target,
  });
}
