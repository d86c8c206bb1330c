/** Server-sent events helpers for chat completion streams. */

export const DONE_EVENT = 'data: [DONE]\n\n';

export function sseEvent(payload: unknown): string {
  return `data: ${JSON.stringify(payload)}\n\n`;
}

interface Completion {
  id?: string;
  created?: number;
  model?: string;
  choices?: { index?: number; message?: { role?: string; content?: unknown } }[];
  usage?: unknown;
}

/** Replays a complete chat completion (mock or cached) as a stream of chunks. */
export function completionAsEvents(completionText: string, includeUsage: boolean): string[] {
  const completion = JSON.parse(completionText) as Completion;
  const base = {
    id: completion.id ?? 'chatcmpl-gatehouse',
    object: 'chat.completion.chunk',
    created: completion.created ?? Math.floor(Date.now() / 1000),
    model: completion.model ?? '',
  };
  const events: string[] = [];
  for (const choice of completion.choices ?? []) {
    const index = choice.index ?? 0;
    const content = typeof choice.message?.content === 'string' ? choice.message.content : '';
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

export interface StreamScan {
  /** Forward this event (false: the usage chunk we asked for and the client did not). */
  forward: boolean;
  usage: { prompt_tokens?: unknown; completion_tokens?: unknown } | null;
  contentChars: number;
}

/** Looks into one upstream SSE event (without its trailing blank line). */
export function scanEvent(event: string, clientWantsUsage: boolean): StreamScan {
  const data = event
    .split('\n')
    .filter((l) => l.startsWith('data:'))
    .map((l) => l.slice(5).trimStart())
    .join('\n');
  if (data === '' || data === '[DONE]') return { forward: true, usage: null, contentChars: 0 };
  let chunk: { usage?: StreamScan['usage']; choices?: { delta?: { content?: unknown } }[] };
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    return { forward: true, usage: null, contentChars: 0 };
  }
  const choices = Array.isArray(chunk.choices) ? chunk.choices : [];
  const contentChars = choices.reduce((sum, c) => {
    const content = c?.delta?.content;
    return sum + (typeof content === 'string' ? content.length : 0);
  }, 0);
  const usage = chunk.usage && typeof chunk.usage === 'object' ? chunk.usage : null;
  const usageOnly = usage !== null && choices.length === 0;
  return { forward: !(usageOnly && !clientWantsUsage), usage, contentChars };
}
