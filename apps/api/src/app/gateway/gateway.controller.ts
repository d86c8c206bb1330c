import type { OpenAiModelList } from '@gatehouse/shared/dto';
import { Body, Controller, Get, HttpCode, Post, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { MetricsService } from '../metrics/metrics.service';
import { GatewayService, type CallContext, type GatewayResult } from './gateway.service';

export const OVERHEAD_HEADER = 'x-gatehouse-overhead-ms';

/**
 * The OpenAI-compatible surface. Bodies are relayed as they are (the service checks the few
 * fields it needs), so they bypass the DTO ValidationPipe on purpose (`unknown`).
 */
@ApiTags('gateway')
@ApiBearerAuth()
@Controller()
export class GatewayController {
  constructor(
    private readonly gateway: GatewayService,
    private readonly metrics: MetricsService,
  ) {}

  @Post(['v1/chat/completions', 'chat/completions'])
  @HttpCode(200)
  @RequirePermission('gateway.call')
  chat(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.respond(reply, 'chat_completion', (ctx) => this.gateway.chat(principal, body, ctx));
  }

  @Post(['v1/embeddings', 'embeddings'])
  @HttpCode(200)
  @RequirePermission('gateway.call')
  embeddings(
    @CurrentPrincipal() principal: Principal,
    @Body() body: unknown,
    @Res() reply: FastifyReply,
  ): Promise<void> {
    return this.respond(reply, 'embedding', (ctx) => this.gateway.embeddings(principal, body, ctx));
  }

  @Get(['v1/models', 'models'])
  @RequirePermission('gateway.call')
  models(
    @CurrentPrincipal() principal: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): OpenAiModelList {
    const list = this.gateway.listModels(principal);
    void reply.header(OVERHEAD_HEADER, reply.elapsedTime.toFixed(3));
    return list;
  }

  /**
   * Binds one gateway call to HTTP: aborts the upstream call when the client goes away,
   * stamps the Gatehouse overhead (elapsed minus upstream time) on every answer, errors too.
   */
  private async respond(
    reply: FastifyReply,
    callType: string,
    run: (ctx: CallContext) => Promise<GatewayResult>,
  ): Promise<void> {
    const abort = new AbortController();
    const ctx: CallContext = { signal: abort.signal, upstreamMs: 0 };
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) abort.abort();
    });
    const overhead = (): number => {
      const ms = Math.max(0, reply.elapsedTime - ctx.upstreamMs);
      this.metrics.overhead.observe({ call_type: callType }, ms / 1000);
      return ms;
    };
    let result: GatewayResult;
    try {
      result = await run(ctx);
    } catch (error) {
      void reply.header(OVERHEAD_HEADER, overhead().toFixed(3));
      throw error;
    }
    void reply.header(OVERHEAD_HEADER, overhead().toFixed(3));
    if (result.kind === 'json') {
      await reply.status(200).header('content-type', 'application/json').send(result.text);
      return;
    }
    const stream = result.stream;
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) stream.destroy();
    });
    await reply
      .status(200)
      .headers({
        'content-type': 'text/event-stream',
        'cache-control': 'no-cache',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      })
      .send(stream);
  }
}
