// The main notebook test: every notebooks/*.ipynb runs to the end on the real tslab kernel, through our
// client (the same build `npm start` uses, writing build/notebooks/) and through Jupyter's own
// `jupyter nbconvert --execute`, and both results are valid nbformat 4 with no error outputs.
//
// The nbconvert cross-check needs Debian's Jupyter (jupyter-nbconvert, python3-nbclient, jupyter-client,
// python3-ipykernel). Outside CI it is skipped with the reason in the test name; with CI set it fails,
// because CI must install them. When notebooks/ is still empty, throwaway notebooks stand in.

import { spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildNotebooks, listNotebooks, notebookName } from "./build";
import { PROJECT_ROOT } from "./kernel";
import { CodeCell, ErrorOutput, joinSource, Notebook, notebookProblems, parseNotebook } from "./nbformat";
import { code, makeTempDir, markdown, writeNotebook } from "./test-helpers";
import { findJupyterPythons, registerTslabKernel, tslabRegistration } from "../tools/jupyter";
import { claimIdsInSource, claimVerdicts, ClaimVerdict } from "./claim";

const scratch = makeTempDir("notebooks-test-");
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

const courseNotebooks = listNotebooks(path.join(PROJECT_ROOT, "notebooks"));
const usingStandIns = courseNotebooks.length === 0;
// With no course notebooks yet, run stand-ins that exercise the same output kinds.
const standInRoot = path.join(scratch, "project");
if (usingStandIns) {
  writeNotebook(path.join(standInRoot, "notebooks"), "00-stand-in.ipynb", [
    markdown("# Stand-in notebook\nUsed until notebooks/ has course notebooks."),
    code('import * as tslab from "tslab";\nconsole.log("hello");\nconst squares = [1, 2, 3].map((x) => x * x);\nsquares'),
    code('tslab.display.html("<table><tr><td>1</td></tr></table>");'),
    code('const progress = tslab.newDisplay();\nfor (let i = 1; i <= 3; i++) progress.text(`epoch ${i}/3`);'),
    code("await new Promise((resolve) => setTimeout(resolve, 50));\nconsole.log(\"awaited\");"),
  ]);
}
const root = usingStandIns ? standInRoot : PROJECT_ROOT;
const notebooksDir = path.join(root, "notebooks");
const outDir = path.join(root, "build", "notebooks");
const notebooks = listNotebooks(notebooksDir);

function errorOutputs(notebook: Notebook): { cell: number; error: ErrorOutput }[] {
  const found: { cell: number; error: ErrorOutput }[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    for (const output of cell.outputs)
      if (output.output_type === "error") found.push({ cell: index + 1, error: output });
  });
  return found;
}

/** Every claim verdict the notebook printed (course-lib/notebook/claim.ts), with its 0-based cell index. */
function printedClaims(notebook: Notebook): (ClaimVerdict & { cell: number })[] {
  const found: (ClaimVerdict & { cell: number })[] = [];
  notebook.cells.forEach((cell, index) => {
    if (cell.cell_type !== "code") return;
    for (const output of cell.outputs)
      if (output.output_type === "stream") for (const v of claimVerdicts(joinSource(output.text))) found.push({ ...v, cell: index });
  });
  return found;
}

/** 1-based numbers of the non-empty code cells that got an execution count. */
function executedCells(notebook: Notebook): number[] {
  return notebook.cells
    .map((cell, index) => ({ cell, index }))
    .filter(({ cell }) => cell.cell_type === "code" && (cell as CodeCell).execution_count !== null)
    .map(({ index }) => index + 1);
}

/** 1-based numbers of the code cells with at least one output. */
function cellsWithOutputs(notebook: Notebook): number[] {
  return notebook.cells
    .map((cell, index) => ({ cell, index }))
    .filter(({ cell }) => cell.cell_type === "code" && (cell as CodeCell).outputs.length > 0)
    .map(({ index }) => index + 1);
}

function nonEmptyCodeCells(notebook: Notebook): number[] {
  return notebook.cells
    .map((cell, index) => ({ cell, index }))
    .filter(({ cell }) => cell.cell_type === "code" && joinSource(cell.source).trim() !== "")
    .map(({ index }) => index + 1);
}

// A lesson may train models for minutes; the per-cell limit (10 min) catches a hang first.
const NOTEBOOK_TEST_TIMEOUT_MS = 30 * 60_000;

