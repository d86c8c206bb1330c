import type { IncomingHttpHeaders } from 'node:http';

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Login CSRF (finding 21): may this POST /login come from another site? A browser names the
 * page that sent a form in `Origin` and says `Sec-Fetch-Site: cross-site` for one on another
 * site; either is enough to refuse. An Origin passes when it is PROXY_BASE_URL's origin or the
 * request's own Host (the console on whatever name it was reached by). Neither header, as
 * from curl or a script, passes: those are no browser acting for somebody else.
 */
export function isCrossSiteLogin(headers: IncomingHttpHeaders, baseUrl: string): boolean {
  if (first(headers['sec-fetch-site'])?.toLowerCase() === 'cross-site') return true;
  const origin = first(headers['origin']);
  if (origin === undefined) return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return true; // `null` (sandboxed frames, cross-origin redirects) and anything unparsable
  }
  if (parsed.origin === new URL(baseUrl).origin) return false;
  const host = first(headers['host'])?.toLowerCase();
  return host === undefined || parsed.host !== host;
}
