// Where lesson 10's C library lives and which of its files a build compiles: the one list shared by the host
// build (host.ts, the tests) and the firmware build (build.ts). Kernel files are found by globbing
// kernels/reference/*.c and kernels/optimized/*.c, so a new kernel file is picked up without editing a list.
//
// A "reference" build compiles the reference kernels only. An "optimized" build adds kernels/optimized/*.c
// and defines NN_KERNELS_OPTIMIZED=1, which routes the MAC-heavy names of nn_kernels.h to the optimized set;
// the optimized kernels fall back to the reference ones for shapes they do not handle, so both sets link.
import { existsSync, readdirSync, realpathSync } from "fs";
import { join, resolve } from "path";

export type KernelSet = "reference" | "optimized";

export const KERNEL_SETS: readonly KernelSet[] = ["reference", "optimized"];

/** course-lib/deploy/c, resolved through links (a notebook reaches course-lib through notebooks/course-lib). */
export const C_LIBRARY_DIR = resolve(realpathSync(__dirname));

/** The repository root, through the real path: under tslab course-lib is reached via notebooks/course-lib, a
 * symlink, and builds must still land in the repository's build/ (one object cache, stable paths). */
export const REPO_ROOT = resolve(C_LIBRARY_DIR, "..", "..", "..");

/** Header folders every build puts on the include path: nn_kernels.h, fixed_point.h, nn_simd.h; platform.h. */
export const C_INCLUDE_DIRS: readonly string[] = [C_LIBRARY_DIR, join(C_LIBRARY_DIR, "firmware")];

/** The application every build links: runs the compiled-in test inputs and prints the UART protocol. */
export const APP_SOURCE = join(C_LIBRARY_DIR, "firmware", "app.c");

/** The host platform (stdout, exit status) that host builds link instead of a board's startup and UART. */
export const HOST_PLATFORM_SOURCE = join(C_LIBRARY_DIR, "firmware", "host_platform.c");

export function checkKernelSet(kernels: unknown, what = "kernels"): KernelSet {
  if (kernels === "reference" || kernels === "optimized") return kernels;
  throw new RangeError(`${what} must be "reference" or "optimized", got ${JSON.stringify(kernels)}`);
}

function cFilesIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith(".c"))
    .sort()
    .map((f) => join(dir, f));
}

/** The kernel .c files a build of `kernels` compiles (absolute paths, sorted). */
export function kernelSources(kernels: KernelSet): string[] {
  checkKernelSet(kernels);
  const reference = cFilesIn(join(C_LIBRARY_DIR, "kernels", "reference"));
  if (reference.length === 0) throw new Error(`no reference kernels found in ${join(C_LIBRARY_DIR, "kernels", "reference")}`);
  return kernels === "reference" ? reference : [...reference, ...cFilesIn(join(C_LIBRARY_DIR, "kernels", "optimized"))];
}

/** Every header of the library (c/, firmware/, kernels/ and below; not tests/ or tools/), sorted: what a build
 * may include, so what a cache of compiled objects must hash. */
export function libraryHeaders(): string[] {
  const headersIn = (dir: string, recursive: boolean): string[] =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
          const path = join(dir, entry.name);
          if (entry.isDirectory()) return recursive ? headersIn(path, true) : [];
          return entry.name.endsWith(".h") ? [path] : [];
        })
      : [];
  return [
    ...headersIn(C_LIBRARY_DIR, false),
    ...headersIn(join(C_LIBRARY_DIR, "firmware"), false),
    ...headersIn(join(C_LIBRARY_DIR, "kernels"), true),
  ].sort();
}

/** The preprocessor definitions of a kernel set (and of the debug build that dumps every tensor). */
export function kernelDefines(kernels: KernelSet, debug = false): string[] {
  checkKernelSet(kernels);
  return [...(kernels === "optimized" ? ["-DNN_KERNELS_OPTIMIZED=1"] : []), ...(debug ? ["-DNN_DEBUG_DUMP=1"] : [])];
}
