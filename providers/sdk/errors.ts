/** A provider could not start: unknown image, invalid config, or its start hook failed. */
export class ProviderStartError extends Error {
  constructor(
    readonly providerId: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`provider ${providerId} could not start: ${message}`, options);
    this.name = 'ProviderStartError';
  }
}

/** A call named an interface or function the provider does not serve. */
export class UnknownFunctionError extends Error {
  constructor(
    readonly providerId: string,
    iface: string,
    fn: string,
  ) {
    super(`provider ${providerId} does not serve ${iface}#${fn}`);
    this.name = 'UnknownFunctionError';
  }
}
