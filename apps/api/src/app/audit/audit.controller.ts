import {
  AuditLogQuery,
  type AuditLogEntry,
  type AuditLogList,
  type AuditVerifyResponse,
} from '@gatehouse/shared/dto';
import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { AuditService } from './audit.service';

/** Read-only: no route edits or deletes an audit row. */
@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  @Get()
  @RequirePermission('audit.read')
  list(@Query() query: AuditLogQuery): Promise<AuditLogList> {
    return this.audit.list(query);
  }

  @Get('verify')
  @RequirePermission('audit.verify')
  verify(): Promise<AuditVerifyResponse> {
    return this.audit.verify();
  }

  @Get(':id')
  @RequirePermission('audit.read')
  get(@Param('id') id: string): Promise<AuditLogEntry> {
    return this.audit.get(id);
  }
}
