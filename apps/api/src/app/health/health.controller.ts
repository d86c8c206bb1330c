import { Controller, Get, Optional } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { RedisLink, type RedisStatus } from '../cluster/redis-link';
import { Public } from '../common/decorators/public.decorator';
import { AppError } from '../common/errors/app-error';

export interface ReadinessResponse {
  /** `degraded`: serving, but Redis is not (fully) there; see REDIS_FAILURE_MODE. */
  status: 'healthy' | 'degraded';
  db: 'connected';
  /** Only with REDIS_URL. */
  redis?: RedisStatus;
  redis_failure_mode?: 'open' | 'closed';
}

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Optional() private readonly redis?: RedisLink,
  ) {}

  /** The process is up. */
  @Get('liveliness')
  liveliness(): { status: 'healthy' } {
    return { status: 'healthy' };
  }

  /**
   * The process can serve: the database answers (else 503). Redis is reported, not required:
   * every instance shares the one Redis, so taking them all out of a load balancer because of
   * it would only turn the documented answers (local counting, or 503) into refused
   * connections.
   */
  @Get('readiness')
  async readiness(): Promise<ReadinessResponse> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new AppError(503, 'internal_server_error', 'Database is not reachable');
    }
    if (!this.redis) return { status: 'healthy', db: 'connected' };
    const redis = this.redis.status();
    return {
      status: redis === 'ok' ? 'healthy' : 'degraded',
      db: 'connected',
      redis,
      redis_failure_mode: this.redis.failureMode,
    };
  }
}
