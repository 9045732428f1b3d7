// Tests of the tslab kernel client and executeNotebook on throwaway notebooks in a temp folder:
// outputs (console.log, last value, display, display updates), and each way a cell can fail
// (throw, type error, timeout, kernel crash), which must name the notebook, the cell and the error.

import * as fs from "fs";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { executeNotebook, NotebookError } from "./execute";
import { CodeCell, DisplayDataOutput, ErrorOutput, joinSource, notebookProblems, RUN_METADATA_KEY, StreamOutput } from "./nbformat";
import { code, eventually, makeTempDir, markdown, processesWithCwdIn, writeNotebook } from "./test-helpers";

const dir = makeTempDir("kernel-test-");
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const text = (value: unknown) => (Array.isArray(value) ? value.join("") : String(value));
const codeCells = (cells: { cell_type: string }[]) => cells.filter((c): c is CodeCell => c.cell_type === "code");

/** Runs a notebook expected to fail and returns the NotebookError. */
async function expectFailure(file: string, opts: Parameters<typeof executeNotebook>[1] = {}): Promise<NotebookError> {
  try {
    await executeNotebook(file, opts);
  } catch (error) {
    expect(error).toBeInstanceOf(NotebookError);
    return error as NotebookError;
  }
  throw new Error(`${file} was expected to fail but ran without error`);
}

async function expectNoKernelLeft(folder: string): Promise<void> {
  const none = await eventually(() => (processesWithCwdIn(folder) ?? []).length === 0);
  expect(none, `processes still running in ${folder}: ${processesWithCwdIn(folder)}`).toBe(true);
}

