// Command-line options of `npm start` (course-lib/tools/start.ts), kept apart so tests can check them
// without loading the book renderer.

export interface StartArgs {
  serve: boolean;
  only: string[];
  force: boolean;
  port: number | undefined;
  cellTimeoutMs: number | undefined;
}

const USAGE = `usage: npm start [-- options]
  --no-serve          build the notebooks and the book, do not start the web server
  --only <prefix>     run only notebooks whose name starts with <prefix> (repeatable, or comma-separated)
  --force             re-run notebooks even if nothing changed
  --port <n>          serve on this port (default 8808, or a free port if taken)
  --cell-timeout <s>  stop a cell that runs longer than this many seconds (default 600)
  --help              show this help`;

export function parseStartArgs(argv: string[]): StartArgs {
  const args: StartArgs = { serve: true, only: [], force: false, port: undefined, cellTimeoutMs: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const [flag, inlineValue] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inlineValue ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case "--no-serve":
        args.serve = false;
        break;
      case "--force":
        args.force = true;
        break;
      case "--only":
        args.only.push(...value().split(",").map((s) => s.trim()).filter(Boolean));
        break;
      case "--port": {
        const raw = value();
        const port = Number(raw);
        if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port ${raw}: expected a port number 0-65535`);
        args.port = port;
        break;
      }
      case "--cell-timeout": {
        const raw = value();
        const seconds = Number(raw);
        if (!(seconds > 0)) throw new Error(`--cell-timeout ${raw}: expected a positive number of seconds`);
        args.cellTimeoutMs = seconds * 1000;
        break;
      }
      case "--help":
      case "-h":
        console.log(USAGE);
        process.exit(0);
      // falls through (process.exit does not return)
      default:
        throw new Error(`unknown option ${arg}\n${USAGE}`);
    }
  }
  return args;
}
