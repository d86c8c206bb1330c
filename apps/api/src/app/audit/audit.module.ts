import { Global, Module } from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuditActorContext, AuditActorInterceptor } from './audit-actor';
import { AuditLogEntity } from './audit-log.entity';
import { AuditController } from './audit.controller';
import { AuditRepository } from './audit.repository';
import { AuditService } from './audit.service';

/** Global: every module that changes the management plane records through AuditService. */
@Global()
@Module({
  imports: [TypeOrmModule.forFeature([AuditLogEntity])],
  controllers: [AuditController],
  providers: [
    AuditRepository,
    AuditService,
    AuditActorContext,
    { provide: APP_INTERCEPTOR, useClass: AuditActorInterceptor },
  ],
  exports: [AuditService, AuditActorContext],
})
export class AuditModule {}
