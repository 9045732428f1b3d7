// Serves a rendered book (or any folder) over HTTP on 127.0.0.1 only, so learners can open it in a browser
// without exposing their machine; static files only, no path may resolve outside the folder.
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";

/** Port tried first when none is given; if it is taken we fall back to any free port. */
export const DEFAULT_BOOK_PORT = 8808;

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".htm": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".ipynb": "application/x-ipynb+json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".md": "text/markdown; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".gif": "image/gif",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".wasm": "application/wasm",
  ".woff2": "font/woff2",
  ".pdf": "application/pdf",
};

export interface BookServer {
  /** e.g. "http://127.0.0.1:8808/" */
  url: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `dir` on 127.0.0.1. port: a number to require exactly that port (0 = any free port); omitted:
 * try 8808 and fall back to a free port if it is in use.
 */
export async function serveBook(dir: string, port?: number): Promise<BookServer> {
  const root = fs.realpathSync(path.resolve(dir));
  if (!fs.statSync(root).isDirectory()) throw new Error(`serveBook: ${dir} is not a directory`);
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65535)) {
    throw new Error(`serveBook: port must be an integer 0..65535, got ${port}`);
  }
  const server = http.createServer((req, res) => {
    handle(root, req, res).catch((error: Error) => {
      if (!res.headersSent) send(res, 500, "text/plain; charset=utf-8", `internal error: ${error.message}\n`);
      else res.destroy();
    });
  });
  let bound: number;
  if (port === undefined) {
    try {
      bound = await listen(server, DEFAULT_BOOK_PORT);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EADDRINUSE") throw error;
      bound = await listen(server, 0);
    }
  } else {
    try {
      bound = await listen(server, port);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EADDRINUSE") {
        throw new Error(`serveBook: port ${port} on 127.0.0.1 is already in use; pick another or pass 0 for any free port`);
      }
      throw error;
    }
  }
  return {
    url: `http://127.0.0.1:${bound}/`,
    port: bound,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        // Browsers keep connections alive; drop them so close() does not hang.
        server.closeAllConnections();
      }),
  };
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    const onError = (error: Error) => {
      server.off("listening", onListening);
      reject(error);
    };
    const onListening = () => {
      server.off("error", onError);
      resolve((server.address() as AddressInfo).port);
    };
    server.once("error", onError);
    server.once("listening", onListening);
    server.listen(port, "127.0.0.1");
  });
}

function send(res: http.ServerResponse, status: number, type: string, body: string | Buffer, head = false): void {
  res.writeHead(status, {
    "Content-Type": type,
    "Content-Length": Buffer.byteLength(body),
    "X-Content-Type-Options": "nosniff",
    // Rebuilt books should show up on reload.
    "Cache-Control": "no-cache",
  });
  res.end(head ? undefined : body);
}

/** Maps a URL path to a file inside root, or null if it would leave root (.., encoded slashes, symlinks). */
export function resolveInside(root: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes("\0") || decoded.includes("\\")) return null;
  const candidate = path.resolve(root, `.${path.posix.normalize(`/${decoded}`)}`);
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return null;
  return candidate;
}

async function handle(root: string, req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
  const text = "text/plain; charset=utf-8";
  if (req.method !== "GET" && req.method !== "HEAD") {
    res.setHeader("Allow", "GET, HEAD");
    return send(res, 405, text, "method not allowed\n");
  }
  const head = req.method === "HEAD";
  const urlPath = (req.url ?? "/").split(/[?#]/)[0];
  let file = resolveInside(root, urlPath);
  if (!file) return send(res, 403, text, "forbidden\n", head);
  let stat = await fs.promises.stat(file).catch(() => null);
  if (stat?.isDirectory()) {
    if (!urlPath.endsWith("/")) {
      // Redirect so relative links (assets/book.css) resolve inside the directory.
      res.writeHead(301, { Location: `${urlPath}/` });
      res.end();
      return;
    }
    file = path.join(file, "index.html");
    stat = await fs.promises.stat(file).catch(() => null);
  }
  if (!stat || !stat.isFile()) return send(res, 404, text, `not found: ${urlPath}\n`, head);
  // A symlink inside the folder must not lead outside it.
  const real = await fs.promises.realpath(file);
  if (real !== root && !real.startsWith(root + path.sep)) return send(res, 403, text, "forbidden\n", head);
  const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
  send(res, 200, type, await fs.promises.readFile(real), head);
}
