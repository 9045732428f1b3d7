// Lesson 07's sparse-storage accounting: the flash an int8 weight tensor needs when its zeros are stored in
// a sparse format, counted by really encoding the weights (index bytes included) and decoding them back.
//
// Why it matters: zeroing weights saves no flash while they are stored dense, and a sparse format saves flash
// only if something decodes it. TensorFlow Lite Micro reads no sparsity metadata (no DENSIFY op; its
// compression module implements only look-up tables) and CMSIS-NN has no sparse kernel, so on an MCU
// unstructured sparsity saves flash only with a decoder you add (e.g. decode each layer into the arena before
// it runs) and saves time only with a sparse kernel you write. See compression.md §4.
//
// The matrix view. Every format encodes a matrix of `rows` × `cols` int8 values, row-major. For a layer's
// weights rows are the output channels and cols the rest of TFLite's kernel layout (course-lib/quantize/
// graph.ts): conv OHWI [O, kh, kw, I] → rows O, cols kh·kw·I (the stored order); fully connected [out, in] →
// rows out, cols in; depthwise [1, kh, kw, C] (C = channels · multiplier) → rows C, cols kh·kw, which is the
// TRANSPOSE of the stored order (each channel's kh·kw taps become a row); a decoder writes them back strided.
//
// The formats (N = rows·cols weights, nnz non-zeros, R = rows; multi-byte integers little-endian):
// - "dense": the N int8 values, 1 byte each (what TFLM stores). bytes = N.
// - "bitmask": ⌈N/8⌉ mask bytes (bit i&7 of byte i>>3 is 1 when weight i, row-major, is non-zero), then the
//   nnz non-zero values. bytes = ⌈N/8⌉ + nnz.
// - "csr16": compressed sparse rows: R + 1 uint16 row pointers, then a uint16 column index per entry, then an
//   int8 value per entry. bytes = 2(R + 1) + 3·nnz.
// - "csr8": the same with 1-byte column indices, bytes = 2(R + 1) + 2·nnz when cols ≤ 256 (the index is the
//   column itself). When cols > 256 the byte is instead the gap g = column − previous column − 1 in the row
//   (previous = −1 at a row's start), and a gap over 255 inserts a filler entry (g = 255, value 0: an explicit
//   zero 256 columns on), as Deep Compression's relative indices do; each filler costs 2 bytes, counted.
// - "run-length": Deep Compression's relative coding over the whole tensor, row-major: each entry is a 4-bit
//   count of the zeros before a value, then the int8 value; a run over 15 zeros inserts a filler entry (15
//   zeros, then an explicit 0). The E entries' nibbles are packed two per byte (entry k in the low nibble of
//   byte k>>1 when k is even, the high one when odd), followed by the E values: bytes = E + ⌈E/2⌉, E = nnz +
//   fillers. Trailing zeros need no entry: the decoder knows N. E follows from the byte length (E + ⌈E/2⌉
//   grows strictly with E), as a blob's length is known in flash.
// Row pointers are entry counts before each row, stored modulo 2^16: a decoder needs only each row's length,
// (ptr[r+1] − ptr[r]) mod 2^16, which is exact while a row holds fewer than 65,536 entries, so uint16 pointers
// serve tensors of any size (a plain uint16 pointer would cap a tensor at 65,535 non-zeros).
//
// In `parts`, `values` counts one byte per real non-zero weight; `index` counts every other byte (mask, row
// pointers, column bytes, run nibbles, filler entries): the overhead a size claim must include.
import { table, type TableCell, type TableOptions } from "../../viz/html-table";
import type { GraphOp, GraphTensor, QuantizedGraph } from "../../quantize/graph";

export type SparseFormat = "dense" | "bitmask" | "csr8" | "csr16" | "run-length";

export const SPARSE_FORMATS: readonly SparseFormat[] = Object.freeze(["dense", "bitmask", "csr8", "csr16", "run-length"] as SparseFormat[]);

export interface EncodedSparse {
  format: SparseFormat;
  /** Total bytes = data.length = parts.values + parts.index. */
  bytes: number;
  parts: { values: number; index: number };
  data: Uint8Array;
}

