import { TableState, type TableRows, type TableSort } from './table-state';

describe('TableState', () => {
  let fetch: jest.Mock<Promise<TableRows<string>>, [number, number, TableSort | null]>;
  let onError: jest.Mock<void, [unknown]>;
  let sut: TableState<string>;

  beforeEach(() => {
    fetch = jest.fn<Promise<TableRows<string>>, [number, number, TableSort | null]>();
    onError = jest.fn<void, [unknown]>();
    sut = new TableState(fetch, onError, 10);
  });

  it('starts loading on page 1 with the given size', () => {
    expect([sut.loading(), sut.page(), sut.size(), sut.rows(), sut.total()]).toEqual([
      true,
      1,
      10,
      [],
      0,
    ]);
  });

  it('loads the current page and its total', async () => {
    fetch.mockResolvedValue({ rows: ['a', 'b'], total: 12 });
    await sut.load();
    expect(fetch).toHaveBeenCalledWith(1, 10, null);
    expect([sut.rows(), sut.total(), sut.loading(), sut.failed()]).toEqual([
      ['a', 'b'],
      12,
      false,
      false,
    ]);
  });

  it('counts the rows when the API does not page', async () => {
    fetch.mockResolvedValue({ rows: ['a', 'b', 'c'] });
    await sut.load();
    expect(sut.total()).toBe(3);
  });

  it('empties the table, marks it failed and reports the error, without throwing', async () => {
    fetch.mockResolvedValueOnce({ rows: ['a'], total: 1 });
    await sut.load();
    const error = new Error('down');
    fetch.mockRejectedValueOnce(error);
    await sut.load();
    expect([sut.rows(), sut.failed(), sut.loading()]).toEqual([[], true, false]);
    expect(onError).toHaveBeenCalledWith(error);
    fetch.mockResolvedValueOnce({ rows: ['b'], total: 1 });
    await sut.load();
    expect(sut.failed()).toBe(false);
  });

  it("follows the paginator's page event (0-based index) and reloads", async () => {
    fetch.mockResolvedValue({ rows: [], total: 0 });
    sut.onPage({ pageIndex: 2, pageSize: 50, length: 0 });
    await Promise.resolve();
    expect([sut.page(), sut.size()]).toEqual([3, 50]);
    expect(fetch).toHaveBeenLastCalledWith(3, 50, null);
  });

  it('goes back to the first page when a filter changes', () => {
    fetch.mockResolvedValue({ rows: [], total: 0 });
    sut.page.set(4);
    sut.firstPage();
    expect(fetch).toHaveBeenLastCalledWith(1, 10, null);
  });

  it('sorts on the server from the first page; no direction is the default order', () => {
    fetch.mockResolvedValue({ rows: [], total: 0 });
    sut.page.set(3);
    sut.onSort({ active: 'spend', direction: 'desc' });
    expect(fetch).toHaveBeenLastCalledWith(1, 10, { active: 'spend', direction: 'desc' });
    sut.onSort({ active: 'spend', direction: '' });
    expect(fetch).toHaveBeenLastCalledWith(1, 10, null);
  });

  it('keeps the answer of the latest request when an older one comes back later', async () => {
    let answerOld: (rows: TableRows<string>) => void = () => undefined;
    fetch.mockReturnValueOnce(new Promise((resolve) => (answerOld = resolve)));
    fetch.mockResolvedValueOnce({ rows: ['filtered'], total: 1 });
    const old = sut.load();
    await sut.load();
    answerOld({ rows: ['everything'], total: 9 });
    await old;
    expect([sut.rows(), sut.total(), sut.loading()]).toEqual([['filtered'], 1, false]);
  });
});
