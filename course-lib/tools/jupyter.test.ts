// Tests of the Jupyter helpers behind `npm run lab` and postinstall: front-end choice, install advice,
// and (when Jupyter is installed) registering the project's tslab kernel into a temp prefix. The real
// registration check fails in CI without Jupyter and is skipped with its reason elsewhere.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { afterAll, describe, expect, it } from "vitest";
import { PROJECT_ROOT } from "../notebook/kernel";
import { chooseFrontEnd } from "./lab";
import {
  findJupyterPythons,
  installInstructions,
  JupyterPython,
  projectTslabBinary,
  registerTslabKernel,
  tslabRegistration,
} from "./jupyter";

const python = (command: string, modules: Record<string, string>): JupyterPython => ({
  command,
  executable: command,
  jupyterClientVersion: "8.0.0",
  modules,
});

describe("npm run lab front-end choice", () => {
  it("prefers JupyterLab, then Notebook 7, then Notebook 6, always on 127.0.0.1 with notebooks/ open", () => {
    const lab = chooseFrontEnd([python("/a", { notebook: "6.4.12" }), python("/b", { jupyterlab: "4.2.0" })]);
    expect(lab?.python.command).toBe("/b");
    expect(lab?.args).toEqual(["-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", "--ServerApp.default_url=/lab/tree/notebooks"]);
    const nb7 = chooseFrontEnd([python("/c", { notebook: "7.1.0" })]);
    expect(nb7?.args).toContain("--ServerApp.ip=127.0.0.1");
    const nb6 = chooseFrontEnd([python("/d", { notebook: "6.4.12" })]);
    expect(nb6?.args).toEqual(["-m", "notebook", "--NotebookApp.ip=127.0.0.1", "--NotebookApp.default_url=/tree/notebooks"]);
    expect(chooseFrontEnd([python("/e", { nbconvert: "6.5.3" })])).toBeUndefined();
    expect(chooseFrontEnd([])).toBeUndefined();
  });

  it("tells how to install Jupyter and register the kernel", () => {
    const text = installInstructions();
    expect(text).toContain("pip install jupyterlab");
    expect(text).toContain("apt-get install jupyter-notebook");
    expect(text).toContain(`npx tslab install --python=python3 --binary=${projectTslabBinary()}`);
    expect(text).toContain("jupyter kernelspec list");
  });

  // TINYML_JUPYTER_PYTHON names the only Python to consider: a missing one simulates a machine without Jupyter.
  const withoutJupyter = { ...process.env, TINYML_JUPYTER_PYTHON: "/nonexistent/python3" };
  const runTool = (tool: string) =>
    spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(PROJECT_ROOT, "course-lib/tools", tool)], {
      encoding: "utf8",
      env: withoutJupyter,
      timeout: 60_000,
    });

  it("postinstall exits 0 without Jupyter and prints how to set it up", () => {
    const result = runTool("postinstall.ts");
    expect(result.status).toBe(0);
    expect(result.stdout).toContain("tinyml-course: Jupyter was not found");
    expect(result.stdout).toContain("pip install jupyterlab");
  });

  it("npm run lab exits 1 without Jupyter and prints how to install it", () => {
    const result = runTool("lab.ts");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("Jupyter was not found");
    expect(result.stderr).toContain("apt-get install jupyter-notebook");
  });
});

const jupyter = findJupyterPythons()[0];
describe("tslab kernel registration with a real Jupyter", () => {
  const prefix = fs.mkdtempSync(path.join(os.tmpdir(), "kernelspec-test-"));
  afterAll(() => fs.rmSync(prefix, { recursive: true, force: true }));
  const reason = "no Python with jupyter_client (apt-get install jupyter-client)";
  if (!jupyter && process.env.CI) {
    it("Jupyter must be installed in CI", () => {
      throw new Error(`${reason}; CI is set, so this is required`);
    });
    return;
  }
  it.skipIf(!jupyter)(`registers into a prefix, pointing at node_modules/.bin/tslab${jupyter ? "" : ` (skipped: ${reason})`}`, () => {
    const env = { ...process.env, JUPYTER_PATH: path.join(prefix, "share", "jupyter") };
    registerTslabKernel(jupyter!.command, { prefix });
    const spec = JSON.parse(fs.readFileSync(path.join(prefix, "share/jupyter/kernels/tslab/kernel.json"), "utf8"));
    expect(spec.argv).toEqual([projectTslabBinary(), "kernel", "--config-path", "{connection_file}"]);
    expect(spec.language).toBe("typescript");
    const state = tslabRegistration(jupyter!.command, env);
    expect(state.state).toBe("ours");
  });
});
