import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '../users/user.entity';
import { TeamEntity, TeamMemberEntity } from './team.entity';
import { TeamsController } from './teams.controller';
import { TeamsRepository } from './teams.repository';
import { TeamsService } from './teams.service';

/**
 * Teams and memberships. Reads user rows (ids, emails) itself instead of importing
 * UsersModule, because UsersModule uses this module for a user's `teams`.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TeamEntity, TeamMemberEntity, UserEntity])],
  controllers: [TeamsController],
  providers: [TeamsRepository, TeamsService],
  exports: [TeamsService, TeamsRepository],
})
export class TeamsModule {}
