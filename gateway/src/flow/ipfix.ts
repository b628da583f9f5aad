/**
 * IPFIX (RFC 7011): 16-byte message header, then sets: 2 = templates, 3 = options templates,
 * 0-1 and 4-255 reserved, 256 and up = data for that template id. Field specifiers with the
 * enterprise bit carry a 4-byte enterprise number; variable-length fields are read by their prefix.
 */
import { decodeDataSet } from './data-set';
import { DecodeOutput, isPadding, type MessageContext } from './decode-result';
import { MIN_TEMPLATE_ID, type FieldSpecifier, type TemplateKind } from './template';
import type { TemplateCache } from './template-cache';
import { learnTemplate } from './template-records';

export const IPFIX_HEADER_LENGTH = 16;
const TEMPLATE_SET = 2;
const OPTIONS_TEMPLATE_SET = 3;

/** Field specifiers from `off`; returns them with the offset after them, or undefined if they overrun. */
function fieldsAt(
  buf: Buffer,
  off: number,
  end: number,
  count: number,
): [FieldSpecifier[], number] | undefined {
  const fields: FieldSpecifier[] = [];
  for (let i = 0; i < count; i++) {
    if (off + 4 > end) return undefined;
    const raw = buf.readUInt16BE(off);
    const length = buf.readUInt16BE(off + 2);
    off += 4;
    let enterprise = 0;
    if (raw & 0x8000) {
      if (off + 4 > end) return undefined;
      enterprise = buf.readUInt32BE(off);
      off += 4;
    }
    fields.push({ id: raw & 0x7fff, length, enterprise });
  }
  return [fields, off];
}

/** A template record with no fields: withdraws one template, or all of a kind (id = set id). */
function withdraw(ctx: MessageContext, cache: TemplateCache, setId: number, id: number, out: DecodeOutput) {
  out.templateRecords++;
  if (id === setId) cache.withdrawAll(ctx.session, setId === TEMPLATE_SET ? 'data' : 'options');
  else if (id >= MIN_TEMPLATE_ID) cache.withdraw(ctx.session, id);
  else out.issue('BAD_TEMPLATE', `withdrawal of template id ${id}`);
}

function templateSet(
  ctx: MessageContext,
  cache: TemplateCache,
  setId: number,
  buf: Buffer,
  off: number,
  end: number,
  out: DecodeOutput,
) {
  const kind: TemplateKind = setId === TEMPLATE_SET ? 'data' : 'options';
  const headerLength = kind === 'data' ? 4 : 6;
  while (end - off >= 4) {
    if (isPadding(buf, off, end)) return;
    const id = buf.readUInt16BE(off);
    const count = buf.readUInt16BE(off + 2);
    if (count === 0) {
      withdraw(ctx, cache, setId, id, out);
      off += 4;
      continue;
    }
    const scopeCount = kind === 'options' && end - off >= 6 ? buf.readUInt16BE(off + 4) : 0;
    const parsed = end - off >= headerLength ? fieldsAt(buf, off + headerLength, end, count) : undefined;
    if (parsed === undefined) {
      out.issue('BAD_TEMPLATE', `template ${id}: ${count} field specifiers run past the set`);
      return;
    }
    const [fields, recordEnd] = parsed;
    if (kind === 'options' && (scopeCount === 0 || scopeCount > count)) {
      out.issue('BAD_TEMPLATE', `options template ${id}: scope field count ${scopeCount} of ${count}`);
    } else {
      learnTemplate(ctx, cache, { id, kind, fields, scopeCount, bytes: buf.subarray(off, recordEnd) }, out);
    }
    off = recordEnd;
  }
}

/**
 * RFC 7011 §3.1: the sequence number counts the data records sent before this message, so the next
 * is this one plus the data records in it. softflowd 1.1.0 counts the message's own flow records
 * too; both conventions are accepted. Unknown after a data set that could not be read.
 */
function checkSequence(ctx: MessageContext, sequence: number, out: DecodeOutput): void {
  const s = ctx.session;
  const flowRecords = out.records.length + out.nonFlowRecords;
  const dataRecords = flowRecords + out.optionRecords;
  if (s.nextSequence >= 0 && sequence !== s.nextSequence) {
    out.sequenceError = sequence !== (s.lastSequence + flowRecords) >>> 0;
  }
  s.lastSequence = sequence;
  s.nextSequence = out.incompleteSets > 0 ? -1 : (sequence + dataRecords) >>> 0;
}

function messageLength(buf: Buffer, out: DecodeOutput): number {
  const length = buf.readUInt16BE(2);
  if (length < IPFIX_HEADER_LENGTH || length > buf.length) {
    out.issue('BAD_MESSAGE_LENGTH', `header says ${length} bytes, datagram has ${buf.length}`);
    return -1;
  }
  if (length < buf.length) {
    out.issue('BAD_MESSAGE_LENGTH', `${buf.length - length} bytes after the ${length}-byte message ignored`);
  }
  return length;
}

export function decodeIpfix(
  buf: Buffer,
  exporter: string,
  cache: TemplateCache,
  nowMs: number,
  out: DecodeOutput,
) {
  out.version = 10;
  if (buf.length < IPFIX_HEADER_LENGTH) {
    out.issue('SHORT_PACKET', `${buf.length} bytes, an IPFIX header needs ${IPFIX_HEADER_LENGTH}`);
    return;
  }
  const length = messageLength(buf, out);
  if (length < 0) return;
  const domain = buf.readUInt32BE(12);
  out.domain = domain;
  const session = cache.session(exporter, domain, nowMs);
  if (session === undefined) {
    out.issue('TEMPLATE_LIMIT', 'no room for another exporter session');
    return;
  }
  const exportMs = buf.readUInt32BE(4) * 1000;
  const ctx: MessageContext = { exporter, domain, exportMs, sysUptimeMs: -1, session, nowMs };
  let off = IPFIX_HEADER_LENGTH;
  while (off < length) {
    const setId = length - off >= 4 ? buf.readUInt16BE(off) : 0;
    const setLength = length - off >= 4 ? buf.readUInt16BE(off + 2) : 0;
    if (setLength < 4 || off + setLength > length) {
      out.issue('BAD_SET_LENGTH', `set ${setId} at offset ${off}: length ${setLength}, ${length - off} left`);
      out.incompleteSets++;
      break;
    }
    const end = off + setLength;
    if (setId === TEMPLATE_SET || setId === OPTIONS_TEMPLATE_SET)
      templateSet(ctx, cache, setId, buf, off + 4, end, out);
    else if (setId < MIN_TEMPLATE_ID) out.issue('RESERVED_SET_ID', `set id ${setId}`);
    else decodeDataSet(ctx, cache, setId, buf, off + 4, end, out);
    off = end;
  }
  checkSequence(ctx, buf.readUInt32BE(8), out);
}
