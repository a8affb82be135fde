import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CanaryPolicy } from '../manifest/canary-policy.js';
import { combineFigures, judgeCanary } from './canary-verdict.js';

const policy: CanaryPolicy = { weight: 10, windowMs: 60_000, minRequests: 20, errorMargin: 0.01, latencyRatio: 2 };
const figures = (requests: number, errors: number, p99_ms: number, p50_ms = p99_ms / 2) => ({ requests, errors, p50_ms, p99_ms });

describe('canary verdict', () => {
  it('waits for min_requests canary invocations', () => {
    const v = judgeCanary(policy, figures(500, 0, 2), figures(19, 0, 2));
    assert.equal(v.state, 'watching');
    assert.match(v.reason, /19 of the 20 canary requests/);
  });

  it('promotes a canary within the error margin and the latency ratio', () => {
    const v = judgeCanary(policy, figures(900, 9, 4), figures(100, 2, 8));
    assert.equal(v.state, 'promoted', v.reason);
    assert.match(v.reason, /error rate 2% against 1%, p99 8 ms against 4 ms, over 100 canary requests/);
  });

  it('rolls back on an error rate above the running version plus the margin', () => {
    const v = judgeCanary(policy, figures(900, 9, 4), figures(100, 3, 4));
    assert.equal(v.state, 'rolled_back');
    assert.match(v.reason, /error rate 3% against 1%, above the margin of 1%/);
  });

  it('rolls back on a p99 above the ratio, with a 1 ms floor for fast baselines', () => {
    assert.equal(judgeCanary(policy, figures(900, 0, 4), figures(100, 0, 8.5)).state, 'rolled_back');
    assert.match(judgeCanary(policy, figures(900, 0, 4), figures(100, 0, 8.5)).reason, /p99 8.5 ms against 4 ms, above the limit of 8 ms/);
    assert.equal(judgeCanary(policy, figures(900, 0, 0.2), figures(100, 0, 1.9)).state, 'promoted', 'under 2 x 1 ms');
  });

  it('adds up hosts: counts summed, p50 weighted by requests, p99 the worst host', () => {
    assert.deepEqual(combineFigures([figures(100, 1, 10, 2), figures(300, 2, 4, 1), figures(0, 0, 0, 0)]), {
      requests: 400,
      errors: 3,
      p50_ms: 1.25,
      p99_ms: 10,
    });
    assert.deepEqual(combineFigures([]), { requests: 0, errors: 0, p50_ms: 0, p99_ms: 0 });
  });
});
