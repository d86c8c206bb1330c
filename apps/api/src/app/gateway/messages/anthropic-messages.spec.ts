import { Readable } from 'node:stream';
import { AppError } from '../../common/errors/app-error';
import { chatBodyOf, messageEvents, messageOf, messagesErrorText } from './anthropic-messages';

const chunk = (payload: object): string => `data: ${JSON.stringify(payload)}\n\n`;
const choice = (delta: object, finish: string | null = null): object => ({
  id: 'chatcmpl-1',
  choices: [{ index: 0, delta, finish_reason: finish }],
});

async function collect(chunks: string[]): Promise<{ type: string; [k: string]: unknown }[]> {
  const out: { type: string }[] = [];
  for await (const event of messageEvents(Readable.from(chunks), 'claude')) {
    const [name, data] = event.trim().split('\n');
    const parsed = JSON.parse(data.slice(6)) as { type: string };
    expect(name).toBe(`event: ${parsed.type}`);
    out.push(parsed);
  }
  return out;
}

describe('chatBodyOf (Anthropic request → OpenAI chat)', () => {
  it('maps system, images, tool_use / tool_result, tools, tool_choice, stop and stream', () => {
    const sut = chatBodyOf({
      model: 'm',
      max_tokens: 10,
      system: [{ type: 'text', text: 'Be brief.' }],
      stop_sequences: ['END'],
      stream: true,
      tool_choice: { type: 'any' },
      tools: [{ name: 'f', description: 'd', input_schema: { type: 'object' } }],
      messages: [
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AA==' } },
          ],
        },
        {
          role: 'assistant',
          content: [{ type: 'tool_use', id: 't1', name: 'f', input: { a: 1 } }],
        },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't1', content: 'ok' }] },
      ],
    });
    expect(sut).toEqual({
      model: 'm',
      max_tokens: 10,
      stop: ['END'],
      stream: true,
      stream_options: { include_usage: true },
      tool_choice: 'required',
      tools: [
        {
          type: 'function',
          function: { name: 'f', description: 'd', parameters: { type: 'object' } },
        },
      ],
      messages: [
        { role: 'system', content: 'Be brief.' },
        {
          role: 'user',
          content: [
            { type: 'text', text: 'look' },
            { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
          ],
        },
        {
          role: 'assistant',
          content: null,
          tool_calls: [
            { id: 't1', type: 'function', function: { name: 'f', arguments: '{"a":1}' } },
          ],
        },
        { role: 'tool', tool_call_id: 't1', content: 'ok' },
      ],
    });
  });

  it.each([
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    [{ model: 'm', max_tokens: 0, messages: [{ role: 'user', content: 'x' }] }, 'max_tokens'],
    [{ model: 'm', max_tokens: 1, messages: [] }, 'messages'],
    [{ model: 'm', max_tokens: 1, messages: [{ role: 'tool', content: 'x' }] }, 'messages'],
  ])('refuses a malformed request with a 400 naming the field (%#)', (body, param) => {
    expect(() => chatBodyOf(body)).toThrow(expect.objectContaining({ status: 400, param }));
  });
});

describe('messageOf (OpenAI answer → Anthropic message)', () => {
  it('maps content, tool calls, finish reason and usage (cache tokens out of input)', () => {
    const completion = {
      id: 'chatcmpl-9',
      choices: [
        {
          message: {
            content: 'hi',
            tool_calls: [{ id: 'c1', function: { name: 'f', arguments: '{"x":2}' } }],
          },
          finish_reason: 'tool_calls',
        },
      ],
      usage: {
        prompt_tokens: 132,
        completion_tokens: 7,
        prompt_tokens_details: { cached_tokens: 100 },
        cache_creation_input_tokens: 20,
      },
    };
    expect(JSON.parse(messageOf(JSON.stringify(completion), 'claude'))).toEqual({
      id: 'msg_chatcmpl-9',
      type: 'message',
      role: 'assistant',
      model: 'claude',
      content: [
        { type: 'text', text: 'hi' },
        { type: 'tool_use', id: 'c1', name: 'f', input: { x: 2 } },
      ],
      stop_reason: 'tool_use',
      stop_sequence: null,
      usage: {
        input_tokens: 12,
        output_tokens: 7,
        cache_creation_input_tokens: 20,
        cache_read_input_tokens: 100,
      },
    });
  });
});

describe('messageEvents (OpenAI chunks → Anthropic events)', () => {
  it('emits the documented order: start, blocks, delta with usage, stop', async () => {
    const events = await collect([
      chunk(choice({ role: 'assistant', content: '' })),
      chunk(choice({ content: 'He' })) + chunk(choice({ content: 'llo' })),
      chunk(
        choice({ tool_calls: [{ index: 0, id: 'c1', function: { name: 'f', arguments: '' } }] }),
      ),
      chunk(choice({ tool_calls: [{ index: 0, function: { arguments: '{"a"' } }] })),
      chunk(choice({ tool_calls: [{ index: 0, function: { arguments: ':1}' } }] })),
      chunk(choice({}, 'tool_calls')),
      chunk({ id: 'chatcmpl-1', choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } }),
      'data: [DONE]\n\n',
    ]);
    expect(events.map((e) => e.type)).toEqual([
      'message_start',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'content_block_start',
      'content_block_delta',
      'content_block_delta',
      'content_block_stop',
      'message_delta',
      'message_stop',
    ]);
    expect(events[5]).toMatchObject({
      index: 1,
      content_block: { type: 'tool_use', id: 'c1', name: 'f' },
    });
    expect(events[7]).toMatchObject({
      index: 1,
      delta: { type: 'input_json_delta', partial_json: ':1}' },
    });
    expect(events[9]).toMatchObject({
      delta: { stop_reason: 'tool_use' },
      usage: { output_tokens: 4, input_tokens: 9 },
    });
  });

  it('turns an error chunk into an error event, and an empty stream into a whole message', async () => {
    const events = await collect([
      chunk({ error: { message: 'upstream down', type: 'upstream_error' } }),
    ]);
    expect(events[0]).toEqual({
      type: 'error',
      error: { type: 'api_error', message: 'upstream down' },
    });
    expect(events.map((e) => e.type).slice(1)).toEqual([
      'message_start',
      'message_delta',
      'message_stop',
    ]);
  });
});

describe('messagesErrorText', () => {
  it("answers in Anthropic's error shape, by status", () => {
    const response = {
      status: 429,
      body: { error: { message: 'slow down', type: 'rate_limit_error', param: null, code: '429' } },
      headers: {},
      unexpected: false,
    };
    expect(JSON.parse(messagesErrorText(response))).toEqual({
      type: 'error',
      error: { type: 'rate_limit_error', message: 'slow down' },
    });
    expect(JSON.parse(messagesErrorText({ ...response, status: 502 })).error.type).toBe(
      'api_error',
    );
    expect(new AppError(400, 'budget_exceeded', 'x').status).toBe(400);
  });
});
