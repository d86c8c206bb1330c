import {
  DeleteKeysRequest,
  GenerateKeyRequest,
  KeyInfoQuery,
  KeyRefRequest,
  ListKeysQuery,
  RegenerateKeyRequest,
  UpdateKeyRequest,
  type DeletedKeyListResponse,
  type DeleteKeysResponse,
  type GenerateKeyResponse,
  type KeyInfoResponse,
  type KeyListResponse,
  type KeyResponse,
} from '@gatehouse/shared/dto';
import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import type { Principal } from '../common/auth/principal';
import { CurrentPrincipal } from '../common/decorators/current-principal.decorator';
import { RequirePermission } from '../common/decorators/require-permission.decorator';
import { NoStore } from '../common/http/no-store';
import { KeysService } from './keys.service';

@ApiTags('keys')
@ApiBearerAuth()
@Controller('key')
export class KeysController {
  constructor(private readonly keys: KeysService) {}

  @Post('generate')
  @HttpCode(200)
  @NoStore()
  @RequirePermission('key.create.self')
  generate(
    @CurrentPrincipal() principal: Principal,
    @Body() body: GenerateKeyRequest,
  ): Promise<GenerateKeyResponse> {
    return this.keys.generate(principal, body);
  }

  @Post('update')
  @HttpCode(200)
  @RequirePermission('key.update.self')
  update(
    @CurrentPrincipal() principal: Principal,
    @Body() body: UpdateKeyRequest,
  ): Promise<KeyResponse> {
    return this.keys.update(principal, body);
  }

  @Post('delete')
  @HttpCode(200)
  @RequirePermission('key.delete.self')
  delete(
    @CurrentPrincipal() principal: Principal,
    @Body() body: DeleteKeysRequest,
  ): Promise<DeleteKeysResponse> {
    return this.keys.delete(principal, body);
  }

  @Get('info')
  @RequirePermission('key.read.self')
  info(
    @CurrentPrincipal() principal: Principal,
    @Query() query: KeyInfoQuery,
  ): Promise<KeyInfoResponse> {
    return this.keys.info(principal, query);
  }

  @Get('list')
  @RequirePermission('key.read.self')
  list(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListKeysQuery,
  ): Promise<KeyListResponse> {
    return this.keys.list(principal, query);
  }

  /** The archive of deleted keys (admins and admin viewers). */
  @Get('deleted')
  @RequirePermission('key.read.any')
  deleted(@Query() query: ListKeysQuery): Promise<DeletedKeyListResponse> {
    return this.keys.listDeleted(query);
  }

  @Post('regenerate')
  @HttpCode(200)
  @NoStore()
  @RequirePermission('key.update.self')
  regenerate(
    @CurrentPrincipal() principal: Principal,
    @Body() body: RegenerateKeyRequest,
  ): Promise<GenerateKeyResponse> {
    return this.keys.regenerate(principal, body);
  }

  @Post('block')
  @HttpCode(200)
  @RequirePermission('key.update.self')
  block(
    @CurrentPrincipal() principal: Principal,
    @Body() body: KeyRefRequest,
  ): Promise<KeyResponse> {
    return this.keys.block(principal, body);
  }

  /** Only proxy_admin unblocks (a user cannot undo an admin's block). */
  @Post('unblock')
  @HttpCode(200)
  @RequirePermission('key.update.any')
  unblock(
    @CurrentPrincipal() principal: Principal,
    @Body() body: KeyRefRequest,
  ): Promise<KeyResponse> {
    return this.keys.unblock(principal, body);
  }
}
