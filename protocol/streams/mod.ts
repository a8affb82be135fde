/** Byte streams inside invocation values: the reference, the flow-control rules, the two transports. */
export { type ByteStream, isByteStream, StreamRef } from './ref.js';
export type { ExportOptions, StreamExporter, StreamImporter } from './transport.js';
export { exporterFor, NatsStreamExporter, NatsStreamImporter, StreamHeader } from './nats.js';
export { ResponseBody, WorkerSources } from './in-process.js';
