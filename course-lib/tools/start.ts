// `npm start`: execute every course notebook with the tslab kernel, render the book, and serve it locally.
//
// Usage: npm start [-- --no-serve] [--only 00] [--force] [--port 8000] [--cell-timeout 600]
// Executed copies go to build/notebooks/ (unchanged notebooks are skipped, see course-lib/notebook/build.ts),
// the book to build/book/. A failing notebook does not stop the others: its page shows the error and the
// command exits non-zero at the end. Nothing in notebooks/ or exercises/ is ever written.

import * as fs from "fs";
import * as path from "path";
import { buildNotebooks, BuildEvent, NotebookBuildResult } from "../notebook/build";
import { NotebookError } from "../notebook/execute";
import { PROJECT_ROOT } from "../notebook/kernel";
import { renderBook } from "../book/render";
import { serveBook } from "../book/serve";
import { parseStartArgs } from "./start-args";

/** Progress lines: in a terminal one line per notebook updated in place, otherwise one line per cell. */
function progressPrinter(): (event: BuildEvent) => void {
  const tty = process.stdout.isTTY === true;
  let notebookStarted = 0;
  let liveLine = false;
  const clearLive = () => {
    if (liveLine) process.stdout.write("\r\x1b[K");
    liveLine = false;
  };
  const seconds = (s: number) => `${s.toFixed(1)} s`;
  return (event) => {
    switch (event.type) {
      case "skipped":
        clearLive();
        console.log(`[${event.name}] unchanged, skipped`);
        break;
      case "start":
        clearLive();
        notebookStarted = Date.now();
        console.log(`[${event.name}] starting the tslab kernel (notebook ${event.index + 1}/${event.count})`);
        break;
      case "cell": {
        const elapsed = seconds((Date.now() - notebookStarted) / 1000);
        const line = `[${event.name}] cell ${event.cell}/${event.total} ${event.firstLine}  (${elapsed})`;
        if (tty) {
          const width = process.stdout.columns || 100;
          process.stdout.write("\r\x1b[K" + (line.length > width - 1 ? line.slice(0, width - 2) + "…" : line));
          liveLine = true;
        } else console.log(line);
        break;
      }
      case "done":
        clearLive();
        console.log(
          `[${event.name}] ok: ${event.codeCells} code cells in ${seconds(event.seconds)} -> ${path.relative(process.cwd(), event.outPath)}`,
        );
        break;
      case "failed":
        clearLive();
        console.error(`[${event.name}] FAILED after ${seconds(event.seconds)}: ${describeFailure(event.error)}`);
        break;
    }
  };
}

function describeFailure(error: Error): string {
  if (error instanceof NotebookError)
    return error.cellNumber > 0
      ? `${error.notebookName}, cell ${error.cellNumber} (\`${error.cellFirstLine}\`)\n    ${error.errorText.split("\n").join("\n    ")}`
      : `${error.notebookName}: ${error.errorText}`;
  return error.message;
}

function summarize(results: NotebookBuildResult[]): void {
  const count = (status: NotebookBuildResult["status"]) => results.filter((r) => r.status === status).length;
  console.log(`notebooks: ${count("executed")} executed, ${count("skipped")} unchanged, ${count("failed")} failed`);
  for (const failed of results.filter((r) => r.status === "failed"))
    console.error(`  FAILED ${failed.name}: ${describeFailure(failed.error!)}`);
}

async function main(): Promise<number> {
  const args = parseStartArgs(process.argv.slice(2));
  const root = PROJECT_ROOT;
  const executedDir = path.join(root, "build", "notebooks");
  const bookDir = path.join(root, "build", "book");

  let stopRequested = false;
  const onInterrupt = () => {
    if (stopRequested) process.exit(130); // second Ctrl-C: leave now (the exit hook kills the kernel)
    stopRequested = true;
    console.error("\nstopping after the current notebook (Ctrl-C again to quit now)");
  };
  process.on("SIGINT", onInterrupt);

  const results = await buildNotebooks({
    root,
    outDir: executedDir,
    only: args.only,
    force: args.force,
    cellTimeoutMs: args.cellTimeoutMs,
    onEvent: progressPrinter(),
    shouldStop: () => stopRequested,
  });
  if (results.length === 0) console.log(`no notebooks found in ${path.join(root, "notebooks")}`);
  summarize(results);
  if (stopRequested) return 130;
  const failed = results.some((r) => r.status === "failed");

  // The book is rendered from whatever executed: a failed notebook's page shows its error cell.
  if (!fs.existsSync(executedDir) || !fs.readdirSync(executedDir).some((f) => f.endsWith(".ipynb"))) {
    console.error(`no executed notebooks in ${executedDir}: nothing to put in the book`);
    return 1;
  }
  const book = await renderBook({ executedDir, outDir: bookDir });
  console.log(`book: ${book.pages.length} pages in ${path.relative(process.cwd(), bookDir) || bookDir}`);
  if (!args.serve) return failed ? 1 : 0;

  process.removeListener("SIGINT", onInterrupt);
  const server = await serveBook(bookDir, args.port);
  console.log(`\nThe course book is at ${server.url}  (Ctrl-C to stop)`);
  if (failed) console.error("Some notebooks failed (see above); their pages show the error.");
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await server.close();
  return failed ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (error: Error) => {
      console.error(`npm start failed: ${error.message}`);
      process.exit(1);
    },
  );
}
