// Renders small handmade executed notebooks and checks each output kind lands on the page correctly:
// markdown, streams (ANSI converted), HTML as is, images, errors, plotly figures via the local library,
// escaping of every text output, the table of contents and prev/next navigation.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PLOTLY_MIME } from "../viz/plot";
import { encodePng } from "../viz/png";
import { renderBook } from "./render";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "book-render-"));
const executedDir = path.join(tmp, "executed");
const outDir = path.join(tmp, "book");

function notebook(cells: object[]) {
  return { nbformat: 4, nbformat_minor: 5, metadata: { kernelspec: { name: "tslab", display_name: "TypeScript" } }, cells };
}
let cellId = 0;
const md = (source: string) => ({ cell_type: "markdown", id: `c${cellId++}`, metadata: {}, source });
const code = (n: number | null, source: string, outputs: object[]) => ({
  cell_type: "code",
  id: `c${cellId++}`,
  metadata: {},
  execution_count: n,
  source,
  outputs,
});

const pngBase64 = encodePng({ width: 2, height: 2, channels: 1, bytes: Uint8Array.from([0, 255, 255, 0]) }).toString("base64");
const FIGURE = { data: [{ type: "bar", x: ["a", "b"], y: [1, 3] }], layout: { title: { text: "Bars" }, height: 300 } };

beforeAll(() => {
  fs.mkdirSync(executedDir, { recursive: true });
  const intro = notebook([
    md("# Getting started\n\nWe train a *tiny* model on `MNIST` & check\nit works.\n\nNext: [plots](02-plots.ipynb#top)."),
    code(1, 'const greeting = "<b>hi</b>"; // say hi\nconsole.log(greeting);', [
      { output_type: "stream", name: "stdout", text: ["<b>hi</b>\n", "second line\n"] },
      { output_type: "stream", name: "stdout", text: "merged into the same block\n" },
      { output_type: "stream", name: "stderr", text: "\u001b[31mwarning:\u001b[0m careful <now>\n" },
      { output_type: "execute_result", execution_count: 1, metadata: {}, data: { "text/plain": "<script>alert(1)</script>" } },
      { output_type: "display_data", metadata: {}, data: { "text/html": '<table class="mine"><tr><td>cell</td></tr></table>', "text/plain": "table" } },
      { output_type: "display_data", metadata: {}, data: { "image/png": pngBase64, "text/plain": "<image>" } },
      { output_type: "display_data", metadata: {}, data: { "image/svg+xml": '<svg xmlns="http://www.w3.org/2000/svg" width="4" height="4"></svg>' } },
    ]),
    code(2, "throw new Error('boom')", [
      { output_type: "error", ename: "Error", evalue: "boom <img onerror=x>", traceback: ["\u001b[0;31mError\u001b[0m: boom <img onerror=x>", "    at cell 2"] },
    ]),
    code(null, "// not run", []),
  ]);
  const plots = notebook([
    md("# Plots\n\nFigures drawn offline."),
    code(1, "plot(fig)", [
      {
        output_type: "display_data",
        metadata: {},
        data: {
          [PLOTLY_MIME]: FIGURE,
          "text/html": '<script data-course-plotly-lib="3.1.0">/* pretend this is 5 MB of plotly */</script>\n<div id="p1" class="course-plot"></div><script>draw()</script>',
          "text/plain": "<Plotly figure>",
        },
      },
    ]),
    code(2, "legacy", [
      {
        output_type: "display_data",
        metadata: {},
        data: { "text/html": '<script data-course-plotly-lib="3.1.0">/* lib */</script><div id="p2" class="course-plot"></div>' },
      },
    ]),
  ]);
  const noHeading = {
    ...notebook([md("Just a paragraph about the appendix."), code(1, "1", []), code(null, "never ran", [])]),
    // What course-lib/notebook/execute.ts records when a run stops early.
    metadata: { tinyml_course_run: { status: "failed", executed_at: "2025-01-01T00:00:00Z", seconds: 1, failed_cell: 2, error: "TypeError: x <is> undefined" } },
  };
  fs.writeFileSync(path.join(executedDir, "01-intro.ipynb"), JSON.stringify(intro));
  fs.writeFileSync(path.join(executedDir, "02-plots.ipynb"), JSON.stringify(plots));
  fs.writeFileSync(path.join(executedDir, "03-appendix.ipynb"), JSON.stringify(noHeading));
  fs.writeFileSync(path.join(executedDir, "notes.txt"), "not a notebook");
});

afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("renderBook", () => {
  let result: Awaited<ReturnType<typeof renderBook>>;
  const read = (name: string) => fs.readFileSync(path.join(outDir, name), "utf8");

  beforeAll(async () => {
    result = await renderBook({ executedDir, outDir, title: "Test <Course>" });
  });

  it("writes one page per notebook in name order plus the index", () => {
    expect(result.pages).toEqual(["01-intro", "02-plots", "03-appendix"].map((n) => path.join(outDir, `${n}.html`)));
    expect(result.index).toBe(path.join(outDir, "index.html"));
    expect(fs.existsSync(path.join(outDir, "notes.html"))).toBe(false);
    expect(fs.existsSync(path.join(outDir, "assets", "book.css"))).toBe(true);
    expect(fs.existsSync(path.join(outDir, "assets", "book.js"))).toBe(true);
  });

  it("builds a table of contents with headings, summaries and error status", () => {
    const index = read("index.html");
    expect(index).toContain("<title>Test &lt;Course&gt;</title>");
    expect(index).toContain('<a href="01-intro.html">Getting started</a> <span class="badge error"');
    expect(index).toContain("1 error</span>");
    expect(index).toContain("<p>We train a tiny model on MNIST &amp; check it works.</p>");
    expect(index).toContain('<a href="02-plots.html">Plots</a><div class="file">');
    expect(index).toContain('<a href="03-appendix.html">03-appendix</a>');
    expect(index).toContain("<p>Just a paragraph about the appendix.</p>");
    expect(index).toContain('<a href="03-appendix.html">03-appendix</a> <span class="badge error" title="the notebook did not run to the end">failed at cell 2</span>');
    expect(read("03-appendix.html")).toContain("This notebook stopped at cell 2 when it was executed; later cells have no outputs.<pre>TypeError: x &lt;is&gt; undefined</pre>");
    expect(result.entries.map((e) => [e.name, e.errors, e.figures])).toEqual([
      ["01-intro", 1, 0],
      ["02-plots", 0, 1],
      ["03-appendix", 0, 0],
    ]);
  });

  it("renders markdown, highlighted code and execution counts", () => {
    const page = read("01-intro.html");
    expect(page).toContain('<h1 id="getting-started">Getting started</h1>');
    expect(page).toContain("<em>tiny</em>");
    expect(page).toContain('<a href="02-plots.html#top">plots</a>');
    expect(page).toContain('<div class="prompt" title="execution count">[1]</div>');
    expect(page).toContain('<div class="prompt" title="execution count">[ ]</div>');
    expect(page).toContain('<code class="language-typescript"><span class="tok-keyword">const</span> greeting = ');
    expect(page).toContain('<span class="tok-string">&quot;&lt;b&gt;hi&lt;/b&gt;&quot;</span>'.replace(/&quot;/g, '"'));
    expect(page).toContain('<span class="tok-comment">// say hi</span>');
  });

  it("escapes text outputs and converts ANSI codes", () => {
    const page = read("01-intro.html");
    expect(page).toContain('<pre class="output stream stdout">&lt;b&gt;hi&lt;/b&gt;\nsecond line\nmerged into the same block\n</pre>');
    expect(page).toContain('<pre class="output stream stderr"><span class="ansi-red">warning:</span> careful &lt;now&gt;\n</pre>');
    expect(page).toContain('<pre class="output text">&lt;script&gt;alert(1)&lt;/script&gt;</pre>');
    expect(page).not.toContain("<script>alert(1)");
    expect(page).not.toContain("\u001b");
    expect(page).not.toContain("<img onerror");
  });

  it("shows HTML as is, images inline and errors in red", () => {
    const page = read("01-intro.html");
    expect(page).toContain('<div class="output html"><table class="mine"><tr><td>cell</td></tr></table></div>');
    expect(page).toContain(`<img alt="figure" src="data:image/png;base64,${pngBase64}">`);
    expect(page).toMatch(/<img alt="figure" src="data:image\/svg\+xml;base64,[A-Za-z0-9+/=]+">/);
    expect(page).toContain('<div class="output error"><div class="error-head">Error: boom &lt;img onerror=x&gt;</div>');
    expect(page).toContain('<span class="ansi-red">Error</span>: boom &lt;img onerror=x&gt;');
    expect(page).toContain('class="run-warning"');
    // No figures on this page: no 5 MB library either.
    expect(page).not.toContain("plotly");
  });

  it("draws plotly bundles with the local library and strips inlined copies", () => {
    const page = read("02-plots.html");
    expect(page).toContain('<script src="assets/plotly.min.js"></script>');
    expect(page).toContain('<div class="plotly-figure" id="02-plots-fig-1" style="min-height:300px"></div>');
    const json = /<script type="application\/json" data-plotly-for="02-plots-fig-1">([\s\S]*?)<\/script>/.exec(page);
    expect(json).not.toBeNull();
    expect(JSON.parse(json![1])).toEqual(FIGURE);
    expect(page).not.toContain("data-course-plotly-lib");
    expect(page).not.toContain("pretend this is 5 MB");
    expect(page).toContain('<div id="p2" class="course-plot"></div>'); // html-only plot kept, lib stripped
    expect(page.length).toBeLessThan(20_000);
    const lib = fs.statSync(path.join(outDir, "assets", "plotly.min.js"));
    expect(lib.size).toBeGreaterThan(1_000_000);
  });

  it("links pages with prev/next navigation", () => {
    const first = read("01-intro.html");
    const second = read("02-plots.html");
    const last = read("03-appendix.html");
    expect(first).toContain('<a class="next" rel="next" href="02-plots.html">Plots →</a>');
    expect(first).not.toContain('rel="prev"');
    expect(second).toContain('<a class="prev" rel="prev" href="01-intro.html">← Getting started</a>');
    expect(second).toContain('<a class="next" rel="next" href="03-appendix.html">03-appendix →</a>');
    expect(last).not.toContain('rel="next"');
    expect(second).toContain("Contents · 2 / 3");
  });

  it("reports bad inputs by name", async () => {
    await expect(renderBook({ executedDir: path.join(tmp, "missing"), outDir })).rejects.toThrow(/missing is not a directory/);
    const empty = path.join(tmp, "empty");
    fs.mkdirSync(empty);
    await expect(renderBook({ executedDir: empty, outDir })).rejects.toThrow(/no \.ipynb files in .*empty/);
    const broken = path.join(tmp, "broken");
    fs.mkdirSync(broken);
    fs.writeFileSync(path.join(broken, "bad.ipynb"), "{ not json");
    await expect(renderBook({ executedDir: broken, outDir: path.join(tmp, "o2") })).rejects.toThrow(/bad\.ipynb is not a valid nbformat 4 notebook/);
    const clash = path.join(tmp, "clash");
    fs.mkdirSync(clash);
    fs.writeFileSync(path.join(clash, "index.ipynb"), JSON.stringify(notebook([])));
    await expect(renderBook({ executedDir: clash, outDir: path.join(tmp, "o3") })).rejects.toThrow(/would overwrite the book's index\.html/);
  });
});
