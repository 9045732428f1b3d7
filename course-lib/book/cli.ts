// Render (and optionally serve or screenshot) a book from already-executed notebooks:
//   npx tsx course-lib/book/cli.ts <executedDir> <outDir> [--serve [port]] [--screenshot <file.png>]
// `npm start` executes the notebooks and does this for you; this is for instructors publishing a book
// from notebooks executed elsewhere (e.g. CI artifacts).
import * as path from "node:path";
import { screenshot } from "./chromium";
import { renderBook } from "./render";
import { serveBook } from "./serve";

function usage(message?: string): never {
  if (message) console.error(message);
  console.error("usage: npx tsx course-lib/book/cli.ts <executedDir> <outDir> [--serve [port]] [--screenshot <file.png>]");
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  const positional: string[] = [];
  let serve = false;
  let port: number | undefined;
  let shot: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--serve") {
      serve = true;
      if (argv[i + 1] !== undefined && /^\d+$/.test(argv[i + 1])) port = Number(argv[++i]);
    } else if (arg === "--screenshot") {
      shot = argv[++i] ?? usage("--screenshot needs a file name");
    } else if (arg.startsWith("--")) {
      usage(`unknown option ${arg}`);
    } else positional.push(arg);
  }
  if (positional.length !== 2) usage();
  const [executedDir, outDir] = positional;
  const book = await renderBook({ executedDir, outDir });
  for (const e of book.entries) {
    const status = e.run?.status === "failed" ? "  FAILED RUN" : e.errors ? `  ${e.errors} error output(s)` : "";
    console.log(`  ${e.name}.html  ${e.heading}${status}`);
  }
  console.log(`book: ${book.index}`);
  if (!serve && !shot) return;
  const server = await serveBook(outDir, port);
  if (shot) {
    await screenshot(server.url, path.resolve(shot));
    console.log(`screenshot of the index: ${path.resolve(shot)}`);
  }
  if (!serve) return server.close();
  console.log(`serving ${path.resolve(outDir)} at ${server.url} (Ctrl-C to stop)`);
  process.on("SIGINT", () => void server.close().then(() => process.exit(0)));
}

main(process.argv.slice(2)).catch((error: Error) => {
  console.error(error.message);
  process.exit(1);
});
