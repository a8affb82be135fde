import type { ComponentPlugin } from './components.js';
import type { ProviderPlugin } from './providers.js';
import type { LinkRouter } from '../router/link-router.js';
import type { LocalTargets } from '../router/local-targets.js';

/** What `startHost` attaches to a host; absent when disabled in the options. */
export interface HostPlugins {
  router: LinkRouter;
  targets: LocalTargets;
  components?: ComponentPlugin;
  providers?: ProviderPlugin;
}
