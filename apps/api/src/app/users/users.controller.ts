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

/** Keys per page of `GET /user/info` when `page_size` is not given. */
const USER_INFO_KEYS_PAGE_SIZE = 50;

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
    // The keys module fills `keys`, one page of them (users.info has already checked the caller
    // may see the user): a user with many large keys must not make a huge answer.
    const page = query.page ?? 1;
    const pageSize = query.page_size ?? USER_INFO_KEYS_PAGE_SIZE;
    const { keys, total } = await this.keys.pageForUser(info.user_id, page, pageSize);
    return {
      ...info,
      keys,
      keys_total: total,
      keys_page: page,
      keys_page_size: pageSize,
      keys_total_pages: Math.ceil(total / pageSize),
    };
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
