// Tests of the nbformat validator and the create/strip helpers, plus the repository rule that the
// committed notebooks/*.ipynb are valid, run on tslab, and carry no outputs.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { listNotebooks } from "./build";
import { PROJECT_ROOT } from "./kernel";
import {
  cellsWithOutputs,
  createNotebook,
  hasOutputs,
  Notebook,
  notebookProblems,
  parseNotebook,
  RUN_METADATA_KEY,
  serializeNotebook,
  splitLines,
  stripNotebook,
} from "./nbformat";
import { CELL_STYLE, cellStats, cellStyleProblems, markdownTableProblems } from "./cell-style";

function executedExample(): Notebook {
  const nb = createNotebook([
    { type: "markdown", source: "# Title" },
    { type: "code", source: "console.log(1)" },
  ]);
  const cell = nb.cells[1];
  if (cell.cell_type !== "code") throw new Error("expected a code cell");
  cell.execution_count = 1;
  cell.outputs = [
    { output_type: "stream", name: "stdout", text: ["1\n"] },
    { output_type: "display_data", data: { "text/html": ["<b>x</b>"], "application/json": { a: 1 } }, metadata: {} },
    { output_type: "execute_result", execution_count: 1, data: { "text/plain": "1" }, metadata: {} },
    { output_type: "error", ename: "Error", evalue: "boom", traceback: ["Error: boom"] },
  ];
  cell.metadata.execution = { "iopub.status.busy": "2024-01-01" };
  nb.metadata[RUN_METADATA_KEY] = { status: "ok" };
  return nb;
}

describe("nbformat validator", () => {
  it("accepts a created notebook and an executed one", () => {
    expect(notebookProblems(createNotebook([{ type: "code", source: "1" }]))).toEqual([]);
    expect(notebookProblems(executedExample())).toEqual([]);
  });

  it("names the path, what it found and what it expected", () => {
    const nb = executedExample() as any;
    nb.nbformat = 3;
    nb.cells[0].cell_type = "heading";
    nb.cells[1].outputs[0].name = "stdlog";
    nb.cells[1].outputs[1].data["text/html"] = 42;
    nb.cells[1].outputs[3].traceback = "Error: boom";
    nb.cells[1].execution_count = -1;
    const problems = notebookProblems(nb);
    expect(problems).toContain("nbformat: expected 4 (only nbformat 4 notebooks are supported), found number 3");
    expect(problems).toContain('cells[0].cell_type: expected "code", "markdown" or "raw", found the string "heading"');
    expect(problems).toContain('cells[1].outputs[0].name: expected "stdout" or "stderr", found the string "stdlog"');
    expect(problems).toContain('cells[1].outputs[1].data["text/html"]: expected a string or an array of strings, found number 42');
    expect(problems).toContain('cells[1].outputs[3].traceback: expected an array of strings, found the string "Error: boom"');
    expect(problems).toContain("cells[1].execution_count: expected null or a non-negative integer, found number -1");
  });

  it("requires unique cell ids from nbformat 4.5 and rejects outputs on markdown cells", () => {
    const nb = createNotebook([
      { type: "code", source: "1" },
      { type: "markdown", source: "m" },
    ]) as any;
    nb.cells[1].id = nb.cells[0].id;
    delete nb.cells[0].id;
    nb.cells[1].outputs = [];
    const problems = notebookProblems(nb);
    expect(problems.some((p) => p.startsWith("cells[0].id: expected a 1-64 character id") && p.includes("required from nbformat 4.5"))).toBe(true);
    expect(problems).toContain("cells[1].outputs: expected no outputs on a markdown cell, found an array");
    expect(notebookProblems({ ...nb, nbformat_minor: 4, cells: [{ cell_type: "code", source: "", metadata: {}, outputs: [], execution_count: null }] })).toEqual([]);
  });

  it("parseNotebook names the file for bad JSON and non-objects", () => {
    expect(() => parseNotebook("[1,2]", "x.ipynb")).toThrow(/x\.ipynb is not a valid nbformat 4 notebook[\s\S]*\(top level\): expected a JSON object/);
    expect(() => parseNotebook("{", "y.ipynb")).toThrow(/y\.ipynb[\s\S]*not JSON/);
  });
});

describe("create and strip", () => {
  it("creates an nbformat 4.5 notebook on the tslab kernel with lines split like Jupyter", () => {
    const nb = createNotebook([{ type: "code", source: "const a = 1;\nconsole.log(a)" }]);
    expect(nb.nbformat).toBe(4);
    expect(nb.nbformat_minor).toBe(5);
    expect(nb.metadata.kernelspec).toEqual({ name: "tslab", display_name: "TypeScript", language: "typescript" });
    expect(nb.cells[0].source).toEqual(["const a = 1;\n", "console.log(a)"]);
    expect(splitLines("")).toEqual([]);
    expect(splitLines("a\n\nb\n")).toEqual(["a\n", "\n", "b\n"]);
  });

  it("strips outputs, execution counts and run metadata, leaving the source and ids", () => {
    const nb = executedExample();
    expect(hasOutputs(nb)).toBe(true);
    expect(cellsWithOutputs(nb)).toEqual([2]);
    const stripped = stripNotebook(nb);
    expect(hasOutputs(stripped)).toBe(false);
    expect(notebookProblems(stripped)).toEqual([]);
    expect(stripped.metadata[RUN_METADATA_KEY]).toBeUndefined();
    expect(stripped.cells[1].metadata.execution).toBeUndefined();
    expect(stripped.cells.map((c) => [c.id, c.source])).toEqual(nb.cells.map((c) => [c.id, c.source]));
    // The original is not modified.
    expect(hasOutputs(nb)).toBe(true);
    expect(serializeNotebook(stripped).endsWith("}\n")).toBe(true);
  });
});

