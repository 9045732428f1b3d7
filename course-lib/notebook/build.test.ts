// Tests of the notebook build used by `npm start`: executed copies and manifest in the output folder,
// "unchanged, skipped" when neither the notebook nor its dependencies changed, re-runs when they did,
// failed notebooks still written (partial, or a placeholder page), --only selection, and the sources
// never written. Runs in a throwaway project root.

import * as fs from "fs";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { BuildEvent, buildNotebooks, dependencyHash, readManifest, selectNotebooks } from "./build";
import { NotebookError } from "./execute";
import { CodeCell, parseNotebook, RUN_METADATA_KEY } from "./nbformat";
import { code, makeTempDir, markdown, writeNotebook } from "./test-helpers";
import { parseStartArgs } from "../tools/start-args";

const root = makeTempDir("build-test-");
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

const notebooksDir = path.join(root, "notebooks");
const outDir = path.join(root, "build", "notebooks");
fs.mkdirSync(path.join(root, "course-lib"), { recursive: true });
fs.writeFileSync(path.join(root, "course-lib", "answer.ts"), "export const answer = 42;\n");
// The course layout: tslab compiles only files under the kernel's cwd (the notebook's folder), so
// notebooks/ reaches course-lib/ through a symlink, exactly as in Jupyter.
writeNotebook(notebooksDir, "00-ok.ipynb", [
  markdown("# OK"),
  code('import { answer } from "./course-lib/answer";\nconsole.log("answer", answer);'),
]);
fs.symlinkSync(path.join("..", "course-lib"), path.join(notebooksDir, "course-lib"));
writeNotebook(notebooksDir, "01-fails.ipynb", [code('console.log("partial");'), code('throw new Error("lesson 01 is broken");')]);
fs.writeFileSync(path.join(notebooksDir, "02-unreadable.ipynb"), '{"nbformat": 4, "cells": "nope"}');

function snapshot(dir: string): Record<string, string> {
  const files: Record<string, string> = {};
  for (const name of fs.readdirSync(dir).filter((n) => n.endsWith(".ipynb"))) files[name] = fs.readFileSync(path.join(dir, name), "utf8") + fs.statSync(path.join(dir, name)).mtimeMs;
  return files;
}

