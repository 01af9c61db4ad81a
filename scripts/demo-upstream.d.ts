/** Types of demo-upstream.js, for the tests and the CLI's tests that start it too. */
export declare const DEMO_UPSTREAM_PORT: number;
export declare const DEMO_UPSTREAM_HOST: string;
export declare function maskSecret(value: string): string;
export declare function startDemoUpstream(options?: {
  port?: number;
  host?: string;
  onRequest?: (headers: import("node:http").IncomingHttpHeaders) => void;
}): Promise<{ origin: string; close(): Promise<void> }>;
