// Loads real pages in headless Chromium and checks plotly actually drew SVG: a rendered book page (figure
// from the JSON bundle + assets/plotly.min.js) and notebook HTML outputs as Jupyter would insert them
// (library inlined by the first plot only; a later plot without it explains what to do). Also saves a
// screenshot of a book page. In CI a missing Chromium fails; elsewhere the tests are skipped with a reason.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCaptureTarget } from "../viz/display";
import { PLOTLY_MIME, lineFigure, plot } from "../viz/plot";
import { dumpDom, findChromium, screenshot } from "./chromium";
import { renderBook } from "./render";
import { serveBook } from "./serve";

const chromium = findChromium();

/** The dumped DOM without <script> contents: the figure scripts contain the texts we look for. */
function rendered(dom: string): string {
  return dom.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, "");
}
/** Booleans with a label, so a failure does not print a megabyte of DOM. */
function has(dom: string, text: string | RegExp): boolean {
  return typeof text === "string" ? dom.includes(text) : text.test(dom);
}
const missingReason = "Chromium not installed (apt-get install chromium, or set CHROMIUM=path)";
if (!chromium && !process.env.CI) console.warn(`chromium.test.ts skipped: ${missingReason}`);

describe("chromium availability", () => {
  it.runIf(Boolean(process.env.CI))("is installed in CI", () => {
    expect(chromium, missingReason).not.toBeNull();
  });
});

describe.skipIf(!chromium)("in headless Chromium", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "book-chromium-"));
  const executedDir = path.join(tmp, "executed");
  const outDir = path.join(tmp, "book");
  let server: Awaited<ReturnType<typeof serveBook>>;

  beforeAll(async () => {
    // Outputs made by the real plot(): a line chart (with the inlined library) and a bar chart.
    const target = createCaptureTarget();
    plot(lineFigure({ series: { loss: [1.2, 0.7, 0.45, 0.3], val_loss: [1.3, 0.8, 0.6, 0.55] }, x: [1, 2, 3, 4], title: "Loss", xLabel: "epoch" }), { target });
    plot({ data: [{ type: "bar", x: ["fp32", "int8"], y: [86, 22] }], layout: { title: { text: "Model size (KB)" }, height: 320 } }, { target });
    const outputs = target.messages.map((m) => ({ output_type: "display_data", metadata: {}, data: m.bundle }));
    const nb = {
      nbformat: 4,
      nbformat_minor: 5,
      metadata: {},
      cells: [
        { cell_type: "markdown", id: "m", metadata: {}, source: "# Training curves\n\nLoss per epoch, drawn offline by the local plotly.js." },
        { cell_type: "code", id: "a", metadata: {}, execution_count: 1, source: 'lineChart({ series: { loss, val_loss }, title: "Loss" })', outputs: [outputs[0]] },
        { cell_type: "code", id: "b", metadata: {}, execution_count: 2, source: "bar({ labels, values })", outputs: [outputs[1], { output_type: "stream", name: "stdout", text: "sizes in KB\n" }] },
      ],
    };
    fs.mkdirSync(executedDir, { recursive: true });
    fs.writeFileSync(path.join(executedDir, "01-curves.ipynb"), JSON.stringify(nb));
    await renderBook({ executedDir, outDir });

    // Notebook outputs as a front end inserts them: text/html of each output, in order.
    const html = (i: number) => target.messages[i].bundle["text/html"] as string;
    const page = (body: string) => `<!doctype html><html><head><meta charset="utf-8"></head><body>${body}</body></html>`;
    fs.writeFileSync(path.join(outDir, "jupyter-outputs.html"), page(`<div class="cell">${html(0)}</div><div class="cell">${html(1)}</div>`));
    fs.writeFileSync(path.join(outDir, "jupyter-no-library.html"), page(`<div class="cell">${html(1)}</div>`));
    // An untrusted notebook: Jupyter inserts the outputs without their scripts (and without style attributes).
    const untrusted = (h: string) => h.replace(/<script\b[^>]*>[\s\S]*?<\/script>/gi, "").replace(/ style="[^"]*"/g, "");
    fs.writeFileSync(path.join(outDir, "jupyter-untrusted.html"), page(`<div class="cell">${untrusted(html(0))}</div>`));
    expect(target.messages[0].bundle[PLOTLY_MIME]).toBeDefined();
    server = await serveBook(outDir, 0);
  });

  afterAll(async () => {
    await server?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it("draws the book page's figures from the JSON bundles with assets/plotly.min.js", async () => {
    const dom = rendered(await dumpDom(`${server.url}01-curves.html`));
    expect(dom.match(/class="main-svg"/g)?.length ?? 0).toBeGreaterThanOrEqual(4); // 2 figures x 2+ svgs
    expect(dom.match(/class="trace scatter/g)?.length).toBe(2); // loss and val_loss lines
    expect(has(dom, /class="js-line" d="M[\d.,LM ]+"/), "a drawn line path").toBe(true);
    expect(has(dom, 'class="trace bars"'), "bar trace").toBe(true);
    expect(dom.match(/<g class="point"><path d="M[^"]+"/g)?.length).toBe(2); // the two drawn bars
    expect(has(dom, ">Model size (KB)</text>"), "bar chart title drawn").toBe(true);
    expect(has(dom, "figure-failed"), "a figure failed").toBe(false);
  });

  it("draws notebook HTML outputs with the library inlined by the first plot only", async () => {
    const dom = rendered(await dumpDom(`${server.url}jupyter-outputs.html`));
    // Plotly adds its own classes to the div it draws into ("course-plot js-plotly-plot").
    const plots = dom.split('class="course-plot').slice(1);
    expect(plots.length).toBe(2);
    plots.forEach((p, i) => expect(has(p, 'class="main-svg"'), `plot ${i} drawn`).toBe(true));
    expect(has(dom, "plotly library not loaded"), "missing-library message").toBe(false);
    expect(has(dom, "This plot did not draw"), "the untrusted-notebook note left on a drawn plot").toBe(false);
  });

  it("tells an untrusted notebook's reader how to trust it, where the plot would be", async () => {
    const dom = rendered(await dumpDom(`${server.url}jupyter-untrusted.html`));
    expect(has(dom, "This plot did not draw: its JavaScript did not run."), "note shown").toBe(true);
    expect(has(dom, "<code>jupyter trust NOTEBOOK.ipynb</code>"), "the command").toBe(true);
    expect(has(dom, 'class="main-svg"'), "something drawn").toBe(false);
  });

  it("explains a missing library instead of showing nothing", async () => {
    const dom = rendered(await dumpDom(`${server.url}jupyter-no-library.html`, { virtualTimeMs: 8000 }));
    expect(has(dom, ">plotly library not loaded: restart the kernel and run the notebook from the top"), "message shown").toBe(true);
    expect(has(dom, 'import { includePlotlyLibrary } from "./course-lib/viz/plot"'), "the import to run").toBe(true);
    expect(has(dom, "This plot did not draw"), "the untrusted note (the script did run)").toBe(false);
    expect(has(dom, 'class="main-svg"'), "something drawn").toBe(false);
  });

  it("takes a screenshot of a rendered page", async () => {
    const file = path.join(process.env.BOOK_SCREENSHOT_DIR ?? tmp, "book-page.png");
    await screenshot(`${server.url}01-curves.html`, file, { width: 1200, height: 900 });
    const png = fs.readFileSync(file);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1200, 900]);
    expect(png.length).toBeGreaterThan(20_000); // a blank page compresses to a few KB
    console.log(`book screenshot: ${file} (${png.length} bytes)`);
  });
});
