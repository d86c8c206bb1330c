import { Readable } from 'node:stream';
import type { Principal } from '../../common/auth/principal';
import type { ModelDeployment } from '../../models/model-deployment';
import type { AdmittedCall } from '../admission/admission';
import { success } from '../books/books';
import type { GatewayRequest } from '../gateway-request';
import { GatewayService, type CallContext, type GatewayResult } from '../gateway.service';
import { anthropicAdapter } from '../providers/anthropic.adapter';
import recorded from '../providers/fixtures/anthropic-passthrough.json';
import { openAiAdapter } from '../providers/openai.adapter';
import type { ProviderAdapter } from '../providers/provider-adapter';
import { ClientSignal, type UpstreamResponse } from '../providers/upstream-client';
import { wireReader } from '../providers/wire-readers';

/**
 * `/v1/messages` on an anthropic/ deployment, from recorded answers (fixtures/
 * anthropic-passthrough.json): the answer leaves byte for byte (JSON) and event for event (SSE),
 * and the books get Anthropic's usage, cache reads and writes priced. The stages around the
 * service (admission, cache, router, books) are fakes here; the e2e specs run the real ones.
 */

const deployment = {
  id: 'dep-claude',
  providerModel: 'anthropic/claude-sonnet-4-5',
  upstreamModel: 'claude-sonnet-4-5',
  apiBase: 'http://127.0.0.1:9',
  apiKey: 'sk-ant-secret-1234',
  inputCostPerToken: 1e-6,
  outputCostPerToken: 2e-6,
  cacheReadCostPerToken: 1e-7,
  cacheWriteCostPerToken: 1.25e-6,
} as ModelDeployment;

const MESSAGES_BODY = {
  model: 'claude',
  max_tokens: 2048,
  thinking: { type: 'enabled', budget_tokens: 1024 },
  messages: [{ role: 'user', content: 'hi' }],
};

/** The upstream's body in pieces of `size` bytes (events split across reads, as on a socket). */
function upstreamBody(text: string, size = 13): UpstreamResponse['body'] {
  const bytes = Buffer.from(text);
  const pieces: Buffer[] = [];
  for (let at = 0; at < bytes.length; at += size) pieces.push(bytes.subarray(at, at + size));
  return Object.assign(Readable.from(pieces), {
    text: () => Promise.resolve(text),
  }) as unknown as UpstreamResponse['body'];
}

function setup(upstreamText: string, adapter: ProviderAdapter = anthropicAdapter) {
  const finish = jest.fn();
  const store = jest.fn();
  let admitted: AdmittedCall | null = null;
  const admission = {
    admit: (_principal: Principal, request: GatewayRequest): Promise<AdmittedCall> => {
      admitted = {
        requestId: 'req-1',
        request,
        servedBy: deployment,
        deployments: [deployment],
        attemptedRetries: 0,
        attemptedFallbacks: 0,
        promptEstimate: 50,
        finished: false,
      } as unknown as AdmittedCall;
      return Promise.resolve(admitted);
    },
  };
  const router = {
    send: () =>
      Promise.resolve({
        deployment,
        adapter,
        response: { statusCode: 200, headers: {}, body: upstreamBody(upstreamText) },
      }),
  };
  const books = { finish, noteUsageProblem: jest.fn(), finishByCount: jest.fn() };
  const cached = { lookup: () => Promise.resolve(null), store };
  const service = new GatewayService(
    admission as never,
    cached as never,
    router as never,
    books as never,
    {} as never,
    {} as never,
  );
  const ctx = (): CallContext => ({ signal: new ClientSignal(), upstreamMs: 0, bodyBytes: 100 });
  return { service, ctx, finish, store, books, call: () => admitted as unknown as AdmittedCall };
}

async function streamed(result: GatewayResult): Promise<string> {
  if (result.kind !== 'stream') throw new Error('expected a stream');
  let text = '';
  for await (const chunk of result.stream) text += String(chunk);
  return text;
}

