// Renders executed course notebooks into a static, offline HTML book: an index with a table of contents and
// one page per notebook (markdown, highlighted code, and every output kind the course produces, including
// plotly figures drawn by a local copy of plotly.js). Self-study learners read it without Jupyter;
// instructors publish it after CI has executed the notebooks.
import * as fs from "node:fs";
import * as path from "node:path";
import MarkdownIt from "markdown-it";
import type { NotebookRunRecord } from "../notebook/execute";
import { Cell, CodeCell, MimeBundle, Notebook, Output, RUN_METADATA_KEY, joinSource, parseNotebook } from "../notebook/nbformat";
import { PLOTLY_LIB_ATTRIBUTE, PLOTLY_MIME, escapeAttr, escapeHtml, scriptJson } from "../viz/plot";
import { locatePlotlyLibrary } from "../viz/plotly-library";
import { ansiToHtml, stripAnsi } from "./ansi";
import { highlightTypeScript } from "./highlight";

export interface RenderBookOptions {
  /** Folder with the executed .ipynb files (rendered in file-name order). */
  executedDir: string;
  /** Folder to write index.html, <notebook>.html and assets/ into (created if missing). */
  outDir: string;
  /** Course title on every page (default "tinyML in TypeScript"). */
  title?: string;
}

/** One notebook of the book, as listed in the table of contents. */
export interface BookEntry {
  /** File name without .ipynb, e.g. "00-getting-started". */
  name: string;
  /** Written page (absolute path). */
  page: string;
  /** The notebook's first markdown heading (or its name). */
  heading: string;
  /** First paragraph of its first markdown cell, as one line of plain text. */
  summary: string;
  /** Number of error outputs in the executed notebook. */
  errors: number;
  /** Number of plotly figures drawn on the page. */
  figures: number;
  /** How the course's notebook runner ran it (notebook metadata), if it recorded that. */
  run?: NotebookRunRecord;
}

export interface RenderedBook {
  /** The notebook pages written (absolute paths), in book order. */
  pages: string[];
  /** outDir/index.html (absolute path). */
  index: string;
  entries: BookEntry[];
}

const DEFAULT_TITLE = "tinyML in TypeScript";
const ASSETS_SOURCE_DIR = path.join(__dirname, "assets");
// Matches the inlined plotly library a notebook's first plot carries (see viz/plot.ts).
const INLINED_LIBRARY = new RegExp(`<script\\b[^>]*\\b${PLOTLY_LIB_ATTRIBUTE}\\b[^>]*>[\\s\\S]*?<\\/script\\s*>`, "gi");

/** Renders every executed notebook in executedDir into a static HTML book in outDir. */
export async function renderBook(opts: RenderBookOptions): Promise<RenderedBook> {
  const executedDir = path.resolve(opts.executedDir);
  const outDir = path.resolve(opts.outDir);
  const title = opts.title ?? DEFAULT_TITLE;
  if (!fs.existsSync(executedDir) || !fs.statSync(executedDir).isDirectory()) {
    throw new Error(`renderBook: executedDir ${executedDir} is not a directory`);
  }
  const files = fs
    .readdirSync(executedDir)
    .filter((f) => f.endsWith(".ipynb") && !f.startsWith("."))
    .sort((a, b) => a.localeCompare(b, "en"));
  if (files.length === 0) throw new Error(`renderBook: no .ipynb files in ${executedDir}`);

  const notebooks = files.map((file) => {
    const full = path.join(executedDir, file);
    const notebook = parseNotebook(fs.readFileSync(full, "utf8"), full);
    const name = file.slice(0, -".ipynb".length);
    if (name.toLowerCase() === "index") {
      throw new Error(`renderBook: ${full} would overwrite the book's index.html; rename the notebook`);
    }
    const run = notebook.metadata?.[RUN_METADATA_KEY] as NotebookRunRecord | undefined;
    return { name, notebook, run, ...headingAndSummary(notebook, name) };
  });

  fs.mkdirSync(path.join(outDir, "assets"), { recursive: true });
  const pages: string[] = [];
  const entries: BookEntry[] = [];
  let plotlyFile: string | null = null;
  const needPlotly = (): string => {
    plotlyFile ??= copyPlotly(outDir);
    return plotlyFile;
  };

  notebooks.forEach((nb, i) => {
    const page = new PageRenderer(nb.name);
    const body = page.renderCells(nb.notebook);
    const plotlySrc = page.needsPlotly ? `assets/${needPlotly()}` : null;
    const html = pageHtml({
      courseTitle: title,
      pageTitle: nb.heading,
      body,
      plotlySrc,
      prev: i > 0 ? notebooks[i - 1] : undefined,
      next: i < notebooks.length - 1 ? notebooks[i + 1] : undefined,
      position: `${i + 1} / ${notebooks.length}`,
      errors: page.errors,
      run: nb.run,
    });
    const file = path.join(outDir, `${nb.name}.html`);
    fs.writeFileSync(file, html);
    pages.push(file);
    entries.push({
      name: nb.name,
      page: file,
      heading: nb.heading,
      summary: nb.summary,
      errors: page.errors,
      figures: page.figures,
      run: nb.run,
    });
  });

  fs.copyFileSync(path.join(ASSETS_SOURCE_DIR, "book.css"), path.join(outDir, "assets", "book.css"));
  fs.copyFileSync(path.join(ASSETS_SOURCE_DIR, "book.js"), path.join(outDir, "assets", "book.js"));
  const index = path.join(outDir, "index.html");
  fs.writeFileSync(index, indexHtml(title, entries));
  return { pages, index, entries };
}