describe("buildNotebooks", () => {
  it("executes, records failures with partial copies, skips unchanged notebooks and re-runs changed ones", async () => {
    const sourcesBefore = snapshot(notebooksDir);
    const events: BuildEvent[] = [];
    const first = await buildNotebooks({ root, onEvent: (e) => events.push(e) });
    expect(first.map((r) => [r.name, r.status])).toEqual([
      ["00-ok", "executed"],
      ["01-fails", "failed"],
      ["02-unreadable", "failed"],
    ]);
    // Progress events name the notebook and the cell being run.
    expect(events).toContainEqual({ type: "cell", name: "00-ok", cell: 2, total: 2, firstLine: 'import { answer } from "./course-lib/answer";' });

    const ok = parseNotebook(fs.readFileSync(path.join(outDir, "00-ok.ipynb"), "utf8"), "00-ok");
    expect((ok.cells[1] as CodeCell).outputs).toEqual([{ output_type: "stream", name: "stdout", text: ["answer 42\n"] }]);

    const failure = first[1].error as NotebookError;
    expect(failure).toBeInstanceOf(NotebookError);
    expect(failure.message).toBe('01-fails.ipynb, cell 2 (`throw new Error("lesson 01 is broken");`): Error: lesson 01 is broken');
    const partial = parseNotebook(fs.readFileSync(path.join(outDir, "01-fails.ipynb"), "utf8"), "01-fails");
    expect((partial.cells[0] as CodeCell).outputs[0]).toMatchObject({ output_type: "stream", text: ["partial\n"] });
    expect((partial.cells[1] as CodeCell).outputs[0]).toMatchObject({ output_type: "error", evalue: "lesson 01 is broken" });

    // An unreadable notebook gets a one-cell page that states the problem.
    expect(first[2].error!.message).toContain("cells: expected an array of cells");
    const placeholder = parseNotebook(fs.readFileSync(path.join(outDir, "02-unreadable.ipynb"), "utf8"), "02");
    expect(placeholder.metadata[RUN_METADATA_KEY]).toMatchObject({ status: "failed" });
    expect(JSON.stringify(placeholder.cells[0].source)).toContain("could not be run");

    const manifest = readManifest(outDir);
    expect(manifest.notebooks["00-ok"].status).toBe("ok");
    expect(manifest.notebooks["01-fails"].status).toBe("failed");
    expect(manifest.fileHashes["course-lib/answer.ts"].sha256).toMatch(/^[0-9a-f]{64}$/);

    // Unchanged: skipped without starting a kernel.
    const skippedEvents: BuildEvent[] = [];
    const second = await buildNotebooks({ root, only: ["00"], onEvent: (e) => skippedEvents.push(e) });
    expect(second.map((r) => r.status)).toEqual(["skipped"]);
    expect(skippedEvents).toEqual([{ type: "skipped", name: "00-ok" }]);

    // A change in course-lib/ re-runs it, and the new output shows the change.
    fs.writeFileSync(path.join(root, "course-lib", "answer.ts"), "export const answer = 43;\n");
    const third = await buildNotebooks({ root, only: ["00"] });
    expect(third.map((r) => r.status)).toEqual(["executed"]);
    const rerun = parseNotebook(fs.readFileSync(path.join(outDir, "00-ok.ipynb"), "utf8"), "00-ok");
    expect((rerun.cells[1] as CodeCell).outputs[0]).toMatchObject({ text: ["answer 43\n"] });

    // --force re-runs an unchanged notebook.
    const forced = await buildNotebooks({ root, only: ["00"], force: true });
    expect(forced.map((r) => r.status)).toEqual(["executed"]);

    // The sources were only ever read.
    expect(snapshot(notebooksDir)).toEqual(sourcesBefore);
  });

  it("dependency hash changes with file content and with added or removed files", () => {
    const manifest = readManifest(path.join(root, "nowhere"));
    const before = dependencyHash(root, manifest);
    expect(dependencyHash(root, manifest)).toBe(before);
    fs.mkdirSync(path.join(root, "exercises"), { recursive: true });
    fs.writeFileSync(path.join(root, "exercises", "mine.ts"), "export {};\n");
    const added = dependencyHash(root, manifest);
    expect(added).not.toBe(before);
    fs.rmSync(path.join(root, "exercises", "mine.ts"));
    expect(dependencyHash(root, manifest)).toBe(before);
  });

  it("selects notebooks by name prefix and explains an --only that matches nothing", () => {
    const all = ["/x/00-intro.ipynb", "/x/01-data.ipynb", "/x/02-train.ipynb"];
    expect(selectNotebooks(all, ["01"])).toEqual(["/x/01-data.ipynb"]);
    expect(selectNotebooks(all, ["00", "02"])).toEqual(["/x/00-intro.ipynb", "/x/02-train.ipynb"]);
    expect(selectNotebooks(all, [])).toEqual(all);
    expect(selectNotebooks(["/x/00-a.ipynb", "/x/00-a-extra.ipynb"], ["00-a"])).toEqual(["/x/00-a.ipynb"]);
    expect(() => selectNotebooks(all, ["07"])).toThrow('--only 07: no notebook name starts with "07"; notebooks: 00-intro, 01-data, 02-train');
  });

  it("refuses to write executed copies over the notebooks folder", async () => {
    await expect(buildNotebooks({ root, outDir: notebooksDir })).rejects.toThrow(/would overwrite the sources/);
  });
});

describe("npm start arguments", () => {
  it("parses --no-serve, --only (repeated or comma-separated), --force, --port and --cell-timeout", () => {
    expect(parseStartArgs([])).toEqual({ serve: true, only: [], force: false, port: undefined, cellTimeoutMs: undefined });
    expect(parseStartArgs(["--no-serve", "--only", "00", "--only=01,02", "--force", "--port", "8123", "--cell-timeout", "90"])).toEqual({
      serve: false,
      only: ["00", "01", "02"],
      force: true,
      port: 8123,
      cellTimeoutMs: 90_000,
    });
  });

  it("rejects unknown options and bad values with the usage", () => {
    expect(() => parseStartArgs(["--serve-forever"])).toThrow(/unknown option --serve-forever[\s\S]*usage: npm start/);
    expect(() => parseStartArgs(["--only"])).toThrow(/--only needs a value/);
    expect(() => parseStartArgs(["--port", "http"])).toThrow("--port http: expected a port number 0-65535");
    expect(() => parseStartArgs(["--cell-timeout", "-1"])).toThrow("--cell-timeout -1: expected a positive number of seconds");
  });
});
