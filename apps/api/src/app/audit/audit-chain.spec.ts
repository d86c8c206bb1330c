import type { AuditLogEntry } from '@gatehouse/shared/dto';
import { canonicalJson, chainHash, GENESIS_HASH, walkChain, type ChainedRow } from './audit-chain';

const aRow = (id: string, fields: Partial<ChainedRow> = {}): ChainedRow => ({
  id,
  updated_at: '2026-12-01T00:00:00.000Z',
  changed_by: 'admin',
  changed_by_api_key: null,
  auth_method: 'master_key',
  action: 'updated',
  table_name: 'key',
  object_id: 'k1',
  before_value: { max_budget: null },
  updated_values: { max_budget: 5000 },
  ip: '127.0.0.1',
  user_agent: null,
  request_id: 'r1',
  ...fields,
});

function chain(rows: ChainedRow[]): AuditLogEntry[] {
  let previous = GENESIS_HASH;
  return rows.map((row) => {
    const hash = chainHash(previous, row);
    previous = hash;
    return { ...row, hash };
  });
}

const start = { rows: 0, previousHash: GENESIS_HASH, firstBadId: null };

describe('canonicalJson', () => {
  it('sorts keys at every level, keeps array order, drops undefined and has no whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, 1], c: null }, u: undefined })).toBe(
      '{"a":{"c":null,"d":[2,1]},"b":1}',
    );
    expect(canonicalJson({ a: 1, b: 2 })).toBe(canonicalJson({ b: 2, a: 1 }));
    expect(canonicalJson('x"y')).toBe('"x\\"y"');
  });
});

describe('chainHash / walkChain', () => {
  it('is sha256 hex of the previous hash and the canonical row, so order of fields does not matter', () => {
    const row = aRow('a');
    const reordered = Object.fromEntries(Object.entries(row).reverse()) as ChainedRow;
    expect(chainHash('p', row)).toMatch(/^[0-9a-f]{64}$/);
    expect(chainHash('p', reordered)).toBe(chainHash('p', row));
    expect(chainHash('q', row)).not.toBe(chainHash('p', row));
  });

  it('passes an intact chain, also walked in batches', () => {
    const rows = chain([aRow('a'), aRow('b'), aRow('c')]);
    expect(walkChain(start, rows)).toEqual({
      rows: 3,
      previousHash: rows[2].hash,
      firstBadId: null,
    });
    const half = walkChain(start, rows.slice(0, 2));
    expect(walkChain(half, rows.slice(2))).toEqual(walkChain(start, rows));
  });

  it('names the first edited row, a removed row and a reordered pair', () => {
    const rows = chain([aRow('a'), aRow('b'), aRow('c'), aRow('d')]);
    const edited = rows.map((r) =>
      r.id === 'b' ? { ...r, updated_values: { max_budget: 1 } } : r,
    );
    expect(walkChain(start, edited).firstBadId).toBe('b');
    expect(walkChain(start, [rows[0], rows[2], rows[3]]).firstBadId).toBe('c');
    expect(walkChain(start, [rows[0], rows[2], rows[1], rows[3]]).firstBadId).toBe('c');
    // A chain that starts after a purge verifies only from the recorded predecessor hash.
    expect(walkChain(start, rows.slice(2)).firstBadId).toBe('c');
    expect(
      walkChain({ ...start, previousHash: rows[1].hash }, rows.slice(2)).firstBadId,
    ).toBeNull();
  });
});