/** What TFLM and CMSIS-NN do with zeros, for notebooks and table captions. */
export const MCU_SPARSITY_NOTE =
  "TFLite Micro and CMSIS-NN store and run weights dense: unstructured sparsity saves flash only with a decoder you add, " +
  "and time only with a sparse kernel you write (neither exists in them).";

/** Zero runs a run-length entry can hold (4 bits), and the column gap a csr8 relative index can hold (8 bits). */
const RUN_MAX = 15;
const GAP_MAX = 255;
const ROW_ENTRIES_LIMIT = 65536;

function checkShape(where: string, length: number, rows: number, cols: number): void {
  for (const [name, v] of [["rows", rows], ["cols", cols]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new RangeError(`${where}: ${name} must be a positive integer, got ${String(v)}`);
  }
  if (length !== rows * cols) {
    throw new RangeError(`${where}: ${length} values do not fill a ${rows} × ${cols} matrix (expected ${rows * cols})`);
  }
}

function checkFormat(where: string, format: unknown): asserts format is SparseFormat {
  if (!SPARSE_FORMATS.includes(format as SparseFormat)) {
    throw new RangeError(`${where}: unknown format ${JSON.stringify(format)}; expected one of ${SPARSE_FORMATS.map((f) => `"${f}"`).join(", ")}`);
  }
}

function checkValues(where: string, values: unknown): asserts values is Int8Array {
  if (!(values instanceof Int8Array)) {
    throw new TypeError(`${where}: values must be an Int8Array of int8 weights, got ${values === null ? "null" : (values as object)?.constructor?.name ?? typeof values}`);
  }
}

function countNonZeros(values: ArrayLike<number>): number {
  let nnz = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== 0) nnz++;
  return nnz;
}

/** Entries (column byte, value) of CSR with 1- or 2-byte column indices; fillers only for csr8 with cols > 256. */
function csrEntries(values: Int8Array, rows: number, cols: number, format: "csr8" | "csr16"): { rowLengths: number[]; index: number[]; vals: number[] } {
  const relative = format === "csr8" && cols > 256;
  const rowLengths: number[] = [];
  const index: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < rows; r++) {
    const start = vals.length;
    let previous = -1;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      if (v === 0) continue;
      if (relative) {
        while (c - previous - 1 > GAP_MAX) {
          previous += GAP_MAX + 1;
          index.push(GAP_MAX);
          vals.push(0);
        }
        index.push(c - previous - 1);
        previous = c;
      } else {
        index.push(c);
      }
      vals.push(v);
    }
    const length = vals.length - start;
    if (length >= ROW_ENTRIES_LIMIT) throw new RangeError(`encodeSparse: row ${r} has ${length} ${format} entries; uint16 row pointers hold fewer than ${ROW_ENTRIES_LIMIT} per row`);
    rowLengths.push(length);
  }
  return { rowLengths, index, vals };
}

/**
 * Encodes a rows × cols int8 matrix (row-major) in `format`; `decodeSparse` inverts it exactly.
 * The byte count is `data.length`: every index byte is included.
 */
