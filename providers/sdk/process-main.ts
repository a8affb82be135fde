/**
 * Entry point of a provider running as its own process, forked and supervised by a host. It
 * connects to NATS itself, keeps live views of links and config, serves the provider's interfaces
 * on the lattice and calls its link targets over NATS: the same ProviderRunner as builtin mode.
 */
import { createLogger } from '../../lib/logger.js';
import { Attr, flushTracing, initTracing } from '../../lib/telemetry/mod.js';
import { connectLongLived, natsSettingsFromEnv } from '../../lib/nats-connection.js';
import { fromOutcome, invoke, serveTarget, toOutcome } from '../../protocol/mod.js';
import { ConfigStore } from '../../store/config-store.js';
import { SecretStore } from '../../store/secret-store.js';
import { loadSecretsKey } from '../../lib/secrets-key.js';
import { LinkStore } from '../../store/link-store.js';
import { loadProvider } from '../registry.js';
import { type ChildMessage, ParentMessage, PROVIDER_SETTINGS_ENV, ProcessSettings } from './process-protocol.js';
import { ProviderRunner } from './runner.js';
import { SpyRecorder } from '../../host/spy/recorder.js';

function send(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  const settings = ProcessSettings.parse(JSON.parse(process.env[PROVIDER_SETTINGS_ENV] ?? '{}'));
  const log = createLogger({ component: 'provider', provider_id: settings.providerId, host_id: settings.hostId });
  await initTracing(
    'lattice-provider',
    {
      'service.instance.id': `${settings.hostId}/${settings.providerId}`,
      'lattice.provider.id': settings.providerId,
      'lattice.host.id': settings.hostId,
      'lattice.name': settings.lattice,
    },
    log,
  );
  const nc = await connectLongLived(natsSettingsFromEnv(), `lattice-provider-${settings.providerId}`, log);
  const [linkStore, configStore, secretStore] = await Promise.all([
    LinkStore.open(nc, settings.lattice, log),
    ConfigStore.open(nc, settings.lattice, log),
    SecretStore.open(nc, settings.lattice, await loadSecretsKey(), log),
  ]);
  const [links, configs, secrets] = await Promise.all([linkStore.live(), configStore.live(), secretStore.reader()]);
  const { definition, defaults } = await loadProvider(settings.providerRef);
  // Calls this provider makes (it is a link source) are recorded for `lattice spy` here.
  const recorder = new SpyRecorder(nc, settings.lattice, settings.hostId, log);
  const runner = await ProviderRunner.start(definition, {
    providerId: settings.providerId,
    hostId: settings.hostId,
    lattice: settings.lattice,
    nc,
    log,
    spanAttributes: { [Attr.lattice]: settings.lattice, [Attr.host]: settings.hostId },
    dataDir: settings.dataDir,
    configNames: settings.configNames,
    defaults,
    links,
    configs: { get: (name) => configs.get(name), onChange: (fn) => configs.onChange(fn) },
    secretNames: settings.secretNames,
    secrets: { get: (name) => secrets.reveal(name), onChange: (fn) => secrets.onChange(fn) },
    call: async (link, iface, fn, args, opts) => {
      const spied = recorder.active ? recorder.begin({ source: settings.providerId, target: link.target, link, iface, fn, args }) : undefined;
      try {
        const value = fromOutcome(
          await invoke(nc, settings.lattice, {
            target: link.target,
            interface: iface,
            function: fn,
            args,
            source: settings.providerId,
            linkName: link.name,
            deadlineMs: opts?.deadlineMs,
            traceparent: opts?.traceparent,
          }),
        );
        spied?.ok(value);
        return value;
      } catch (error) {
        spied?.failed(error);
        throw error;
      }
    },
  });
  const server = await serveTarget(nc, settings.lattice, settings.providerId, (call) => toOutcome(() => runner.handle(call)), { log });

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.stop();
    recorder.stop();
    await runner.stop();
    await Promise.all([linkStore.close(), configStore.close(), secretStore.close()]);
    await flushTracing();
    await nc.drain();
    process.disconnect?.();
  };
  process.on('message', (raw: unknown) => {
    const parsed = ParentMessage.safeParse(raw);
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'stop') void stop();
    else void runner.health().then((h) => send({ type: 'health', id: message.id, healthy: h.healthy, message: h.message }));
  });
  // The host is the supervisor: if it goes away, so does the provider.
  process.on('disconnect', () => void stop());
  process.on('SIGTERM', () => void stop());
  send({ type: 'ready' });
}

main().catch((error: unknown) => {
  send({ type: 'start-failed', message: error instanceof Error ? error.message : String(error) });
  process.exitCode = 1;
  process.disconnect?.();
});
