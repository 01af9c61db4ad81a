/** Runs curl with the given arguments, as an agent following its prompt would. */
export declare function curl(args: readonly string[]): Promise<string>;
/** `curl -s -X POST <invite_url>`: the agent redeeming its invite. */
export declare function redeem(inviteUrl: string): Promise<{
    token: string;
    agent: {
        name: string;
    };
    vaults: {
        vault: string;
        role: string;
    }[];
}>;
/** The HTTP status of `GET /v1/whoami` with this token, through curl. */
export declare function whoamiStatus(addr: string, token: string): Promise<number>;
/** The invite URL in a printed prompt: the `curl -s -X POST <url>` line. */
export declare function inviteUrlIn(prompt: string): string;
export declare const count: (text: string, part: string) => number;
/** The suffix in "To cancel it: edgevault agent invite revoke [--] <suffix>". */
export declare function suffixIn(stderr: string): string;
/** Suffixes are base64url and may start with "-": always pass them after `--`. */
export declare const revokeArgs: (suffix: string) => string[];