export function encodeSparse(values: Int8Array, rows: number, cols: number, format: SparseFormat): EncodedSparse {
  const where = "encodeSparse";
  checkValues(where, values);
  checkShape(where, values.length, rows, cols);
  checkFormat(where, format);
  const n = values.length;
  const nnz = countNonZeros(values);
  let data: Uint8Array;
  switch (format) {
    case "dense":
      data = new Uint8Array(values.buffer, values.byteOffset, n).slice();
      break;
    case "bitmask": {
      const maskBytes = Math.ceil(n / 8);
      data = new Uint8Array(maskBytes + nnz);
      let k = maskBytes;
      for (let i = 0; i < n; i++) {
        if (values[i] === 0) continue;
        data[i >> 3] |= 1 << (i & 7);
        data[k++] = values[i] & 0xff;
      }
      break;
    }
    case "csr8": case "csr16": {
      if (format === "csr16" && cols >= ROW_ENTRIES_LIMIT) throw new RangeError(`encodeSparse: csr16 column indices are uint16 and rows must hold fewer than ${ROW_ENTRIES_LIMIT} entries; cols ${cols} is too many`);
      const { rowLengths, index, vals } = csrEntries(values, rows, cols, format);
      const indexBytes = format === "csr16" ? 2 : 1;
      const entries = vals.length;
      data = new Uint8Array(2 * (rows + 1) + (indexBytes + 1) * entries);
      const view = new DataView(data.buffer);
      let pointer = 0;
      view.setUint16(0, 0, true);
      rowLengths.forEach((len, r) => {
        pointer = (pointer + len) % ROW_ENTRIES_LIMIT;
        view.setUint16(2 * (r + 1), pointer, true);
      });
      const indexStart = 2 * (rows + 1);
      const valueStart = indexStart + indexBytes * entries;
      for (let e = 0; e < entries; e++) {
        if (indexBytes === 2) view.setUint16(indexStart + 2 * e, index[e], true);
        else data[indexStart + e] = index[e];
        data[valueStart + e] = vals[e] & 0xff;
      }
      break;
    }
    case "run-length": {
      const runs: number[] = [];
      const vals: number[] = [];
      let zeros = 0;
      for (let i = 0; i < n; i++) {
        if (values[i] === 0) { zeros++; continue; }
        while (zeros > RUN_MAX) {
          runs.push(RUN_MAX);
          vals.push(0);
          zeros -= RUN_MAX + 1;
        }
        runs.push(zeros);
        vals.push(values[i]);
        zeros = 0;
      }
      const entries = vals.length;
      const nibbleBytes = Math.ceil(entries / 2);
      data = new Uint8Array(nibbleBytes + entries);
      for (let e = 0; e < entries; e++) {
        data[e >> 1] |= (e & 1) === 0 ? runs[e] : runs[e] << 4;
        data[nibbleBytes + e] = vals[e] & 0xff;
      }
      break;
    }
  }
  const valueBytes = format === "dense" ? n : nnz;
  return { format, bytes: data.length, parts: { values: valueBytes, index: data.length - valueBytes }, data };
}

const toInt8 = (byte: number) => (byte << 24) >> 24;

/** The rows × cols int8 matrix `encoded` holds (throws if its bytes do not fit the format and shape). */
export function decodeSparse(encoded: Pick<EncodedSparse, "format" | "data">, rows: number, cols: number): Int8Array {
  const where = "decodeSparse";
  if (!encoded || !(encoded.data instanceof Uint8Array)) throw new TypeError(`${where}: expected an encodeSparse result { format, data: Uint8Array }`);
  checkFormat(where, encoded.format);
  checkShape(where, rows * cols, rows, cols);
  const { format, data } = encoded;
  const n = rows * cols;
  const out = new Int8Array(n);
  const corrupt = (why: string) => new RangeError(`${where}: ${data.length} ${format} bytes do not encode a ${rows} × ${cols} matrix: ${why}`);
  switch (format) {
    case "dense":
      if (data.length !== n) throw corrupt(`dense needs exactly ${n} bytes`);
      out.set(new Int8Array(data.buffer, data.byteOffset, n));
      break;
    case "bitmask": {
      const maskBytes = Math.ceil(n / 8);
      if (data.length < maskBytes) throw corrupt(`the mask alone takes ${maskBytes} bytes`);
      let marked = 0;
      for (let i = 0; i < n; i++) marked += (data[i >> 3] >> (i & 7)) & 1;
      if (maskBytes + marked !== data.length) throw corrupt(`the mask marks ${marked} values, the data holds ${data.length - maskBytes}`);
      let k = maskBytes;
      for (let i = 0; i < n; i++) if ((data[i >> 3] >> (i & 7)) & 1) out[i] = toInt8(data[k++]);
      break;
    }
    case "csr8": case "csr16": {
      const indexBytes = format === "csr16" ? 2 : 1;
      const indexStart = 2 * (rows + 1);
      const entries = (data.length - indexStart) / (indexBytes + 1);
      if (!Number.isInteger(entries) || entries < 0) throw corrupt(`expected 2·${rows + 1} pointer bytes plus ${indexBytes + 1} bytes per entry`);
      const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
      const valueStart = indexStart + indexBytes * entries;
      const relative = format === "csr8" && cols > 256;
      let e = 0;
      for (let r = 0; r < rows; r++) {
        const length = (view.getUint16(2 * (r + 1), true) - view.getUint16(2 * r, true) + ROW_ENTRIES_LIMIT) % ROW_ENTRIES_LIMIT;
        let previous = -1;
        for (let k = 0; k < length; k++, e++) {
          if (e >= entries) throw corrupt("the row pointers count more entries than the data holds");
          const byte = indexBytes === 2 ? view.getUint16(indexStart + 2 * e, true) : data[indexStart + e];
          const c = relative ? previous + 1 + byte : byte;
          if (c >= cols) throw corrupt(`row ${r} has column ${c}`);
          out[r * cols + c] = toInt8(data[valueStart + e]);
          previous = c;
        }
      }
      if (e !== entries) throw corrupt(`the row pointers count ${e} entries, the data holds ${entries}`);
      break;
    }
    case "run-length": {
      // The entry count E is the one with E + ⌈E/2⌉ = data.length.
      const entries = Math.floor((2 * data.length) / 3);
      if (entries + Math.ceil(entries / 2) !== data.length) throw corrupt("no entry count E gives E + ⌈E/2⌉ bytes");
      const nibbleBytes = Math.ceil(entries / 2);
      let position = 0;
      for (let e = 0; e < entries; e++) {
        position += (e & 1) === 0 ? data[e >> 1] & 0x0f : data[e >> 1] >> 4;
        if (position >= n) throw corrupt(`entry ${e} lands beyond the ${n} weights`);
        out[position++] = toInt8(data[nibbleBytes + e]);
      }
      break;
    }
  }
  return out;
}

