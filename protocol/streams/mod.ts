/** Byte streams inside invocation values: the reference, the flow-control rules, the two transports. */
export { type ByteStream, isByteStream, StreamRef } from './ref.js';
export type { ExportOptions, StreamExporter, StreamImporter } from './transport.js';
export { exporterFor, NatsStreamExporter } from './nats-exporter.js';
export { NatsStreamImporter } from './nats-importer.js';
export { StreamHeader } from './nats-wire.js';
export { ResponseBody, WorkerSources } from './in-process.js';
