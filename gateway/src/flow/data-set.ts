/** Reads the records of one data set with its template (shared by NetFlow v9 and IPFIX). */
import { DecodeOutput, isPadding, type MessageContext } from './decode-result';
import { toUniFlow } from './flow-mapping';
import { RecordValues } from './record-values';
import { readRecord, type Template } from './template';
import type { TemplateCache } from './template-cache';

function readOptions(values: RecordValues, ctx: MessageContext): void {
  if (!Number.isNaN(values.systemInitMs)) ctx.session.systemInitMs = values.systemInitMs;
}

function readRecords(
  t: Template,
  ctx: MessageContext,
  buf: Buffer,
  off: number,
  end: number,
  out: DecodeOutput,
) {
  const values = new RecordValues();
  while (end - off >= t.minLength) {
    values.reset();
    const next = readRecord(t, values, buf, off, end);
    if (next < 0) {
      if (isPadding(buf, off, end)) return;
      out.issue('BAD_RECORD', `template ${t.id}: a record runs past the end of its set`);
      out.incompleteSets++;
      return;
    }
    off = next;
    if (t.kind === 'options') {
      out.optionRecords++;
      readOptions(values, ctx);
      continue;
    }
    const flow = toUniFlow(values, ctx);
    if (flow === undefined) {
      out.nonFlowRecords++;
      continue;
    }
    out.records.push(flow);
    if (values.estimatedTimes) out.approximateTimes++;
  }
}

/** Decodes set `setId` (a template id), bytes [off, end) after the set header. */
export function decodeDataSet(
  ctx: MessageContext,
  cache: TemplateCache,
  setId: number,
  buf: Buffer,
  off: number,
  end: number,
  out: DecodeOutput,
): void {
  const t = cache.lookup(ctx.session, setId, ctx.nowMs);
  if (typeof t === 'string') {
    const why = t === 'expired' ? 'expired (not refreshed in time)' : 'not received';
    out.issue('UNKNOWN_TEMPLATE', `data set ${setId}: template ${why}`);
    out.incompleteSets++;
    return;
  }
  readRecords(t, ctx, buf, off, end, out);
}