/** Bytes of the matrix in every format, each counted by encoding it. */
export function storageBytes(values: Int8Array, rows: number, cols: number): Record<SparseFormat, number> {
  const out = {} as Record<SparseFormat, number>;
  for (const format of SPARSE_FORMATS) out[format] = encodeSparse(values, rows, cols, format).bytes;
  return out;
}

/**
 * Bytes of plain CSR storage, counted without encoding: R + 1 uint16 row pointers, and per non-zero one value
 * byte plus `indexBytes` of column index. Equals encodeSparse's "csr16" bytes (indexBytes 2) and "csr8" bytes
 * (indexBytes 1, which can address only cols ≤ 256). Exercise 07.4 asks for this function.
 */
export function csrBytes(values: ArrayLike<number>, rows: number, cols: number, indexBytes: 1 | 2): number {
  const where = "csrBytes";
  if (values === null || typeof values !== "object" || typeof values.length !== "number") {
    throw new TypeError(`csrBytes: values must be an array of numbers, got ${values === null ? "null" : typeof values}`);
  }
  if (indexBytes !== 1 && indexBytes !== 2) throw new RangeError(`${where}: indexBytes must be 1 or 2, got ${JSON.stringify(indexBytes)}`);
  checkShape(where, values.length, rows, cols);
  const addressable = 256 ** indexBytes;
  if (cols > addressable) throw new RangeError(`${where}: ${indexBytes}-byte column indices address at most ${addressable} columns, got cols ${cols}`);
  return 2 * (rows + 1) + countNonZeros(values) * (1 + indexBytes);
}

/**
 * The sparsity s* of a rows × cols matrix above which `format` takes fewer bytes than dense: the format is
 * smaller exactly when zeros / N > s*. Closed forms (N = rows·cols, R = rows):
 *   bitmask ⌈N/8⌉/N (1/8 when 8 | N); csr8 (N + 2(R+1)) / 2N; csr16 (2N + 2(R+1)) / 3N;
 *   run-length (N − 1 − ⌊2(N−1)/3⌋) / N ≈ 1/3 (⌈3E/2⌉ < N ⇔ E ≤ ⌊2(N−1)/3⌋).
 * Filler entries are assumed absent (csr8 with cols > 256 needs a 256-zero gap in a row, run-length a
 * 16-zero run: rare near the break-even, where fillers would only raise the bytes). A result ≥ 1 means the
 * format never beats dense at this shape (even all zeros); "dense" itself gives 1.
 */
