// Runs a whole .ipynb notebook through the real tslab kernel and returns the executed nbformat 4 notebook.
//
// Used by `npm start` (to build the book), by the notebook tests and by anyone who wants to check a
// notebook headlessly. It runs code cells in order in one kernel started in the notebook's folder (so
// `import ... from "../course-lib"` resolves exactly as in Jupyter) and stops at the first failing cell,
// like "Run All". A failure throws NotebookError, which names the notebook, the cell as a learner counts it
// (1-based, all cells) and its first line, and carries the partially executed notebook so the book can show
// how far it got.

import * as fs from "fs";
import * as path from "path";
import { CellTimeoutError, KernelDiedError, TslabKernel } from "./kernel";
import {
  CodeCell,
  ErrorOutput,
  Notebook,
  RUN_METADATA_KEY,
  TSLAB_KERNELSPEC,
  joinSource,
  notebookProblems,
  parseNotebook,
  serializeNotebook,
} from "./nbformat";

export interface ExecuteNotebookOptions {
  /** Kernel working directory; defaults to the notebook's folder (as Jupyter does). */
  cwd?: string;
  /** Longest a single cell may run before it is interrupted (then killed). Default 10 minutes. */
  cellTimeoutMs?: number;
  /** Called before each code cell runs: `cell` is its 1-based position among all cells, `total` all cells. */
  onCell?(cell: number, total: number): void;
  /** Also write the executed notebook here — on failure the partially executed one (so it can be shown). */
  outPath?: string;
  /** How long the kernel may take to start. Default 60 s. */
  startupTimeoutMs?: number;
  /** Extra environment variables for the kernel. */
  env?: Record<string, string | undefined>;
}

export const DEFAULT_CELL_TIMEOUT_MS = 10 * 60_000;

export type NotebookFailureKind = "error" | "timeout" | "crash" | "startup";

/** Run record stored in the executed notebook's metadata (so the book can show how the run went). */
export interface NotebookRunRecord {
  status: "ok" | "failed";
  executed_at: string;
  seconds: number;
  /** 1-based cell number (all cells) that failed. */
  failed_cell?: number;
  error?: string;
}

/** A notebook failed to run. `notebook` is the partially executed notebook, up to and including the failed cell. */
export class NotebookError extends Error {
  constructor(
    readonly notebookPath: string,
    /** 1-based position among all cells (markdown included), as a learner counts cells in Jupyter; 0 if no cell ran. */
    readonly cellNumber: number,
    readonly cellFirstLine: string,
    readonly errorText: string,
    readonly kind: NotebookFailureKind,
    readonly notebook: Notebook | undefined,
  ) {
    const name = path.basename(notebookPath);
    super(
      cellNumber > 0
        ? `${name}, cell ${cellNumber} (\`${cellFirstLine}\`): ${errorText}`
        : `${name}: ${errorText}`,
    );
    this.name = "NotebookError";
  }
  get notebookName(): string {
    return path.basename(this.notebookPath);
  }
}

/** The first non-blank line of a cell, shortened for messages. */
export function firstSourceLine(source: string, maxLength = 60): string {
  const line = source.split("\n").find((l) => l.trim() !== "")?.trim() ?? "";
  return line.length > maxLength ? line.slice(0, maxLength - 1) + "…" : line;
}

/** Reads and validates an .ipynb file; errors name the file and say what is wrong. */
export function loadNotebook(notebookPath: string): Notebook {
  if (!fs.existsSync(notebookPath)) throw new Error(`notebook ${notebookPath} does not exist`);
  const notebook = parseNotebook(fs.readFileSync(notebookPath, "utf8"), notebookPath);
  const kernelName = notebook.metadata.kernelspec?.name;
  if (kernelName !== undefined && kernelName !== TSLAB_KERNELSPEC.name)
    throw new Error(
      `${notebookPath} declares the kernel "${kernelName}"; course notebooks run on the TypeScript kernel "tslab"`,
    );
  return notebook;
}

function errorOutput(ename: string, message: string): ErrorOutput {
  return { output_type: "error", ename, evalue: message, traceback: message.split("\n") };
}

/**
 * tslab compiles only files under the kernel's working directory (the notebook's folder: it sets the
 * TypeScript rootDir to it), so `import "../course-lib/..."` cannot work, in Jupyter or here. Notebooks
 * reach the library through symlinks in their folder instead (notebooks/course-lib -> ../course-lib).
 * Say so when an import fails that way, because the compiler's message does not.
 */
export function layoutHint(errorText: string, notebookDir: string): string {
  const outside = /is not under 'rootDir'/.test(errorText);
  const missing = /Cannot find module '\.\/(course-lib|exercises|solutions|datasets)\b/.exec(errorText);
  if (!outside && !missing) return "";
  const folder = missing?.[1] ?? "course-lib";
  return (
    `\n  hint: tslab only compiles files inside the notebook's folder (${notebookDir}). Import the library as ` +
    `"./${folder}/..." and make sure ${path.join(notebookDir, folder)} is a symlink to ../${folder}` +
    ` (ln -s ../${folder} ${path.join(notebookDir, folder)}).`
  );
}

