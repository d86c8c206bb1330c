import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { InvitationsModule } from '../invitations/invitations.module';
import { KeysModule } from '../keys/keys.module';
import { TeamsModule } from '../teams/teams.module';
import { LOGIN_THROTTLE_LIMITS, LoginThrottle } from '../auth/login-throttle';
import { loginThrottleFor } from '../auth/redis-login-throttle';
import { RedisLink } from '../cluster/redis-link';
import { Clock } from '../common/time/clock';
import { UserEntity } from './user.entity';
import { UsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity]), TeamsModule, InvitationsModule, KeysModule],
  controllers: [UsersController],
  // LoginThrottle lives here so that /login (AuthModule imports this module) and the
  // current_password check of /user/update share one instance (in Redis with REDIS_URL).
  providers: [
    UsersRepository,
    UsersService,
    {
      provide: LoginThrottle,
      useFactory: loginThrottleFor,
      inject: [
        Clock,
        { token: LOGIN_THROTTLE_LIMITS, optional: true },
        { token: RedisLink, optional: true },
      ],
    },
  ],
  exports: [UsersService, UsersRepository, LoginThrottle],
})
export class UsersModule {}
