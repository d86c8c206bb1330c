/**
 * Upstream error bodies are relayed to the caller, and some servers echo the request's
 * headers in them, `Authorization: Bearer <the deployment's api_key>` included. Everything
 * relayed from an upstream error (JSON answers and stream error events) goes through here:
 * the deployment's own key (exact value, raw and JSON-escaped) and anything shaped like an
 * OpenAI-style key or a bearer token are replaced. Every pattern is linear (no nested
 * quantifiers): the text comes from another server.
 */

export const REDACTED = '[redacted]';

/** `sk-…` keys (OpenAI, Anthropic `sk-ant-…`, LiteLLM/Gatehouse virtual keys). */
const SK_TOKEN = /\bsk-[A-Za-z0-9_-]+/g;
/** `Bearer <token>` in any case, with the token up to the next space, quote or separator. */
const BEARER = /\bbearer\s+[^\s"'`,;\\]+/gi;

/** Forms in which a secret may appear in a relayed text. */
function forms(secret: string): string[] {
  const escaped = JSON.stringify(secret).slice(1, -1);
  return escaped === secret ? [secret] : [secret, escaped];
}

export function redactUpstreamSecrets(text: string, deploymentKey: string | null): string {
  let out = text;
  // Exact value first: a key of any shape (not only `sk-…`) is caught.
  if (deploymentKey && deploymentKey.length >= 4) {
    for (const form of forms(deploymentKey)) out = out.split(form).join(REDACTED);
  }
  return out.replace(SK_TOKEN, `sk-${REDACTED}`).replace(BEARER, `Bearer ${REDACTED}`);
}
