// nbformat 4 types, a validator with readable errors, and helpers to create and strip notebooks.
//
// The course reads and writes .ipynb files in three places: the notebook runner (execute.ts), the book
// renderer (course-lib/book) and the "committed notebooks are output-free" check. All of them share these
// types so that a notebook we write is one Jupyter, nbconvert and the book can all read. The validator
// follows the official nbformat v4.5 JSON schema (checked against Python's `nbformat.validate` in
// notebooks.test.ts) but reports errors as "cells[3].outputs[0].name: expected ..." instead of a schema dump.

/** A string or the same string split into lines (each line keeps its "\n"): both are valid nbformat. */
export type MultilineString = string | string[];

/** mimetype -> content, e.g. {"text/plain": "1", "text/html": "<b>1</b>"}. */
export type MimeBundle = Record<string, unknown>;

export interface StreamOutput {
  output_type: "stream";
  name: "stdout" | "stderr";
  text: MultilineString;
}
export interface DisplayDataOutput {
  output_type: "display_data";
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ExecuteResultOutput {
  output_type: "execute_result";
  execution_count: number | null;
  data: MimeBundle;
  metadata: Record<string, unknown>;
}
export interface ErrorOutput {
  output_type: "error";
  ename: string;
  evalue: string;
  traceback: string[];
}
export type Output = StreamOutput | DisplayDataOutput | ExecuteResultOutput | ErrorOutput;

export interface CodeCell {
  cell_type: "code";
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  outputs: Output[];
  execution_count: number | null;
}
export interface MarkdownCell {
  cell_type: "markdown";
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  attachments?: Record<string, MimeBundle>;
}
export interface RawCell {
  cell_type: "raw";
  id?: string;
  source: MultilineString;
  metadata: Record<string, unknown>;
  attachments?: Record<string, MimeBundle>;
}
export type Cell = CodeCell | MarkdownCell | RawCell;

export interface KernelSpecMetadata {
  name: string;
  display_name: string;
  language?: string;
}
export interface LanguageInfo {
  name: string;
  version?: string;
  mimetype?: string;
  file_extension?: string;
  codemirror_mode?: unknown;
  [key: string]: unknown;
}
export interface NotebookMetadata {
  kernelspec?: KernelSpecMetadata;
  language_info?: LanguageInfo;
  [key: string]: unknown;
}
export interface Notebook {
  nbformat: 4;
  nbformat_minor: number;
  metadata: NotebookMetadata;
  cells: Cell[];
}

/** The kernelspec tslab registers (`tslab install`): notebooks must name it so Jupyter picks tslab. */
export const TSLAB_KERNELSPEC: KernelSpecMetadata = Object.freeze({
  name: "tslab",
  display_name: "TypeScript",
  language: "typescript",
});

/** What tslab 1.0.22 answers in kernel_info_reply; used when a notebook is created before any run. */
export const TSLAB_LANGUAGE_INFO: LanguageInfo = Object.freeze({
  name: "typescript",
  version: "3.7.2",
  mimetype: "text/typescript",
  file_extension: ".ts",
  codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
});

/** The error thrown for a file that is not a valid nbformat 4 notebook. */
export class NotebookFormatError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(
      `${file} is not a valid nbformat 4 notebook:\n` +
        problems
          .slice(0, 20)
          .map((p) => `  - ${p}`)
          .join("\n") +
        (problems.length > 20 ? `\n  ... and ${problems.length - 20} more` : ""),
    );
    this.name = "NotebookFormatError";
  }
}

const CELL_ID_PATTERN = /^[a-zA-Z0-9-_]+$/;

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "string") return `the string ${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)}`;
  if (typeof value === "object") return "an object";
  return `${typeof value} ${String(value)}`;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isMultiline(value: unknown): value is MultilineString {
  return typeof value === "string" || (Array.isArray(value) && value.every((line) => typeof line === "string"));
}

/**
 * Checks `value` against the nbformat 4 schema (the parts that matter for running and rendering) and
 * returns every problem found, each naming the JSON path, what was found and what was expected.
 * An empty list means the notebook is valid.
 */