describe(`notebooks execute with the tslab kernel client${usingStandIns ? " (stand-ins: notebooks/ is empty)" : ""}`, () => {
  for (const file of notebooks) {
    const name = notebookName(file);
    it(
      `${name} runs to the end without errors and is written to build/notebooks as valid nbformat 4`,
      async () => {
        // force: the test always runs the notebook, whatever the manifest says.
        const [result] = await buildNotebooks({ root, outDir, only: [name], force: true });
        expect(result?.name).toBe(name);
        if (result.status === "failed") throw result.error;
        expect(result.status).toBe("executed");
        const executed = parseNotebook(fs.readFileSync(result.outPath, "utf8"), result.outPath);
        expect(notebookProblems(executed)).toEqual([]);
        expect(errorOutputs(executed)).toEqual([]);
        const source = parseNotebook(fs.readFileSync(file, "utf8"), file);
        expect(executedCells(executed)).toEqual(nonEmptyCodeCells(source));
        expect(executed.metadata.kernelspec?.name).toBe("tslab");

        // The lesson's claims: every claim("id", ...) in its code printed a verdict, and every verdict held.
        const claimed = claimIdsInSource(source.cells.map((c) => (c.cell_type === "code" ? joinSource(c.source) : "")).join("\n"));
        const printed = printedClaims(executed);
        if (!usingStandIns) expect(claimed.length, `${name} pins none of its claims with claim(...)`).toBeGreaterThan(0);
        expect(printed.filter((v) => !v.holds).map((v) => `cell [${v.cell}] ${v.id}: ${v.text}`)).toEqual([]);
        expect(claimed.filter((id) => !printed.some((v) => v.id === id)), "claims that printed no verdict").toEqual([]);
      },
      NOTEBOOK_TEST_TIMEOUT_MS,
    );
  }
});

// ---- cross-check with Jupyter's own executor ----

const jupyter = findJupyterPythons().find((p) => p.modules.nbconvert && p.modules.nbclient);
const missingJupyter =
  "Jupyter nbconvert not found (no Python with jupyter_client, nbconvert and nbclient); " +
  "install: apt-get install jupyter-nbconvert python3-nbclient jupyter-client python3-ipykernel";

function runProcess(command: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-20000)));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("notebooks also execute under `jupyter nbconvert --execute` with the registered tslab kernel", () => {
  if (!jupyter) {
    if (process.env.CI) {
      it("Jupyter must be installed in CI", () => {
        throw new Error(`${missingJupyter} (CI is set, so this is required)`);
      });
    } else it.skip(`(skipped: ${missingJupyter})`, () => {});
    return;
  }
  const prefix = path.join(scratch, "jupyter-prefix");
  const nbconvertOut = path.join(scratch, "nbconvert");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    JUPYTER_PATH: path.join(prefix, "share", "jupyter"),
    PYDEVD_DISABLE_FILE_VALIDATION: "1",
  };
  for (const name of Object.keys(env)) if (name === "VITEST" || name.startsWith("VITEST_")) delete env[name];

  beforeAll(() => {
    registerTslabKernel(jupyter.command, { prefix });
  });

  it("the kernelspec registered into a temp prefix runs this project's node_modules/.bin/tslab", () => {
    const state = tslabRegistration(jupyter.command, env);
    expect(state.state).toBe("ours");
    if (state.state === "ours") expect(state.spec.resourceDir.startsWith(prefix)).toBe(true);
  });

  for (const file of notebooks) {
    const name = notebookName(file);
    it(`${name} executes under nbconvert without errors, like our client`, async () => {
      const run = await runProcess(
        jupyter.command,
        [
          "-m",
          "jupyter",
          "nbconvert",
          "--to",
          "notebook",
          "--execute",
          "--ExecutePreprocessor.kernel_name=tslab",
          "--ExecutePreprocessor.timeout=900",
          "--output-dir",
          nbconvertOut,
          file,
        ],
        env,
        NOTEBOOK_TEST_TIMEOUT_MS - 60_000,
      );
      expect(run.code, `nbconvert failed for ${name}:\n${run.stderr.split("\n").slice(-30).join("\n")}`).toBe(0);
      const outFile = path.join(nbconvertOut, `${name}.ipynb`);
      const theirs = parseNotebook(fs.readFileSync(outFile, "utf8"), outFile);
      expect(errorOutputs(theirs)).toEqual([]);
      // nbclient takes execution counts from `execute_input`, which tslab never sends, so Jupyter's copy
      // has none; compare which cells printed or displayed something with our client's copy instead.
      const ours = path.join(outDir, `${name}.ipynb`);
      if (fs.existsSync(ours))
        expect(cellsWithOutputs(theirs), `cells with outputs: nbconvert vs ${ours}`).toEqual(
          cellsWithOutputs(parseNotebook(fs.readFileSync(ours, "utf8"), ours)),
        );

      // Python's own nbformat validator accepts both Jupyter's result and the copy our client wrote.
      const validate = await runProcess(
        jupyter.command,
        [
          "-c",
          "import sys, nbformat\nfor f in sys.argv[1:]:\n    nbformat.validate(nbformat.read(f, as_version=4))\n    print('valid', f)",
          outFile,
          ...(fs.existsSync(ours) ? [ours] : []),
        ],
        env,
        60_000,
      );
      expect(validate.code, `nbformat.validate failed:\n${validate.stderr}`).toBe(0);
      expect(validate.stdout).toContain(`valid ${outFile}`);
      if (fs.existsSync(ours)) expect(validate.stdout).toContain(`valid ${ours}`);
    }, NOTEBOOK_TEST_TIMEOUT_MS);
  }
});
