import { join } from 'node:path';
import { Host } from './host.js';
import type { HostOptions } from './options.js';
import { ComponentSecrets } from './plugins/component-secrets.js';
import { BuiltinInterfaces } from './plugins/builtin-interfaces.js';
import { ComponentPlugin } from './plugins/components.js';
import { ProviderPlugin } from './plugins/providers.js';
import { LinkRouter } from './router/link-router.js';
import { LocalTargets } from './router/local-targets.js';
import { defaultCacheDir, defaultCanSatisfy, defaultLoaders, type RuntimeOptions } from './runtime/mod.js';
import { ObjectStoreImageLoader } from './runtime/object-store-loader.js';
import { latticeJsDomain } from './stores/kv.js';
import { ImageGate } from './admission/gate.js';
import { OciImageLoader } from './runtime/oci-loader.js';
import { defaultCredentials } from '../lib/oci/credentials.js';
import { RegistryClient } from '../lib/oci/client.js';
import { latticeHome } from '../lib/home.js';

/**
 * A complete host: the core (identity, labels, heartbeats, control interface, stores) plus the
 * link router, the component runtime and the provider supervisor. Components' imports go through
 * the host's builtin interfaces (config, logging) or the router (everything linked).
 */
export async function assembleHost(options: HostOptions): Promise<Host> {
  const host = await Host.start(options);
  try {
    const registry = new RegistryClient({
      credentials: options.oci?.credentials ?? defaultCredentials(),
      insecure: options.oci?.insecureRegistries ?? [],
      timeoutMs: options.oci?.timeoutMs,
    });
    const ociCacheDir = options.oci?.cacheDir ?? join(latticeHome(), 'cache', 'oci');
    const [links, configs] = await Promise.all([host.links.live(), host.config.live()]);
    const targets = new LocalTargets(host.nc, host.lattice, host.log.child({ component: 'targets' }));
    const router = new LinkRouter(host.nc, host.lattice, links, targets, host.log.child({ component: 'router' }));
    // Stop hooks run newest first: targets stop after the runtime and providers released theirs.
    host.onStop(() => targets.stop());
    host.plugins.router = router;
    host.plugins.targets = targets;

    if (options.runtime !== false) {
      // The secrets view starts with the first component granted a secret, not with every host.
      const secrets = new ComponentSecrets(() => host.secrets.reader(), (name) => configs.get(name));
      const builtins = new BuiltinInterfaces(configs, host.log.child({ component: 'guest-log' }), secrets);
      const runtimeOptions: RuntimeOptions = {
        cacheDir: options.dataDir ? join(options.dataDir, 'cache') : undefined,
        ...options.runtime,
        importHandler: async (componentId, iface, fn, args, context) =>
          builtins.serves(iface)
            ? builtins.call(componentId, iface, fn, args)
            : router.call(componentId, iface, fn, args, { linkName: context?.linkName }),
        canSatisfy: options.runtime?.canSatisfy ?? defaultCanSatisfy,
      };
      // nats:// images (lattice push) need this host's connection, so that loader is made per host.
      runtimeOptions.loaders ??= [
        ...defaultLoaders,
        new ObjectStoreImageLoader({
          nc: host.nc,
          lattice: host.lattice,
          cacheDir: join(runtimeOptions.cacheDir ?? defaultCacheDir(), 'artifacts'),
          domain: latticeJsDomain(options.jsDomain),
          logger: host.log.child({ component: 'artifacts' }),
        }),
        new OciImageLoader({ client: registry, cacheDir: ociCacheDir, logger: host.log.child({ component: 'oci' }) }),
      ];
      // Every image the runtime loads passes the trust check first (host/admission/gate.ts).
      const gate = new ImageGate(runtimeOptions.loaders, host.trustedIssuers);
      runtimeOptions.loaders = gate.loaders();
      host.plugins.components = ComponentPlugin.attach(host, targets, runtimeOptions, builtins, gate);
    }
    if (options.providers !== false) {
      host.plugins.providers = ProviderPlugin.attach(host, targets, router, { ...options.providers, oci: { client: registry, cacheDir: ociCacheDir } });
    }
    // Registered last, so it runs first: new calls go to other hosts before anything here stops.
    host.onStop(() => targets.quiesce());
    return host;
  } catch (error) {
    await host.stop({ reason: 'start failed' });
    throw error;
  }
}
