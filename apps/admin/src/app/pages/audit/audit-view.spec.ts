import { convertToParamMap } from '@angular/router';
import { anAuditEntry } from '../../../testing/factories';
import { csvEscape } from '../../shared/format';
import {
  AUDIT_CSV_COLUMNS,
  changedFields,
  diffLines,
  filtersFromQuery,
  formatValue,
  queryOfFilters,
  toAuditCsv,
} from './audit-view';

/** A small RFC 4180 reader: enough to prove the writer's quoting round-trips. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i += 1;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i += 1;
    } else cell += c;
  }
  return rows;
}

describe('audit filters in the URL', () => {
  it('reads every filter the API has', () => {
    const query = convertToParamMap({
      changed_by: 'admin',
      action: 'updated',
      table_name: 'key',
      object_id: ' tok ',
      start_date: '2026-11-01',
      end_date: '2026-12-01',
    });
    expect(filtersFromQuery(query)).toEqual({
      changed_by: 'admin',
      action: 'updated',
      table_name: 'key',
      object_id: 'tok',
      start_date: '2026-11-01',
      end_date: '2026-12-01',
    });
  });

  it('drops values the API would refuse, so a hand-edited link still loads', () => {
    const query = convertToParamMap({
      action: 'dropped_table',
      table_name: 'users; --',
      start_date: '1 Dec',
      end_date: '2026-12-01T00:00',
      object_id: '   ',
    });
    expect(filtersFromQuery(query)).toEqual({
      changed_by: null,
      action: null,
      table_name: null,
      object_id: null,
      start_date: null,
      end_date: null,
    });
  });

  it('names every filter in queryParams, empty ones as null (left out of the URL)', () => {
    expect(queryOfFilters({ table_name: 'team', object_id: 't-1', changed_by: ' ' })).toEqual({
      changed_by: null,
      action: null,
      table_name: 'team',
      object_id: 't-1',
      start_date: null,
      end_date: null,
    });
  });
});

describe('the before → after diff', () => {
  it('lines up an update field by field', () => {
    const lines = diffLines(
      anAuditEntry({
        before_value: { max_budget: 5, models: ['a'] },
        updated_values: { max_budget: 5000, models: ['a', 'b'] },
      }),
    );
    expect(lines).toEqual([
      { field: 'max_budget', before: 5, after: 5000, changed: true },
      { field: 'models', before: ['a'], after: ['a', 'b'], changed: true },
    ]);
  });

  it('shows a create as fields that had no before, and a delete as fields with no after', () => {
    const created = diffLines(
      anAuditEntry({ action: 'created', before_value: null, updated_values: { key_alias: 'x' } }),
    );
    expect(created).toEqual([{ field: 'key_alias', before: undefined, after: 'x', changed: true }]);
    const deleted = diffLines(
      anAuditEntry({ action: 'deleted', before_value: { key_alias: 'x' }, updated_values: null }),
    );
    expect(deleted).toEqual([{ field: 'key_alias', before: 'x', after: undefined, changed: true }]);
  });

  it('marks a field present on both sides with the same value as unchanged', () => {
    const lines = diffLines(
      anAuditEntry({ before_value: { a: { x: 1 }, b: null }, updated_values: { a: { x: 1 } } }),
    );
    expect(lines.map((line) => [line.field, line.changed])).toEqual([
      ['a', false],
      ['b', true],
    ]);
  });

  it('is empty for an event without values (a logout)', () => {
    expect(
      diffLines(anAuditEntry({ action: 'logout', before_value: null, updated_values: null })),
    ).toEqual([]);
  });

  it('formats values: text as is, the rest as JSON, absent as a dash', () => {
    expect(formatValue('laptop')).toBe('laptop');
    expect(formatValue(null)).toBe('null');
    expect(formatValue(5000)).toBe('5000');
    expect(formatValue(['a', 'b'])).toBe('["a","b"]');
    expect(formatValue(undefined)).toBe('—');
  });

  it('summarises the changed fields for the table', () => {
    expect(changedFields(anAuditEntry())).toBe('max_budget');
    const many = Object.fromEntries(['a', 'b', 'c', 'd', 'e', 'f'].map((f) => [f, 1]));
    expect(changedFields(anAuditEntry({ before_value: null, updated_values: many }))).toBe(
      'a, b, c, d +2 more',
    );
    expect(
      changedFields(anAuditEntry({ action: 'login', before_value: null, updated_values: null })),
    ).toBe('—');
  });
});

describe('the CSV export', () => {
  it('quotes commas, quotes and line breaks, and reads back to the same values', () => {
    const hostile = anAuditEntry({
      id: 'a-2',
      user_agent: 'Mozilla/5.0 (X11, "quoted")\r\nnext line',
      updated_values: { key_alias: 'a,b "c"' },
      ip: null,
    });
    const csv = toAuditCsv([anAuditEntry(), hostile]);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = parseCsv(csv);
    expect(rows).toHaveLength(3);
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    const byName = (row: string[]) =>
      Object.fromEntries(AUDIT_CSV_COLUMNS.map((name, i) => [name, row[i]]));
    expect(byName(rows[1])).toMatchObject({
      id: 'a-1',
      before_value: '{"max_budget":5}',
      updated_values: '{"max_budget":5000}',
      changed_by_api_key: '',
    });
    expect(byName(rows[2])).toMatchObject({
      id: 'a-2',
      user_agent: 'Mozilla/5.0 (X11, "quoted")\r\nnext line',
      updated_values: '{"key_alias":"a,b \\"c\\""}',
      ip: '',
    });
  });

  it('keeps a spreadsheet from running a cell as a formula', () => {
    const csv = toAuditCsv([anAuditEntry({ user_agent: '=HYPERLINK("http://x","y")' })]);
    const row = parseCsv(csv)[1];
    expect(row[AUDIT_CSV_COLUMNS.indexOf('user_agent')]).toBe(`'=HYPERLINK("http://x","y")`);
  });

  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\nlines', '"two\nlines"'],
    ['carriage\rreturn', '"carriage\rreturn"'],
    ['+1', "'+1"],
    ['-1', "'-1"],
    ['@sum', "'@sum"],
  ])('csvEscape(%j) is %j', (value, expected) => {
    expect(csvEscape(value)).toBe(expected);
  });

  it('leaves numbers alone, negative ones too', () => {
    expect(csvEscape(-1.5)).toBe('-1.5');
    expect(csvEscape(42)).toBe('42');
  });
});
