// Finds a Python Jupyter on this machine and registers the project's tslab kernel with it.
//
// Shared by postinstall.ts (register the kernel at `npm install`), lab.ts (`npm run lab`) and the
// notebook cross-check test (nbconvert). There can be several Pythons (Debian's /usr/bin/python3, a
// pyenv or venv python3 on PATH, the one behind a pipx `jupyter`): we ask each one whether it can import
// jupyter_client and which front ends it has. The kernelspec we register runs this project's
// node_modules/.bin/tslab, so no global tslab is needed.

import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { PROJECT_ROOT } from "../notebook/kernel";

export interface JupyterPython {
  /** The command we ran (e.g. "/usr/bin/python3"). */
  command: string;
  /** sys.executable, resolved. */
  executable: string;
  jupyterClientVersion: string;
  /** Importable front ends and tools, with versions: jupyterlab, notebook, nbclassic, nbconvert, nbclient. */
  modules: Record<string, string>;
}

export interface KernelSpecInfo {
  name: string;
  resourceDir: string;
  argv: string[];
}

/** The tslab launcher npm creates in this project. */
export function projectTslabBinary(root = PROJECT_ROOT): string {
  return path.join(root, "node_modules", ".bin", "tslab");
}

// find_spec + package metadata instead of importing: importing nbconvert or jupyterlab takes seconds.
const PROBE = `
import importlib.util, json, os, sys
from importlib import metadata
import jupyter_client
mods = {}
for module, dist in (("jupyterlab", "jupyterlab"), ("notebook", "notebook"), ("nbclassic", "nbclassic"),
                     ("nbconvert", "nbconvert"), ("nbclient", "nbclient"), ("jupyter_core", "jupyter_core")):
    if importlib.util.find_spec(module) is not None:
        try:
            mods[module] = metadata.version(dist)
        except Exception:
            mods[module] = "?"
print(json.dumps({"executable": os.path.realpath(sys.executable), "jupyter_client": jupyter_client.__version__, "modules": mods}))
`;

