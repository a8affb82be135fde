import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from './registry.js';
import { wadmMeter } from './wadm-metrics.js';

describe('metrics registry', () => {
  it('renders counters, histograms and gauges in Prometheus text format, escaping label values', () => {
    const r = new Registry();
    const c = r.counter('x_requests_total', 'Requests.\nSecond line', ['path']);
    c.labels('/a"b\\c\n').inc(2);
    const h = r.histogram('x_duration_seconds', 'Durations.', [], [0.1, 1]);
    const s = h.labels();
    s.observe(0.05);
    s.observe(0.5);
    s.observe(5);
    r.gauge('x_up', 'Up.', ['kind'], () => [[['a'], 1]]);
    assert.equal(
      r.render(),
      [
        '# HELP x_requests_total Requests.\\nSecond line',
        '# TYPE x_requests_total counter',
        'x_requests_total{path="/a\\"b\\\\c\\n"} 2',
        '# HELP x_duration_seconds Durations.',
        '# TYPE x_duration_seconds histogram',
        'x_duration_seconds_bucket{le="0.1"} 1',
        'x_duration_seconds_bucket{le="1"} 2',
        'x_duration_seconds_bucket{le="+Inf"} 3',
        'x_duration_seconds_sum 5.55',
        'x_duration_seconds_count 3',
        '# HELP x_up Up.',
        '# TYPE x_up gauge',
        'x_up{kind="a"} 1',
        '',
      ].join('\n'),
    );
  });

  it('refuses bad names, duplicate metrics and wrong label counts; a failing collector hides only itself', () => {
    const r = new Registry();
    assert.throws(() => r.counter('bad-name_total', 'x'), /not a Prometheus name/);
    assert.throws(() => r.counter('ok_total', 'x', ['__reserved']), /label name/);
    const c = r.counter('ok_total', 'x', ['a']);
    assert.throws(() => r.counter('ok_total', 'x'), /registered twice/);
    assert.throws(() => c.labels('1', '2'), /takes 1 label values/);
    c.labels('v').inc();
    r.gauge('broken', 'x', [], () => {
      throw new Error('boom');
    });
    assert.match(r.render(), /ok_total\{a="v"\} 1/);
  });

  it('counts wadm rounds, commands and applications by state', () => {
    const r = new Registry();
    const meter = wadmMeter(r);
    meter.round('app', 0.02, 0.1);
    meter.command('scale_component', true);
    meter.command('put_link', false);
    meter.status('app', 'deployed');
    meter.status('other', 'failed');
    const text = r.render();
    assert.match(text, /^lattice_wadm_reconcile_rounds_total 1$/m);
    assert.match(text, /^lattice_wadm_commands_total\{command="scale_component",outcome="ok"\} 1$/m);
    assert.match(text, /^lattice_wadm_commands_total\{command="put_link",outcome="failed"\} 1$/m);
    assert.match(text, /^lattice_wadm_reconcile_lag_seconds_count 1$/m);
    assert.match(text, /^lattice_wadm_applications\{state="deployed"\} 1$/m);
  });
});