export function breakEvenSparsity(format: SparseFormat, rows: number, cols: number): number {
  const where = "breakEvenSparsity";
  checkFormat(where, format);
  checkShape(where, rows * cols, rows, cols);
  const n = rows * cols;
  const pointers = 2 * (rows + 1);
  switch (format) {
    case "dense": return 1;
    case "bitmask": return Math.ceil(n / 8) / n;
    case "csr8": return (n + pointers) / (2 * n);
    case "csr16": return (2 * n + pointers) / (3 * n);
    case "run-length": return (n - 1 - Math.floor((2 * (n - 1)) / 3)) / n;
  }
}

// ------------------------------------------------------------------ a quantized graph's weight tensors

export type WeightOpKind = "conv2d" | "depthwiseConv2d" | "fullyConnected";

export interface WeightMatrix {
  /** The layer the weights came from (the tensor name without "/weights"). */
  layer: string;
  op: WeightOpKind;
  /** The tensor's TFLite shape (OHWI, [1, kh, kw, C] or [out, in]). */
  shape: number[];
  rows: number;
  cols: number;
  /** rows × cols, row-major: output channel r's weights in row r (depthwise transposed, see the header). */
  values: Int8Array;
}

function int8Data(tensor: GraphTensor): Int8Array {
  const data = tensor.data;
  if (tensor.dtype !== "int8" || !data) throw new RangeError(`layerStorage: weight tensor "${tensor.name}" must be constant int8 data, got ${tensor.dtype}${data ? "" : " without data"}`);
  const out = new Int8Array(data.length);
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (!Number.isInteger(v) || v < -128 || v > 127) throw new RangeError(`layerStorage: weight tensor "${tensor.name}" holds ${v} at index ${i}, not an int8 value`);
    out[i] = v;
  }
  return out;
}

/** The int8 weight matrix of every conv2d, depthwiseConv2d and fullyConnected op, in graph order. */
export function weightMatrices(graph: QuantizedGraph): WeightMatrix[] {
  if (!graph || !Array.isArray(graph.tensors) || !Array.isArray(graph.operators)) throw new TypeError("layerStorage: expected a QuantizedGraph (quantizeModel's result)");
  const seen = new Set<number>();
  const out: WeightMatrix[] = [];
  for (const op of graph.operators as GraphOp[]) {
    if (op.kind !== "conv2d" && op.kind !== "depthwiseConv2d" && op.kind !== "fullyConnected") continue;
    const id = op.inputs[1];
    if (seen.has(id)) continue;
    seen.add(id);
    const tensor = graph.tensors[id];
    const flat = int8Data(tensor);
    const shape = tensor.shape;
    const layer = tensor.name.replace(/\/weights$/, "");
    if (op.kind === "depthwiseConv2d") {
      const channels = shape[shape.length - 1];
      const taps = flat.length / channels;
      const values = new Int8Array(flat.length);
      for (let t = 0; t < taps; t++) for (let c = 0; c < channels; c++) values[c * taps + t] = flat[t * channels + c];
      out.push({ layer, op: op.kind, shape, rows: channels, cols: taps, values });
    } else {
      const rows = shape[0];
      out.push({ layer, op: op.kind, shape, rows, cols: flat.length / rows, values: flat });
    }
  }
  return out;
}

export interface LayerStorage {
  layer: string;
  op: WeightOpKind;
  shape: number[];
  rows: number;
  cols: number;
  weights: number;
  zeros: number;
  /** zeros / weights of the int8 tensor. */
  sparsity: number;
  /** Bytes in each format (index bytes included), counted by encoding. */
  bytes: Record<SparseFormat, number>;
  /** The smallest format (dense on ties). */
  best: SparseFormat;
}

export interface GraphStorage {
  layers: LayerStorage[];
  total: {
    weights: number;
    zeros: number;
    sparsity: number;
    /** Every layer in the same format. */
    bytes: Record<SparseFormat, number>;
    /** Every layer in its own best format. */
    bestBytes: number;
  };
}

