import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { ListUsersQuery, NewUserRequest, UpdateUserRequest } from './users.dto';

function failing<T extends object>(cls: new () => T, plain: object): string[] {
  return validateSync(plainToInstance(cls, plain), {
    whitelist: true,
    forbidNonWhitelisted: true,
  }).map((e) => e.property);
}

describe('user request DTOs', () => {
  it('accepts the product page body', () => {
    expect(
      failing(NewUserRequest, {
        user_email: 'krrishdholakia@gmail.com',
        user_role: 'internal_user',
      }),
    ).toEqual([]);
  });

  it('accepts an empty /user/new body (LiteLLM allows users without email)', () => {
    expect(failing(NewUserRequest, {})).toEqual([]);
  });

  it('names each malformed field', () => {
    expect(
      failing(NewUserRequest, {
        user_email: 'nope',
        user_role: 'god',
        password: '1234567',
        max_budget: -5,
        models: [1],
        user_id: 'has spaces',
        extra: true,
      }).sort(),
    ).toEqual(['extra', 'max_budget', 'models', 'password', 'user_email', 'user_id', 'user_role']);
  });

  it('requires user_id on update', () => {
    expect(failing(UpdateUserRequest, { user_alias: 'x' })).toEqual(['user_id']);
  });

  it('converts and bounds list paging from query strings', () => {
    const query = plainToInstance(ListUsersQuery, { page: '2', page_size: '50' });
    expect(query).toMatchObject({ page: 2, page_size: 50 });
    expect(
      failing(ListUsersQuery, { page: '0', page_size: '101', sort_by: 'password_hash' }).sort(),
    ).toEqual(['page', 'page_size', 'sort_by']);
  });
});
