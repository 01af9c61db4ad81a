/**
 * The methods the proxy forwards, shared by its admission (a request with another method is 405
 * before any credential is near) and by the services contract (a service's `methods` rule names
 * some of these). TRACE would have an upstream echo the injected credential back, and WebDAV-style
 * methods reach handlers the service's owner never meant to expose.
 */
export const PROXIED_METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"] as const;
export type ProxiedMethod = (typeof PROXIED_METHODS)[number];

/** True for a method the proxy forwards at all (whatever a service's own rule says). */
export const isProxiedMethod = (method: string): method is ProxiedMethod => (PROXIED_METHODS as readonly string[]).includes(method);
