/** Server-sent events helpers for chat completion streams. */
import { deltaStrings } from '../books/token-count';

export const DONE_EVENT = 'data: [DONE]\n\n';

export function sseEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

interface Completion {
  id?: string;
  created?: number;
  model?: string;
  choices?: ({ index?: unknown; message?: { role?: string; content?: unknown } } | null)[];
  usage?: unknown;
}

function parseCompletion(text: string): Completion | null {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    const choices = (parsed as { choices?: unknown }).choices;
    return choices === undefined || Array.isArray(choices) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * Replays a complete chat completion (mock or cached) as a stream of chunks; null when the
 * text is not a chat completion (never throws: a bad cache entry is a miss, not a 500).
 */
export function completionAsEvents(completionText: string, includeUsage: boolean): string[] | null {
  const completion = parseCompletion(completionText);
  if (!completion) return null;
  const base = {
    id: completion.id ?? 'chatcmpl-gatehouse',
    object: 'chat.completion.chunk',
    created: completion.created ?? Math.floor(Date.now() / 1000),
    model: completion.model ?? '',
  };
  const events: string[] = [];
  for (const choice of completion.choices ?? []) {
    const index = typeof choice?.index === 'number' ? choice.index : 0;
    const content = typeof choice?.message?.content === 'string' ? choice.message.content : '';
    events.push(
      sseEvent({
        ...base,
        choices: [
          { index, delta: { role: 'assistant', content }, finish_reason: null, logprobs: null },
        ],
      }),
      sseEvent({
        ...base,
        choices: [{ index, delta: {}, finish_reason: 'stop', logprobs: null }],
      }),
    );
  }
  if (includeUsage) events.push(sseEvent({ ...base, choices: [], usage: completion.usage }));
  events.push(DONE_EVENT);
  return events;
}

/** The `data:` lines of one SSE event (without its trailing blank line), joined. */
export function dataOf(event: string): string {
  return event
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trimStart())
    .join('\n');
}

export interface StreamScan {
  /** Forward this event (false: the usage chunk we asked for and the client did not). */
  forward: boolean;
  usage: unknown;
  /** The chunk is an error event: relay it only after redacting upstream secrets. */
  error: boolean;
}

/**
 * Looks into one upstream SSE event (without its trailing blank line); the output text of its
 * deltas (content, tool-call arguments…) is appended to `output`, for billing a stream that
 * sent no usage.
 */
export function scanEvent(event: string, clientWantsUsage: boolean, output: string[]): StreamScan {
  const data = dataOf(event);
  if (data === '' || data === '[DONE]') return { forward: true, usage: null, error: false };
  let chunk: { usage?: unknown; choices?: unknown; error?: unknown };
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    return { forward: true, usage: null, error: false };
  }
  if (typeof chunk !== 'object' || chunk === null) {
    return { forward: true, usage: null, error: false };
  }
  const choices = Array.isArray(chunk.choices) ? (chunk.choices as unknown[]) : [];
  deltaStrings(choices, output);
  const usage = chunk.usage ?? null;
  const usageOnly = usage !== null && choices.length === 0;
  return {
    forward: !(usageOnly && !clientWantsUsage),
    usage,
    error: chunk.error !== undefined && chunk.error !== null,
  };
}