/** "Error: boom" from an nbformat error output, for messages. */
function describeErrorOutput(error: ErrorOutput): string {
  const value = error.evalue.trim();
  return value ? `${error.ename}: ${value}` : error.ename;
}

/**
 * Executes every code cell of the notebook at `notebookPath` in order and returns the executed notebook
 * (outputs and execution counts filled, kernelspec and language_info set). Throws NotebookError on the
 * first failing cell, a kernel crash, a cell timeout or a kernel that does not start.
 */
export async function executeNotebook(notebookPath: string, opts: ExecuteNotebookOptions = {}): Promise<Notebook> {
  const absolutePath = path.resolve(notebookPath);
  const source = loadNotebook(absolutePath);
  const notebook = JSON.parse(JSON.stringify(source)) as Notebook;
  const started = Date.now();
  const cellTimeoutMs = opts.cellTimeoutMs ?? DEFAULT_CELL_TIMEOUT_MS;
  if (!(cellTimeoutMs > 0)) throw new Error(`cellTimeoutMs must be a positive number of milliseconds, got ${cellTimeoutMs}`);

  // Start from a clean slate: outputs left in the source must not survive into the executed copy.
  for (const cell of notebook.cells)
    if (cell.cell_type === "code") {
      cell.outputs = [];
      cell.execution_count = null;
    }
  notebook.metadata.kernelspec = { ...TSLAB_KERNELSPEC };

  const finish = (record: Omit<NotebookRunRecord, "executed_at" | "seconds">): Notebook => {
    const full: NotebookRunRecord = {
      ...record,
      executed_at: new Date().toISOString(),
      seconds: Math.round((Date.now() - started) / 100) / 10,
    };
    notebook.metadata[RUN_METADATA_KEY] = full;
    const problems = notebookProblems(notebook);
    // Our own output must be valid: a bug here would otherwise only show up in Jupyter or the book.
    if (problems.length > 0)
      throw new Error(`internal error: executed ${absolutePath} is not valid nbformat: ${problems.join("; ")}`);
    if (opts.outPath) {
      fs.mkdirSync(path.dirname(opts.outPath), { recursive: true });
      fs.writeFileSync(opts.outPath, serializeNotebook(notebook));
    }
    return notebook;
  };
  const fail = (cellNumber: number, cell: CodeCell | undefined, errorText: string, kind: NotebookFailureKind) => {
    errorText += layoutHint(errorText, path.dirname(absolutePath));
    const firstLine = cell ? firstSourceLine(joinSource(cell.source)) : "";
    const error = new NotebookError(absolutePath, cellNumber, firstLine, errorText, kind, undefined);
    const partial = finish({ status: "failed", failed_cell: cellNumber || undefined, error: error.message });
    return new NotebookError(absolutePath, cellNumber, firstLine, errorText, kind, partial);
  };

  let kernel: TslabKernel;
  try {
    kernel = await TslabKernel.start({
      cwd: opts.cwd ?? path.dirname(absolutePath),
      label: path.basename(absolutePath),
      startupTimeoutMs: opts.startupTimeoutMs,
      env: opts.env,
    });
  } catch (error) {
    throw fail(0, undefined, `the tslab kernel did not start: ${(error as Error).message}`, "startup");
  }
  try {
    if (kernel.languageInfo) notebook.metadata.language_info = { ...kernel.languageInfo };
    const total = notebook.cells.length;
    for (let index = 0; index < total; index++) {
      const cell = notebook.cells[index];
      if (cell.cell_type !== "code") continue;
      const code = joinSource(cell.source);
      // Like nbclient, an empty code cell is not sent to the kernel and gets no execution count.
      if (code.trim() === "") continue;
      const cellNumber = index + 1;
      opts.onCell?.(cellNumber, total);
      try {
        const result = await kernel.execute(code, { timeoutMs: cellTimeoutMs });
        cell.outputs = result.outputs;
        cell.execution_count = result.executionCount;
        if (result.status !== "ok") {
          const error =
            result.error ?? errorOutput("Error", `the kernel answered "${result.status}" without an error message`);
          if (!result.error) cell.outputs.push(error);
          throw fail(cellNumber, cell, describeErrorOutput(error), "error");
        }
      } catch (error) {
        if (error instanceof NotebookError) throw error;
        if (error instanceof CellTimeoutError) {
          cell.outputs = [...error.partialOutputs, errorOutput("CellTimeoutError", error.message)];
          throw fail(cellNumber, cell, error.message, "timeout");
        }
        if (error instanceof KernelDiedError) {
          const message = `kernel crashed: ${error.message}`;
          cell.outputs = [...error.partialOutputs, errorOutput("KernelDiedError", message)];
          throw fail(cellNumber, cell, message, "crash");
        }
        throw fail(cellNumber, cell, (error as Error).message ?? String(error), "error");
      }
    }
    return finish({ status: "ok" });
  } finally {
    await kernel.shutdown();
  }
}
