import {
  DeleteUsersRequest,
  ListUsersQuery,
  NewUserRequest,
  UpdateUserRequest,
  UserInfoQuery,
  type DeleteUsersResponse,
  type UserInfoResponse,
  type UserListResponse,
  type UserResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { KeysService } from '../keys/keys.service';
import { UsersService } from './users.service';

@ApiTags('users')
@ApiBearerAuth()
@Controller('user')
export class UsersController {
  constructor(
    private readonly users: UsersService,
    private readonly keys: KeysService,
  ) {}

  @Post('new')
  @HttpCode(200)
  @RequirePermission('user.create')
  create(
    @CurrentPrincipal() principal: Principal,
    @Body() body: NewUserRequest,
  ): Promise<UserResponse> {
    return this.users.create(principal, body);
  }

  @Get('info')
  @RequirePermission('user.read.self')
  async info(
    @CurrentPrincipal() principal: Principal,
    @Query() query: UserInfoQuery,
  ): Promise<UserInfoResponse> {
    const info = await this.users.info(principal, query.user_id);
    // The keys module fills `keys` (users.info has already checked the caller may see the user).
    return { ...info, keys: await this.keys.listForUser(info.user_id) };
  }

  @Post('update')
  @HttpCode(200)
  @RequirePermission('user.update.self')
  update(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UpdateUserRequest,
  ): Promise<UserResponse> {
    return this.users.update(principal, body);
  }

  @Post('delete')
  @HttpCode(200)
  @RequirePermission('user.delete')
  delete(
    @CurrentPrincipal() principal: Principal,
    @Body() body: DeleteUsersRequest,
  ): Promise<DeleteUsersResponse> {
    return this.users.delete(body, principal.userId);
  }

  @Get('list')
  @RequirePermission('user.read.self')
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListUsersQuery,
  ): Promise<UserListResponse> {
    return this.users.list(principal, query);
  }
}
