import { hasPermission } from '@gatehouse/shared/auth';
import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { PrincipalResolver } from '../common/auth/principal-resolver';
import { safeEqual } from '../common/crypto/tokens';
import { Public } from '../common/decorators/public.decorator';
import { AppError } from '../common/errors/app-error';
import { AppConfig } from '../config/app-config';
import { MetricsService } from './metrics.service';

/**
 * `GET /metrics`: Prometheus text. Admins (metrics.read) through the usual credentials, or a
 * scraper with `Authorization: Bearer $METRICS_SCRAPE_TOKEN`. The route opts out of the
 * global guard only because a scrape token is not a principal; it checks both itself.
 */
@ApiTags('ops')
@ApiBearerAuth()
@Controller('metrics')
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly principals: PrincipalResolver,
    private readonly config: AppConfig,
  ) {}

  @Get()
  @Public()
  async scrape(@Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    await this.authorize(request);
    const body = await this.metrics.render();
    void reply.header('content-type', this.metrics.contentType).send(body);
  }

  private async authorize(request: FastifyRequest): Promise<void> {
    const token = this.config.metricsScrapeToken;
    const authorization = request.headers.authorization;
    if (token && typeof authorization === 'string') {
      const match = /^Bearer +(.*)$/i.exec(authorization.trim());
      if (match && safeEqual(match[1], token)) return;
    }
    const principal = await this.principals.resolve(request);
    if (!principal) throw AppError.unauthorized();
    if (!hasPermission(principal.role, 'metrics.read')) {
      throw AppError.forbidden(
        `Your role (${principal.role}) may not do this (needs metrics.read)`,
      );
    }
  }
}
