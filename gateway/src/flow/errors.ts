/**
 * Why a datagram, or part of it, was not decoded. Decoders never throw on bad input: they return
 * these issues with the records they could still read, and the collector counts them per cause and
 * exporter and logs the first of each.
 */
export const DECODE_CAUSES = {
  SHORT_PACKET: 'The datagram is shorter than a NetFlow v9 or IPFIX message header',
  UNSUPPORTED_VERSION: 'The version field is neither 9 (NetFlow v9) nor 10 (IPFIX)',
  BAD_MESSAGE_LENGTH: "The IPFIX header's message length disagrees with the datagram's",
  BAD_SET_LENGTH: 'A set length is below 4 or runs past the message; the rest of the message is dropped',
  RESERVED_SET_ID: 'A set id the RFC reserves; the set is skipped',
  BAD_TEMPLATE: 'A template record is malformed or unusable; it is ignored',
  TEMPLATE_LIMIT: 'The template cache is full (exporter sessions or templates per session); ignored',
  UNKNOWN_TEMPLATE: 'A data set refers to a template not (or no longer) known; its records are dropped',
  BAD_RECORD: 'A data record runs past the end of its set; it and the rest of the set are dropped',
} as const;

export type DecodeCause = keyof typeof DECODE_CAUSES;

export const DECODE_CAUSE_LIST = Object.keys(DECODE_CAUSES) as readonly DecodeCause[];

/** One problem found in a datagram. */
export interface DecodeIssue {
  readonly cause: DecodeCause;
  /** What exactly was wrong, for the log line (never contains packet bytes). */
  readonly detail: string;
}
