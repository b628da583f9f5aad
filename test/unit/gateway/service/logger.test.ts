import { memoryLogger } from './helpers';

describe('logger', () => {
  it('redacts keys, certificates and payloads wherever they appear', () => {
    const { logger, lines } = memoryLogger('info');
    logger.info(
      {
        privateKeyPem: '-----BEGIN PRIVATE KEY-----secret',
        config: { key: 'k', cert: 'c', gatewayId: 'visible' },
        request: { payload: 'cGF5bG9hZA==', category: 'transport/x' },
        req: { headers: { authorization: 'Bearer t' } },
      },
      'something happened',
    );
    const [line] = lines();
    const text = JSON.stringify(line);
    expect(text).not.toMatch(/secret|cGF5bG9hZA|Bearer/);
    expect(line).toMatchObject({
      msg: 'something happened',
      gatewayId: 'test-gw',
      privateKeyPem: '[redacted]',
      config: { key: '[redacted]', cert: '[redacted]', gatewayId: 'visible' },
      request: { payload: '[redacted]', category: 'transport/x' },
    });
  });
});
