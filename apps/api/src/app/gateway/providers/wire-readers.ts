import { answerStrings } from '../books/token-count';
import { readAnthropicUsage, readUsage, type UsageReading } from '../books/usage';
import { eventData } from './anthropic.adapter';
import type { WireFormat } from './provider-adapter';
import { completionAsEvents, scanEvent } from './sse';

/**
 * What the gateway reads in an answer it relays, per wire format: usage for the books, the
 * output text for billing an answer without usage, and the few events it writes itself (a
 * cached answer replayed as a stream, the error that ends a broken stream). Reading only: the
 * answer itself goes out as it is.
 */
export interface WireReader {
  /** The usage of a JSON answer (parsed once, by the caller). */
  usage(answer: unknown): UsageReading;
  /** The output strings of a JSON answer (billed by count when its usage is not usable). */
  outputOf(answer: unknown): string[];
  /** A scanner for one stream (it may keep state across events). */
  streamScanner(clientWantsUsage: boolean): StreamScanner;
  /** A complete JSON answer (cached or mocked) as the events of a stream; null when it is not one. */
  replay(text: string, includeUsage: boolean): string[] | null;
  /** The event that tells a stream's client the upstream broke off. */
  errorEvent(message: string, type: string, status: number): string;
}

export interface EventScan {
  /** Relay this event (false: the usage chunk Gatehouse asked for and the client did not). */
  forward: boolean;
  /** The event is an error: relay it only after redacting upstream secrets. */
  error: boolean;
  /** The call's usage when this event completes it, else null. */
  usage: UsageReading | null;
}

/** Looks into one SSE event (without its blank line); appends its output text to `output`. */
export type StreamScanner = (event: string, output: string[]) => EventScan;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const sseEvent = (type: string, data: Json): string =>
  `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;

const openAiReader: WireReader = {
  usage: (answer) => readUsage(isObject(answer) ? answer['usage'] : undefined),
  outputOf: answerStrings,
  streamScanner: (clientWantsUsage) => (event, output) => {
    const scan = scanEvent(event, clientWantsUsage, output);
    return {
      forward: scan.forward,
      error: scan.error,
      usage: scan.usage === null ? null : readUsage(scan.usage),
    };
  },
  replay: completionAsEvents,
  errorEvent: (message, type, status) =>
    `data: ${JSON.stringify({ error: { message, type, param: null, code: String(status) } })}\n\n`,
};

/** The text an Anthropic content block produced (what the tokenizer counts). */
function blockOutput(block: Json, out: string[]): void {
  if (typeof block['text'] === 'string') out.push(block['text']);
  if (typeof block['thinking'] === 'string') out.push(block['thinking']);
  if (block['type'] === 'tool_use' || block['type'] === 'server_tool_use') {
    out.push(JSON.stringify(block['input'] ?? {}));
  }
}

/** The output text of one Messages stream delta (text, thinking, tool input). */
function deltaOutput(delta: Json, out: string[]): void {
  const piece = delta['text'] ?? delta['thinking'] ?? delta['partial_json'];
  if (typeof piece === 'string' && piece !== '') out.push(piece);
}

/**
 * Anthropic's stream: usage is `message_start`'s merged with `message_delta`'s (cumulative),
 * complete on `message_stop` — where the anthropic/ translator books it too, so a stream that
 * breaks off before is billed by count on either path.
 */
function anthropicScanner(): StreamScanner {
  let usage: Json = {};
  return (event, output) => {
    const parsed = eventData(event);
    const scan: EventScan = { forward: true, error: false, usage: null };
    if (!parsed) return scan;
    switch (parsed['type']) {
      case 'message_start': {
        const message = parsed['message'];
        if (isObject(message) && isObject(message['usage'])) usage = { ...message['usage'] };
        break;
      }
      case 'content_block_delta':
        if (isObject(parsed['delta'])) deltaOutput(parsed['delta'], output);
        break;
      case 'message_delta':
        if (isObject(parsed['usage'])) usage = { ...usage, ...parsed['usage'] };
        break;
      case 'message_stop':
        scan.usage = readAnthropicUsage(usage);
        break;
      case 'error':
        scan.error = true;
        break;
      default:
        break; // ping, content_block_start / _stop, and event types added later
    }
    return scan;
  };
}

/** One content block as the events that stream it (the deltas Anthropic documents per type). */
function blockEvents(index: number, block: Json): string[] {
  const start = (contentBlock: Json): string =>
    sseEvent('content_block_start', { index, content_block: contentBlock });
  const delta = (d: Json): string => sseEvent('content_block_delta', { index, delta: d });
  const out: string[] = [];
  const type = block['type'];
  if (type === 'text' && typeof block['text'] === 'string') {
    const { text, ...rest } = block;
    out.push(start({ ...rest, text: '' }), delta({ type: 'text_delta', text }));
  } else if (type === 'thinking' && typeof block['thinking'] === 'string') {
    const { thinking, signature, ...rest } = block;
    out.push(start({ ...rest, thinking: '' }), delta({ type: 'thinking_delta', thinking }));
    if (typeof signature === 'string') out.push(delta({ type: 'signature_delta', signature }));
  } else if (type === 'tool_use' || type === 'server_tool_use') {
    const { input, ...rest } = block;
    out.push(
      start({ ...rest, input: {} }),
      delta({ type: 'input_json_delta', partial_json: JSON.stringify(input ?? {}) }),
    );
  } else {
    out.push(start(block)); // redacted_thinking, tool results…: whole in their start event
  }
  out.push(sseEvent('content_block_stop', { index }));
  return out;
}

const anthropicReader: WireReader = {
  usage: (answer) => readAnthropicUsage(isObject(answer) ? answer['usage'] : undefined),
  outputOf: (answer) => {
    const out: string[] = [];
    const content = isObject(answer) ? answer['content'] : undefined;
    for (const block of Array.isArray(content) ? content : []) {
      if (isObject(block)) blockOutput(block, out);
    }
    return out;
  },
  streamScanner: anthropicScanner,
  /** A Messages answer as Anthropic's stream: message_start, each block, message_delta, _stop. */
  replay: (text) => {
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return null;
    }
    if (!isObject(message) || message['type'] !== 'message') return null;
    const { content, stop_reason: stopReason, stop_sequence: stopSequence, ...rest } = message;
    const usage = isObject(message['usage']) ? message['usage'] : {};
    const { output_tokens: output, ...input } = usage;
    const events = [
      sseEvent('message_start', {
        message: {
          ...rest,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { ...input, output_tokens: 0 },
        },
      }),
    ];
    const blocks = Array.isArray(content) ? content.filter(isObject) : [];
    blocks.forEach((block, index) => events.push(...blockEvents(index, block)));
    events.push(
      sseEvent('message_delta', {
        delta: { stop_reason: stopReason ?? null, stop_sequence: stopSequence ?? null },
        usage: { output_tokens: output ?? 0 },
      }),
      sseEvent('message_stop', {}),
    );
    return events;
  },
  errorEvent: (message) => sseEvent('error', { error: { type: 'api_error', message } }),
};

const READERS: Readonly<Record<WireFormat, WireReader>> = {
  openai: openAiReader,
  anthropic: anthropicReader,
};

export function wireReader(format: WireFormat): WireReader {
  return READERS[format];
}
