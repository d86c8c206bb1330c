import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsIn,
  Matches,
  ValidateNested,
} from 'class-validator';
import { ID_PATTERN } from './common.dto';
import { BoundedInt, Email, MAX_COUNT, Nullable, Optional, Text, Usd } from './field-rules';

export const TEAM_ROLES = ['admin', 'user'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/** A member named by user_id or user_email (one of them). */
export class TeamMemberRequest {
  @Optional()
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id?: string;

  @Optional()
  @Email({ message: 'user_email must be an email address' })
  user_email?: string;

  @Optional()
  @IsIn(TEAM_ROLES, { message: 'role must be admin or user' })
  role?: TeamRole;
}

/** Fields an admin may set on a team, shared by create and update (null clears on update). */
class TeamFieldsRequest {
  @Nullable()
  @Text(256)
  team_alias?: string | null;

  /** [] allows every model; there is no "null" list. */
  @Optional()
  @IsArray()
  @ArrayMaxSize(500)
  @Text(256, { each: true })
  models?: string[];

  /** null: no team budget. */
  @Nullable()
  @Usd()
  max_budget?: number | null;

  @Nullable()
  @BoundedInt(0, MAX_COUNT)
  tpm_limit?: number | null;

  @Nullable()
  @BoundedInt(0, MAX_COUNT)
  rpm_limit?: number | null;

  @Optional()
  @IsBoolean()
  blocked?: boolean;
}

/** `POST /team/new` (proxy_admin). */
export class NewTeamRequest extends TeamFieldsRequest {
  @Optional()
  @Matches(ID_PATTERN, { message: 'team_id may hold letters, digits and ._@:- (1-128)' })
  team_id?: string;

  @Optional()
  @IsArray()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => TeamMemberRequest)
  members_with_roles?: TeamMemberRequest[];
}

export class UpdateTeamRequest extends TeamFieldsRequest {
  @Matches(ID_PATTERN, { message: 'team_id is required' })
  team_id!: string;
}

export class DeleteTeamsRequest {
  @IsArray()
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @Matches(ID_PATTERN, { each: true })
  team_ids!: string[];
}

export class TeamInfoQuery {
  @Matches(ID_PATTERN, { message: 'team_id is required' })
  team_id!: string;
}

/** `POST /team/member_add`: `member` is one member or a list of them. */
export class TeamMemberAddRequest {
  @Matches(ID_PATTERN, { message: 'team_id is required' })
  team_id!: string;

  @Transform(({ value }: { value: unknown }) =>
    value !== null && typeof value === 'object' && !Array.isArray(value) ? [value] : value,
  )
  @IsArray({ message: 'member must be an object or a list of objects' })
  @ArrayNotEmpty()
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  @Type(() => TeamMemberRequest)
  member!: TeamMemberRequest[];
}

/** `POST /team/member_delete`: the member by user_id or user_email. */
export class TeamMemberDeleteRequest {
  @Matches(ID_PATTERN, { message: 'team_id is required' })
  team_id!: string;

  @Optional()
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id?: string;

  @Optional()
  @Email({ message: 'user_email must be an email address' })
  user_email?: string;
}

export interface TeamMemberResponse {
  user_id: string;
  user_email: string | null;
  role: TeamRole;
}

export interface TeamResponse {
  team_id: string;
  team_alias: string | null;
  members_with_roles: TeamMemberResponse[];
  models: string[];
  max_budget: number | null;
  spend: number;
  tpm_limit: number | null;
  rpm_limit: number | null;
  blocked: boolean;
  created_at: string;
  updated_at: string;
}

export interface DeleteTeamsResponse {
  deleted_team_ids: string[];
}
