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
  ensureTslabKernel,
  findJupyterPythons,
  installInstructions,
  JupyterPython,
  projectTslabBinary,
  registerCommand,
  registerTslabKernel,
  tslabRegistration,
  whichOutsideNpm,
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
    expect(text).toContain(`npx tslab install --python=python3 --binary=${projectTslabBinary()} --user`);
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

describe("a bare kernel command is judged by the PATH outside npm run", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "which-test-"));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
  const executable = (file: string) => {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, "#!/bin/sh\n", { mode: 0o755 });
  };
  it("ignores node_modules/.bin entries (npm adds them only inside npm run)", () => {
    executable(path.join(dir, "project", "node_modules", ".bin", "tslab"));
    const npmPath = [path.join(dir, "project", "node_modules", ".bin"), "/usr/bin", "/bin"].join(path.delimiter);
    expect(whichOutsideNpm("tslab", npmPath)).toBeUndefined();
    executable(path.join(dir, "global", "bin", "tslab"));
    const withGlobal = `${npmPath}${path.delimiter}${path.join(dir, "global", "bin")}`;
    expect(whichOutsideNpm("tslab", withGlobal)).toBe(path.join(dir, "global", "bin", "tslab"));
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

// Kernelspecs as learners end up with them, written into a temp JUPYTER_DATA_DIR (the per-user kernel
// folder) so the machine's own registration is never touched.
describe("npm run lab and postinstall repair or flag a tslab kernelspec that cannot start from a shell", () => {
  if (!jupyter) {
    it.skip("(skipped: no Python with jupyter_client)", () => {});
    return;
  }
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "kernelspec-state-"));
  afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));
  let count = 0;
  /** A fresh per-user kernel folder holding a tslab kernelspec that runs `launcher`. */
  const userDirWith = (launcher: string) => {
    const dataDir = path.join(scratch, `data-${count++}`);
    const kernel = path.join(dataDir, "kernels", "tslab");
    fs.mkdirSync(kernel, { recursive: true });
    const argv = [launcher, "kernel", "--config-path", "{connection_file}"];
    fs.writeFileSync(path.join(kernel, "kernel.json"), JSON.stringify({ argv, display_name: "TypeScript", language: "typescript" }));
    const env: NodeJS.ProcessEnv = { ...process.env, JUPYTER_DATA_DIR: dataDir };
    delete env.JUPYTER_PATH;
    return { dataDir, env, kernelJson: path.join(kernel, "kernel.json") };
  };
  const fix = registerCommand(jupyter.command);

  it("the fix command registers this checkout's tslab by absolute path, per user", () => {
    expect(fix).toBe(`${projectTslabBinary()} install --python=${jupyter.command} --binary=${projectTslabBinary()} --user`);
  });

  it("a bare `tslab` (the README's old command) is broken even when npm put node_modules/.bin on PATH", () => {
    const { env } = userDirWith("tslab");
    env.PATH = [path.dirname(projectTslabBinary()), "/usr/bin", "/bin"].join(path.delimiter);
    const state = tslabRegistration(jupyter.command, env);
    expect(state.state).toBe("broken");
    if (state.state === "broken") expect(state.reason).toMatch(/bare command "tslab".*not on PATH outside `npm run`/);
  });

  it("a launcher that no longer exists is broken, and ensureTslabKernel re-registers ours and says so", () => {
    const { env, kernelJson } = userDirWith(path.join(scratch, "deleted-checkout", "node_modules", ".bin", "tslab"));
    const state = tslabRegistration(jupyter.command, env);
    expect(state.state).toBe("broken");
    if (state.state === "broken") expect(state.reason).toMatch(/deleted-checkout.*does not exist/);
    const check = ensureTslabKernel(jupyter.command, PROJECT_ROOT, env);
    expect(check.message).toContain("cannot start");
    expect(check.message).toContain(fix);
    expect(JSON.parse(fs.readFileSync(kernelJson, "utf8")).argv[0]).toBe(projectTslabBinary());
    expect(tslabRegistration(jupyter.command, env).state).toBe("ours");
  });

  it("another checkout's tslab is kept, with a warning giving the exact command", () => {
    const other = path.join(scratch, "other-checkout", "node_modules", ".bin", "tslab");
    fs.mkdirSync(path.dirname(other), { recursive: true });
    fs.writeFileSync(other, "#!/bin/sh\n", { mode: 0o755 });
    const { env, kernelJson } = userDirWith(other);
    expect(tslabRegistration(jupyter.command, env).state).toBe("other-checkout");
    const check = ensureTslabKernel(jupyter.command, PROJECT_ROOT, env);
    expect(check.warning).toContain(`starts ${other}, from another checkout`);
    expect(check.warning).toContain(fix);
    expect(JSON.parse(fs.readFileSync(kernelJson, "utf8")).argv[0]).toBe(other);
  });

  // End to end through `npm run lab`: `--version` makes Jupyter print its version and exit, after lab.ts
  // has checked the kernelspec.
  const lab = (env: NodeJS.ProcessEnv) =>
    spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(PROJECT_ROOT, "course-lib/tools/lab.ts"), "--version"], {
      encoding: "utf8",
      env: { ...env, TINYML_JUPYTER_PYTHON: jupyter.command },
      timeout: 90_000,
    });
  const frontEnd = chooseFrontEnd([jupyter]);
  it.skipIf(!frontEnd)("npm run lab repairs a bare `tslab` kernelspec before starting Jupyter", () => {
    const { env, kernelJson } = userDirWith("tslab");
    const result = lab(env);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stdout).toContain('runs the bare command "tslab"');
    expect(result.stdout).toContain(fix);
    expect(JSON.parse(fs.readFileSync(kernelJson, "utf8")).argv[0]).toBe(projectTslabBinary());
  });

  it.skipIf(!frontEnd)("npm run lab warns about another checkout's kernelspec with the command to fix it", () => {
    const other = path.join(scratch, "other-checkout", "node_modules", ".bin", "tslab");
    const { env } = userDirWith(other);
    const result = lab(env);
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toContain("from another checkout");
    expect(result.stderr).toContain(fix);
  });
});
