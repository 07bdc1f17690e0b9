import { createMiddleware } from "hono/factory";

/**
 * The Content-Security-Policy of every answer that brings none of its own: the API answers JSON, so nothing may be
 * loaded from it, run in it or frame it. An HTML answer that needs more (the docs page's style) sets its own.
 */
export const API_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/**
 * Headers every answer carries, error answers and streams included: `nosniff` (a JSON or octet-stream answer is
 * never read as a script or a page), frame protection (X-Frame-Options for old browsers, the CSP's
 * `frame-ancestors` for the others), no referrer, and `Cache-Control: no-store` unless a route set its own: API
 * answers belong to one caller or carry its tokens, and no shared cache may keep them.
 */
export function securityHeaders() {
  return createMiddleware(async (c, next) => {
    await next();
    const headers = c.res.headers;
    headers.set("x-content-type-options", "nosniff");
    headers.set("x-frame-options", "DENY");
    headers.set("referrer-policy", "no-referrer");
    if (!headers.has("content-security-policy")) headers.set("content-security-policy", API_CSP);
    if (!headers.has("cache-control")) headers.set("cache-control", "no-store");
  });
}
