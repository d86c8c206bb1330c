import { plainToInstance } from 'class-transformer';
import { getMetadataStorage, validateSync } from 'class-validator';
import * as dto from '../index';

/**
 * Holds every request DTO the library exports to the field rules (issue 11, findings 12, 13,
 * 25): no field lets null through unless it is listed here as meaning "none", and every field
 * refuses huge numbers, long or ill-formed strings, long lists and big or deep objects. A new
 * DTO or field is covered without anyone remembering to add it.
 */

/** The fields where `null` means "none" (clears it on update). Everything else refuses null. */
const NULLABLE: Record<string, string[]> = {
  NewUserRequest: [
    'budget_duration',
    'max_budget',
    'rpm_limit',
    'tpm_limit',
    'user_alias',
    'user_email',
  ],
  UpdateUserRequest: ['budget_duration', 'max_budget', 'rpm_limit', 'tpm_limit', 'user_alias'],
  NewTeamRequest: ['max_budget', 'rpm_limit', 'team_alias', 'tpm_limit'],
  UpdateTeamRequest: ['max_budget', 'rpm_limit', 'team_alias', 'tpm_limit'],
  GenerateKeyRequest: [
    'budget_duration',
    'duration',
    'key_alias',
    'max_budget',
    'max_parallel_requests',
    'rpm_limit',
    'team_id',
    'tpm_limit',
  ],
  UpdateLitellmParams: ['api_base', 'api_key', 'api_version', 'rpm', 'timeout', 'tpm', 'weight'],
  UpdateModelInfo: [
    'base_model',
    'cache_creation_input_token_cost',
    'cache_read_input_token_cost',
    'cache_ttl_seconds',
    'input_cost_per_token',
    'output_cost_per_token',
  ],
  UpdateKeyRequest: [
    'budget_duration',
    'duration',
    'key_alias',
    'max_budget',
    'max_parallel_requests',
    'rpm_limit',
    'team_id',
    'tpm_limit',
  ],
};

type DtoClass = new () => object;

const storage = getMetadataStorage();
const rulesOf = (cls: DtoClass) => storage.getTargetValidationMetadatas(cls, '', true, false);

const REQUEST_DTOS: [string, DtoClass][] = Object.entries(dto)
  .filter(([, value]) => typeof value === 'function' && rulesOf(value as DtoClass).length > 0)
  .map(([name, value]) => [name, value as DtoClass]);

const fieldsOf = (cls: DtoClass): string[] => [
  ...new Set(rulesOf(cls).map((rule) => rule.propertyName)),
];

function failingFields(cls: DtoClass, plain: object): string[] {
  return validateSync(plainToInstance(cls, plain), {
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
  }).map((error) => error.property);
}

const nested = (levels: number): unknown =>
  JSON.parse('{"a":'.repeat(levels) + '1' + '}'.repeat(levels)) as unknown;

/** Values no field accepts. */
const HOSTILE: [string, unknown][] = [
  ['1e308', 1e308],
  ['-1e308', -1e308],
  ['1e20', 1e20],
  ['a lone surrogate', '\ud800'],
  ['a NUL character', 'a\u0000b'],
  ['100,000 characters', 'x'.repeat(100_000)],
  ['a list with a lone surrogate', ['\udc00']],
  ['a list with a NUL character', ['a\u0000']],
  ['a list with 100,000 characters', ['x'.repeat(100_000)]],
  ['a list with null', [null]],
  ['a list with 1e308', [1e308]],
  ['a list of 1,001 items', Array.from({ length: 1001 }, (_, i) => `item-${i}`)],
  ['an object over 16 KB', { blob: 'x'.repeat(16 * 1024) }],
  ['an object 12 levels deep', nested(12)],
];

describe('every request DTO', () => {
  it('finds the request DTOs', () => {
    expect(REQUEST_DTOS.map(([name]) => name)).toEqual(
      expect.arrayContaining([
        'NewUserRequest',
        'UpdateKeyRequest',
        'NewTeamRequest',
        'NewModelRequest',
        'ListUsersQuery',
        'SpendLogsQuery',
        'ClaimOnboardingRequest',
      ]),
    );
    expect(REQUEST_DTOS.length).toBeGreaterThanOrEqual(25);
  });

  it('never uses IsOptional (it lets null through): Optional or Nullable say what null means', () => {
    const loose = REQUEST_DTOS.flatMap(([name, cls]) =>
      rulesOf(cls)
        .filter((rule) => rule.name === 'isOptional')
        .map((rule) => `${name}.${rule.propertyName}`),
    );
    expect(loose).toEqual([]);
  });

  it('finding 13: refuses null on every field that is not listed as nullable', () => {
    const acceptingNull = REQUEST_DTOS.flatMap(([name, cls]) =>
      fieldsOf(cls)
        .filter((field) => !failingFields(cls, { [field]: null }).includes(field))
        .map((field) => `${name}.${field}`),
    ).sort();
    const listed = Object.entries(NULLABLE)
      .flatMap(([name, fields]) => fields.map((field) => `${name}.${field}`))
      .sort();
    expect(acceptingNull).toEqual(listed);
  });

  describe.each(REQUEST_DTOS)('%s', (_name, cls) => {
    it.each(HOSTILE)('findings 12/13/25: every field refuses %s', (_label, value) => {
      const accepting = fieldsOf(cls).filter(
        (field) => !failingFields(cls, { [field]: value }).includes(field),
      );
      expect(accepting).toEqual([]);
    });
  });
});
