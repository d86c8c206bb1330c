import {
  DailyActivityQuery,
  DateRangeQuery,
  SpendLogsQuery,
  SpendReportQuery,
  type CacheHitsResponse,
  type GlobalActivityResponse,
  type SpendLogsResponse,
  type SpendReportResponse,
} from '@gatehouse/shared/dto';
import { Controller, Get, Header, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { SpendService } from './spend.service';

/** Spend and usage analytics; what each caller sees is decided by SpendService.visibleUserId. */
@ApiTags('spend')
@ApiBearerAuth()
@Controller()
export class SpendController {
  constructor(private readonly spend: SpendService) {}

  @Get('spend/logs')
  @RequirePermission('spend.read.self')
  logs(
    @CurrentPrincipal() principal: Principal,
    @Query() query: SpendLogsQuery,
  ): Promise<SpendLogsResponse> {
    return this.spend.logs(principal, query);
  }

  /** A DailyActivityResponse, sent as the JSON text the service writes (see there). */
  @Get('user/daily/activity')
  @RequirePermission('spend.read.self')
  @Header('content-type', 'application/json; charset=utf-8')
  @ApiOkResponse({ description: 'DailyActivityResponse: per day metrics, by model and by key' })
  dailyActivity(
    @CurrentPrincipal() principal: Principal,
    @Query() query: DailyActivityQuery,
  ): Promise<string> {
    return this.spend.dailyActivity(principal, query);
  }

  @Get('global/activity')
  @RequirePermission('spend.read.self')
  globalActivity(
    @CurrentPrincipal() principal: Principal,
    @Query() query: DateRangeQuery,
  ): Promise<GlobalActivityResponse> {
    return this.spend.globalActivity(principal, query);
  }

  @Get('global/activity/cache_hits')
  @RequirePermission('spend.read.self')
  cacheHits(
    @CurrentPrincipal() principal: Principal,
    @Query() query: DailyActivityQuery,
  ): Promise<CacheHitsResponse> {
    return this.spend.cacheHits(principal, query);
  }

  @Get('global/spend/report')
  @RequirePermission('spend.read.self')
  report(
    @CurrentPrincipal() principal: Principal,
    @Query() query: SpendReportQuery,
  ): Promise<SpendReportResponse> {
    return this.spend.report(principal, query);
  }
}
