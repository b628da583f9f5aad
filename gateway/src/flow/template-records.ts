/** Learning templates: compile, cache, and report what could not be used. */
import type { DecodeOutput, MessageContext } from './decode-result';
import { compileTemplate, type FieldSpecifier, type TemplateKind } from './template';
import type { TemplateCache } from './template-cache';

export interface TemplateDefinition {
  readonly id: number;
  readonly kind: TemplateKind;
  readonly fields: readonly FieldSpecifier[];
  readonly scopeCount: number;
  /** The record's bytes, to recognise a refresh. */
  readonly bytes: Buffer;
}

export function learnTemplate(
  ctx: MessageContext,
  cache: TemplateCache,
  def: TemplateDefinition,
  out: DecodeOutput,
): void {
  out.templateRecords++;
  let problem = '';
  const outcome = cache.define(ctx.session, def.id, def.bytes, ctx.nowMs, () => {
    const t = compileTemplate(def.id, def.kind, def.fields, def.scopeCount);
    if (typeof t !== 'string') return t;
    problem = t;
    return undefined;
  });
  if (outcome === 'invalid') out.issue('BAD_TEMPLATE', problem);
  else if (outcome === 'limit')
    out.issue('TEMPLATE_LIMIT', `template ${def.id}: the session holds the maximum`);
}
