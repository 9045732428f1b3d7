// Checks the book server: files with the right content types, 404s, no way out of the served folder
// (.., encoded dots, symlinks), 127.0.0.1 only, and the port choices.
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveInside, serveBook } from "./serve";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "book-serve-"));
const root = path.join(tmp, "site");
const secret = path.join(tmp, "secret.txt");

/** A raw GET, so paths like /../x reach the server unnormalised (fetch would normalise them). */
function get(url: string, rawPath: string, method = "GET"): Promise<{ status: number; type?: string; body: string; headers: http.IncomingHttpHeaders }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = http.request({ hostname, port, path: rawPath, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c) => (body += c));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"], body, headers: res.headers }));
    });
    req.on("error", reject);
    req.end();
  });
}

let server: Awaited<ReturnType<typeof serveBook>>;

beforeAll(async () => {
  fs.mkdirSync(path.join(root, "assets"), { recursive: true });
  fs.mkdirSync(path.join(root, "sub"));
  fs.writeFileSync(path.join(root, "index.html"), "<h1>index</h1>");
  fs.writeFileSync(path.join(root, "page one.html"), "<p>one</p>");
  fs.writeFileSync(path.join(root, "assets", "book.css"), "body{}");
  fs.writeFileSync(path.join(root, "assets", "book.js"), "1");
  fs.writeFileSync(path.join(root, "assets", "x.png"), Buffer.from([0x89, 0x50]));
  fs.writeFileSync(path.join(root, "sub", "index.html"), "<p>sub</p>");
  fs.writeFileSync(secret, "top secret");
  fs.symlinkSync(secret, path.join(root, "link-out.txt"));
  server = await serveBook(root, 0);
});

afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("serveBook", () => {
  it("serves files with content types and index.html for folders", async () => {
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const index = await get(server.url, "/");
    expect([index.status, index.type, index.body]).toEqual([200, "text/html; charset=utf-8", "<h1>index</h1>"]);
    expect((await get(server.url, "/assets/book.css")).type).toBe("text/css; charset=utf-8");
    expect((await get(server.url, "/assets/book.js")).type).toBe("text/javascript; charset=utf-8");
    expect((await get(server.url, "/assets/x.png")).type).toBe("image/png");
    expect((await get(server.url, "/page%20one.html?x=1")).body).toBe("<p>one</p>");
    expect((await get(server.url, "/sub/")).body).toBe("<p>sub</p>");
    const redirect = await get(server.url, "/sub");
    expect([redirect.status, redirect.headers.location]).toEqual([301, "/sub/"]);
    const head = await get(server.url, "/index.html", "HEAD");
    expect([head.status, head.body, head.headers["content-length"]]).toEqual([200, "", "14"]);
    expect((await get(server.url, "/index.html", "POST")).status).toBe(405);
  });

  it("answers 404 for missing files", async () => {
    const missing = await get(server.url, "/nope.html");
    expect(missing.status).toBe(404);
    expect(missing.body).toContain("not found: /nope.html");
  });

  it("never serves anything outside the folder", async () => {
    for (const attempt of ["/../secret.txt", "/..%2fsecret.txt", "/%2e%2e/secret.txt", "/assets/../../secret.txt", "/..\\secret.txt", "/%00index.html", "/link-out.txt", "/%E0%A4%A"]) {
      const res = await get(server.url, attempt);
      expect(res.body, attempt).not.toContain("top secret");
      expect([403, 404], attempt).toContain(res.status);
    }
    expect(resolveInside(root, "/../secret.txt")).toBe(path.join(root, "secret.txt")); // clamped to root
    expect(resolveInside(root, "/a/../../b")).toBe(path.join(root, "b"));
    expect(resolveInside(root, "/x\\..\\..\\y")).toBeNull();
  });

  it("binds to 127.0.0.1 only", async () => {
    // 127.0.0.2 is loopback too on Linux: a server on 0.0.0.0 would answer there, one on 127.0.0.1 does not.
    const addresses = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => Boolean(a && a.family === "IPv4" && !a.internal))
      .map((a) => a.address);
    if (process.platform === "linux") addresses.push("127.0.0.2");
    expect(addresses.length).toBeGreaterThan(0);
    for (const address of addresses) {
      const reachable = await new Promise<boolean>((resolve) => {
        const socket = net.connect({ host: address, port: server.port }, () => {
          socket.destroy();
          resolve(true);
        });
        socket.on("error", () => resolve(false));
      });
      expect(reachable, `reachable on ${address}`).toBe(false);
    }
  });

  it("uses a given port, reports a busy one, and falls back from the default", async () => {
    const first = await serveBook(root, 0);
    await expect(serveBook(root, first.port)).rejects.toThrow(new RegExp(`port ${first.port} on 127.0.0.1 is already in use`));
    await first.close();
    // Default: 8808 if free, else any free port; either way it serves.
    const blocker = await serveBook(root).catch(() => null);
    const fallback = await serveBook(root);
    expect(fallback.port).not.toBe(8808);
    expect((await get(fallback.url, "/")).status).toBe(200);
    await fallback.close();
    await blocker?.close();
    await expect(serveBook(root, 70000)).rejects.toThrow(/port must be an integer 0..65535, got 70000/);
    await expect(serveBook(path.join(root, "index.html"))).rejects.toThrow(/is not a directory/);
  });
});
