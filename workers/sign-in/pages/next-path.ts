/** Where a sign-in goes afterwards (`next`), for the password and single sign-on pages alike. */

/** Only same-site relative paths: `next` must never send a signed-in user to another host. */
export const safeNext = (next: string | undefined) => (next && /^\/(?![/\\])[\x21-\x7e]*$/.test(next) ? next : "/inbox");
