/**
 * `GET /docs`: the API reference rendered on the server from the OpenAPI document, with inline
 * styles only, so the page loads nothing from other hosts (CSP `default-src 'none'`).
 */
type OpenApiDocument = { info?: { title?: string; version?: string }; paths?: object };
type OperationObject = {
  summary?: string;
  description?: string;
  tags?: string[];
  requestBody?: { content?: Record<string, { schema?: unknown }> };
  responses?: Record<string, { description?: string }>;
  security?: unknown[];
};

const escapeHtml = (value: string) => value.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export const DOCS_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function renderDocsPage(doc: OpenApiDocument): string {
  const sections: string[] = [];
  for (const [path, operations] of Object.entries(doc.paths ?? {}) as [string, Record<string, OperationObject>][]) {
    for (const [method, op] of Object.entries(operations)) {
      const responses = Object.entries(op.responses ?? {})
        .map(([status, r]) => `<li><code>${escapeHtml(status)}</code> ${escapeHtml(r.description ?? "")}</li>`)
        .join("");
      const body = op.requestBody?.content?.["application/json"]?.schema;
      sections.push(`<section id="${escapeHtml(`${method}-${path}`)}">
<h2><span class="m">${escapeHtml(method.toUpperCase())}</span> <code>${escapeHtml(path)}</code></h2>
<p>${escapeHtml(op.summary ?? "")}</p>${op.description ? `<p>${escapeHtml(op.description)}</p>` : ""}
${body ? `<details><summary>Request body schema</summary><pre>${escapeHtml(JSON.stringify(body, null, 2))}</pre></details>` : ""}
<ul>${responses}</ul></section>`);
    }
  }
  const title = escapeHtml(`${doc.info?.title ?? "API"} ${doc.info?.version ?? ""}`);
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><style>
body{font:15px/1.5 system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:1rem;color:#1a1a1a}
section{border-top:1px solid #ddd;padding:.5rem 0}h2{font-size:1.05rem;margin:.4rem 0}
.m{display:inline-block;min-width:4.5rem;font-weight:700;color:#0b5394}code,pre{font:13px ui-monospace,monospace}
pre{background:#f5f5f5;padding:.5rem;overflow:auto}</style></head>
<body><h1>${title}</h1><p>Machine-readable: <a href="/openapi.json">/openapi.json</a>. Errors are <code>{"error": code, "message": text}</code>.</p>
${sections.join("\n")}</body></html>`;
}
