import { setImmediate as nextTurn } from 'node:timers/promises';
import type { CallType } from '../../spend/spend-log.entity';
import { HOLD_BYTES_PER_TOKEN } from '../admission/hold-estimate';

const PIECE_CHARS = 256;
const SLICE_CHARS = 8_192;
/** Characters counted with the tokenizer per prompt or completion (≤ ~0.6 s of CPU, hostile). */
export const COUNT_MAX_CHARS = 131_072;
const OPTIONS = { disallowedSpecial: new Set<string>() };

/**
 * Token counts for calls whose upstream sent no usable usage, with a real tokenizer
 * (gpt-tokenizer, o200k_base). It costs ~0.1-0.3 ms per 2 KB of prose and ~200 ms + 60 MB to
 * load (TOOLCHAIN.md), so it runs only when such a call is settled, after the answer has gone
 * out, and is loaded on the first such call. The up-front budget hold uses `holdPromptTokens`.
 *
 * Hostile text is far slower, measured here: BPE is quadratic in the length of one word
 * (200k × "a" in one piece took 153 s), and text that misses the merge cache (random base64)
 * runs ~4.5 µs a character. So text is counted in pieces of at most PIECE_CHARS (cut at a space
 * when there is one), the loop yields to the event loop every SLICE_CHARS, and past
 * COUNT_MAX_CHARS per call the rest is billed at the hold's rate (bytes / 3) uncounted.
 */

type Tokenizer = typeof import('gpt-tokenizer');
let loading: Promise<Tokenizer> | null = null;

function tokenizer(): Promise<Tokenizer> {
  // Root import only: subpath imports fail type-checking under moduleResolution "node".
  loading ??= import('gpt-tokenizer');
  return loading;
}

/** Request fields that never reach the model as text (routing, gateway-only, metadata). */
const NOT_PROMPT = new Set([
  'model',
  'stream',
  'stream_options',
  'cache',
  'mock_response',
  'metadata',
  'user',
  'n',
  'temperature',
  'top_p',
  'seed',
  'max_tokens',
  'max_completion_tokens',
  'encoding_format',
  'dimensions',
]);

/** Answer fields that are not model output. */
const NOT_OUTPUT = new Set(['role', 'id', 'type', 'index']);

const NOTHING: ReadonlySet<string> = new Set();

/**
 * Every string in `value`, and with `withKeys` every object key too (a tool's JSON schema is
 * read by the model, keys and all); iterative, so that depth cannot overflow the stack. `skip`
 * names keys left out at any level.
 */
export function stringsIn(
  value: unknown,
  skip: ReadonlySet<string>,
  withKeys: boolean,
  out: string[] = [],
): string[] {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') out.push(item);
    else if (Array.isArray(item)) for (let i = item.length - 1; i >= 0; i--) stack.push(item[i]);
    else if (item !== null && typeof item === 'object') {
      const entries = Object.entries(item as Record<string, unknown>);
      for (let i = entries.length - 1; i >= 0; i--) {
        const [key, inner] = entries[i];
        if (skip.has(key)) continue;
        stack.push(inner);
        if (withKeys) stack.push(key);
      }
    }
  }
  return out;
}

/**
 * The prompt text of a request: every string and key under every field the model reads
 * (messages with their content parts and tool calls, tools, functions, response_format…).
 * Keys such as `role`/`content` stand in for the chat format's per-message overhead.
 */
export function promptStrings(callType: CallType, body: Record<string, unknown>): string[] {
  if (callType === 'embedding') return stringsIn(body['input'], NOTHING, false);
  const out: string[] = [];
  for (const [key, value] of Object.entries(body)) {
    if (!NOT_PROMPT.has(key)) stringsIn(value, NOTHING, true, out);
  }
  return out;
}

/** The output text of a complete chat answer: content, refusals, tool and function calls. */
export function answerStrings(completion: unknown): string[] {
  const choices = (completion as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return [];
  const out: string[] = [];
  for (const choice of choices) {
    stringsIn((choice as { message?: unknown } | null)?.message, NOT_OUTPUT, false, out);
  }
  return out;
}

/** The output text of one stream chunk's deltas (same fields as `answerStrings`). */
export function deltaStrings(choices: readonly unknown[], out: string[]): void {
  for (const choice of choices) {
    stringsIn((choice as { delta?: unknown } | null)?.delta, NOT_OUTPUT, false, out);
  }
}

/** Token arrays in an embeddings input: one token per number. */
function embeddingTokenIds(input: unknown): number {
  if (!Array.isArray(input)) return 0;
  let n = 0;
  for (const item of input) {
    if (typeof item === 'number') n += 1;
    else if (Array.isArray(item)) n += item.filter((x) => typeof x === 'number').length;
  }
  return n;
}

/** The end of the piece starting at `start`: at most PIECE_CHARS, at a space when possible. */
function pieceEnd(text: string, start: number): number {
  const end = start + PIECE_CHARS;
  if (end >= text.length) return text.length;
  const space = text.lastIndexOf(' ', end);
  return space > start + PIECE_CHARS / 2 ? space : end;
}

async function count(strings: readonly string[]): Promise<number> {
  if (strings.length === 0) return 0;
  const tokens = await tokenizer();
  let total = 0;
  let counted = 0;
  let uncounted = 0;
  let sinceTurn = 0;
  for (const text of strings) {
    let start = 0;
    while (start < text.length) {
      if (counted >= COUNT_MAX_CHARS) {
        uncounted += text.length - start;
        break;
      }
      const end = pieceEnd(text, start);
      // Special-token text in a prompt is counted as text, not refused.
      total += tokens.countTokens(text.slice(start, end), OPTIONS);
      counted += end - start;
      sinceTurn += end - start;
      start = end;
      if (sinceTurn >= SLICE_CHARS) {
        sinceTurn = 0;
        await nextTurn();
      }
    }
  }
  return total + Math.ceil(uncounted / HOLD_BYTES_PER_TOKEN);
}

/** Prompt tokens of a whole request, counted with the tokenizer. */
export async function countPromptTokens(
  callType: CallType,
  body: Record<string, unknown>,
): Promise<number> {
  const text = await count(promptStrings(callType, body));
  return callType === 'embedding' ? text + embeddingTokenIds(body['input']) : text;
}

/** Completion tokens of an answer's output strings. */
export async function countCompletionTokens(strings: readonly string[]): Promise<number> {
  return count(strings);
}
