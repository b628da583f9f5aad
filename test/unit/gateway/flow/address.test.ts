import { formatIPv4, formatIPv6 } from '../../../../gateway/src/flow/address';
import { ipv6Bytes } from '../../../../gateway/src/flow/pcap-writer';

function hex(s: string): Buffer {
  return Buffer.from(s.replace(/[^0-9a-f]/gi, ''), 'hex');
}

describe('address text forms', () => {
  it('formats IPv4 at an offset', () => {
    expect(formatIPv4(Buffer.from([9, 10, 0, 255, 1]), 1)).toBe('10.0.255.1');
  });

  it.each([
    ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:0db8:0000:0000:0001:0000:0000:0001', '2001:db8::1:0:0:1'],
    ['2001:0db8:0000:0001:0001:0001:0001:0001', '2001:db8:0:1:1:1:1:1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['fe80:0000:0000:0000:0000:0000:0000:0000', 'fe80::'],
    ['2001:0db8:0000:0000:0001:0000:0000:0000', '2001:db8:0:0:1::'],
    ['ff02:0000:0000:0000:0000:0001:ff00:0001', 'ff02::1:ff00:1'],
    ['0000:0000:0000:0000:0000:ffff:c000:0201', '::ffff:192.0.2.1'],
    ['2001:0DB8:AAAA:BBBB:CCCC:DDDD:EEEE:FFFF', '2001:db8:aaaa:bbbb:cccc:dddd:eeee:ffff'],
  ])('formats %s as %s (RFC 5952)', (full, text) => {
    expect(formatIPv6(hex(full), 0)).toBe(text);
    expect(ipv6Bytes(text).equals(hex(full))).toBe(true);
  });

  it('parses a zone id away', () => {
    expect(formatIPv6(ipv6Bytes('fe80::1%eth0'), 0)).toBe('fe80::1');
  });
});