const principal = {} as Principal;

describe('/v1/messages passthrough: recorded JSON answers leave byte for byte', () => {
  it.each(recorded.answers.map((a) => [a.name, a] as const))('%s', async (_name, fixture) => {
    const { service, ctx, finish, store, books, call } = setup(fixture.answer);
    const result = await service.messages(principal, MESSAGES_BODY, ctx());
    expect(result).toMatchObject({ kind: 'json', format: 'anthropic' });
    expect(result.kind === 'json' && result.text).toBe(fixture.answer);
    const { prompt, completion, read, write } = fixture.usage;
    const outcome = success(call(), prompt, completion, { read, write });
    expect(finish).toHaveBeenCalledWith(call(), outcome);
    expect(books.finishByCount).not.toHaveBeenCalled();
    expect(store).toHaveBeenCalledWith(call(), fixture.answer, outcome, 'anthropic');
    // The body the upstream got: the caller's own, with the deployment's model id.
    expect(JSON.parse(anthropicAdapter.request(deployment, call().request).body)).toEqual({
      ...MESSAGES_BODY,
      model: 'claude-sonnet-4-5',
    });
  });

  it('prices cache reads and writes at their own prices', () => {
    const [first] = recorded.answers; // 24 uncached + 1500 written, 112 out
    const { prompt, completion, read, write } = first.usage;
    const outcome = success({ servedBy: deployment } as AdmittedCall, prompt, completion, {
      read,
      write,
    });
    expect(outcome.spendNanos).toBe(24 * 1_000 + 1_500 * 1_250 + 112 * 2_000);
  });

  it('bills an answer without usable usage by count of its output (thinking and text)', async () => {
    const answer = JSON.parse(recorded.answers[0].answer) as Record<string, unknown>;
    const text = JSON.stringify({ ...answer, usage: { input_tokens: -1, output_tokens: 3 } });
    const { service, ctx, finish, books } = setup(text);
    const result = await service.messages(principal, MESSAGES_BODY, ctx());
    expect(result.kind === 'json' && result.text).toBe(text);
    expect(finish).not.toHaveBeenCalled();
    expect(books.noteUsageProblem).toHaveBeenCalledWith(expect.anything(), {
      kind: 'invalid',
      field: 'input_tokens',
    });
    const output = (books.finishByCount.mock.calls[0] as [unknown, () => string[]])[1]();
    expect(output.join(' ')).toContain('I count the letters');
    expect(output.join(' ')).toContain('three r');
  });

  it('translates the same answer for /v1/chat/completions (OpenAI shape, same books)', async () => {
    const [fixture] = recorded.answers;
    const { service, ctx, finish, store, call } = setup(fixture.answer);
    const result = await service.chat(
      principal,
      { model: 'claude', messages: [{ role: 'user', content: 'hi' }] },
      ctx(),
    );
    expect(result.format).toBe('openai');
    const text = result.kind === 'json' ? result.text : '';
    expect(JSON.parse(text)).toMatchObject({ object: 'chat.completion' });
    const { prompt, completion, read, write } = fixture.usage;
    expect(finish).toHaveBeenCalledWith(
      call(),
      success(call(), prompt, completion, { read, write }),
    );
    expect(store).toHaveBeenCalledWith(call(), text, expect.anything(), 'openai');
  });
});