export function notebookProblems(value: unknown): string[] {
  const problems: string[] = [];
  const problem = (path: string, found: unknown, expected: string) =>
    problems.push(`${path}: expected ${expected}, found ${describe(found)}`);

  if (!isObject(value)) {
    problem("(top level)", value, "a JSON object with nbformat, nbformat_minor, metadata and cells");
    return problems;
  }
  if (value.nbformat !== 4) problem("nbformat", value.nbformat, "4 (only nbformat 4 notebooks are supported)");
  const minor = value.nbformat_minor;
  if (typeof minor !== "number" || !Number.isInteger(minor) || minor < 0)
    problem("nbformat_minor", minor, "a non-negative integer");
  if (!isObject(value.metadata)) problem("metadata", value.metadata, "an object");
  else {
    const ks = value.metadata.kernelspec;
    if (ks !== undefined) {
      if (!isObject(ks)) problem("metadata.kernelspec", ks, "an object");
      else {
        if (typeof ks.name !== "string") problem("metadata.kernelspec.name", ks.name, "a string");
        if (typeof ks.display_name !== "string")
          problem("metadata.kernelspec.display_name", ks.display_name, "a string");
      }
    }
    const li = value.metadata.language_info;
    if (li !== undefined) {
      if (!isObject(li)) problem("metadata.language_info", li, "an object");
      else if (typeof li.name !== "string") problem("metadata.language_info.name", li.name, "a string");
    }
  }
  if (!Array.isArray(value.cells)) {
    problem("cells", value.cells, "an array of cells");
    return problems;
  }
  const idsRequired = typeof minor === "number" && minor >= 5;
  const seenIds = new Set<string>();
  value.cells.forEach((cell: unknown, index: number) => {
    const at = `cells[${index}]`;
    if (!isObject(cell)) {
      problem(at, cell, "a cell object");
      return;
    }
    if (cell.cell_type !== "code" && cell.cell_type !== "markdown" && cell.cell_type !== "raw") {
      problem(`${at}.cell_type`, cell.cell_type, '"code", "markdown" or "raw"');
      return;
    }
    if (cell.id !== undefined || idsRequired) {
      if (typeof cell.id !== "string" || !CELL_ID_PATTERN.test(cell.id) || cell.id.length > 64)
        problem(
          `${at}.id`,
          cell.id,
          `a 1-64 character id of letters, digits, "-" and "_"${idsRequired ? " (required from nbformat 4.5)" : ""}`,
        );
      else if (seenIds.has(cell.id)) problem(`${at}.id`, cell.id, "an id not used by another cell");
      else seenIds.add(cell.id);
    }
    if (!isMultiline(cell.source)) problem(`${at}.source`, cell.source, "a string or an array of strings");
    if (!isObject(cell.metadata)) problem(`${at}.metadata`, cell.metadata, "an object");
    if (cell.cell_type === "code") {
      const count = cell.execution_count;
      if (count !== null && !(typeof count === "number" && Number.isInteger(count) && count >= 0))
        problem(`${at}.execution_count`, count, "null or a non-negative integer");
      if (!Array.isArray(cell.outputs)) problem(`${at}.outputs`, cell.outputs, "an array");
      else cell.outputs.forEach((output: unknown, o: number) => outputProblems(output, `${at}.outputs[${o}]`, problem));
    } else {
      if ("outputs" in cell) problem(`${at}.outputs`, cell.outputs, `no outputs on a ${cell.cell_type} cell`);
      if ("execution_count" in cell)
        problem(`${at}.execution_count`, cell.execution_count, `no execution_count on a ${cell.cell_type} cell`);
    }
  });
  return problems;
}

function outputProblems(
  output: unknown,
  at: string,
  problem: (path: string, found: unknown, expected: string) => void,
): void {
  if (!isObject(output)) {
    problem(at, output, "an output object");
    return;
  }
  const mimeBundle = (path: string, bundle: unknown) => {
    if (!isObject(bundle)) problem(path, bundle, "a mimetype -> content object");
    else
      for (const [mime, content] of Object.entries(bundle)) {
        if (!/^[^/\s]+\/[^/\s]+$/.test(mime)) problem(`${path}[${JSON.stringify(mime)}]`, mime, "a mimetype key like text/plain");
        // JSON mimetypes (application/json, application/vnd.*+json) may hold any JSON; the rest are text.
        if (!/json$/.test(mime) && !isMultiline(content))
          problem(`${path}[${JSON.stringify(mime)}]`, content, "a string or an array of strings");
      }
  };
  switch (output.output_type) {
    case "stream":
      if (output.name !== "stdout" && output.name !== "stderr") problem(`${at}.name`, output.name, '"stdout" or "stderr"');
      if (!isMultiline(output.text)) problem(`${at}.text`, output.text, "a string or an array of strings");
      break;
    case "display_data":
      mimeBundle(`${at}.data`, output.data);
      if (!isObject(output.metadata)) problem(`${at}.metadata`, output.metadata, "an object");
      break;
    case "execute_result": {
      const count = output.execution_count;
      if (count !== null && !(typeof count === "number" && Number.isInteger(count) && count >= 0))
        problem(`${at}.execution_count`, count, "null or a non-negative integer");
      mimeBundle(`${at}.data`, output.data);
      if (!isObject(output.metadata)) problem(`${at}.metadata`, output.metadata, "an object");
      break;
    }
    case "error":
      if (typeof output.ename !== "string") problem(`${at}.ename`, output.ename, "a string");
      if (typeof output.evalue !== "string") problem(`${at}.evalue`, output.evalue, "a string");
      if (!Array.isArray(output.traceback) || !output.traceback.every((l) => typeof l === "string"))
        problem(`${at}.traceback`, output.traceback, "an array of strings");
      break;
    default:
      problem(`${at}.output_type`, output.output_type, '"stream", "display_data", "execute_result" or "error"');
  }
}

