/** Text forms of IP addresses read from packet bytes (dotted quad; RFC 5952 for IPv6). */

export function formatIPv4(buf: Buffer, off: number): string {
  return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
}

/** Longest run of at least two zero groups (the first one on a tie), as [start, length]. */
function longestZeroRun(groups: readonly number[]): [number, number] {
  let best = -1;
  let bestLen = 0;
  let i = 0;
  while (i < groups.length) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  return bestLen >= 2 ? [best, bestLen] : [-1, 0];
}

/** RFC 5952 canonical text: lower case, no leading zeros, the longest zero run as "::". */
export function formatIPv6(buf: Buffer, off: number): string {
  const groups: number[] = [];
  for (let i = 0; i < 8; i++) groups.push(buf.readUInt16BE(off + 2 * i));
  if (groups[0] === 0 && groups[1] === 0 && groups[2] === 0 && groups[3] === 0 && groups[4] === 0) {
    if (groups[5] === 0xffff) return `::ffff:${formatIPv4(buf, off + 12)}`;
  }
  const [start, len] = longestZeroRun(groups);
  const hex = groups.map((g) => g.toString(16));
  if (start < 0) return hex.join(':');
  return `${hex.slice(0, start).join(':')}::${hex.slice(start + len).join(':')}`;
}
