/** A gateway that could not be asked for a proof (unreachable, timeout, server error). */
export class GatewayUnreachableError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GatewayUnreachableError';
  }
}

/** The gateway's answer: its JSON body, whatever the status (a 404 body explains itself). */
export interface ProofFetch {
  readonly status: number;
  readonly body: unknown;
}

/**
 * `GET <gatewayUrl>/records/<id>/proof` with a deadline. Throws GatewayUnreachableError when no
 * HTTP answer arrives, or a 5xx one does; any other answer is returned for the checks to judge.
 */
export async function fetchProof(gatewayUrl: string, id: string, timeoutMs = 10_000): Promise<ProofFetch> {
  const url = new URL(
    `records/${encodeURIComponent(id)}/proof`,
    gatewayUrl.endsWith('/') ? gatewayUrl : `${gatewayUrl}/`,
  );
  let response: Response;
  try {
    response = await fetch(url, {
      signal: AbortSignal.timeout(timeoutMs),
      headers: { accept: 'application/json' },
    });
  } catch (err) {
    throw new GatewayUnreachableError(
      `cannot reach ${url.origin}: ${err instanceof Error ? err.message : String(err)}`,
      {
        cause: err,
      },
    );
  }
  const text = await response.text();
  if (response.status >= 500) {
    throw new GatewayUnreachableError(`${url.origin} answered ${response.status}: ${text.slice(0, 200)}`);
  }
  try {
    return { status: response.status, body: JSON.parse(text) as unknown };
  } catch {
    return { status: response.status, body: text };
  }
}