describe("strip.ts (authoring tool)", () => {
  it("--check reports saved outputs without writing; without --check it clears them", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "strip-test-"));
    try {
      const file = path.join(dir, "saved.ipynb");
      fs.writeFileSync(file, serializeNotebook(executedExample()));
      const before = fs.readFileSync(file, "utf8");
      const run = (...args: string[]) =>
        spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, "strip.ts"), ...args], { encoding: "utf8" });
      const check = run("--check", file);
      expect(check.status).toBe(1);
      expect(check.stdout).toContain("outputs in cells 2");
      expect(fs.readFileSync(file, "utf8")).toBe(before);
      const strip = run(file);
      expect(strip.status).toBe(0);
      expect(hasOutputs(parseNotebook(fs.readFileSync(file, "utf8"), file))).toBe(false);
      expect(run("--check", file).status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("committed notebooks", () => {
  const notebooksDir = path.join(PROJECT_ROOT, "notebooks");
  const files = listNotebooks(notebooksDir);
  it("the course's notebooks are there, in lesson order", () => {
    expect(files.map((f) => path.basename(f)).slice(0, 1)).toEqual(["00-getting-started.ipynb"]);
  });
  for (const file of files) {
    const name = path.basename(file);
    it(`${name} is valid nbformat 4 on the tslab kernel and has no outputs`, () => {
      const notebook = parseNotebook(fs.readFileSync(file, "utf8"), `notebooks/${name}`);
      expect(notebook.metadata.kernelspec?.name, `notebooks/${name}: metadata.kernelspec.name`).toBe("tslab");
      const cells = cellsWithOutputs(notebook);
      expect(
        cells,
        `notebooks/${name} has saved outputs or execution counts in cells ${cells.join(", ")}; ` +
          `clear them with: npx tsx course-lib/notebook/strip.ts notebooks/${name}`,
      ).toEqual([]);
      expect(notebook.metadata[RUN_METADATA_KEY], `notebooks/${name} is an executed copy (from build/)`).toBeUndefined();
    });
  }
});

describe("the lesson notebooks' code cells are short enough to read at a glance", () => {
  const notebooks = listNotebooks(path.join(PROJECT_ROOT, "notebooks"));
  for (const file of notebooks) {
    it(`${path.basename(file)}: every code cell ≤ ${CELL_STYLE.maxLines} lines (most ≤ ${CELL_STYLE.shortLines}), every line ≤ ${CELL_STYLE.maxLineLength} characters`, () => {
      const notebook = parseNotebook(fs.readFileSync(file, "utf8"), file);
      expect(cellStyleProblems(notebook)).toEqual([]);
    });
    it(`${path.basename(file)}: every markdown table states its column alignment (Notebook 6 right-aligns the rest)`, () => {
      expect(markdownTableProblems(parseNotebook(fs.readFileSync(file, "utf8"), file))).toEqual([]);
    });
  }

  it("markdownTableProblems flags separator rows without alignment and nothing else", () => {
    const nb = createNotebook([
      { type: "markdown", source: "| a | b |\n|---|---|\n| 1 | 2 |\n\n| c |\n|:---|\n\n---\n" },
      { type: "markdown", source: "| a | b |\n|:--|--:|" },
    ]);
    expect(markdownTableProblems(nb)).toEqual([
      'markdown cell [0]: table separator "|---|---|" has a column with no alignment (write :--- or ---:)',
    ]);
  });

  it("cellStats counts lines of non-empty code cells, ignoring markdown and trailing blank lines", () => {
    const nb = createNotebook([
      { type: "markdown", source: "x".repeat(300) },
      { type: "code", source: "a\nb\n\n" },
      { type: "code", source: "" },
      { type: "code", source: "1\n2\n3\n" + "y".repeat(120) },
    ]);
    const stats = cellStats(nb);
    expect(stats.cells).toEqual([
      { index: 1, lines: 2, longestLine: 1 },
      { index: 3, lines: 4, longestLine: 120 },
    ]);
    expect(stats.medianLines).toBe(3);
    expect(stats.linesOver100).toBe(1);
    expect(cellStyleProblems(nb)).toEqual(["cell [3]: a line of 120 characters (at most 100)"]);
    const mostlyLong = createNotebook(["1\n2", "a\n".repeat(11), "b\n".repeat(12)].map((source) => ({ type: "code" as const, source })));
    expect(cellStyleProblems(mostlyLong)).toEqual(["2 of 3 code cells have more than 10 lines (fewer than half may)"]);
  });
});
