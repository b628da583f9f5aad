import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import type { IdentityFiles, PeerEndpoint } from './connection-profile';

const KEEPALIVE_MS = 30_000;

/**
 * One gRPC client for a peer. Share it: every Gateway connection, evaluate, submit and
 * event stream of a process multiplexes over it. The caller closes it. With `clientTls`
 * (the profile's TLS client certificate) it presents it, for networks with mutual TLS.
 */
export function newGrpcClient(peer: PeerEndpoint, clientTls?: IdentityFiles): grpc.Client {
  const root = readFileSync(peer.tlsRootCertPath);
  const credentials =
    clientTls === undefined
      ? grpc.credentials.createSsl(root)
      : grpc.credentials.createSsl(root, readFileSync(clientTls.keyPath), readFileSync(clientTls.certPath));
  return new grpc.Client(peer.endpoint, credentials, {
    'grpc.ssl_target_name_override': peer.hostAlias,
    'grpc.default_authority': peer.hostAlias,
    'grpc.keepalive_time_ms': KEEPALIVE_MS,
    'grpc.keepalive_permit_without_calls': 1,
    'grpc.max_receive_message_length': 100 * 1024 * 1024,
  });
}
