import { IsBoolean, IsISO8601, IsUUID, Matches, MaxLength } from 'class-validator';
import type { Role } from '@gatehouse/shared/auth';
import { ID_PATTERN, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './common.dto';
import { Optional, Text } from './field-rules';

/** `POST /invitation/new` (proxy_admin). */
export class NewInvitationRequest {
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id!: string;

  /** Email the link to the user (needs SMTP_HOST); the answer does not wait for the mail. */
  @Optional()
  @IsBoolean()
  send_email?: boolean;
}

export class InvitationInfoQuery {
  @IsUUID('all', { message: 'invitation_id must be an invitation id (UUID)' })
  invitation_id!: string;
}

/** `POST /invitation/update`: accept by hand, reopen, or move the expiry. */
export class UpdateInvitationRequest {
  @IsUUID('all', { message: 'invitation_id must be an invitation id (UUID)' })
  invitation_id!: string;

  @Optional()
  @IsBoolean()
  is_accepted?: boolean;

  @Optional()
  @MaxLength(64)
  @IsISO8601({ strict: true }, { message: 'expires_at must be an ISO 8601 date-time' })
  expires_at?: string;
}

export class DeleteInvitationRequest {
  @IsUUID('all', { message: 'invitation_id must be an invitation id (UUID)' })
  invitation_id!: string;
}

export type InvitationEmailStatus = 'pending' | 'sent' | 'failed';

/** The product page's invitation row, plus the ready link and the email delivery state. */
export interface InvitationResponse {
  id: string;
  user_id: string;
  is_accepted: boolean;
  accepted_at: string | null;
  expires_at: string;
  created_at: string;
  created_by: string | null;
  updated_at: string;
  updated_by: string | null;
  /** `<PROXY_BASE_URL>/ui/onboarding?id=<id>` */
  invitation_link: string;
  /** null when no email was asked for. */
  email_status: InvitationEmailStatus | null;
  email_error: string | null;
  emailed_at: string | null;
}

/** `GET /onboarding/get_token?invite_link=<invitation id>` (public). */
export class OnboardingTokenQuery {
  @IsUUID('all', { message: 'invite_link must be an invitation id (UUID)' })
  invite_link!: string;
}

export interface OnboardingTokenResponse {
  /** Short-lived (15 min) signed token for POST /onboarding/claim_token. */
  token: string;
  user_id: string;
  user_email: string;
}

/** `POST /onboarding/claim_token` with `Authorization: Bearer <token>`. */
export class ClaimOnboardingRequest {
  @IsUUID('all', { message: 'invitation_link must be an invitation id (UUID)' })
  invitation_link!: string;

  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id!: string;

  @Text(PASSWORD_MAX_LENGTH, { minLength: PASSWORD_MIN_LENGTH })
  password!: string;
}

export interface ClaimOnboardingResponse {
  user_id: string;
  user_email: string | null;
  user_role: Role;
}