function smallest(bytes: Record<SparseFormat, number>): SparseFormat {
  return SPARSE_FORMATS.reduce((best, f) => (bytes[f] < bytes[best] ? f : best), "dense" as SparseFormat);
}

/**
 * Flash bytes of every conv / depthwise / dense weight tensor of an int8 graph in each sparse format, and the
 * totals. Biases (int32, one per channel) are not counted: they stay dense in every format.
 */
export function layerStorage(graph: QuantizedGraph): GraphStorage {
  const layers = weightMatrices(graph).map((m): LayerStorage => {
    const bytes = storageBytes(m.values, m.rows, m.cols);
    const zeros = m.values.length - countNonZeros(m.values);
    return { layer: m.layer, op: m.op, shape: m.shape, rows: m.rows, cols: m.cols, weights: m.values.length, zeros, sparsity: zeros / m.values.length, bytes, best: smallest(bytes) };
  });
  const sum = (f: (l: LayerStorage) => number) => layers.reduce((s, l) => s + f(l), 0);
  const bytes = {} as Record<SparseFormat, number>;
  for (const format of SPARSE_FORMATS) bytes[format] = sum((l) => l.bytes[format]);
  const weights = sum((l) => l.weights);
  const zeros = sum((l) => l.zeros);
  return { layers, total: { weights, zeros, sparsity: weights > 0 ? zeros / weights : 0, bytes, bestBytes: sum((l) => l.bytes[l.best]) } };
}

const FORMAT_LABEL: Record<SparseFormat, string> = { dense: "dense", bitmask: "bitmask", csr8: "CSR-8", csr16: "CSR-16", "run-length": "run-length 4+8" };

/**
 * The storage as table options (for `table` in a notebook, `tableText` on a terminal): one row per layer and
 * a total row; the bytes of each format, the smallest shaded green, with the format's break-even sparsity
 * in the cell's tooltip.
 */
export function storageTableOptions(storage: GraphStorage, title = "Flash for the int8 weights, index bytes included"): TableOptions {
  if (!storage || !Array.isArray(storage.layers) || storage.layers.length === 0) throw new RangeError("storageTable: no layers to show (pass layerStorage(graph))");
  const green = "#d9f2d9";
  const formatCells = (bytes: Record<SparseFormat, number>, rows?: number, cols?: number): TableCell[] => {
    const least = Math.min(...SPARSE_FORMATS.map((f) => bytes[f]));
    return SPARSE_FORMATS.map((f) => {
      const title = rows === undefined || cols === undefined ? undefined : `beats dense above ${(100 * breakEvenSparsity(f, rows, cols)).toFixed(1)} % sparsity at ${rows} × ${cols}`;
      return bytes[f] === least ? { text: bytes[f], background: green, title } : title ? { text: bytes[f], title } : bytes[f];
    });
  };
  const pct = (x: number) => `${(100 * x).toFixed(1)}`;
  const rows: TableCell[][] = storage.layers.map((l) => [
    l.layer, l.op, `${l.rows} × ${l.cols}`, l.weights, pct(l.sparsity), ...formatCells(l.bytes, l.rows, l.cols), l.bytes[l.best],
  ]);
  const t = storage.total;
  rows.push([{ text: "total", bold: true }, "", "", t.weights, pct(t.sparsity), ...formatCells(t.bytes), t.bestBytes]);
  return {
    title,
    columns: ["layer", "op", "rows × cols", "weights", "sparsity %", ...SPARSE_FORMATS.map((f) => `${FORMAT_LABEL[f]} B`), "best per layer B"],
    rows,
    caption: "Bytes counted by encoding the int8 weights (rows = output channels), index bytes included; biases excluded. " +
      "CSR: uint16 row pointers, 1- or 2-byte column indices; run-length: 4-bit zero run + int8 value. " + MCU_SPARSITY_NOTE,
  };
}

/** Shows the storage table (see storageTableOptions). */
export function storageTable(storage: GraphStorage, title?: string): void {
  table(storageTableOptions(storage, title));
}
