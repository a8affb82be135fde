/**
 * The hooks a graceful stop runs once in-flight work drained (runtime, providers), and the time
 * each of them gets.
 */
import type { Logger } from '../lib/logger.js';
import type { StopHook } from './services.js';

/** Smallest time a stop hook gets, even past the drain deadline. */
const STOP_HOOK_MIN_MS = 1_000;

export class StopHooks {
  private readonly hooks: StopHook[] = [];

  constructor(private readonly log: Logger) {}

  add(hook: StopHook): void {
    this.hooks.push(hook);
  }

  /**
   * Hooks run newest first (what was plugged in last is unplugged first). Each gets the time left
   * before the deadline, but at least STOP_HOOK_MIN_MS: stopping providers cleanly still matters
   * when draining used the whole deadline. A hook that overruns is abandoned, not awaited.
   */
  async run(deadline: number, reason: string): Promise<void> {
    for (const hook of [...this.hooks].reverse()) {
      let timer: NodeJS.Timeout | undefined;
      const budget = Math.max(deadline - Date.now(), STOP_HOOK_MIN_MS);
      const overrun = new Promise<'overrun'>((resolve) => (timer = setTimeout(() => resolve('overrun'), budget)));
      try {
        const outcome = await Promise.race([Promise.resolve(hook({ deadline, reason })), overrun]);
        if (outcome === 'overrun') this.log.warn({ budget_ms: budget }, 'stop hook overran its time; continuing');
      } catch (error) {
        this.log.error({ err: error }, 'stop hook failed');
      } finally {
        clearTimeout(timer);
      }
    }
  }
}
