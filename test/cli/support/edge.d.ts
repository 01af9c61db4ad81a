export declare const ROOT: string;
export type TestCompany = {
    id: string;
    ownerKey: string;
};
export type TestUser = {
    email: string;
    password: string;
};
export type Edge = {
    /** e.g. http://127.0.0.1:40463 */
    addr: string;
    platformToken: string;
    createCompany(): Promise<TestCompany>;
    createUser(company: TestCompany, role?: "owner" | "member"): Promise<TestUser>;
    /** Calls the edge directly, as a client other than the CLI would. */
    call(method: string, urlPath: string, token?: string, body?: unknown): Promise<{
        status: number;
        body: unknown;
    }>;
    stop(): Promise<void>;
};
/** Where the Node project's global setup (test/node/global-setup.ts) started the shared edge. */
export type SharedEdge = {
    addr: string;
    platformToken: string;
};
declare module "vitest" {
    interface ProvidedContext {
        sharedEdge: SharedEdge;
    }
}
/**
 * The edge a test file talks to: the one the test run shares (one `wrangler dev` for every CLI
 * and end-to-end file; each file makes its own companies, so files never see each other's
 * data), or a fresh one outside a test run. Stopping the shared edge is left to the run.
 */
export declare function startEdge(): Promise<Edge>;
/** What a crashed edge needs to come back as itself: its state directory and its secrets. */
export type EdgeIdentity = {
    dir: string;
    platformToken: string;
    masterKeys: string;
};
/** An edge of its own that can also be killed outright (SIGKILL to wrangler and workerd alike). */
export type OwnEdge = Edge & {
    identity: EdgeIdentity;
    crash(): Promise<void>;
};
/**
 * Starts a `wrangler dev` of its own, with its own state and secrets; given an identity, it
 * restarts the edge that had it (same state directory and secrets), as after a crash.
 */
export declare function launchEdge(restart?: EdgeIdentity): Promise<OwnEdge>;
