// Runs after `npm install` / `npm ci`: registers the project's tslab kernel with Jupyter when there is one.
//
// This must never break an install (a learner without Python must still be able to `npm start`), so every
// failure is reported as a note and the process always exits 0. It also has to be quick: it only probes a
// few Pythons with short timeouts. Set TINYML_SKIP_KERNEL_REGISTER=1 to skip it (e.g. in Docker builds).

import { ensureTslabKernel, findJupyterPythons, installInstructions } from "./jupyter";

const PREFIX = "tinyml-course:";

function main(): void {
  if (process.env.TINYML_SKIP_KERNEL_REGISTER === "1") {
    console.log(`${PREFIX} TINYML_SKIP_KERNEL_REGISTER=1, not registering the tslab kernel with Jupyter`);
    return;
  }
  const pythons = findJupyterPythons();
  if (pythons.length === 0) {
    console.log(`${PREFIX} Jupyter was not found (no Python here can import jupyter_client).`);
    console.log("  `npm start` runs the notebooks and serves the course book without it.");
    console.log(installInstructions().replace(/^/gm, "  "));
    return;
  }
  // Register with every Jupyter found: a learner may start either (Debian's or the pip one on PATH).
  for (const python of pythons) {
    try {
      const check = ensureTslabKernel(python.command);
      console.log(`${PREFIX} ${check.message}`);
      if (check.warning) console.log(`${PREFIX} warning: ${check.warning}`);
    } catch (error) {
      console.log(`${PREFIX} could not register the tslab kernel with ${python.command}: ${(error as Error).message}`);
      console.log(installInstructions().replace(/^/gm, "  "));
    }
  }
}

try {
  main();
} catch (error) {
  console.log(`${PREFIX} skipped the Jupyter kernel registration: ${(error as Error).message}`);
}
process.exit(0);
