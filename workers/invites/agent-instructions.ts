/**
 * The text an invited agent receives: the paste-able prompt (with the invite URL) and, after
 * redemption, the protocol it follows (seed 000), with Agent Vault's env var names so agents
 * written for it work unchanged.
 */
export function invitePrompt(inviteUrl: string, name: string, expiresAt: string, rotation: boolean): string {
  const what = rotation
    ? `a new token for the Edgevault agent "${name}" (your old token stops working once you redeem this)`
    : `access to Edgevault as the agent "${name}"`;
  return [
    `You have been given ${what}.`,
    `Redeem this single-use invite before ${expiresAt} with:`,
    ``,
    `  curl -s -X POST ${inviteUrl}`,
    ``,
    `The response contains your token and instructions. Keep the token secret: never print, log or share it.`,
  ].join("\n");
}

export function agentInstructions(addr: string, vaults: { vault: string; role: string }[]): string {
  const vaultLine = vaults.length
    ? `Vaults you can use: ${vaults.map((v) => `${v.vault} (${v.role})`).join(", ")}.`
    : "You have no vault access yet; ask your operator.";
  return [
    `Set AGENT_VAULT_ADDR=${addr} and AGENT_VAULT_SESSION_TOKEN=<the token above>.`,
    `Send "Authorization: Bearer $AGENT_VAULT_SESSION_TOKEN" and "X-Vault: <vault>" on every vault-scoped request. ${vaultLine}`,
    `1. GET ${addr}/discover lists the hosts you can reach and the credential names available (never values).`,
    `2. Call an API as ${addr}/proxy/<host>/<path>?<query>; Edgevault injects the credential and forwards the request.`,
    `3. 403 forbidden: the host has no service; POST ${addr}/v1/proposals to ask a human (the response has an approval_url to show them), then poll GET ${addr}/v1/proposals/<id> until it is applied.`,
    `   403 service_disabled: tell the user, do not propose again. 429: wait Retry-After seconds. 502 credential_not_found: tell the user which key is missing. 401: your token is invalid; ask for a rotation.`,
    `Never extract, log or display credential values or your token.`,
  ].join("\n");
}
