import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UserEntity } from '../../users/user.entity';
import { UsersRepository } from '../../users/users.repository';
import { PasswordResetTokenEntity } from './password-reset-token.entity';
import { PasswordsController } from './passwords.controller';
import { PasswordResetService } from './password-reset.service';

/**
 * Forgotten passwords and admin reset links. Uses the users' repository for the password
 * column (as the invitations module does for claims); the reset tokens are its own table.
 * Sessions end through the `user.updated` event the sessions service listens to.
 */
@Module({
  imports: [TypeOrmModule.forFeature([PasswordResetTokenEntity, UserEntity])],
  controllers: [PasswordsController],
  providers: [PasswordResetService, UsersRepository],
})
export class PasswordsModule {}
