import { Counter, Histogram, Registry } from 'prom-client';
import { SeriesCounter, SeriesHistogram } from './series-metrics';

/** The same observations through prom-client's own metrics and through ours, rendered. */
async function render(ours: boolean): Promise<string> {
  const registry = new Registry();
  const buckets = [0.001, 0.01, 0.1, 1];
  const observations: [string, string, number][] = [
    ['gpt', 'chat', 0.0005],
    ['gpt', 'chat', 0.05],
    ['gpt', 'chat', 0.05],
    ['gpt', 'chat', 7],
    ['emb', 'embed', 0.01],
    ['a "quoted"\\name', 'chat', 0.2],
  ];
  if (ours) {
    const counter = new SeriesCounter('t_requests_total', 'Requests', ['model', 'call_type']);
    const histogram = new SeriesHistogram('t_seconds', 'Seconds', ['model', 'call_type'], buckets);
    registry.registerMetric(counter.asMetric());
    registry.registerMetric(histogram.asMetric());
    for (const [model, callType, value] of observations) {
      counter.with({ model, call_type: callType }).inc();
      histogram.with({ model, call_type: callType }).observe(value);
    }
    counter.with({ model: 'gpt', call_type: 'chat' }).inc(2.5);
  } else {
    const counter = new Counter({
      name: 't_requests_total',
      help: 'Requests',
      labelNames: ['model', 'call_type'],
      registers: [registry],
    });
    const histogram = new Histogram({
      name: 't_seconds',
      help: 'Seconds',
      labelNames: ['model', 'call_type'],
      buckets,
      registers: [registry],
    });
    for (const [model, callType, value] of observations) {
      counter.inc({ model, call_type: callType });
      histogram.observe({ model, call_type: callType }, value);
    }
    counter.inc({ model: 'gpt', call_type: 'chat' }, 2.5);
  }
  return registry.metrics();
}

describe('series metrics', () => {
  it("render exactly as prom-client's Counter and Histogram for the same observations", async () => {
    const expected = await render(false);
    expect(expected).toContain('t_seconds_bucket{le="+Inf",model="gpt",call_type="chat"} 4');
    expect(await render(true)).toBe(expected);
  });

  it('ignore non-finite observations and keep series apart by label values', async () => {
    const histogram = new SeriesHistogram('h', 'H', ['a'] as const, [1]);
    histogram.with({ a: 'x' }).observe(Number.NaN);
    histogram.with({ a: 'x' }).observe(0.5);
    histogram.with({ a: 'y' }).observe(2);
    const rendered = await histogram.get();
    expect(rendered.values).toEqual([
      { labels: { a: 'x', le: 1 }, value: 1, metricName: 'h_bucket' },
      { labels: { a: 'x', le: '+Inf' }, value: 1, metricName: 'h_bucket' },
      { labels: { a: 'x' }, value: 0.5, metricName: 'h_sum' },
      { labels: { a: 'x' }, value: 1, metricName: 'h_count' },
      { labels: { a: 'y', le: 1 }, value: 0, metricName: 'h_bucket' },
      { labels: { a: 'y', le: '+Inf' }, value: 1, metricName: 'h_bucket' },
      { labels: { a: 'y' }, value: 2, metricName: 'h_sum' },
      { labels: { a: 'y' }, value: 1, metricName: 'h_count' },
    ]);
  });
});
