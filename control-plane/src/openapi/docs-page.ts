import { createHash } from "node:crypto";
import { html, raw } from "hono/html";
import type { OpenApiDocument } from "./openapi-document.js";

/** The page's only style, inline: the CSP lets it in by its hash, and nothing else. */
const STYLE = `
      body { font: 15px/1.5 system-ui, sans-serif; max-width: 960px; margin: 2rem auto; padding: 0 1rem; color: #222; }
      details { border: 1px solid #ddd; border-radius: 6px; margin: .5rem 0; padding: .4rem .8rem; }
      summary { cursor: pointer; } code.m { font-weight: bold; text-transform: uppercase; display: inline-block; width: 3.5rem; }
      pre { background: #f6f8fa; padding: .6rem; overflow: auto; font-size: 13px; }
      .lock { color: #a60; font-size: 12px; margin-left: .5rem; }
    `;

/**
 * The page's Content-Security-Policy: no script, no frame around it, its one inline style by its SHA-256 (a CSP
 * hash source), the links to the JSON document as plain navigation.
 */
export const DOCS_PAGE_CSP = [
  "default-src 'none'",
  `style-src 'sha256-${createHash("sha256").update(STYLE).digest("base64")}'`,
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join("; ");

/**
 * A self-contained browsable page of the OpenAPI document (no external scripts, so it works offline): every
 * operation with its summary, authentication, request body and answers.
 */
export function docsPage(doc: OpenApiDocument) {
  const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
    Object.entries(item).map(([method, op]) => ({ path, method, op: op as Record<string, unknown> })),
  );
  const pretty = (v: unknown) => JSON.stringify(v, null, 2);
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${doc.info.title} — API</title>
    <style>${raw(STYLE)}</style>
  </head>
  <body>
    <h1>${doc.info.title} <small>${doc.info.version}</small></h1>
    <p>${doc.info.description}</p>
    <p>Machine-readable: <a href="/api/docs/openapi.json">/api/docs/openapi.json</a> (OpenAPI ${doc.openapi}).</p>
    ${operations.map(
      ({ path, method, op }) => html`<details>
        <summary><code class="m">${method}</code> <code>${path}</code> — ${String(op.summary)}${
          (op.security as unknown[]).length ? raw('<span class="lock">needs an API key</span>') : ""
        }</summary>
        ${op.requestBody ? html`<h4>Request body</h4><pre>${pretty(op.requestBody)}</pre>` : ""}
        <h4>Answers</h4><pre>${pretty(op.responses)}</pre>
      </details>`,
    )}
  </body>
</html>`;
}
