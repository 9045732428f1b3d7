// `npm run lab`: open the course notebooks in Jupyter (JupyterLab, or the classic Notebook) on 127.0.0.1.
//
// It picks a Python that has a Jupyter front end, makes sure the tslab kernel is registered so that it
// also starts outside npm (as postinstall does: a missing or broken kernelspec is re-registered with the
// absolute --binary, another checkout's is kept with a warning giving the command), and starts Jupyter rooted at the project (so exercises/ can be edited next to the
// notebooks) with notebooks/ open. Without Jupyter it explains how to install it and exits 1.
// Extra arguments are passed to Jupyter, e.g. `npm run lab -- --port 8890 --no-browser`.

import { spawn } from "child_process";
import * as path from "path";
import { PROJECT_ROOT } from "../notebook/kernel";
import { ensureTslabKernel, findJupyterPythons, installInstructions, JupyterPython } from "./jupyter";

interface FrontEnd {
  python: JupyterPython;
  label: string;
  args: string[];
}

/** The best front end available: JupyterLab, then Notebook 7 (on jupyter_server), then Notebook 6 / nbclassic. */
export function chooseFrontEnd(pythons: JupyterPython[]): FrontEnd | undefined {
  const major = (version: string | undefined) => Number((version ?? "0").split(".")[0]) || 0;
  for (const python of pythons) {
    if (python.modules.jupyterlab)
      return {
        python,
        label: `JupyterLab ${python.modules.jupyterlab}`,
        args: ["-m", "jupyterlab", "--ServerApp.ip=127.0.0.1", "--ServerApp.default_url=/lab/tree/notebooks"],
      };
  }
  for (const python of pythons) {
    const version = python.modules.notebook;
    if (version && major(version) >= 7)
      return {
        python,
        label: `Jupyter Notebook ${version}`,
        args: ["-m", "notebook", "--ServerApp.ip=127.0.0.1", "--ServerApp.default_url=/tree/notebooks"],
      };
    if (version)
      return {
        python,
        label: `Jupyter Notebook ${version}`,
        args: ["-m", "notebook", "--NotebookApp.ip=127.0.0.1", "--NotebookApp.default_url=/tree/notebooks"],
      };
    if (python.modules.nbclassic)
      return {
        python,
        label: `Jupyter nbclassic ${python.modules.nbclassic}`,
        args: ["-m", "nbclassic", "--ServerApp.ip=127.0.0.1", "--ServerApp.default_url=/tree/notebooks"],
      };
  }
  return undefined;
}

function main(): void {
  const pythons = findJupyterPythons();
  const frontEnd = chooseFrontEnd(pythons);
  if (!frontEnd) {
    if (pythons.length > 0)
      console.error(
        `Found Jupyter's kernel tools in ${pythons.map((p) => p.command).join(", ")}, but no JupyterLab or Notebook front end.`,
      );
    else console.error("Jupyter was not found on this machine (no Python here can import jupyter_client).");
    console.error(installInstructions());
    process.exit(1);
  }
  const python = frontEnd.python.command;
  try {
    const check = ensureTslabKernel(python);
    console.log(check.message);
    if (check.warning) console.error(`warning: ${check.warning}`);
  } catch (error) {
    console.error(`Could not register the tslab kernel with ${python}: ${(error as Error).message}`);
    console.error(installInstructions());
    process.exit(1);
  }
  const args = [...frontEnd.args, ...process.argv.slice(2)];
  // Jupyter refuses to run as root unless told; root is common in workshop containers.
  if (process.getuid?.() === 0 && !args.includes("--allow-root")) args.push("--allow-root");
  console.log(`Starting ${frontEnd.label}: ${python} ${args.join(" ")}`);
  console.log(`Notebooks: ${path.join(PROJECT_ROOT, "notebooks")} (pick the "TypeScript" kernel if asked)`);
  const child = spawn(python, args, { cwd: PROJECT_ROOT, stdio: "inherit" });
  // Ctrl-C reaches Jupyter directly (same terminal); we only wait for it and pass on its exit status.
  process.on("SIGINT", () => {});
  child.on("error", (error) => {
    console.error(`could not start ${python}: ${error.message}`);
    process.exit(1);
  });
  child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

if (require.main === module) main();
