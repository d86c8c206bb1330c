/** Token counts an OpenAI-style answer reports. */
export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
}

/** What one `data:` payload of a chat completion stream carries for the playground. */
export interface StreamPart {
  content: string;
  usage: ChatUsage | null;
  /** An error the gateway sent inside the stream (after the 200 was already sent). */
  error: string | null;
}

function isUsage(value: unknown): value is ChatUsage {
  const usage = value as Partial<ChatUsage> | null;
  return (
    typeof usage === 'object' &&
    usage !== null &&
    typeof usage.prompt_tokens === 'number' &&
    typeof usage.completion_tokens === 'number'
  );
}

/** One `data:` payload; null for `[DONE]` and for text that is not a JSON object. */
export function parseStreamData(data: string): StreamPart | null {
  if (data === '[DONE]') return null;
  let chunk: {
    choices?: { delta?: { content?: unknown } }[];
    usage?: unknown;
    error?: { message?: unknown };
  };
  try {
    chunk = JSON.parse(data) as typeof chunk;
  } catch {
    return null;
  }
  if (typeof chunk !== 'object' || chunk === null) return null;
  const content = chunk.choices?.[0]?.delta?.content;
  const error = chunk.error;
  return {
    content: typeof content === 'string' ? content : '',
    usage: isUsage(chunk.usage)
      ? { ...chunk.usage, total_tokens: chunk.usage.prompt_tokens + chunk.usage.completion_tokens }
      : null,
    error: error
      ? typeof error.message === 'string'
        ? error.message
        : 'The stream ended with an error'
      : null,
  };
}

/**
 * Splits server-sent events as they arrive (a network chunk may end mid-event) into the
 * payloads of their `data:` lines.
 */
export class SseDecoder {
  private buffer = '';

  push(text: string): string[] {
    this.buffer += text.replace(/\r\n/g, '\n');
    const events = this.buffer.split('\n\n');
    this.buffer = events.pop() ?? '';
    return events.flatMap((event) => {
      const data = event
        .split('\n')
        .filter((line) => line.startsWith('data:'))
        .map((line) => line.slice(5).replace(/^ /, ''));
      return data.length ? [data.join('\n')] : [];
    });
  }

  /** What is left when the stream ends (an event without its closing blank line). */
  end(): string[] {
    const rest = this.buffer;
    this.buffer = '';
    return rest.trim() ? this.push(`${rest}\n\n`) : [];
  }
}
