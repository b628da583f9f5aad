import { canonicalJson } from '@cityledger/core';

/** Stands for the signature while the content is encoded; never a base64 signature. */
const PLACEHOLDER = '~signature~';
const ENTRY = `"signature":"${PLACEHOLDER}"`;

/**
 * One canonical encoding for both texts a signed document needs: the canonical JSON of `content`
 * (what is signed and hashed) and, once signed, the canonical JSON of `{...content, signature}` (the
 * payload), instead of encoding the content twice.
 *
 * Why it is exact: RFC 8785 writes an object as its members in key order, comma-separated, and the
 * key `signature` sorts to the same place whatever its value. So the encoding with a placeholder
 * signature, less that one member and a comma, is the content's encoding; with the placeholder
 * replaced by the base64 signature (no character of which JSON escapes) it is the payload's. When
 * the placeholder member does not occur exactly once (content with a `signature` of its own, or
 * holding the placeholder text), both are encoded separately.
 */
export function signedJson(content: object): {
  content: string;
  withSignature: (signature: string) => string;
} {
  if (!('signature' in content)) {
    const text = canonicalJson({ ...content, signature: PLACEHOLDER });
    const at = text.indexOf(ENTRY);
    if (at >= 0 && text.indexOf(ENTRY, at + 1) < 0) {
      const end = at + ENTRY.length;
      // the member and its separating comma: the one before it, else the one after it (if any)
      const [from, to] = text[at - 1] === ',' ? [at - 1, end] : text[end] === ',' ? [at, end + 1] : [at, end];
      return {
        content: text.slice(0, from) + text.slice(to),
        withSignature: (signature) =>
          `${text.slice(0, at)}"signature":${JSON.stringify(signature)}${text.slice(end)}`,
      };
    }
  }
  return {
    content: canonicalJson(content),
    withSignature: (signature) => canonicalJson({ ...content, signature }),
  };
}
