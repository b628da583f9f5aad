/**
 * NetFlow v9 (RFC 3954): 20-byte header, then flowsets: 0 = templates, 1 = options templates,
 * 2-255 reserved, 256 and up = data for that template id.
 */
import { decodeDataSet } from './data-set';
import { DecodeOutput, isPadding, type MessageContext } from './decode-result';
import { MIN_TEMPLATE_ID, type FieldSpecifier } from './template';
import type { TemplateCache } from './template-cache';
import { learnTemplate } from './template-records';

export const V9_HEADER_LENGTH = 20;

function fieldsAt(buf: Buffer, off: number, count: number): FieldSpecifier[] {
  const fields: FieldSpecifier[] = [];
  for (let i = 0; i < count; i++, off += 4) {
    fields.push({ id: buf.readUInt16BE(off), length: buf.readUInt16BE(off + 2), enterprise: 0 });
  }
  return fields;
}

function templateFlowset(
  ctx: MessageContext,
  cache: TemplateCache,
  buf: Buffer,
  off: number,
  end: number,
  out: DecodeOutput,
) {
  while (end - off >= 4) {
    const id = buf.readUInt16BE(off);
    const count = buf.readUInt16BE(off + 2);
    const recordEnd = off + 4 + 4 * count;
    if (count === 0 || recordEnd > end) {
      if (!isPadding(buf, off, end))
        out.issue('BAD_TEMPLATE', `template ${id}: ${count} fields do not fit the flowset`);
      return;
    }
    const fields = fieldsAt(buf, off + 4, count);
    learnTemplate(
      ctx,
      cache,
      { id, kind: 'data', fields, scopeCount: 0, bytes: buf.subarray(off, recordEnd) },
      out,
    );
    off = recordEnd;
  }
}

function optionsTemplateFlowset(
  ctx: MessageContext,
  cache: TemplateCache,
  buf: Buffer,
  off: number,
  end: number,
  out: DecodeOutput,
) {
  while (end - off >= 6) {
    const id = buf.readUInt16BE(off);
    const scopeBytes = buf.readUInt16BE(off + 2);
    const optionBytes = buf.readUInt16BE(off + 4);
    const recordEnd = off + 6 + scopeBytes + optionBytes;
    const aligned = scopeBytes % 4 === 0 && optionBytes % 4 === 0 && scopeBytes + optionBytes > 0;
    if (!aligned || recordEnd > end) {
      if (!isPadding(buf, off, end))
        out.issue('BAD_TEMPLATE', `options template ${id}: bad scope/option lengths`);
      return;
    }
    const fields = fieldsAt(buf, off + 6, (scopeBytes + optionBytes) / 4);
    const bytes = buf.subarray(off, recordEnd);
    learnTemplate(ctx, cache, { id, kind: 'options', fields, scopeCount: scopeBytes / 4, bytes }, out);
    off = recordEnd;
  }
}

function checkSequence(ctx: MessageContext, sequence: number, out: DecodeOutput): void {
  const expected = ctx.session.nextSequence;
  if (expected >= 0 && expected !== sequence) out.sequenceError = true;
  ctx.session.nextSequence = (sequence + 1) >>> 0;
}

export function decodeNetflowV9(
  buf: Buffer,
  exporter: string,
  cache: TemplateCache,
  nowMs: number,
  out: DecodeOutput,
): void {
  out.version = 9;
  if (buf.length < V9_HEADER_LENGTH) {
    out.issue('SHORT_PACKET', `${buf.length} bytes, a NetFlow v9 header needs ${V9_HEADER_LENGTH}`);
    return;
  }
  const domain = buf.readUInt32BE(16);
  out.domain = domain;
  const session = cache.session(exporter, domain, nowMs);
  if (session === undefined) {
    out.issue('TEMPLATE_LIMIT', 'no room for another exporter session');
    return;
  }
  const exportMs = buf.readUInt32BE(8) * 1000;
  const ctx: MessageContext = {
    exporter,
    domain,
    exportMs,
    sysUptimeMs: buf.readUInt32BE(4),
    session,
    nowMs,
  };
  checkSequence(ctx, buf.readUInt32BE(12), out);
  let off = V9_HEADER_LENGTH;
  while (off < buf.length) {
    const setId = buf.length - off >= 4 ? buf.readUInt16BE(off) : 0;
    const setLength = buf.length - off >= 4 ? buf.readUInt16BE(off + 2) : 0;
    if (setLength < 4 || off + setLength > buf.length) {
      out.issue(
        'BAD_SET_LENGTH',
        `flowset ${setId} at offset ${off}: length ${setLength}, ${buf.length - off} left`,
      );
      return;
    }
    const end = off + setLength;
    if (setId === 0) templateFlowset(ctx, cache, buf, off + 4, end, out);
    else if (setId === 1) optionsTemplateFlowset(ctx, cache, buf, off + 4, end, out);
    else if (setId < MIN_TEMPLATE_ID) out.issue('RESERVED_SET_ID', `flowset id ${setId}`);
    else decodeDataSet(ctx, cache, setId, buf, off + 4, end, out);
    off = end;
  }
}
