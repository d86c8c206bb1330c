import { AppError } from '../../common/errors/app-error';
import type { ModelDeployment } from '../../models/model-deployment';
import { parseGatewayRequest } from '../gateway-request';
import { upstreamStatusError } from './upstream-client';
import {
  ANTHROPIC_VERSION,
  anthropicAdapter,
  anthropicStreamTranslator,
  finishReasonOf,
} from './anthropic.adapter';
import answers from './fixtures/anthropic-answers.json';
import requests from './fixtures/anthropic-requests.json';
import stream from './fixtures/anthropic-stream.json';

const deployment = {
  id: 'd1',
  providerModel: 'anthropic/claude-sonnet-4-5',
  upstreamModel: 'claude-sonnet-4-5',
  apiBase: 'https://api.anthropic.com',
  apiKey: 'sk-ant-secret-123',
} as ModelDeployment;

const sut = anthropicAdapter;

describe('anthropicAdapter.request (recorded OpenAI → Anthropic pairs)', () => {
  it.each(requests.map((r) => [r.name, r] as const))('%s', (_name, pair) => {
    const call = sut.request(deployment, parseGatewayRequest('chat_completion', pair.openai));
    expect(call.path).toBe('/v1/messages');
    expect(JSON.parse(call.body)).toEqual(pair.anthropic);
  });

  it('uses /messages below an api_base that ends in /v1', () => {
    const request = parseGatewayRequest('chat_completion', requests[0].openai);
    expect(sut.request({ ...deployment, apiBase: 'http://h/v1' }, request).path).toBe('/messages');
  });

  it('sends a /v1/messages body as it came, with the deployment model', () => {
    const request = parseGatewayRequest('chat_completion', requests[0].openai);
    const anthropicBody = {
      model: 'alias',
      max_tokens: 7,
      messages: [],
      thinking: { type: 'enabled' },
    };
    const call = sut.request(deployment, { ...request, anthropicBody });
    expect(JSON.parse(call.body)).toEqual({ ...anthropicBody, model: 'claude-sonnet-4-5' });
  });

  it('refuses embeddings and tool arguments that are not JSON (400, never a 500)', () => {
    expect(() =>
      sut.request(deployment, parseGatewayRequest('embedding', { model: 'm', input: 'x' })),
    ).toThrow(AppError);
    const bad = {
      model: 'm',
      messages: [
        {
          role: 'assistant',
          tool_calls: [{ id: 't', function: { name: 'f', arguments: '{oops' } }],
        },
      ],
    };
    expect(() => sut.request(deployment, parseGatewayRequest('chat_completion', bad))).toThrow(
      expect.objectContaining({ status: 400 }),
    );
  });

  it('sends x-api-key and anthropic-version, never an Authorization header', () => {
    expect(sut.headers(deployment)).toEqual({
      'x-api-key': 'sk-ant-secret-123',
      'anthropic-version': ANTHROPIC_VERSION,
    });
  });
});

describe('anthropicAdapter.answer (recorded Anthropic → OpenAI pairs)', () => {
  beforeEach(() => jest.useFakeTimers({ now: 1_700_000_000_000 }));
  afterEach(() => jest.useRealTimers());

  it.each(answers.map((a) => [a.name, a] as const))('%s', (_name, pair) => {
    expect(JSON.parse(sut.answer(JSON.stringify(pair.anthropic), {} as never))).toEqual(
      pair.openai,
    );
  });

  it('leaves what is not a message alone', () => {
    expect(sut.answer('<html>', {} as never)).toBe('<html>');
    expect(sut.answer('{"type":"error"}', {} as never)).toBe('{"type":"error"}');
  });

  it.each([
    ['end_turn', 'stop'],
    ['stop_sequence', 'stop'],
    ['max_tokens', 'length'],
    ['tool_use', 'tool_calls'],
    ['refusal', 'content_filter'],
    ['pause_turn', 'stop'],
  ])('stop_reason %s → finish_reason %s', (stop, finish) => {
    expect(finishReasonOf(stop)).toBe(finish);
  });
});

describe('anthropicStreamTranslator (a recorded stream, event by event)', () => {
  it('translates each documented event in order, ending with usage and [DONE]', () => {
    const translate = anthropicStreamTranslator();
    stream.anthropic.forEach((event, i) => {
      const out = translate(event);
      const expected = stream.openai[i];
      if (expected[0] === 'usage') {
        expect(out).toHaveLength(2);
        expect(JSON.parse(out[0].slice(6))).toMatchObject({ choices: [], usage: stream.usage });
        expect(out[1]).toBe('data: [DONE]');
        return;
      }
      expect(out.map((e) => JSON.parse(e.slice(6)) as { choices: unknown[] })).toEqual(
        expected.map((choice) => ({
          id: 'msg_03',
          object: 'chat.completion.chunk',
          created: expect.any(Number),
          model: 'claude-sonnet-4-5',
          choices: [{ index: 0, logprobs: null, ...(choice as object) }],
        })),
      );
    });
  });

  it('turns an error event into an OpenAI-style error event', () => {
    const event =
      'event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}';
    const [out] = anthropicStreamTranslator()(event);
    expect(JSON.parse(out.slice(6))).toEqual({
      error: {
        message: 'Overloaded',
        type: 'upstream_error',
        param: null,
        code: 'overloaded_error',
      },
    });
  });

  it('ignores what is not JSON and unknown event types', () => {
    const translate = anthropicStreamTranslator();
    expect(translate(': comment')).toEqual([]);
    expect(translate('data: {oops')).toEqual([]);
    expect(translate('event: x\ndata: {"type":"future_event"}')).toEqual([]);
  });
});

describe('Anthropic error bodies', () => {
  it('are relayed as OpenAI-style errors with the key redacted', () => {
    const body = JSON.stringify({
      type: 'error',
      error: { type: 'authentication_error', message: 'invalid x-api-key sk-ant-secret-123' },
    });
    const error = upstreamStatusError(401, body, deployment.apiKey);
    expect(error.status).toBe(401);
    expect(error.message).toContain('invalid x-api-key');
    expect(error.message).not.toContain('secret-123');
    expect(
      upstreamStatusError(
        529,
        '{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}',
        null,
      ).status,
    ).toBe(502);
  });
});
