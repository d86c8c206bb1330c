import secureJson from 'secure-json-parse';
import { AppError } from '../errors/app-error';

/**
 * Removes `# …` comments that stand outside JSON strings. The LiteLLM docs (and so our
 * product page) annotate request bodies that way, and their curl calls must work verbatim.
 */
export function stripHashComments(text: string): string {
  let out = '';
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      out += c;
      if (c === '\\') out += text[++i] ?? '';
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === '#') {
      while (i + 1 < text.length && text[i + 1] !== '\n') i++;
    } else {
      out += c;
    }
  }
  return out;
}

const PARSE_OPTIONS = { protoAction: 'error', constructorAction: 'error' } as const;

/**
 * JSON request bodies: strict JSON first (the fast path); else JSON with `#` comments; an
 * empty body is `{}`. Prototype-poisoning keys are refused, as Fastify's own parser does.
 */
export function parseJsonBody(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return secureJson.parse(text, undefined, PARSE_OPTIONS);
  } catch (strictError) {
    if (text.includes('#')) {
      try {
        return secureJson.parse(stripHashComments(text), undefined, PARSE_OPTIONS);
      } catch {
        // fall through to the strict parser's message
      }
    }
    const detail = strictError instanceof Error ? strictError.message : 'malformed';
    throw AppError.badRequest(`Request body is not valid JSON: ${detail}`);
  }
}