function run(command: string, args: string[], timeoutMs: number, env?: NodeJS.ProcessEnv) {
  return spawnSync(command, args, {
    encoding: "utf8",
    timeout: timeoutMs,
    env: { ...process.env, PYDEVD_DISABLE_FILE_VALIDATION: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
}

/** Absolute path of `name` on PATH, or undefined. */
export function which(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      /* not here */
    }
  }
  return undefined;
}

/** The interpreter named in a script's "#!" line (how pip/pipx `jupyter` scripts point at their Python). */
function shebangInterpreter(script: string): string | undefined {
  try {
    const fd = fs.openSync(script, "r");
    const buffer = Buffer.alloc(256);
    fs.readSync(fd, buffer, 0, 256, 0);
    fs.closeSync(fd);
    const first = buffer.toString("utf8").split("\n")[0];
    if (!first.startsWith("#!")) return undefined;
    const parts = first.slice(2).trim().split(/\s+/);
    if (parts[0].endsWith("/env")) return parts[1];
    return parts[0];
  } catch {
    return undefined;
  }
}

/** Python commands worth asking, most likely first: Debian's, PATH's, and those behind `jupyter*` scripts. */
export function candidatePythons(): string[] {
  // An explicit choice wins outright (also how tests simulate a machine without Jupyter).
  const chosen = process.env.TINYML_JUPYTER_PYTHON;
  if (chosen) return chosen.includes(path.sep) && !fs.existsSync(chosen) ? [] : [chosen];
  const candidates = ["/usr/bin/python3"];
  for (const name of ["jupyter", "jupyter-lab", "jupyter-notebook"]) {
    const script = which(name);
    const interpreter = script && shebangInterpreter(script);
    if (interpreter && /python/.test(path.basename(interpreter))) candidates.push(interpreter);
  }
  for (const name of ["python3", "python"]) {
    const found = which(name);
    if (found) candidates.push(found);
  }
  return [...new Set(candidates)].filter((c) => c.includes(path.sep) ? fs.existsSync(c) : true);
}

/** Asks one python whether it has Jupyter; undefined when it does not (or is not a python at all). */
export function probePython(command: string, timeoutMs = 8000): JupyterPython | undefined {
  const result = run(command, ["-c", PROBE], timeoutMs);
  if (result.status !== 0 || !result.stdout) return undefined;
  try {
    const line = result.stdout.trim().split("\n").pop()!;
    const info = JSON.parse(line) as { executable: string; jupyter_client: string; modules: Record<string, string> };
    return { command, executable: info.executable, jupyterClientVersion: info.jupyter_client, modules: info.modules };
  } catch {
    return undefined;
  }
}

/** Every distinct Python on this machine that has jupyter_client, most likely first. */
export function findJupyterPythons(): JupyterPython[] {
  const found: JupyterPython[] = [];
  const seen = new Set<string>();
  for (const command of candidatePythons()) {
    const info = probePython(command);
    if (info && !seen.has(info.executable)) {
      seen.add(info.executable);
      found.push(info);
    }
  }
  return found;
}

/** The kernelspecs that python's Jupyter sees (`jupyter kernelspec list --json`). */
export function listKernelSpecs(python: string, env?: NodeJS.ProcessEnv): KernelSpecInfo[] {
  const result = run(python, ["-m", "jupyter", "kernelspec", "list", "--json"], 15000, env);
  if (result.status !== 0)
    throw new Error(
      `${python} -m jupyter kernelspec list failed (exit ${result.status ?? result.signal}): ${(result.stderr || result.error?.message || "").trim().split("\n").slice(-3).join(" ")}`,
    );
  const parsed = JSON.parse(result.stdout) as {
    kernelspecs: Record<string, { resource_dir: string; spec: { argv: string[] } }>;
  };
  return Object.entries(parsed.kernelspecs).map(([name, spec]) => ({
    name,
    resourceDir: spec.resource_dir,
    argv: spec.spec.argv,
  }));
}

export type RegisterTarget = { user: true } | { prefix: string };

/**
 * Runs `tslab install --python=<python> --binary=<project tslab>` (user-level or into a prefix).
 * tslab's installer writes both the "tslab" (TypeScript) and "jslab" (JavaScript) kernelspecs.
 */
export function registerTslabKernel(python: string, target: RegisterTarget, root = PROJECT_ROOT): void {
  const binary = projectTslabBinary(root);
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run npm install first`);
  const cli = path.join(path.dirname(require.resolve("tslab/package.json", { paths: [root] })), "bin", "tslab");
  const args = [cli, "install", `--python=${python}`, `--binary=${binary}`];
  if ("user" in target) args.push("--user");
  else args.push(`--prefix=${target.prefix}`);
  const result = run(process.execPath, args, 20000);
  if (result.status !== 0)
    throw new Error(
      `tslab install with ${python} failed (exit ${result.status ?? result.signal}): ${(result.stderr + result.stdout || result.error?.message || "").trim()}`,
    );
}

export type RegistrationState =
  | { state: "ours"; spec: KernelSpecInfo }
  | { state: "other-working"; spec: KernelSpecInfo }
  | { state: "broken"; spec: KernelSpecInfo }
  | { state: "missing" };

function commandExists(command: string): boolean {
  if (command.includes(path.sep)) return fs.existsSync(command);
  return which(command) !== undefined;
}

/** Is a tslab kernel registered for this python, and does it start this project's tslab? */
export function tslabRegistration(python: string, env?: NodeJS.ProcessEnv, root = PROJECT_ROOT): RegistrationState {
  const spec = listKernelSpecs(python, env).find((s) => s.name === "tslab");
  if (!spec) return { state: "missing" };
  const launcher = spec.argv[0] ?? "";
  if (path.resolve(launcher) === projectTslabBinary(root)) return { state: "ours", spec };
  // Another tslab (e.g. a global one) works too: tslab hands over to the tslab in the notebook's
  // node_modules when it finds one, so we leave the learner's own registration alone.
  if (launcher && commandExists(launcher)) return { state: "other-working", spec };
  return { state: "broken", spec };
}

/** Makes sure a working tslab kernelspec is registered (user-level); returns a sentence saying what it did. */
export function ensureTslabKernel(python: string, root = PROJECT_ROOT): string {
  const before = tslabRegistration(python, undefined, root);
  if (before.state === "ours") return `the tslab kernel is registered (${before.spec.resourceDir})`;
  if (before.state === "other-working")
    return `a tslab kernel is already registered (${before.spec.argv[0]} in ${before.spec.resourceDir}); kept it`;
  registerTslabKernel(python, { user: true }, root);
  const after = tslabRegistration(python, undefined, root);
  if (after.state !== "ours")
    throw new Error(
      `registered the tslab kernel with ${python}, but \`jupyter kernelspec list\` then shows ${after.state === "missing" ? "no tslab kernel" : `tslab running ${after.spec.argv[0]}`}`,
    );
  return `registered the tslab kernel for ${python} (${after.spec.resourceDir}, runs ${after.spec.argv[0]})`;
}

/** How to get Jupyter and the kernel by hand, for messages when none is found. */
export function installInstructions(root = PROJECT_ROOT): string {
  const binary = path.relative(process.cwd(), projectTslabBinary(root)) || projectTslabBinary(root);
  return [
    "To use the notebooks in Jupyter, install Jupyter and register the TypeScript (tslab) kernel:",
    "  pip install jupyterlab                          # any OS (or: pipx install jupyterlab)",
    "  sudo apt-get install jupyter-notebook           # Debian/Ubuntu (classic Notebook 6)",
    "then register the kernel (npm install does this automatically when it finds Jupyter):",
    `  npx tslab install --python=python3 --binary=${projectTslabBinary(root)}`,
    `  jupyter kernelspec list                         # should list "tslab"`,
    "and start it with: npm run lab",
    `(You do not need Jupyter for \`npm start\`: it runs the notebooks itself with ${binary}.)`,
  ].join("\n");
}
