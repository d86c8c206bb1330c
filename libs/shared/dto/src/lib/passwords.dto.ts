import { IsString, Matches } from 'class-validator';
import { ID_PATTERN, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './common.dto';
import { Email, Text } from './field-rules';

/** Longest reset token accepted (the API issues 43 characters). */
export const RESET_TOKEN_MAX_LENGTH = 128;

/** `POST /password/forgot` (public): always the same 200 answer, known email or not. */
export class ForgotPasswordRequest {
  @Email()
  email!: string;
}

/** `POST /password/reset` (public): the token from the reset link and the new password. */
export class ResetPasswordRequest {
  @Text(RESET_TOKEN_MAX_LENGTH, { minLength: 1 })
  token!: string;

  @Text(PASSWORD_MAX_LENGTH, { minLength: PASSWORD_MIN_LENGTH })
  password!: string;
}

/** `POST /user/password/reset_link` (proxy_admin): a link to hand over without SMTP. */
export class PasswordResetLinkRequest {
  @IsString()
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id!: string;
}

export interface PasswordMessageResponse {
  message: string;
}

export interface PasswordResetLinkResponse {
  reset_link: string;
  /** ISO 8601. */
  expires_at: string;
}
