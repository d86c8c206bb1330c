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

/** How large a JSON body's shape may be. */
export interface JsonLimits {
  /** Nested objects and arrays, the outermost counting 1. */
  maxDepth: number;
  /** Object keys plus array elements, over the whole body. */
  maxMembers: number;
}

/**
 * Management-plane bodies: far above any DTO here (a 16 KB metadata object of short keys has
 * about 2,000), and small enough that class-transformer and validation stay cheap: they cost
 * ~40 µs per unknown key (10,000 keys took 0.45 s, 65,000 took 3 s before auth on the public
 * `/onboarding/claim_token`), and nothing recursive (validate, transform, stringify) nests
 * deeper than a few dozen frames.
 */
export const JSON_BODY_LIMITS: JsonLimits = { maxDepth: 32, maxMembers: 2_000 };

/**
 * Data-plane bodies (chat, embeddings) are only walked linearly, and a long agent conversation
 * or an embeddings call with token arrays has many members; depth stays bounded (the cache key
 * and the token estimate walk the body recursively).
 */
export const GATEWAY_JSON_LIMITS: JsonLimits = { maxDepth: 32, maxMembers: 250_000 };

/**
 * Bodies past this are scanned as text before they are parsed: parsing 1 MiB nested half a
 * million deep costs ~250 ms, the scan ~1 ms. Smaller bodies are checked on the parsed value,
 * which costs a tenth of the scan (0.5 µs against 7 µs for a 4.6 KB chat body).
 */
const SCAN_TEXT_FROM_CHARS = 16 * 1024;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const HASH = 0x23;
const COMMA = 0x2c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;
const SPACE = 0x20;

function tooDeep(limits: JsonLimits): AppError {
  return AppError.badRequest(
    `Request body nests objects and arrays too deeply (at most ${limits.maxDepth} levels)`,
  ).withCode('json_too_deep');
}

function tooManyMembers(limits: JsonLimits): AppError {
  return AppError.badRequest(
    `Request body has too many keys and array elements (at most ${limits.maxMembers})`,
  ).withCode('json_too_many_members');
}

/** The index of the quote that closes the string opened at `start` (or the end of the text). */
function stringEnd(text: string, start: number): number {
  let quote = text.indexOf('"', start + 1);
  while (quote >= 0) {
    let backslashes = 0;
    for (let j = quote - 1; text.charCodeAt(j) === BACKSLASH; j--) backslashes++;
    if (backslashes % 2 === 0) return quote;
    quote = text.indexOf('"', quote + 1);
  }
  return text.length;
}

/**
 * The shape check on the text, in one linear pass, before anything parses it. It follows the
 * lexical rules of `stripHashComments` (strings, `#` comments), so a comment cannot hide
 * brackets from it; strings are skipped with indexOf. On valid JSON it counts what
 * `checkJsonValue` counts; on malformed JSON roughly, and the parser then says what is wrong.
 */
export function checkJsonText(text: string, limits: JsonLimits): void {
  let depth = 0;
  let members = 0;
  // Just after `{` or `[`: the next value is the container's first member (the others follow commas).
  let opened = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c <= SPACE) continue;
    if (c === HASH) {
      const newline = text.indexOf('\n', i);
      if (newline < 0) break;
      i = newline;
      continue;
    }
    if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
      opened = false;
      continue;
    }
    if (opened || c === COMMA) {
      if (++members > limits.maxMembers) throw tooManyMembers(limits);
      opened = false;
    }
    if (c === QUOTE) {
      i = stringEnd(text, i);
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > limits.maxDepth) throw tooDeep(limits);
      opened = true;
    }
  }
}

/** The shape check on a parsed value; its recursion stops at `maxDepth`. */
function checkJsonValue(value: unknown, limits: JsonLimits, depth = 1, members = 0): number {
  if (typeof value !== 'object' || value === null) return members;
  if (depth > limits.maxDepth) throw tooDeep(limits);
  if (Array.isArray(value)) {
    members += value.length;
    if (members > limits.maxMembers) throw tooManyMembers(limits);
    for (const item of value as unknown[])
      members = checkJsonValue(item, limits, depth + 1, members);
    return members;
  }
  for (const key in value) {
    if (++members > limits.maxMembers) throw tooManyMembers(limits);
    members = checkJsonValue((value as Record<string, unknown>)[key], limits, depth + 1, members);
  }
  return members;
}

function parse(text: string): unknown {
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

/**
 * JSON request bodies: strict JSON first (the fast path); else JSON with `#` comments; an
 * empty body is `{}`. Prototype-poisoning keys are refused, as Fastify's own parser does. The
 * shape is bounded here, before any validation or transformation walks the body: deeper or
 * wider than `limits` answers 400 (`json_too_deep`, `json_too_many_members`).
 */
export function parseJsonBody(text: string, limits: JsonLimits = JSON_BODY_LIMITS): unknown {
  if (text.trim() === '') return {};
  if (text.length > SCAN_TEXT_FROM_CHARS) checkJsonText(text, limits);
  const value = parse(text);
  checkJsonValue(value, limits);
  return value;
}
