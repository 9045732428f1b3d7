// `npm run bench`: trains and runs the three benchmark models on every tfjs backend that loads here and on
// PyTorch (1 thread and all threads), prints the comparison table and writes build/bench.json.
// Options: see USAGE in harness.ts (`npm run bench -- --help`).
import * as path from "path";
import { USAGE, formatTable, parseArgs, runBench } from "./harness";

async function main(): Promise<number> {
  let opts;
  try {
    opts = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    return 2;
  }
  if (opts.help) {
    console.log(USAGE);
    return 0;
  }
  console.log(
    `tinyml-course benchmark: models ${opts.models.join(", ")}; backends ${opts.backends.join(", ")}` +
      `${opts.torch ? " + PyTorch 1 thread / all threads" : " (no PyTorch)"}${opts.quick ? "; QUICK run, rough numbers" : ""}`,
  );
  console.log("this takes a few minutes (the cpu backend alone needs ~2); progress follows.\n");
  const report = await runBench(opts);
  console.log("\n" + formatTable(report));
  if (opts.jsonPath) {
    const rel = path.relative(process.cwd(), opts.jsonPath);
    console.log(`\nwrote ${rel.startsWith("..") ? opts.jsonPath : rel}`);
  }
  if (report.problems.length) return 1;
  if (opts.strict && (report.rows.some((r) => r.verdict === "BELOW") || report.int8?.rows.some((r) => r.verdict === "BELOW"))) return 1;
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.stack : String(err));
    process.exit(1);
  },
);
