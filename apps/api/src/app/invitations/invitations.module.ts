import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '../users/user.entity';
import { InvitationEntity } from './invitation.entity';
import { InvitationMailer } from './invitation-mailer';
import { InvitationsController } from './invitations.controller';
import { InvitationsRepository } from './invitations.repository';
import { InvitationsService } from './invitations.service';

/**
 * Invitations and their emails. Reads user rows itself (and sets the password on a claim)
 * instead of importing UsersModule, because UsersModule uses this module on POST /user/new.
 */
@Module({
  imports: [TypeOrmModule.forFeature([InvitationEntity, UserEntity])],
  controllers: [InvitationsController],
  providers: [InvitationsRepository, InvitationsService, InvitationMailer],
  exports: [InvitationsService],
})
export class InvitationsModule {}
