// Finds a Python Jupyter on this machine and registers the project's tslab kernel with it.
//
// Shared by postinstall.ts (register the kernel at `npm install`), lab.ts (`npm run lab`) and the
// notebook cross-check test (nbconvert). There can be several Pythons (Debian's /usr/bin/python3, a
// pyenv or venv python3 on PATH, the one behind a pipx `jupyter`): we ask each one whether it can import
// jupyter_client and which front ends it has. The kernelspec we register runs this project's
// node_modules/.bin/tslab by its absolute path, so no global tslab is needed and the kernel starts from
// any shell (a bare `tslab` is on PATH only inside `npm run`, which puts node_modules/.bin there).

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
export function which(name: string, pathValue = process.env.PATH ?? ""): string | undefined {
  for (const dir of pathValue.split(path.delimiter)) {
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
export function registerTslabKernel(
  python: string,
  target: RegisterTarget,
  root = PROJECT_ROOT,
  env?: NodeJS.ProcessEnv,
): void {
  const binary = projectTslabBinary(root);
  if (!fs.existsSync(binary)) throw new Error(`${binary} is missing: run npm install first`);
  const cli = path.join(path.dirname(require.resolve("tslab/package.json", { paths: [root] })), "bin", "tslab");
  const args = [cli, "install", `--python=${python}`, `--binary=${binary}`];
  if ("user" in target) args.push("--user");
  else args.push(`--prefix=${target.prefix}`);
  const result = run(process.execPath, args, 20000, env);
  if (result.status !== 0)
    throw new Error(
      `tslab install with ${python} failed (exit ${result.status ?? result.signal}): ${(result.stderr + result.stdout || result.error?.message || "").trim()}`,
    );
}

/**
 * The command that registers this checkout's tslab for `python`, as a learner types it. The binary is an
 * absolute path, so the kernel starts whatever PATH Jupyter (or VS Code) was launched with; `--user`
 * because tslab installs system-wide when run as root, where a stale per-user kernelspec would still win.
 */
export function registerCommand(python: string, root = PROJECT_ROOT): string {
  const binary = projectTslabBinary(root);
  return `${binary} install --python=${python} --binary=${binary} --user`;
}

export type RegistrationState =
  | { state: "ours"; spec: KernelSpecInfo }
  /** A tslab outside any node_modules (e.g. `npm install -g tslab`): it hands over to this project's. */
  | { state: "other-working"; spec: KernelSpecInfo }
  /** Another checkout's node_modules/.bin/tslab: works only while that checkout stays where it is. */
  | { state: "other-checkout"; spec: KernelSpecInfo }
  /** The launcher cannot start from a plain shell; `reason` says why. */
  | { state: "broken"; spec: KernelSpecInfo; reason: string }
  | { state: "missing" };

/** A launcher's directory is npm's `node_modules/.bin`, which npm puts on PATH only inside `npm run`. */
function isNodeModulesBin(dir: string): boolean {
  return path.basename(dir) === ".bin" && path.basename(path.dirname(dir)) === "node_modules";
}

/**
 * Where a bare command resolves on PATH once npm's node_modules/.bin entries are removed: the PATH of the
 * shell a learner starts `jupyter notebook` or VS Code from (npm run lab itself runs with them added).
 */
export function whichOutsideNpm(name: string, pathValue = process.env.PATH ?? ""): string | undefined {
  const plain = pathValue.split(path.delimiter).filter((dir) => dir && !isNodeModulesBin(path.resolve(dir)));
  return which(name, plain.join(path.delimiter));
}

/** Is a tslab kernel registered for this python, and does it start this project's tslab from any shell? */
export function tslabRegistration(python: string, env?: NodeJS.ProcessEnv, root = PROJECT_ROOT): RegistrationState {
  const spec = listKernelSpecs(python, env).find((s) => s.name === "tslab");
  if (!spec) return { state: "missing" };
  const launcher = spec.argv[0] ?? "";
  if (!launcher) return { state: "broken", spec, reason: "its kernel.json has an empty argv" };
  if (!path.isAbsolute(launcher)) {
    // A bare `tslab` (what `tslab install` writes without --binary) is found only where PATH has it:
    // inside `npm run` that is node_modules/.bin, so it works from `npm run lab` and nowhere else.
    const found = whichOutsideNpm(launcher, env?.PATH ?? process.env.PATH);
    if (found) return { state: "other-working", spec };
    return {
      state: "broken",
      spec,
      reason:
        `it runs the bare command "${launcher}", which is not on PATH outside \`npm run\` ` +
        `(Jupyter or VS Code started from a shell fail with FileNotFoundError: '${launcher}')`,
    };
  }
  if (path.resolve(launcher) === projectTslabBinary(root)) return { state: "ours", spec };
  if (!fs.existsSync(launcher)) return { state: "broken", spec, reason: `its launcher ${launcher} does not exist` };
  // Another tslab works: tslab hands over to the tslab in the notebook's node_modules when it finds one.
  if (isNodeModulesBin(path.dirname(path.resolve(launcher)))) return { state: "other-checkout", spec };
  return { state: "other-working", spec };
}

/** What ensureTslabKernel found and did; `warning` is set when the learner should act. */
export interface KernelCheck {
  message: string;
  warning?: string;
}

/**
 * Makes sure a tslab kernelspec that starts from any shell is registered (user-level): registers it when
 * there is none or the registered one cannot start, keeps a working one, and warns (with the exact command
 * to run) when it belongs to another checkout.
 */
export function ensureTslabKernel(python: string, root = PROJECT_ROOT, env?: NodeJS.ProcessEnv): KernelCheck {
  const before = tslabRegistration(python, env, root);
  const fix = registerCommand(python, root);
  if (before.state === "ours") return { message: `the tslab kernel is registered (${before.spec.resourceDir})` };
  if (before.state === "other-working")
    return { message: `a tslab kernel is already registered (${before.spec.argv[0]} in ${before.spec.resourceDir}); kept it` };
  if (before.state === "other-checkout")
    return {
      message: `a tslab kernel is registered (${before.spec.resourceDir}); kept it`,
      warning:
        `the registered tslab kernel starts ${before.spec.argv[0]}, from another checkout: it stops working ` +
        `if that folder moves or is deleted. To register this checkout's kernel instead, run:\n  ${fix}`,
    };
  const problem =
    before.state === "broken"
      ? `the registered tslab kernel (${path.join(before.spec.resourceDir, "kernel.json")}) cannot start: ${before.reason}`
      : undefined;
  try {
    registerTslabKernel(python, { user: true }, root, env);
  } catch (error) {
    throw new Error(`${problem ? `${problem}; ` : ""}${(error as Error).message}. To register it by hand, run:\n  ${fix}`);
  }
  const after = tslabRegistration(python, env, root);
  if (after.state !== "ours")
    throw new Error(
      `registered the tslab kernel with ${python}, but \`jupyter kernelspec list\` then shows ` +
        `${after.state === "missing" ? "no tslab kernel" : `tslab running ${after.spec.argv[0]} in ${after.spec.resourceDir}`}` +
        ` (a kernelspec earlier on JUPYTER_PATH wins): remove that one, then run:\n  ${fix}`,
    );
  const done = `registered the tslab kernel for ${python} (${after.spec.resourceDir}, runs ${after.spec.argv[0]})`;
  return { message: problem ? `${problem}; ${done}, as this command does:\n  ${fix}` : done };
}

/** How to get Jupyter and the kernel by hand, for messages when none is found. */
export function installInstructions(root = PROJECT_ROOT): string {
  const binary = path.relative(process.cwd(), projectTslabBinary(root)) || projectTslabBinary(root);
  return [
    "To use the notebooks in Jupyter, install Jupyter and register the TypeScript (tslab) kernel:",
    "  pip install jupyterlab                          # any OS (or: pipx install jupyterlab)",
    "  sudo apt-get install jupyter-notebook           # Debian/Ubuntu (classic Notebook 6)",
    "then register the kernel (npm install does this automatically when it finds Jupyter):",
    `  npx tslab install --python=python3 --binary=${projectTslabBinary(root)} --user`,
    `  jupyter kernelspec list                         # should list "tslab"`,
    "(--binary must be that absolute path: a kernel registered as a bare `tslab` starts only inside `npm run`.)",
    "and start it with: npm run lab",
    `(You do not need Jupyter for \`npm start\`: it runs the notebooks itself with ${binary}.)`,
  ].join("\n");
}
