import { IsEmail, IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { ID_PATTERN, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './common.dto';

/** Longest reset token accepted (the API issues 43 characters). */
export const RESET_TOKEN_MAX_LENGTH = 128;

/** `POST /password/forgot` (public): always the same 200 answer, known email or not. */
export class ForgotPasswordRequest {
  @IsString()
  @MaxLength(254)
  @IsEmail({}, { message: 'email must be an email address' })
  email!: string;
}

/** `POST /password/reset` (public): the token from the reset link and the new password. */
export class ResetPasswordRequest {
  @IsString()
  @MinLength(1)
  @MaxLength(RESET_TOKEN_MAX_LENGTH)
  token!: string;

  @IsString()
  @MinLength(PASSWORD_MIN_LENGTH)
  @MaxLength(PASSWORD_MAX_LENGTH)
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
