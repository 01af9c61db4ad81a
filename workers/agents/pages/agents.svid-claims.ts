/**
 * The agent page's "Current SVID claims": what a JWT-SVID fetched for this agent now would say,
 * from identity's own `agentSvidClaims` (the claims GET /v1/agents/{agentId}/svid signs). Never a
 * signed token: anything signed on a page is a bearer credential handed to whoever sees it.
 */
import type { SvidClaims } from "../../identity/svid.ts";
import { SVID_TTL_SECONDS } from "../../lib/crypto/jwt-svid.ts";
import type { SvidPreview } from "../agents.actions.ts";
import { html, type Markup } from "../../console/layout.ts";
import { when } from "../../console/page-parts.ts";

const epoch = (seconds: number) => html`<code>${seconds}</code> <span class="meta">${when(seconds * 1000)}</span>`;

export function svidClaimsSection(preview: SvidPreview): Markup {
  const body =
    "refused" in preview
      ? html`<p class="notice info" role="status">${preview.refused}: no SVID is issued for it until it is active again.</p>`
      : claimsTable(preview.claims, preview.header);
  return html`<section class="card" aria-labelledby="svid">
  <h2 id="svid">Current SVID claims</h2>
  ${body}
</section>`;
}

function claimsTable(claims: SvidClaims, header: { alg: string; kid: string; typ: string } | undefined): Markup {
  return html`<p class="hint">What a JWT-SVID fetched for this agent now carries (<code>GET /v1/agents/{agentId}/svid</code>, by the agent itself or an owner). Each fetch gets fresh times; the signed token itself is never shown here.</p>
<div class="table-wrap"><table>
  <caption class="meta">JWT-SVID claims</caption>
  <thead><tr><th scope="col">Claim</th><th scope="col">Value</th><th scope="col">Meaning</th></tr></thead>
  <tbody>
    <tr><th scope="row"><code>iss</code></th><td><code>${claims.iss}</code></td><td>The issuer: the company, in this trust domain</td></tr>
    <tr><th scope="row"><code>sub</code></th><td><code>${claims.sub}</code></td><td>The agent's SPIFFE ID</td></tr>
    <tr><th scope="row"><code>aud</code></th><td>${claims.aud.map((a, i) => html`${i ? ", " : ""}<code>${a}</code>`)}</td><td>Who may accept it (the default; a fetch may name another audience)</td></tr>
    <tr><th scope="row"><code>iat</code></th><td>${epoch(claims.iat)}</td><td>Issued at</td></tr>
    <tr><th scope="row"><code>exp</code></th><td>${epoch(claims.exp)}</td><td>Expires, ${SVID_TTL_SECONDS / 60} minutes later</td></tr>
  </tbody>
</table></div>
<p class="meta">${
    header
      ? html`Signed with key <code>${header.kid}</code> (<code>${header.alg}</code>, <code>typ ${header.typ}</code>), published in the company's JWKS.`
      : html`The company's signing keys are made with its first SVID.`
  }</p>
<details><summary>As JSON</summary><pre class="message"><code>${JSON.stringify(claims, null, 2)}</code></pre></details>`;
}
