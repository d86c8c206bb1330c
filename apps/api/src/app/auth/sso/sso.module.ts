import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { TeamsModule } from '../../teams/teams.module';
import { UserEntity } from '../../users/user.entity';
import { UsersRepository } from '../../users/users.repository';
import { AuthModule } from '../auth.module';
import { SsoClient } from './sso-client';
import { SsoController } from './sso.controller';
import { SsoService } from './sso.service';

/** Single sign-on through one OIDC provider; sessions come from AuthModule like /login's. */
@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), AuthModule, TeamsModule],
  controllers: [SsoController],
  providers: [SsoClient, SsoService, UsersRepository],
})
export class SsoModule {}
