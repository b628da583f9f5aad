import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CityLedgerError } from '@cityledger/core';
import { Field } from '../../../../gateway/src/config-fields';
import { CONFIG_SCHEMA, configFields, loadConfig } from '../../../../gateway/src/config';
import { DEFAULT_MODEL_MANIFEST_PATH } from '../../../../gateway/src/features';
import { tempDir } from './helpers';

function minimal(): Record<string, unknown> {
  return {
    gatewayId: 'transport-gw-1',
    department: 'transport',
    attestationKeyPath: 'keys/attestation.pem',
    fabric: { profilePath: '/abs/connections/transport.json' },
  };
}

describe('loadConfig', () => {
  const tmp = tempDir();
  afterAll(() => {
    tmp.remove();
  });
  let n = 0;
  function file(content: unknown): string {
    n += 1;
    const f = path.join(tmp.dir, `config-${n}.json`);
    writeFileSync(f, typeof content === 'string' ? content : JSON.stringify(content));
    return f;
  }
  function failure(run: () => unknown): CityLedgerError {
    try {
      run();
    } catch (err) {
      expect(err).toBeInstanceOf(CityLedgerError);
      return err as CityLedgerError;
    }
    throw new Error('expected loadConfig to throw');
  }

  it('fills defaults and resolves relative paths against the file folder', () => {
    const config = loadConfig({}, file(minimal()));
    expect(config.gatewayId).toBe('transport-gw-1');
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8480, maxPayloadBytes: 1_048_576 });
    expect(config.collector).toEqual({ host: '127.0.0.1', udpPort: 2055, receiveBufferBytes: 8_388_608 });
    expect(config.fabric.identity).toBe('gateway');
    expect(config.fabric.peers).toEqual([]);
    expect(config.submit.flowAlertFunction).toBe('exchange:recordFlowAlert');
    expect(config.submit.personalDataLagMs).toBe(120_000);
    expect(config.models).toEqual({ manifestPath: DEFAULT_MODEL_MANIFEST_PATH, anomaly: true });
    expect(config.attestationKeyPath).toBe(path.join(tmp.dir, 'keys/attestation.pem'));
    expect(config.dataDir).toBe(path.join(tmp.dir, 'data'));
    expect(config.fabric.profilePath).toBe('/abs/connections/transport.json');
  });

  it('rejects unknown keys at the top and nested, naming them', () => {
    const top = failure(() => loadConfig({}, file({ ...minimal(), gatewayID: 'x' })));
    expect(top.code).toBe('INVALID_ARGUMENT');
    expect(top.message).toContain('gatewayID is not a known key');
    const nested = failure(() => loadConfig({}, file({ ...minimal(), http: { port: 80, bodyLimit: 5 } })));
    expect(nested.message).toContain('http.bodyLimit is not a known key');
  });

  it('rejects an unknown CITYLEDGER_GW_ variable but ignores other variables', () => {
    const f = file(minimal());
    expect(failure(() => loadConfig({ CITYLEDGER_GW_HTTP__PROT: '1' }, f)).message).toContain(
      'environment CITYLEDGER_GW_HTTP__PROT is not a known key',
    );
    expect(loadConfig({ HOME: '/root', CITYLEDGER_DATA_DIR: '/x' }, f).gatewayId).toBe('transport-gw-1');
  });

  it.each([
    ['a port out of range', { http: { port: 70_000 } }, 'http.port must be an integer from 0 to 65535'],
    ['a fractional size', { outbox: { maxDepth: 1.5 } }, 'outbox.maxDepth must be an integer'],
    [
      'an unknown department',
      { department: 'police' },
      'department must be one of transport, energy, health',
    ],
    ['an id that is not a slug', { gatewayId: 'Transport GW' }, 'gatewayId must match'],
    ['a string for a number', { submit: { jitter: '0.5' } }, 'submit.jitter must be a number from 0 to 1'],
    ['a string for a boolean', { models: { anomaly: 'yes' } }, 'models.anomaly must be true or false'],
    ['a section that is not an object', { http: 8080 }, 'http must be an object'],
    [
      'a receive buffer below 4 KiB',
      { collector: { receiveBufferBytes: 1_000 } },
      'collector.receiveBufferBytes must be an integer from 4096 to 1073741824',
    ],
    [
      'a negative lag window',
      { submit: { personalDataLagMs: -1 } },
      'submit.personalDataLagMs must be an integer from 0 to 86400000',
    ],
  ])('rejects %s', (_what, patch, message) => {
    const err = failure(() => loadConfig({}, file({ ...minimal(), ...patch })));
    expect(err.message).toContain(message);
  });

  it('checks rules across fields', () => {
    const submit = { initialBackoffMs: 5_000, maxBackoffMs: 1_000 };
    expect(failure(() => loadConfig({}, file({ ...minimal(), submit }))).message).toContain(
      'submit.initialBackoffMs must not exceed submit.maxBackoffMs',
    );
    const scoring = { microBatchSize: 500, maxQueuedFlows: 100 };
    expect(failure(() => loadConfig({}, file({ ...minimal(), scoring }))).message).toContain(
      'scoring.microBatchSize',
    );
  });

  it('names a missing required key', () => {
    const { gatewayId: _drop, ...rest } = minimal();
    expect(failure(() => loadConfig({}, file(rest))).message).toContain('gatewayId is required');
  });

  it('reports a file that is not JSON', () => {
    expect(failure(() => loadConfig({}, file('{ nope'))).message).toContain('cannot be read as JSON');
  });

  it('lets the environment override the file, with typed conversion', () => {
    const config = loadConfig(
      {
        CITYLEDGER_GW_HTTP__PORT: '9090',
        CITYLEDGER_GW_FABRIC__PEERS: 'peer0.transport, peer1.transport',
        CITYLEDGER_GW_SUBMIT__FLOW_ALERT_FUNCTION: 'recordFlowAlert',
        CITYLEDGER_GW_MODELS__ANOMALY: 'false',
        CITYLEDGER_GW_SUBMIT__PERSONAL_DATA_LAG_MS: '0',
        CITYLEDGER_GW_GATEWAY_ID: 'transport-gw-2',
      },
      file({ ...minimal(), http: { port: 8000 } }),
    );
    expect(config.http.port).toBe(9090);
    expect(config.fabric.peers).toEqual(['peer0.transport', 'peer1.transport']);
    expect(config.submit.flowAlertFunction).toBe('recordFlowAlert');
    expect(config.models.anomaly).toBe(false);
    expect(config.submit.personalDataLagMs).toBe(0);
    expect(config.gatewayId).toBe('transport-gw-2');
  });

  it('validates environment values like file values', () => {
    const f = file(minimal());
    expect(failure(() => loadConfig({ CITYLEDGER_GW_HTTP__PORT: 'eighty' }, f)).message).toContain(
      'http.port',
    );
    expect(failure(() => loadConfig({ CITYLEDGER_GW_HTTP__PORT: '' }, f)).message).toContain('http.port');
  });

  it('sets a nullable field back to null from the environment', () => {
    const f = file({ ...minimal(), submit: { flowAlertFunction: 'recordFlowAlert' } });
    expect(
      loadConfig({ CITYLEDGER_GW_SUBMIT__FLOW_ALERT_FUNCTION: 'null' }, f).submit.flowAlertFunction,
    ).toBeNull();
  });

  it('reads the file named by CITYLEDGER_GW_CONFIG, or the environment alone', () => {
    const f = file(minimal());
    expect(loadConfig({ CITYLEDGER_GW_CONFIG: f }).gatewayId).toBe('transport-gw-1');
    const envOnly = loadConfig({
      CITYLEDGER_GW_GATEWAY_ID: 'energy-gw-1',
      CITYLEDGER_GW_DEPARTMENT: 'energy',
      CITYLEDGER_GW_ATTESTATION_KEY_PATH: '/keys/a.pem',
      CITYLEDGER_GW_FABRIC__PROFILE_PATH: '/c/energy.json',
      CITYLEDGER_GW_MODELS__MANIFEST_PATH: '/m/manifest.json',
    });
    expect(envOnly.department).toBe('energy');
    expect(envOnly.attestationKeyPath).toBe('/keys/a.pem');
  });

  it('documents every field and gives each a distinct environment name', () => {
    const fields = configFields(CONFIG_SCHEMA);
    expect(fields.length).toBeGreaterThan(30);
    expect(new Set(fields.map((f) => f.env)).size).toBe(fields.length);
    for (const f of fields) {
      expect(f.field).toBeInstanceOf(Field);
      expect(f.field.doc.length).toBeGreaterThan(10);
    }
  });
});
