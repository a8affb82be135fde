import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeadlineExceededError, KeepaliveLostError, LatticeUnavailableError, TargetGoneError, TargetNotRunningError } from '../../protocol/mod.js';
import { notRetriedBecause, retryBudget, retryOnce } from './retry.js';

const SUBJECT = 'wrpc.v1.default.api.wasi:http/incoming-handler.handle';
const soon = () => Date.now() + 5_000;
const gone = (started: boolean, deadline = soon()) =>
  new TargetGoneError(SUBJECT, 'api', started, deadline, { cause: new KeepaliveLostError('i1', 3_000), instance: started ? 'i1' : null });
const absent = (deadline: number | undefined = soon()) => new TargetNotRunningError(SUBJECT, 'api', { deadline });
const GET = { method: 'GET', bodyRead: false };
const POST = { method: 'POST', bodyRead: false };

describe('http-server retry rules', () => {
  it('repeats a lost GET, HEAD or OPTIONS even when it had started, within what is left of its deadline', () => {
    for (const method of ['GET', 'HEAD', 'OPTIONS']) {
      const budget = retryBudget(gone(true), { method, bodyRead: false });
      assert.ok(budget > 4_000 && budget <= 5_000, `${method}: ${budget}`);
    }
  });

  it('repeats any method whose call never started: no responders, or lost before it was acknowledged', () => {
    assert.ok(retryBudget(absent(), POST) > 0);
    assert.ok(retryBudget(gone(false), POST) > 0);
  });

  it('does not repeat a POST that had started, nor a request whose body was read, nor other failures', () => {
    assert.equal(retryBudget(gone(true), POST), 0);
    assert.match(notRetriedBecause(gone(true), POST), /POST that had started/);
    assert.equal(retryBudget(gone(true), { method: 'GET', bodyRead: true }), 0);
    assert.equal(retryBudget(absent(), { method: 'PUT', bodyRead: true }), 0);
    assert.match(notRetriedBecause(gone(true), { method: 'GET', bodyRead: true }), /body was already read/);
    assert.equal(retryBudget(new DeadlineExceededError(SUBJECT, 1_000), GET), 0);
    assert.equal(retryBudget(new LatticeUnavailableError(SUBJECT, 'not connected to NATS'), GET), 0);
    assert.equal(retryBudget(new Error('trap'), GET), 0);
  });

  it('does not repeat once the deadline has passed, or when it is unknown', () => {
    assert.equal(retryBudget(gone(true, Date.now() - 1), GET), 0);
    assert.equal(retryBudget(new TargetNotRunningError(SUBJECT, 'api'), GET), 0);
  });

  it('retryOnce sends again with the budget, or rethrows the first error', async () => {
    const logged: string[] = [];
    const log = { info: (_o: object, msg: string) => void logged.push(msg) };
    const budgets: number[] = [];
    assert.equal(await retryOnce(gone(true), GET, async (b) => (budgets.push(b), 'answer'), log), 'answer');
    assert.equal(budgets.length, 1);
    assert.equal(logged.length, 1);
    const refused = gone(true);
    await assert.rejects(
      retryOnce(refused, POST, async () => 'never', log),
      (e: unknown) => e === refused,
    );
  });
});
