import { Transform, Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayNotEmpty,
  IsArray,
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { ID_PATTERN } from './common.dto';

export const TEAM_ROLES = ['admin', 'user'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/** A member named by user_id or user_email (one of them). */
export class TeamMemberRequest {
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id?: string;

  @IsOptional()
  @IsEmail({}, { message: 'user_email must be an email address' })
  @MaxLength(254)
  user_email?: string;

  @IsOptional()
  @IsIn(TEAM_ROLES, { message: 'role must be admin or user' })
  role?: TeamRole;
}

/** Fields an admin may set on a team, shared by create and update. */
class TeamFieldsRequest {
  @IsOptional()
  @IsString()
  @MaxLength(256)
  team_alias?: string;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsString({ each: true })
  @MaxLength(256, { each: true })
  models?: string[];

  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  max_budget?: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  tpm_limit?: number | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  rpm_limit?: number | null;

  @IsOptional()
  @IsBoolean()
  blocked?: boolean;
}

/** `POST /team/new` (proxy_admin). */
export class NewTeamRequest extends TeamFieldsRequest {
  @IsOptional()
  @Matches(ID_PATTERN, { message: 'team_id may hold letters, digits and ._@:- (1-128)' })
  team_id?: string;

  @IsOptional()
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

  @IsOptional()
  @Matches(ID_PATTERN, { message: 'user_id may hold letters, digits and ._@:- (1-128)' })
  user_id?: string;

  @IsOptional()
  @IsEmail({}, { message: 'user_email must be an email address' })
  @MaxLength(254)
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
