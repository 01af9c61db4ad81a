/** The self-registration calls the registration suites share: register, claim, decide. */
import { call, unique, type TestCompany } from "./helpers.ts";

export type Registered = { agentId: string; registrationId: string; status: string; message: string; claim_token: string };

export function agentName(prefix = "bot"): string {
  return unique(prefix).toLowerCase().slice(0, 64);
}

export async function register(companyId: string, body: Record<string, unknown>): Promise<Registered> {
  const res = await call("POST", `/v1/companies/${companyId}/agents/register`, { body });
  if (res.status !== 201) throw new Error(`register failed: ${res.status} ${res.text}`);
  return res.body as unknown as Registered;
}

export const claim = (claimToken: string) => call("POST", "/v1/registrations/claim", { body: { claim_token: claimToken } });
export const approve = (company: TestCompany, id: string, body: Record<string, unknown>) =>
  call("POST", `/v1/registrations/${id}/approve`, { token: company.ownerKey, body });
export const reject = (company: TestCompany, id: string, reason = "Needs a security review.") =>
  call("POST", `/v1/registrations/${id}/reject`, { token: company.ownerKey, body: { reason } });
