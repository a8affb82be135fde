import { join } from 'node:path';
import { Host } from './host.js';
import type { HostOptions } from './options.js';
import { ComponentSecrets } from './plugins/component-secrets.js';
import { BuiltinInterfaces } from './plugins/builtin-interfaces.js';
import { ComponentPlugin } from './plugins/components.js';
import { ProviderPlugin } from './plugins/providers.js';
import { LinkRouter } from './router/link-router.js';
import { LocalTargets } from './router/local-targets.js';
import { SpyRecorder } from './spy/recorder.js';
import { defaultCacheDir, defaultCanSatisfy, defaultLoaders, type ImportHandler, type RuntimeOptions } from '../runtime/mod.js';
import { Attr, SpanKind, startSpan, tracing } from '../lib/telemetry/mod.js';
import { describePayload, WitError } from '../protocol/mod.js';
import { ObjectStoreImageLoader } from './object-store-loader.js';
import { ObjectStoreTranspileShare } from './transpile-share.js';
import { latticeJsDomain } from '../store/kv.js';
import { ImageGate } from './admission/gate.js';
import { OciImageLoader } from '../runtime/oci-loader.js';
import { defaultCredentials } from '../lib/oci/credentials.js';
import { RegistryClient } from '../lib/oci/client.js';
import { defaultOciCacheDir } from '../lib/oci/cache.js';

/**
 * The import handler of the runtime: the host's builtin interfaces (config, logging, secrets) or
 * the link router. When tracing or metrics are on, each call is a `host call` span (child of the
 * invocation's span) and a round-trip observation; otherwise it is the bare dispatch.
 */
function hostCalls(host: Host, builtins: BuiltinInterfaces, router: LinkRouter): ImportHandler {
  const serve: ImportHandler = async (componentId, iface, fn, args, context) =>
    builtins.serves(iface)
      ? builtins.call(componentId, iface, fn, args, context?.traceparent)
      : router.call(componentId, iface, fn, args, { linkName: context?.linkName, traceparent: context?.traceparent });
  const metrics = host.metrics;
  if (!metrics && !tracing.on) return serve;
  return async (componentId, iface, fn, args, context) => {
    // Builtins (logging, config) are not host calls worth a span each: a log line carries the trace.
    const span =
      tracing.on && !builtins.serves(iface)
        ? startSpan(`host call ${iface}#${fn}`, SpanKind.internal, context?.traceparent, {
            [Attr.lattice]: host.lattice,
            [Attr.host]: host.id,
            [Attr.component]: componentId,
            [Attr.link]: context?.linkName ?? 'default',
            [Attr.interface]: iface,
            [Attr.function]: fn,
          })
        : undefined;
    const started = metrics ? performance.now() : 0;
    try {
      const value = await serve(componentId, iface, fn, args, span ? { linkName: context?.linkName ?? 'default', traceparent: span.traceparent } : context);
      span?.end();
      return value;
    } catch (error) {
      span?.end(error instanceof WitError ? `WIT error: ${describePayload(error.payload)}` : error);
      throw error;
    } finally {
      metrics?.hostCall(iface.replace(/@[^/]*$/, '')).observe((performance.now() - started) / 1000);
    }
  };
}

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
    const ociCacheDir = options.oci?.cacheDir ?? defaultOciCacheDir();
    const [links, configs] = await Promise.all([host.links.live(), host.config.live()]);
    const targets = new LocalTargets(host.nc, host.lattice, host.log.child({ component: 'targets' }));
    const router = new LinkRouter(host.nc, host.lattice, links, targets, host.log.child({ component: 'router' }), host.id);
    router.metrics = host.metrics;
    // `lattice spy`: idle (one subscription, an inactive flag) until someone watches.
    const spyRecorder = new SpyRecorder(host.nc, host.lattice, host.id, host.log.child({ component: 'spy' }));
    router.observer = spyRecorder;
    // What runtime workers serve themselves does not pass the router: while someone spies, they relay.
    spyRecorder.onActive = (active) => {
      host.plugins.components?.runtime.ingress.pause(active);
      host.plugins.components?.runtime.handles.spying(active);
    };
    host.onStop(() => spyRecorder.stop());
    // Stop hooks run newest first: targets stop after the runtime and providers released theirs.
    host.onStop(() => targets.stop());
    host.plugins.router = router;
    host.plugins.targets = targets;

    if (options.runtime !== false) {
      // The secrets view starts with the first component granted a secret, not with every host.
      const secrets = new ComponentSecrets(
        () => host.secrets.reader(),
        (name) => configs.get(name),
      );
      const builtins = new BuiltinInterfaces(configs, host.log.child({ component: 'guest-log' }), secrets);
      const runtimeOptions: RuntimeOptions = {
        cacheDir: options.dataDir ? join(options.dataDir, 'cache') : undefined,
        ...options.runtime,
        importHandler: hostCalls(host, builtins, router),
        guestLogLevel: options.runtime?.guestLogLevel ?? builtins.logLevel,
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
      // What one host transpiled, the others fetch instead of running jco again.
      runtimeOptions.transpileShare ??= new ObjectStoreTranspileShare({
        nc: host.nc,
        lattice: host.lattice,
        domain: latticeJsDomain(options.jsDomain),
        logger: host.log.child({ component: 'transpile-share' }),
      });
      // Every image the runtime loads passes the trust check first (host/admission/gate.ts).
      const gate = new ImageGate(runtimeOptions.loaders, host.trustedIssuers);
      runtimeOptions.loaders = gate.loaders();
      host.plugins.components = ComponentPlugin.attach(host, targets, runtimeOptions, builtins, gate, (id) => router.handles.forget(id));
      // The router keeps the handles components open; the workers may answer opens from copies,
      // dropped whenever the router lets a handle go.
      const workerHandles = host.plugins.components.runtime.handles;
      router.handles.onEvict = () => workerHandles.invalidate();
      workerHandles.enable();
    }
    if (options.providers !== false) {
      host.plugins.providers = ProviderPlugin.attach(host, targets, router, {
        ...options.providers,
        oci: { client: registry, cacheDir: ociCacheDir },
        ingress: () => host.plugins.components?.runtime.ingress,
      });
    }
    host.metrics?.attach({
      info: () => ({ hostId: host.id, name: host.friendlyName, lattice: host.lattice, version: host.version }),
      connected: () => !host.nc.isClosed() && host.state === 'running',
      runtime: host.plugins.components ? () => host.plugins.components!.runtime.stats() : undefined,
      providers: host.plugins.providers ? () => host.plugins.providers!.health() : undefined,
    });
    // Registered last, so it runs first: new calls go to other hosts before anything here stops.
    host.onStop(() => targets.quiesce());
    return host;
  } catch (error) {
    await host.stop({ reason: 'start failed' });
    throw error;
  }
}