/** Copies the local plotly.js build into outDir/assets once per render; returns its file name. */
function copyPlotly(outDir: string): string {
  const lib = locatePlotlyLibrary();
  const fileName = lib.minified ? "plotly.min.js" : "plotly.js";
  fs.copyFileSync(lib.path, path.join(outDir, "assets", fileName));
  return fileName;
}

// ---------------------------------------------------------------------------------------------------------
// Markdown

function createMarkdown(): MarkdownIt {
  // html: true because the cells are the course's own text; typographer off so code-ish text stays as typed.
  const md = new MarkdownIt({ html: true, linkify: true, typographer: false });
  md.renderer.rules.fence = (tokens, idx) => {
    const token = tokens[idx];
    const lang = token.info.trim().split(/\s+/)[0] ?? "";
    const isTs = /^(ts|typescript|js|javascript)$/i.test(lang);
    const code = isTs ? highlightTypeScript(token.content) : escapeHtml(token.content);
    return `<pre class="md-code"><code class="language-${escapeAttr(lang || "text")}">${code}</code></pre>\n`;
  };
  const defaultLinkOpen =
    md.renderer.rules.link_open ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.link_open = (tokens, idx, options, env, self) => {
    // Links between notebooks ("01-data.ipynb#section") point at the book's pages instead.
    const href = tokens[idx].attrGet("href");
    if (href && !/^[a-z]+:/i.test(href)) tokens[idx].attrSet("href", href.replace(/\.ipynb(?=$|#)/, ".html"));
    return defaultLinkOpen(tokens, idx, options, env, self);
  };
  const defaultImage =
    md.renderer.rules.image ?? ((tokens, idx, options, _env, self) => self.renderToken(tokens, idx, options));
  md.renderer.rules.image = (tokens, idx, options, env, self) => {
    // Pasted images live in the cell's attachments ("attachment:name.png").
    const src = tokens[idx].attrGet("src") ?? "";
    const attachments = (env as { attachments?: Record<string, MimeBundle> }).attachments;
    if (src.startsWith("attachment:") && attachments) {
      const bundle = attachments[decodeURIComponent(src.slice("attachment:".length))];
      const mime = bundle && Object.keys(bundle).find((m) => m.startsWith("image/"));
      if (bundle && mime && typeof bundle[mime] === "string") {
        tokens[idx].attrSet("src", `data:${mime};base64,${String(bundle[mime]).replace(/\s+/g, "")}`);
      }
    }
    return defaultImage(tokens, idx, options, env, self);
  };
  md.renderer.rules.heading_open = (tokens, idx, options, env, self) => {
    const inline = tokens[idx + 1];
    const slugs = ((env as { slugs?: Map<string, number> }).slugs ??= new Map());
    const base = slugify(inline?.content ?? "") || "section";
    const seen = slugs.get(base) ?? 0;
    slugs.set(base, seen + 1);
    tokens[idx].attrSet("id", seen === 0 ? base : `${base}-${seen}`);
    return self.renderToken(tokens, idx, options);
  };
  return md;
}

const markdown = createMarkdown();

function slugify(text: string): string {
  return text
    .toLowerCase()
    .replace(/[`*_~[\]()<>#]/g, "")
    .trim()
    .replace(/[^\p{L}\p{N}]+/gu, "-")
    .replace(/^-+|-+$/g, "");
}

/** Plain text of a markdown inline token (drops emphasis, links and code markers). */
function inlineText(token: ReturnType<MarkdownIt["parse"]>[number] | undefined): string {
  if (!token) return "";
  if (!token.children) return token.content;
  return token.children
    .filter((c) => c.type === "text" || c.type === "code_inline" || c.type === "softbreak")
    .map((c) => (c.type === "softbreak" ? " " : c.content))
    .join("")
    .replace(/\s+/g, " ")
    .trim();
}

function headingAndSummary(notebook: Notebook, fallback: string): { heading: string; summary: string } {
  const first = notebook.cells.find((c) => c.cell_type === "markdown");
  if (!first) return { heading: fallback, summary: "" };
  const tokens = markdown.parse(joinSource(first.source), {});
  let heading = "";
  let summary = "";
  for (let i = 0; i < tokens.length; i++) {
    if (!heading && tokens[i].type === "heading_open") heading = inlineText(tokens[i + 1]);
    if (!summary && tokens[i].type === "paragraph_open") summary = inlineText(tokens[i + 1]);
  }
  // Fall back to a later heading in the notebook when the first markdown cell has none.
  if (!heading) {
    for (const cell of notebook.cells) {
      if (cell.cell_type !== "markdown") continue;
      const m = /^#{1,6}\s+(.+)$/m.exec(joinSource(cell.source));
      if (m) {
        heading = m[1].trim();
        break;
      }
    }
  }
  return { heading: heading || fallback, summary: truncate(summary, 220) };
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cut = text.slice(0, max);
  return `${cut.slice(0, Math.max(cut.lastIndexOf(" "), max - 20))}…`;
}

// ---------------------------------------------------------------------------------------------------------
// Cells and outputs

class PageRenderer {
  needsPlotly = false;
  figures = 0;
  errors = 0;

  constructor(private readonly name: string) {}

  renderCells(notebook: Notebook): string {
    const env = { slugs: new Map<string, number>() };
    return notebook.cells.map((cell, i) => this.renderCell(cell, i, env)).join("\n");
  }

  private renderCell(cell: Cell, index: number, env: { slugs: Map<string, number> }): string {
    const source = joinSource(cell.source);
    if (cell.cell_type === "markdown") {
      const html = markdown.render(source, { ...env, attachments: cell.attachments });
      return `<section class="cell markdown-cell" id="cell-${index}">${html}</section>`;
    }
    if (cell.cell_type === "raw") {
      return `<section class="cell raw-cell" id="cell-${index}"><pre>${escapeHtml(source)}</pre></section>`;
    }
    return this.renderCodeCell(cell, index, source);
  }

  private renderCodeCell(cell: CodeCell, index: number, source: string): string {
    const count = cell.execution_count === null ? " " : String(cell.execution_count);
    const outputs = this.renderOutputs(cell.outputs ?? []);
    return (
      `<section class="cell code-cell" id="cell-${index}">` +
      `<div class="input"><div class="prompt" title="execution count">[${escapeHtml(count)}]</div>` +
      `<pre class="source"><code class="language-typescript">${highlightTypeScript(source)}</code></pre></div>` +
      (outputs ? `<div class="outputs">${outputs}</div>` : "") +
      `</section>`
    );
  }

  private renderOutputs(outputs: Output[]): string {
    const parts: string[] = [];
    // Jupyter shows consecutive writes to the same stream as one block; so do we.
    for (let i = 0; i < outputs.length; i++) {
      const output = outputs[i];
      if (output.output_type === "stream") {
        let text = joinSource(output.text);
        while (i + 1 < outputs.length) {
          const next = outputs[i + 1];
          if (next.output_type !== "stream" || next.name !== output.name) break;
          text += joinSource(next.text);
          i++;
        }
        parts.push(`<pre class="output stream ${output.name === "stderr" ? "stderr" : "stdout"}">${ansiToHtml(applyCarriageReturns(text))}</pre>`);
      } else if (output.output_type === "error") {
        this.errors++;
        const trace = (output.traceback ?? []).join("\n");
        parts.push(
          `<div class="output error"><div class="error-head">${escapeHtml(stripAnsi(`${output.ename}: ${output.evalue}`))}</div>` +
            (trace ? `<pre>${ansiToHtml(trace)}</pre>` : "") +
            `</div>`,
        );
      } else {
        parts.push(this.renderMimeBundle(output.data ?? {}));
      }
    }
    return parts.join("\n");
  }

  private renderMimeBundle(data: MimeBundle): string {
    const plotly = data[PLOTLY_MIME];
    if (plotly !== undefined) {
      return this.renderPlotly(plotly);
    }
    const html = data["text/html"];
    if (html !== undefined) {
      let text = joinSource(html as string | string[]);
      if (INLINED_LIBRARY.test(text)) text = text.replace(INLINED_LIBRARY, "");
      INLINED_LIBRARY.lastIndex = 0;
      // A course plot without the JSON bundle still draws with window.Plotly: load the local copy.
      if (text.includes('class="course-plot"')) this.needsPlotly = true;
      return `<div class="output html">${text}</div>`;
    }
    const svg = data["image/svg+xml"];
    if (svg !== undefined) {
      const b64 = Buffer.from(joinSource(svg as string | string[]), "utf8").toString("base64");
      return `<div class="output image"><img alt="figure" src="data:image/svg+xml;base64,${b64}"></div>`;
    }
    for (const mime of ["image/png", "image/jpeg", "image/gif"]) {
      if (data[mime] === undefined) continue;
      const b64 = joinSource(data[mime] as string | string[]).replace(/\s+/g, "");
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) {
        return `<div class="output error"><div class="error-head">invalid base64 in ${escapeHtml(mime)} output</div></div>`;
      }
      return `<div class="output image"><img alt="figure" src="data:${mime};base64,${b64}"></div>`;
    }
    if (data["text/markdown"] !== undefined) {
      return `<div class="output markdown">${markdown.render(joinSource(data["text/markdown"] as string | string[]))}</div>`;
    }
    for (const mime of ["text/latex", "text/plain"]) {
      if (data[mime] !== undefined) {
        return `<pre class="output text">${ansiToHtml(joinSource(data[mime] as string | string[]))}</pre>`;
      }
    }
    const json = Object.keys(data).find((m) => m === "application/json" || m.endsWith("+json"));
    if (json) return `<pre class="output text">${escapeHtml(JSON.stringify(data[json], null, 2))}</pre>`;
    return `<div class="output unsupported">(output of type ${escapeHtml(Object.keys(data).join(", ") || "none")} not shown)</div>`;
  }

  private renderPlotly(figure: unknown): string {
    this.needsPlotly = true;
    const id = `${this.name}-fig-${++this.figures}`.replace(/[^A-Za-z0-9_-]/g, "_");
    const layout = (figure as { layout?: { height?: unknown } }).layout;
    const height = typeof layout?.height === "number" ? layout.height : 420;
    return (
      `<div class="output plotly"><div class="plotly-figure" id="${id}" style="min-height:${height}px"></div>` +
      `<script type="application/json" data-plotly-for="${id}">${scriptJson(figure)}</script></div>`
    );
  }
}

/** Emulates a terminal's "\r" (progress lines that rewrite themselves): keep what was written last. */
function applyCarriageReturns(text: string): string {
  if (!text.includes("\r")) return text;
  return text
    .replace(/\r\n/g, "\n")
    .split("\n")
    .map((line) => {
      const parts = line.split("\r");
      // "abc\r" followed by nothing keeps "abc"; "abc\rxy" shows "xyc" on a terminal, "xy" is close enough.
      const nonEmpty = parts.filter((p) => p.length > 0);
      return nonEmpty.length ? nonEmpty[nonEmpty.length - 1] : "";
    })
    .join("\n");
}

// ---------------------------------------------------------------------------------------------------------
// Page templates

interface NavTarget {
  name: string;
  heading: string;
}

function pageLink(target: NavTarget): string {
  return `${encodeURIComponent(target.name)}.html`;
}

function navHtml(prev: NavTarget | undefined, next: NavTarget | undefined, position: string): string {
  const prevLink = prev
    ? `<a class="prev" rel="prev" href="${escapeAttr(pageLink(prev))}">← ${escapeHtml(prev.heading)}</a>`
    : `<span class="prev"></span>`;
  const nextLink = next
    ? `<a class="next" rel="next" href="${escapeAttr(pageLink(next))}">${escapeHtml(next.heading)} →</a>`
    : `<span class="next"></span>`;
  return `<nav class="pager">${prevLink}<a class="contents" href="index.html">Contents · ${escapeHtml(position)}</a>${nextLink}</nav>`;
}

function layoutHtml(opts: { title: string; head?: string; body: string }): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(opts.title)}</title>
<link rel="stylesheet" href="assets/book.css">
${opts.head ?? ""}
</head>
<body>
${opts.body}
</body>
</html>
`;
}

function pageHtml(opts: {
  courseTitle: string;
  pageTitle: string;
  body: string;
  plotlySrc: string | null;
  prev?: NavTarget;
  next?: NavTarget;
  position: string;
  errors: number;
  run?: NotebookRunRecord;
}): string {
  const nav = navHtml(opts.prev, opts.next, opts.position);
  let warning = "";
  if (opts.run?.status === "failed") {
    const where = opts.run.failed_cell ? ` at cell ${opts.run.failed_cell}` : "";
    const detail = opts.run.error ? `<pre>${ansiToHtml(opts.run.error)}</pre>` : "";
    warning = `<div class="run-warning">This notebook stopped${escapeHtml(where)} when it was executed; later cells have no outputs.${detail}</div>`;
  } else if (opts.errors > 0) {
    warning = `<div class="run-warning">This notebook raised ${opts.errors} error${opts.errors === 1 ? "" : "s"} when it was executed; see the red outputs below.</div>`;
  }
  return layoutHtml({
    title: `${opts.pageTitle} · ${opts.courseTitle}`,
    // plotly.js loads before the page body so inline figure scripts find window.Plotly immediately.
    head: opts.plotlySrc ? `<script src="${escapeAttr(opts.plotlySrc)}"></script>` : "",
    body: `<header class="site"><a href="index.html">${escapeHtml(opts.courseTitle)}</a></header>
<main class="notebook">
${nav}
${warning}
${opts.body}
${nav}
</main>
<script src="assets/book.js"></script>`,
  });
}

function indexHtml(title: string, entries: BookEntry[]): string {
  const items = entries
    .map((e) => {
      let status = "";
      if (e.run?.status === "failed") {
        const where = e.run.failed_cell ? ` at cell ${e.run.failed_cell}` : "";
        status = ` <span class="badge error" title="the notebook did not run to the end">failed${escapeHtml(where)}</span>`;
      } else if (e.errors > 0) {
        status = ` <span class="badge error" title="error outputs in the executed notebook">${e.errors} error${e.errors === 1 ? "" : "s"}</span>`;
      }
      return (
        `<li><a href="${escapeAttr(pageLink(e))}">${escapeHtml(e.heading)}</a>${status}` +
        `<div class="file">${escapeHtml(e.name)}.ipynb</div>` +
        (e.summary ? `<p>${escapeHtml(e.summary)}</p>` : "") +
        `</li>`
      );
    })
    .join("\n");
  return layoutHtml({
    title,
    body: `<header class="site"><a href="index.html">${escapeHtml(title)}</a></header>
<main class="index">
<h1>${escapeHtml(title)}</h1>
<p class="lead">The course notebooks, executed, with all their outputs. Open a chapter to read it; run the notebooks in Jupyter to change them.</p>
<ol class="toc">
${items}
</ol>
</main>`,
  });
}
