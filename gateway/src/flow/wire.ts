/** Big-endian number readers for information-element values (bounds are checked by the caller). */

/** An unsigned integer of 1 to 8 bytes (RFC 7011 reduced-size encoding); exact up to 2^53. */
export function readUnsigned(buf: Buffer, off: number, len: number): number {
  switch (len) {
    case 1:
      return buf.readUInt8(off);
    case 2:
      return buf.readUInt16BE(off);
    case 4:
      return buf.readUInt32BE(off);
    case 8:
      return buf.readUInt32BE(off) * 0x1_0000_0000 + buf.readUInt32BE(off + 4);
    default:
      if (len <= 6) return buf.readUIntBE(off, len);
      return buf.readUIntBE(off, len - 4) * 0x1_0000_0000 + buf.readUInt32BE(off + len - 4);
  }
}

/** Seconds between the NTP era-0 epoch (1900) and the Unix epoch. */
const NTP_UNIX_OFFSET_S = 2_208_988_800;

/**
 * An RFC 7011 dateTimeMicroseconds / dateTimeNanoseconds value (NTP format) in Unix milliseconds: the
 * fraction is read to the nearest microsecond, then truncated to the millisecond.
 */
export function readNtpMs(buf: Buffer, off: number): number {
  const seconds = buf.readUInt32BE(off);
  const micros = Math.round((buf.readUInt32BE(off + 4) * 1_000_000) / 0x1_0000_0000);
  return (seconds - NTP_UNIX_OFFSET_S) * 1000 + Math.floor(micros / 1000);
}