describe('/v1/messages passthrough: recorded streams leave event for event', () => {
  it.each(recorded.streams.map((s) => [s.name, s] as const))('%s', async (_name, fixture) => {
    const upstream = fixture.events.map((e) => `${e}\n\n`).join('');
    const { service, ctx, finish, books, call } = setup(upstream);
    const result = await service.messages(principal, { ...MESSAGES_BODY, stream: true }, ctx());
    expect(result.format).toBe('anthropic');
    const text = await streamed(result);
    expect(text).toBe(upstream);
    expect(text.split('\n\n').slice(0, -1)).toEqual(fixture.events);
    const { prompt, completion, read, write } = fixture.usage;
    expect(finish).toHaveBeenCalledWith(
      call(),
      success(call(), prompt, completion, { read, write }),
    );
    expect(books.finishByCount).not.toHaveBeenCalled();
  });

  it('bills a stream cut before message_stop by count, as the translated path does', async () => {
    const [fixture] = recorded.streams;
    const upstream = fixture.events
      .slice(0, 5)
      .map((e) => `${e}\n\n`)
      .join('');
    const { service, ctx, finish, books } = setup(upstream);
    const result = await service.messages(principal, { ...MESSAGES_BODY, stream: true }, ctx());
    expect(await streamed(result)).toBe(upstream);
    expect(finish).not.toHaveBeenCalled();
    const [, output, failed] = books.finishByCount.mock.calls[0] as [
      unknown,
      () => string[],
      string | null,
    ];
    expect(output()).toEqual([
      'I need to find the GCD of 1071 and 462',
      ' using the Euclidean algorithm.',
    ]);
    expect(failed).toBeNull(); // ended cleanly, just short: counted like an answer without usage
  });

  it('redacts the upstream key from an error event, leaving every other event as it came', async () => {
    const [fixture] = recorded.streams;
    const error = `event: error\ndata: {"type":"error","error":{"type":"overloaded_error","message":"key ${deployment.apiKey} overloaded"}}`;
    const events = [...fixture.events.slice(0, 3), error];
    const { service, ctx } = setup(events.map((e) => `${e}\n\n`).join(''));
    const result = await service.messages(principal, { ...MESSAGES_BODY, stream: true }, ctx());
    const out = (await streamed(result)).split('\n\n').slice(0, -1);
    expect(out.slice(0, 3)).toEqual(fixture.events.slice(0, 3));
    expect(out[3]).toContain('overloaded_error');
    expect(out[3]).not.toContain(deployment.apiKey as string);
  });

  it('translates an openai/ fallback stream into Anthropic events instead', async () => {
    const chunk = (delta: object, extra: object = {}): string =>
      `data: ${JSON.stringify({ id: 'c1', choices: [{ index: 0, delta, finish_reason: null }], ...extra })}\n\n`;
    const upstream = `${chunk({ role: 'assistant', content: 'Hi' })}${chunk(
      {},
      { choices: [], usage: { prompt_tokens: 4, completion_tokens: 1 } },
    )}data: [DONE]\n\n`;
    const { service, ctx, finish, call } = setup(upstream, openAiAdapter);
    const result = await service.messages(principal, { ...MESSAGES_BODY, stream: true }, ctx());
    const text = await streamed(result);
    expect(text.startsWith('event: message_start\n')).toBe(true);
    expect(text).toContain('"text_delta","text":"Hi"');
    expect(finish).toHaveBeenCalledWith(call(), success(call(), 4, 1));
  });
});

describe('a cached Messages answer replayed as a stream', () => {
  it.each(recorded.answers.map((a) => [a.name, a] as const))(
    '%s: the events carry the same usage',
    (_name, fixture) => {
      const reader = wireReader('anthropic');
      const events = reader.replay(fixture.answer, true) ?? [];
      expect(events[0]).toMatch(/^event: message_start\n/);
      expect(events[events.length - 1]).toBe(
        'event: message_stop\ndata: {"type":"message_stop"}\n\n',
      );
      const scan = reader.streamScanner(true);
      const output: string[] = [];
      const usage = events.map((e) => scan(e.trimEnd(), output).usage).filter(Boolean);
      expect(usage).toEqual([reader.usage(JSON.parse(fixture.answer))]);
      expect(output).toEqual(reader.outputOf(JSON.parse(fixture.answer)));
    },
  );

  it('is not a replay when the text is not a message', () => {
    expect(wireReader('anthropic').replay('{"choices":[]}', true)).toBeNull();
    expect(wireReader('anthropic').replay('<html>', true)).toBeNull();
  });
});
