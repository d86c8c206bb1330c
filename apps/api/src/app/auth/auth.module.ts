import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PrincipalResolver } from '../common/auth/principal-resolver';
import { AuthGuard } from '../common/guards/auth.guard';
import { PermissionGuard } from '../common/guards/permission.guard';
import { KeysModule } from '../keys/keys.module';
import { UsersModule } from '../users/users.module';
import { AuthController } from './auth.controller';
import { AuthService } from './auth.service';
import { LocalStrategy } from './local.strategy';
import { RequestPrincipalResolver } from './request-principal.resolver';
import { SessionEntity } from './session.entity';
import { SessionsService } from './sessions.service';

@Module({
  imports: [PassportModule, TypeOrmModule.forFeature([SessionEntity]), UsersModule, KeysModule],
  controllers: [AuthController],
  providers: [
    AuthService,
    SessionsService,
    LocalStrategy,
    { provide: PrincipalResolver, useClass: RequestPrincipalResolver },
    // Order matters: authenticate first, then check the route's permission.
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_GUARD, useClass: PermissionGuard },
  ],
  // PrincipalResolver: for /metrics, which also accepts a scrape token.
  exports: [SessionsService, PrincipalResolver],
})
export class AuthModule {}
