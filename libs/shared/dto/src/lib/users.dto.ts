import { ROLES, type Role } from '@gatehouse/shared/auth';
import { ArrayMaxSize, ArrayNotEmpty, IsArray, IsBoolean, IsIn, Matches } from 'class-validator';
import { ID_PATTERN, PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from './common.dto';
import { DURATION_PATTERN } from './duration';
import {
  BoundedInt,
  Email,
  MAX_COUNT,
  MAX_PAGE,
  Metadata,
  Nullable,
  Optional,
  QueryInt,
  Text,
  Usd,
} from './field-rules';

/** Fields an admin may set on a user, shared by create and update (null clears on update). */
class UserFieldsRequest {
  @Nullable()
  @Text(256)
  user_alias?: string | null;

  @Optional()
  @IsIn(ROLES)
  user_role?: Role;

  /** null: no budget of the user's own. */
  @Nullable()
  @Usd()
  max_budget?: number | null;

  /** [] allows every model; there is no "null" list. */
  @Optional()
  @IsArray()
  @ArrayMaxSize(500)
  @Text(256, { each: true })
  models?: string[];

  @Nullable()
  @BoundedInt(0, MAX_COUNT)
  tpm_limit?: number | null;

  @Nullable()
  @BoundedInt(0, MAX_COUNT)
  rpm_limit?: number | null;

  @Nullable()
  @Matches(DURATION_PATTERN, { message: 'budget_duration must look like 30s, 10m, 2h, 7d or 1mo' })
  budget_duration?: string | null;

  /** Replaced whole on update; `{}` empties it. */
  @Optional()
  @Metadata()
  metadata?: Record<string, unknown>;
}

/** `POST /user/new` (proxy_admin). */
export class NewUserRequest extends UserFieldsRequest {
  @Optional()
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id?: string;

  /** Optional as in LiteLLM; a user needs one to log in or be invited. */
  @Nullable()
  @Email({ message: 'user_email must be an email address' })
  user_email?: string | null;

  @Optional()
  @Text(PASSWORD_MAX_LENGTH, { minLength: PASSWORD_MIN_LENGTH })
  password?: string;

  @Optional()
  @IsArray()
  @ArrayMaxSize(100)
  @Matches(ID_PATTERN, { each: true })
  teams?: string[];

  @Optional()
  @IsBoolean()
  send_invite_email?: boolean;
}

/** `POST /user/update`: admins change anything; users change their own password only. */
export class UpdateUserRequest extends UserFieldsRequest {
  @Matches(ID_PATTERN, { message: 'user_id is required' })
  user_id!: string;

  /** Changing the login email; it cannot be removed once set. */
  @Optional()
  @Email({ message: 'user_email must be an email address' })
  user_email?: string;

  @Optional()
  @Text(PASSWORD_MAX_LENGTH, { minLength: PASSWORD_MIN_LENGTH })
  password?: string;

  @Optional()
  @Text(PASSWORD_MAX_LENGTH)
  current_password?: string;
}

export class DeleteUsersRequest {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @Matches(ID_PATTERN, { each: true })
  user_ids!: string[];
}

export class UserInfoQuery {
  @Optional()
  @Matches(ID_PATTERN)
  user_id?: string;

  /** The page of the user's keys (newest first), from 1. */
  @Optional()
  @QueryInt(1, MAX_PAGE)
  page?: number;

  /** Keys per page: default 50, at most 100. */
  @Optional()
  @QueryInt(1, 100)
  page_size?: number;
}

export const USER_SORT_FIELDS = [
  'created_at',
  'user_email',
  'user_role',
  'spend',
  'user_id',
] as const;
export type UserSortField = (typeof USER_SORT_FIELDS)[number];

export class ListUsersQuery {
  @Optional()
  @QueryInt(1, MAX_PAGE)
  page?: number;

  @Optional()
  @QueryInt(1, 100)
  page_size?: number;

  @Optional()
  @IsIn(ROLES)
  role?: Role;

  /** Case-insensitive substring of the email. */
  @Optional()
  @Text(254)
  user_email?: string;

  @Optional()
  @IsIn(USER_SORT_FIELDS)
  sort_by?: UserSortField;

  @Optional()
  @IsIn(['asc', 'desc'])
  sort_order?: 'asc' | 'desc';
}

export interface UserResponse {
  user_id: string;
  user_email: string | null;
  user_alias: string | null;
  user_role: Role;
  max_budget: number | null;
  spend: number;
  models: string[];
  tpm_limit: number | null;
  rpm_limit: number | null;
  budget_duration: string | null;
  budget_reset_at: string | null;
  metadata: Record<string, unknown>;
  teams: string[];
  /** How many virtual keys the user owns (deleted keys are not counted). */
  key_count: number;
  created_at: string;
  updated_at: string;
}

/** `GET /user/info`; `keys` and `teams` are filled by the modules that own them. */
export interface UserInfoResponse {
  user_id: string;
  user_info: UserResponse;
  /** One page of the user's keys (`page`, `page_size`), newest first. */
  keys: unknown[];
  /** How many keys the user has in all, and the page shown. */
  keys_total: number;
  keys_page: number;
  keys_page_size: number;
  keys_total_pages: number;
  teams: unknown[];
}

export interface UserListResponse {
  users: UserResponse[];
  total: number;
  page: number;
  page_size: number;
  total_pages: number;
}

export interface DeleteUsersResponse {
  deleted_user_ids: string[];
}
