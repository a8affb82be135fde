import { setFlagsFromString } from 'node:v8';
import { commandName } from './command-name.js';

/**
 * Start-up V8 tuning for `lattice host` (docs/edge.md, "Measured footprint"): an idle host's RSS
 * is mostly what its start left behind, not what it needs afterwards.
 *
 * - The young generation doubles each time a scavenge finds it busy; loading the host's modules
 *   grows it to 2 x 8 MiB, which an idle host then keeps. A growth factor of 1 while starting keeps
 *   it at its initial 1 MiB semi-spaces (saves ~14 MiB).
 * - Start-up code runs once, but TurboFan and Sparkplug still compile some of it (zod schema
 *   construction, the msgpack codec), paging in the compilers and keeping their code (saves ~5 MiB).
 *
 * All are restored to V8's defaults once the host has joined, so a host under load grows
 * its young generation and optimizes its hot paths exactly as before. These flags are read by
 * V8 whenever it decides (growing, optimizing), so setting them at run time works; flags fixed at
 * isolate creation (--max-semi-space-size) would need a re-exec, i.e. a second node process of
 * ~40 MB, which would cost more than it saves.
 *
 * This module's import applies the flags, so cli/main.ts imports it before anything else.
 */

interface Tweak {
  /** Applied while the host starts. */
  during: string;
  /** V8's default, restored after the start. */
  after: string;
  /** A user-given flag (NODE_OPTIONS or node's own arguments) matching this wins: no tweak. */
  userSet: RegExp;
}

const TWEAKS: Tweak[] = [
  { during: '--semi-space-growth-factor=1', after: '--semi-space-growth-factor=2', userSet: /semi-space|--optimize-for-size|--lite-mode/ },
  { during: '--no-opt', after: '--opt', userSet: /--(no-)?(opt|turbofan|always-opt|jitless|lite-mode)\b/ },
  { during: '--no-sparkplug', after: '--sparkplug', userSet: /--(no-)?(sparkplug|always-sparkplug|jitless|lite-mode)\b/ },
];

/** Log lines of `lattice host`: which flags the idle tuning set, and when V8's defaults came back. */
export const IDLE_TUNING_ON = 'idle memory tuning on until the first component or provider';
export const IDLE_TUNING_OFF = 'idle memory tuning off: the host has work, V8 runs with its defaults';

/** LATTICE_V8_TUNING=off leaves V8 alone (to compare, or to rule the tuning out when debugging). */
const OPT_OUT = 'LATTICE_V8_TUNING';

export interface StartTuning {
  /** Flags set for the start (empty when the command is not `host` or the user chose). */
  readonly applied: readonly string[];
  /** Tweaks left out because the user gave a flag of that kind themselves. */
  readonly userChosen: readonly string[];
  /** Restores V8's defaults for what was applied; idempotent. */
  finish(): void;
}

export function tuneStart(argv: readonly string[], execArgv: readonly string[], env: NodeJS.ProcessEnv): StartTuning {
  const applied: string[] = [];
  const userChosen: string[] = [];
  const pending: Tweak[] = [];
  if (commandName(argv) === 'host' && env[OPT_OUT] !== 'off') {
    const userFlags = [...execArgv, ...(env.NODE_OPTIONS ?? '').split(/\s+/)].filter((f) => f.startsWith('-')).map((f) => f.replaceAll('_', '-')); // V8 reads --max_semi_space_size as --max-semi-space-size
    for (const tweak of TWEAKS) {
      if (userFlags.some((f) => tweak.userSet.test(f))) {
        userChosen.push(tweak.during);
        continue;
      }
      setFlagsFromString(tweak.during);
      applied.push(tweak.during);
      pending.push(tweak);
    }
  }
  return {
    applied,
    userChosen,
    finish() {
      for (const tweak of pending.splice(0)) setFlagsFromString(tweak.after);
    },
  };
}

export const startTuning: StartTuning = tuneStart(process.argv, process.execArgv, process.env);