describe("executeNotebook with the tslab kernel", () => {
  it("collects console.log, last values, displays and display updates, in a kernel started in the notebook's folder", async () => {
    const folder = path.join(dir, "outputs");
    fs.mkdirSync(folder);
    fs.writeFileSync(path.join(folder, "helper.ts"), "export function triple(x: number): number { return 3 * x; }\n");
    const file = writeNotebook(folder, "outputs.ipynb", [
      markdown("# Outputs\nA markdown cell is not executed."),
      code('console.log("hello from tslab");'),
      code("const answer: number = 6 * 7;\nanswer"),
      code('import * as tslab from "tslab";\ntslab.display.html("<b>bold</b>");'),
      code('const live = tslab.newDisplay();\nlive.text("step 1");\nlive.text("step 2");\nlive.html("<i>done</i>");'),
      code('console.warn("careful: this goes to stderr");'),
      code("   \n"),
      code('import { triple } from "./helper";\nconsole.log(triple(3));'),
      code('const later = tslab.newDisplay();\nlater.text("waiting");'),
      code('later.html("<b>updated from a later cell</b>");'),
    ]);
    const outPath = path.join(dir, "out", "outputs.ipynb");
    const seen: [number, number][] = [];
    const notebook = await executeNotebook(file, { onCell: (cell, total) => seen.push([cell, total]), outPath });

    expect(notebookProblems(notebook)).toEqual([]);
    expect(notebook.metadata.kernelspec).toEqual({ name: "tslab", display_name: "TypeScript", language: "typescript" });
    expect(notebook.metadata.language_info?.name).toBe("typescript");
    expect((notebook.metadata[RUN_METADATA_KEY] as { status: string }).status).toBe("ok");
    // The progress callback counts cells as a learner does (all cells, 1-based), skipping the empty one.
    expect(seen).toEqual([[2, 10], [3, 10], [4, 10], [5, 10], [6, 10], [8, 10], [9, 10], [10, 10]]);

    const cells = notebook.cells;
    expect(cells[0].cell_type).toBe("markdown");
    const [log, last, html, updated, warn, empty, imported, shownEarly, updatesLater] = codeCells(cells);
    expect(log.outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["hello from tslab\n"] }]);
    expect(text((last.outputs[0] as StreamOutput).text)).toBe("42\n");
    expect(html.outputs).toHaveLength(1);
    expect((html.outputs[0] as DisplayDataOutput).data).toEqual({ "text/html": ["<b>bold</b>"] });
    // update_display_data replaces the output shown under the same display id: one output, last content.
    expect(updated.outputs).toHaveLength(1);
    expect(updated.outputs[0].output_type).toBe("display_data");
    expect((updated.outputs[0] as DisplayDataOutput).data).toEqual({ "text/html": ["<i>done</i>"] });
    expect(warn.outputs).toEqual([{ output_type: "stream", name: "stderr", text: ["careful: this goes to stderr\n"] }]);
    expect(empty.execution_count).toBeNull();
    expect(empty.outputs).toEqual([]);
    expect(text((imported.outputs[0] as StreamOutput).text)).toBe("9\n");
    expect([log, last, html, updated, warn, imported].map((c) => c.execution_count)).toEqual([1, 2, 3, 4, 5, 6]);
    // As in Jupyter, updating a display from a later cell changes the output where it was first shown.
    expect(shownEarly.outputs).toEqual([
      { output_type: "display_data", data: { "text/html": ["<b>updated from a later cell</b>"] }, metadata: {} },
    ]);
    expect(updatesLater.outputs).toEqual([]);

    // The executed copy is written where asked, and the source notebook is left untouched.
    expect(JSON.parse(fs.readFileSync(outPath, "utf8"))).toEqual(notebook);
    expect(codeCells(JSON.parse(fs.readFileSync(file, "utf8")).cells).every((c) => c.outputs.length === 0)).toBe(true);
    await expectNoKernelLeft(folder);
  });

  it("turns a thrown error into an nbformat error output and a NotebookError naming notebook, cell and message", async () => {
    const folder = path.join(dir, "throws");
    const file = writeNotebook(folder, "throws.ipynb", [
      code('console.log("before the error");'),
      markdown("The next cell throws."),
      code('console.warn("about to fail");\nthrow new RangeError("boom at cell 3");'),
      code('console.log("never runs");'),
    ]);
    const outPath = path.join(dir, "out", "throws.ipynb");
    const error = await expectFailure(file, { outPath });
    expect(error.kind).toBe("error");
    expect(error.cellNumber).toBe(3);
    expect(error.cellFirstLine).toBe('console.warn("about to fail");');
    expect(error.message).toContain("throws.ipynb");
    expect(error.message).toContain("cell 3");
    expect(error.message).toContain("RangeError: boom at cell 3");

    const partial = error.notebook!;
    expect(notebookProblems(partial)).toEqual([]);
    const [first, failed, never] = codeCells(partial.cells);
    expect(text((first.outputs[0] as StreamOutput).text)).toBe("before the error\n");
    // Earlier stderr output stays a stream; the error itself becomes an `error` output.
    expect(failed.outputs[0]).toEqual({ output_type: "stream", name: "stderr", text: ["about to fail\n"] });
    const errorOutput = failed.outputs[1] as ErrorOutput;
    expect(errorOutput.output_type).toBe("error");
    expect(errorOutput.ename).toBe("RangeError");
    expect(errorOutput.evalue).toBe("boom at cell 3");
    expect(errorOutput.traceback[0]).toBe("RangeError: boom at cell 3");
    // tslab's own frames are not the learner's business.
    expect(errorOutput.traceback.join("\n")).not.toMatch(/tslab[\\/]dist/);
    expect(failed.execution_count).toBe(2);
    expect(never.execution_count).toBeNull();
    expect(never.outputs).toEqual([]);
    const record = partial.metadata[RUN_METADATA_KEY] as { status: string; failed_cell: number };
    expect(record).toMatchObject({ status: "failed", failed_cell: 3 });
    // The partial notebook is written so the book can show how far it got.
    expect(JSON.parse(fs.readFileSync(outPath, "utf8"))).toEqual(partial);
    await expectNoKernelLeft(folder);
  });

  it("reports a TypeScript type error with the cell and the compiler's message", async () => {
    const folder = path.join(dir, "types");
    const file = writeNotebook(folder, "types.ipynb", [
      code("const fine = 1;"),
      code('const count: number = "not a number";'),
    ]);
    const error = await expectFailure(file);
    expect(error.cellNumber).toBe(2);
    expect(error.message).toContain("types.ipynb, cell 2");
    expect(error.errorText).toContain("Type 'string' is not assignable to type 'number'");
    const errorOutput = codeCells(error.notebook!.cells)[1].outputs.find((o) => o.output_type === "error") as ErrorOutput;
    expect(errorOutput.ename).toBe("TypeScriptError");
    // Positions are within the cell, as the learner sees it.
    expect(errorOutput.evalue).toMatch(/^line 1, column 7: Type 'string' is not assignable/);
    await expectNoKernelLeft(folder);
  });

  it("stops an endless loop at the cell time limit and names the cell", async () => {
    const folder = path.join(dir, "loop");
    const file = writeNotebook(folder, "loop.ipynb", [
      code('console.log("start");'),
      code("let spins = 0;\nwhile (true) { spins++; }"),
      code('console.log("never");'),
    ]);
    const started = Date.now();
    const error = await expectFailure(file, { cellTimeoutMs: 1500 });
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(error.kind).toBe("timeout");
    expect(error.cellNumber).toBe(2);
    expect(error.message).toContain("loop.ipynb, cell 2 (`let spins = 0;`)");
    expect(error.message).toMatch(/timed out after 1\.5 s and was interrupted/);
    const failed = codeCells(error.notebook!.cells)[1];
    expect(failed.outputs.map((o) => o.output_type)).toEqual(["error"]);
    expect((failed.outputs[0] as ErrorOutput).ename).toBe("CellTimeoutError");
    await expectNoKernelLeft(folder);
  });

  it("kills the kernel when a timed-out cell ignores the interrupt", async () => {
    const folder = path.join(dir, "stuck");
    const file = writeNotebook(folder, "stuck.ipynb", [
      code('console.log("blocking now");\nrequire("child_process").execSync("trap \'\' INT; sleep 30");'),
    ]);
    const error = await expectFailure(file, { cellTimeoutMs: 1000 });
    expect(error.kind).toBe("timeout");
    expect(error.message).toContain("stuck.ipynb, cell 1");
    expect(error.message).toContain("killed (it ignored the interrupt)");
    const outputs = codeCells(error.notebook!.cells)[0].outputs;
    expect(text((outputs[0] as StreamOutput).text)).toBe("blocking now\n");
    // The whole process group goes: no `sleep 30` left behind.
    await expectNoKernelLeft(folder);
  });

  it("reports a kernel crash (process.exit in a cell) with notebook, cell and exit code", async () => {
    const folder = path.join(dir, "crash");
    const file = writeNotebook(folder, "crash.ipynb", [
      code("const before = 1;"),
      markdown("Crash:"),
      code("process.exit(3);"),
      code('console.log("never");'),
    ]);
    const error = await expectFailure(file);
    expect(error.kind).toBe("crash");
    expect(error.cellNumber).toBe(3);
    expect(error.message).toContain("crash.ipynb, cell 3 (`process.exit(3);`)");
    expect(error.message).toContain("exited with code 3");
    const failed = codeCells(error.notebook!.cells)[1];
    expect((failed.outputs.at(-1) as ErrorOutput).ename).toBe("KernelDiedError");
    expect(notebookProblems(error.notebook)).toEqual([]);
    await expectNoKernelLeft(folder);
  });
});