/** Throws NotebookFormatError (naming `file`) unless `value` is a valid nbformat 4 notebook. */
export function assertNotebook(value: unknown, file: string): asserts value is Notebook {
  const problems = notebookProblems(value);
  if (problems.length > 0) throw new NotebookFormatError(file, problems);
}

/** Parses .ipynb text; invalid JSON or an invalid notebook gives an error naming the file. */
export function parseNotebook(text: string, file: string): Notebook {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new NotebookFormatError(file, [`not JSON: ${(error as Error).message}`]);
  }
  assertNotebook(value, file);
  return value;
}

/** Jupyter's own layout: one-space indent and a final newline, so diffs look the same as Jupyter's saves. */
export function serializeNotebook(notebook: Notebook): string {
  return JSON.stringify(notebook, null, 1) + "\n";
}

/** Joins a multiline string into one string. */
export function joinSource(source: MultilineString): string {
  return Array.isArray(source) ? source.join("") : source;
}

/** Splits text into lines that keep their "\n", the way Jupyter stores multiline strings. */
export function splitLines(text: string): string[] {
  const lines = text.match(/[^\n]*\n|[^\n]+$/g);
  return lines ?? [];
}

/** True when a code cell has outputs or an execution count (i.e. it was saved after running). */
export function hasOutputs(notebook: Notebook): boolean {
  return notebook.cells.some(
    (cell) => cell.cell_type === "code" && (cell.outputs.length > 0 || cell.execution_count !== null),
  );
}

/** Code cells whose outputs or execution counts were saved, as 1-based cell numbers (for error messages). */
export function cellsWithOutputs(notebook: Notebook): number[] {
  const found: number[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type === "code" && (cell.outputs.length > 0 || cell.execution_count !== null)) found.push(index + 1);
  });
  return found;
}

/**
 * A copy of the notebook as it should be committed: outputs removed, execution counts null, and
 * run-specific metadata (cell "execution" timings, the course's run record) dropped.
 */
export function stripNotebook(notebook: Notebook): Notebook {
  const copy = JSON.parse(JSON.stringify(notebook)) as Notebook;
  for (const cell of copy.cells) {
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
    delete cell.metadata.execution;
    delete cell.metadata.collapsed;
    delete cell.metadata.scrolled;
  }
  delete copy.metadata[RUN_METADATA_KEY];
  return copy;
}

/** Where execute.ts records how a notebook run went (status, failed cell, seconds). */
export const RUN_METADATA_KEY = "tinyml_course_run";

export interface NewCell {
  type: "code" | "markdown" | "raw";
  source: string;
}

let cellIdCounter = 0;
function newCellId(index: number): string {
  cellIdCounter += 1;
  return `cell-${index}-${Date.now().toString(36)}-${cellIdCounter.toString(36)}`.slice(0, 64);
}

/** Builds a new, unexecuted nbformat 4.5 notebook on the tslab kernel from a list of cells. */
export function createNotebook(cells: NewCell[], metadata: NotebookMetadata = {}): Notebook {
  return {
    nbformat: 4,
    nbformat_minor: 5,
    metadata: {
      kernelspec: { ...TSLAB_KERNELSPEC },
      language_info: { ...TSLAB_LANGUAGE_INFO },
      ...metadata,
    },
    cells: cells.map((cell, index): Cell => {
      const common = { id: newCellId(index), source: splitLines(cell.source), metadata: {} };
      if (cell.type === "code") return { cell_type: "code", ...common, outputs: [], execution_count: null };
      return { cell_type: cell.type, ...common };
    }),
  };
}
