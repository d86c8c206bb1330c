import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Public } from '../common/decorators/public.decorator';
import { AppError } from '../common/errors/app-error';

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The process is up. */
  @Get('liveliness')
  liveliness(): { status: 'healthy' } {
    return { status: 'healthy' };
  }

  /** The process can serve: the database answers. */
  @Get('readiness')
  async readiness(): Promise<{ status: 'healthy'; db: 'connected' }> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      throw new AppError(503, 'internal_server_error', 'Database is not reachable');
    }
    return { status: 'healthy', db: 'connected' };
  }
}
