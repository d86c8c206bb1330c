import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { InvitationsModule } from './invitations.module';
import { OnboardingController } from './onboarding.controller';
import { OnboardingService } from './onboarding.service';
import { OnboardingTokens } from './onboarding-token';

/** Separate from InvitationsModule: it needs AuthModule's sessions, and AuthModule needs users. */
@Module({
  imports: [InvitationsModule, AuthModule],
  controllers: [OnboardingController],
  providers: [OnboardingService, OnboardingTokens],
})
export class OnboardingModule {}
