import { hasPermission } from '@gatehouse/shared/auth';
import type { ModelInfoResponse, OpenAiModelList } from '@gatehouse/shared/dto';
import { Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import type { Principal } from '../common/auth/principal';
import { AppError } from '../common/errors/app-error';
import { Clock } from '../common/time/clock';
import { ModelRegistry } from '../models/model-registry';
import { toModelResponse } from '../models/model-response';
import { Admission, type AdmittedCall } from './admission/admission';
import { estimateTokens } from './admission/hold-estimate';
import { Books, failure, success } from './books/books';
import type { UsageReading } from './books/usage';
import { CachedAnswers } from './cache/cached-answers';
import { isCacheableAnswer } from './cache/response-cache';
import { parseGatewayRequest, type GatewayRequest } from './gateway-request';
import { asMessagesResult, messagesRequest } from './messages/anthropic-messages';
import { answerFormat, type WireFormat } from './providers/provider-adapter';
import { completionAsEvents } from './providers/sse';
import { redactUpstreamSecrets } from './providers/upstream-error-redaction';
import { ClientGoneError, ClientSignal, transportError } from './providers/upstream-client';
import { wireReader } from './providers/wire-readers';
import { Router, routingHeaders, type RoutedResponse } from './router/router';

export { modelNotFound } from './admission/admission';

/** Per request, shared with the handler: abort signal and body size in, upstream time out. */
export interface CallContext {
  signal: ClientSignal;
  /** Milliseconds spent waiting for the upstream (set by the service). */
  upstreamMs: number;
  /** Size of the request body in bytes (set by the handler; bounds the budget hold). */
  bodyBytes: number;
}

/**
 * The answer, in `format` (OpenAI's, or Anthropic's when a `/v1/messages` answer passed
 * through); `headers` (the router's `x-gatehouse-*`) when an upstream served it.
 */
export type GatewayResult =
  | { kind: 'json'; text: string; format: WireFormat; headers?: Readonly<Record<string, string>> }
  | {
      kind: 'stream';
      stream: Readable;
      format: WireFormat;
      headers?: Readonly<Record<string, string>>;
    };

/** The upstream's JSON answer, parsed once (the only parse before the answer leaves). */
function parseAnswer(text: string): { parsed: unknown; ok: boolean } {
  try {
    return { parsed: JSON.parse(text) as unknown, ok: true };
  } catch {
    return { parsed: null, ok: false };
  }
}

/** A failure's error type as the books record it (upstream errors arrive as AppErrors). */
function errorTypeOf(error: unknown): string {
  if (error instanceof AppError) return error.type;
  return error instanceof ClientGoneError ? 'client_disconnected' : 'internal_error';
}

/**
 * The hot path, one stage per module (DESIGN.md): admission (`admission/`) → cache (`cache/`) →
 * router (`router/`) → provider adapter (`providers/`) → books (`books/`). This file only runs
 * the stages in order and relays the answer; no database access anywhere on the way.
 */
@Injectable()
export class GatewayService {
  constructor(
    private readonly admission: Admission,
    private readonly cached: CachedAnswers,
    private readonly router: Router,
    private readonly books: Books,
    private readonly registry: ModelRegistry,
    private readonly clock: Clock,
  ) {}

  listModels(principal: Principal): OpenAiModelList {
    const caller = this.admission.caller(principal);
    const created = Math.floor(this.clock.nowMs() / 1000);
    return {
      object: 'list',
      data: this.registry
        .names()
        .filter((name) => this.admission.mayUse(caller, name))
        .map((id) => ({ id, object: 'model' as const, created, owned_by: 'gatehouse' })),
    };
  }

  /**
   * `/model/info`: admins (`model.write`) see every deployment with its `api_base` and the
   * masked key; anyone else only the models they may call, without `api_base` or key.
   */
  modelInfo(principal: Principal): ModelInfoResponse {
    if (hasPermission(principal.role, 'model.write')) {
      return { data: this.registry.list().map((m) => toModelResponse(m, 'admin')) };
    }
    const caller = this.admission.caller(principal);
    return {
      data: this.registry
        .list()
        .filter((m) => this.admission.mayUse(caller, m.modelName))
        .map((m) => toModelResponse(m, 'caller')),
    };
  }

  /** Resolves once every settlement in progress has booked its outcome (tests, shutdown). */
  settled(): Promise<void> {
    return this.books.settled();
  }

  chat(principal: Principal, body: unknown, ctx: CallContext): Promise<GatewayResult> {
    return this.call(principal, parseGatewayRequest('chat_completion', body), ctx);
  }

  embeddings(principal: Principal, body: unknown, ctx: CallContext): Promise<GatewayResult> {
    return this.call(principal, parseGatewayRequest('embedding', body), ctx);
  }

  /** `/v1/messages`: the same call as a chat completion, in Anthropic's format at the edge. */
  async messages(principal: Principal, body: unknown, ctx: CallContext): Promise<GatewayResult> {
    const request = messagesRequest(body);
    return asMessagesResult(await this.call(principal, request, ctx), request.model);
  }

  private async call(
    principal: Principal,
    request: GatewayRequest,
    ctx: CallContext,
  ): Promise<GatewayResult> {
    const call = await this.admission.admit(principal, request, ctx.bodyBytes);
    try {
      const cached = await this.fromCache(call);
      if (cached) return cached;
      if (request.mockResponse !== null) return await this.mock(call, request.mockResponse);
      return await this.forward(call, ctx);
    } catch (error) {
      // Anything not booked yet (an upstream error, or a bug) still releases its hold.
      await this.books.finish(call, failure(errorTypeOf(error)));
      if (error instanceof ClientGoneError) {
        throw new AppError(499, 'upstream_error', 'Client disconnected');
      }
      throw error;
    }
  }

  private async fromCache(call: AdmittedCall): Promise<GatewayResult | null> {
    const found = await this.cached.lookup(call);
    if (!found) return null;
    const { hit } = found;
    const format = hit.format ?? 'openai';
    // Chat's keys never hold Anthropic answers (cacheKey), but a wrong shape is a miss anyway.
    const wrongShape = format === 'anthropic' && call.request.anthropicBody === null;
    const events =
      call.request.stream && !wrongShape
        ? wireReader(format).replay(hit.text, call.request.includeUsage)
        : null;
    if (wrongShape || (call.request.stream && !events)) {
      // Never stored any more (only chat completions and messages are), but a bad entry is a miss.
      found.forget();
      return null;
    }
    await this.books.finish(call, {
      status: 'success',
      promptTokens: hit.promptTokens,
      completionTokens: hit.completionTokens,
      spendNanos: 0,
      savedNanos: hit.costNanos,
      cacheHit: true,
      errorType: null,
    });
    return events
      ? { kind: 'stream', stream: Readable.from(events), format }
      : { kind: 'json', text: hit.text, format };
  }

  /** A mock answer as JSON, or replayed as a stream when the client asked for one. */
  private async mock(call: AdmittedCall, content: string): Promise<GatewayResult> {
    const promptTokens = call.promptEstimate;
    const completionTokens = estimateTokens(content.length);
    const text = JSON.stringify({
      id: `chatcmpl-${call.requestId}`,
      object: 'chat.completion',
      created: Math.floor(call.startMs / 1000),
      model: call.request.model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content },
          finish_reason: 'stop',
          logprobs: null,
        },
      ],
      usage: {
        prompt_tokens: promptTokens,
        completion_tokens: completionTokens,
        total_tokens: promptTokens + completionTokens,
      },
    });
    const outcome = success(call, promptTokens, completionTokens);
    this.cached.store(call, text, outcome);
    await this.books.finish(call, outcome);
    const events = call.request.stream ? completionAsEvents(text, call.request.includeUsage) : null;
    return events
      ? { kind: 'stream', stream: Readable.from(events), format: 'openai' }
      : { kind: 'json', text, format: 'openai' };
  }

  private async forward(call: AdmittedCall, ctx: CallContext): Promise<GatewayResult> {
    const sent = performance.now();
    let routed: RoutedResponse;
    try {
      routed = await this.router.send(call, ctx.signal);
    } finally {
      ctx.upstreamMs = performance.now() - sent;
    }
    const headers = routingHeaders(call);
    // The caller's format when the serving adapter speaks it (passed through), else OpenAI's.
    const format = answerFormat(routed.adapter, call.request);
    const native = routed.adapter.format === format;
    if (call.request.stream) {
      const stream = Readable.from(this.relay(call, routed, format, ctx.signal));
      return { kind: 'stream', stream, format, headers };
    }
    let text: string;
    try {
      text = await routed.response.body.text();
      if (!native) text = routed.adapter.answer(text, call.request);
    } catch (error) {
      throw transportError(error, ctx.signal);
    } finally {
      ctx.upstreamMs = performance.now() - sent;
    }
    const reader = wireReader(format);
    const answer = parseAnswer(text);
    const cacheable = answer.ok && isCacheableAnswer(call.request.callType, answer.parsed, format);
    const usage = reader.usage(answer.parsed);
    this.books.noteUsageProblem(call, usage);
    if (usage.kind === 'ok') {
      const outcome = success(call, usage.prompt, usage.completion, usage.cache);
      if (cacheable) this.cached.store(call, text, outcome, format);
      await this.books.finish(call, outcome);
    } else {
      this.books.finishByCount(
        call,
        () => reader.outputOf(answer.parsed),
        null,
        (outcome) => {
          if (cacheable) this.cached.store(call, text, outcome, format);
        },
      );
    }
    return { kind: 'json', text, format, headers };
  }

  /**
   * Relays upstream SSE events as they come: unchanged when the stream is already in `format`,
   * else through the provider's translator (to OpenAI's); books the usage the format's reader
   * finds (OpenAI's final chunk, Anthropic's message_start + message_delta), or counts the
   * output seen when the upstream sent no usable usage. Error events are redacted.
   */
  private async *relay(
    call: AdmittedCall,
    routed: RoutedResponse,
    format: WireFormat,
    signal: ClientSignal,
  ): AsyncGenerator<string> {
    const apiKey = routed.deployment.apiKey;
    const reader = wireReader(format);
    const scan = reader.streamScanner(call.request.includeUsage);
    const translate =
      routed.adapter.format === format ? null : routed.adapter.streamTranslator(call.request);
    const decoder = new TextDecoder();
    let buffer = '';
    let usage: UsageReading = { kind: 'absent' };
    const output: string[] = [];
    let failed: string | null = null;
    let completed = false;
    const handle = (event: string): string | null => {
      const seen = scan(event, output);
      if (seen.usage !== null) usage = seen.usage;
      if (!seen.forward) return null;
      return seen.error ? `${redactUpstreamSecrets(event, apiKey)}\n\n` : `${event}\n\n`;
    };
    const events = (upstreamEvent: string): readonly string[] =>
      translate ? translate(upstreamEvent) : [upstreamEvent];
    try {
      for await (const chunk of routed.response.body as AsyncIterable<Buffer>) {
        buffer += decoder.decode(chunk, { stream: true }).replace(/\r\n/g, '\n');
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const upstreamEvent = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          for (const event of events(upstreamEvent)) {
            const out = handle(event);
            if (out !== null) yield out;
          }
        }
      }
      if (buffer.trim() !== '') {
        for (const event of events(buffer.trimEnd())) {
          const out = handle(event);
          if (out !== null) yield out;
        }
      }
      completed = true;
    } catch (error) {
      const mapped = transportError(error, signal);
      failed = mapped instanceof AppError ? mapped.type : 'client_disconnected';
      completed = true;
      if (!(mapped instanceof ClientGoneError)) {
        yield reader.errorEvent(mapped.message, failed, (mapped as AppError).status);
      }
    } finally {
      // Also reached when the client goes away mid-stream (the generator is closed early).
      const final = usage as UsageReading;
      const broke = failed ?? (completed ? null : 'client_disconnected');
      this.books.noteUsageProblem(call, final);
      if (final.kind === 'ok' && broke === null) {
        await this.books.finish(call, success(call, final.prompt, final.completion, final.cache));
      } else {
        // A stream that broke off is billed for what was produced: the prompt and the output seen.
        this.books.finishByCount(call, () => output, broke);
      }
    }
  }
}