describe("executeNotebook input checks (no kernel started)", () => {
  it("rejects a file that is not nbformat 4, naming the file and the problem", async () => {
    const file = path.join(dir, "v3.ipynb");
    fs.writeFileSync(file, JSON.stringify({ nbformat: 3, nbformat_minor: 0, metadata: {}, worksheets: [] }));
    await expect(executeNotebook(file)).rejects.toThrow(/v3\.ipynb is not a valid nbformat 4 notebook[\s\S]*nbformat: expected 4/);
    const noCells = path.join(dir, "nocells.ipynb");
    fs.writeFileSync(noCells, JSON.stringify({ nbformat: 4, nbformat_minor: 5, metadata: {} }));
    await expect(executeNotebook(noCells)).rejects.toThrow(/cells: expected an array of cells/);
    const notJson = path.join(dir, "broken.ipynb");
    fs.writeFileSync(notJson, "{ not json");
    await expect(executeNotebook(notJson)).rejects.toThrow(/broken\.ipynb is not a valid nbformat 4 notebook[\s\S]*not JSON/);
    await expect(executeNotebook(path.join(dir, "missing.ipynb"))).rejects.toThrow(/missing\.ipynb does not exist/);
  });

  it("refuses a notebook written for another kernel", async () => {
    const file = writeNotebook(dir, "python.ipynb", [code("print(1)")]);
    const nb = JSON.parse(fs.readFileSync(file, "utf8"));
    nb.metadata.kernelspec = { name: "python3", display_name: "Python 3", language: "python" };
    fs.writeFileSync(file, JSON.stringify(nb));
    await expect(executeNotebook(file)).rejects.toThrow(/declares the kernel "python3"/);
  });

  it("keeps the first source line of a cell short in messages", async () => {
    const { firstSourceLine } = await import("./execute");
    expect(firstSourceLine("\n\n  const x = 1;\nmore")).toBe("const x = 1;");
    expect(firstSourceLine("x".repeat(100))).toHaveLength(60);
    expect(joinSource(["a\n", "b"])).toBe("a\nb");
  });
});
