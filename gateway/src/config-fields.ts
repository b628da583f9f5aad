import path from 'node:path';
import { CityLedgerError } from '@cityledger/core';

/**
 * Typed configuration fields: each knows its documentation, its default (none = required) and how to
 * read itself from JSON or from an environment string. `config.ts` arranges them into a tree.
 */

type Reader = (value: unknown, where: string, baseDir: string) => unknown;

export class Field {
  constructor(
    readonly type: string,
    readonly doc: string,
    readonly defaultValue: unknown,
    readonly read: Reader,
    /** Converts an environment string into the JSON value `read` accepts. */
    readonly fromEnv: (text: string) => unknown,
  ) {}

  get required(): boolean {
    return this.defaultValue === undefined;
  }

  /** `null` allowed as a value; it is also the default when the field had none. */
  nullable(): Field {
    const read: Reader = (value, where, baseDir) =>
      value === null ? null : this.read(value, where, baseDir);
    const fromEnv = (text: string): unknown => (text === '' || text === 'null' ? null : this.fromEnv(text));
    return new Field(`${this.type} or null`, this.doc, this.defaultValue ?? null, read, fromEnv);
  }
}

export function configError(where: string, rule: string): CityLedgerError {
  return new CityLedgerError('INVALID_ARGUMENT', `config ${where} ${rule}`);
}

function asNumber(text: string): unknown {
  return text.trim() === '' ? text : Number(text);
}

export function str(doc: string, defaultValue: string | undefined, pattern?: RegExp): Field {
  return new Field(
    pattern === undefined ? 'string' : `string matching ${pattern.source}`,
    doc,
    defaultValue,
    (value, where) => {
      if (typeof value !== 'string' || value.length === 0) {
        throw configError(where, 'must be a non-empty string');
      }
      if (pattern !== undefined && !pattern.test(value)) {
        throw configError(where, `must match ${pattern.source}`);
      }
      return value;
    },
    (text) => text,
  );
}

/** A file system path; relative paths are resolved against the configuration file's folder. */
export function filePath(doc: string, defaultValue: string | undefined): Field {
  return new Field(
    'path',
    doc,
    defaultValue,
    (value, where, baseDir) => {
      if (typeof value !== 'string' || value.length === 0) {
        throw configError(where, 'must be a non-empty path');
      }
      return path.resolve(baseDir, value);
    },
    (text) => text,
  );
}

export function int(doc: string, defaultValue: number | undefined, min: number, max: number): Field {
  return new Field(
    `integer ${min}..${max}`,
    doc,
    defaultValue,
    (value, where) => {
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
        throw configError(where, `must be an integer from ${min} to ${max}`);
      }
      return value;
    },
    asNumber,
  );
}

export function num(doc: string, defaultValue: number | undefined, min: number, max: number): Field {
  return new Field(
    `number ${min}..${max}`,
    doc,
    defaultValue,
    (value, where) => {
      if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
        throw configError(where, `must be a number from ${min} to ${max}`);
      }
      return value;
    },
    asNumber,
  );
}

export function oneOf(doc: string, defaultValue: string | undefined, values: readonly string[]): Field {
  return new Field(
    values.join(' | '),
    doc,
    defaultValue,
    (value, where) => {
      if (typeof value !== 'string' || !values.includes(value)) {
        throw configError(where, `must be one of ${values.join(', ')}`);
      }
      return value;
    },
    (text) => text,
  );
}

/** A list of strings; from the environment, comma-separated. */
export function strList(doc: string, defaultValue: readonly string[] | undefined, pattern: RegExp): Field {
  return new Field(
    'list of strings',
    doc,
    defaultValue,
    (value, where) => {
      if (!Array.isArray(value)) {
        throw configError(where, 'must be an array of strings');
      }
      value.forEach((item, i) => {
        if (typeof item !== 'string' || !pattern.test(item)) {
          throw configError(`${where}[${i}]`, `must match ${pattern.source}`);
        }
      });
      return [...(value as string[])];
    },
    (text) => (text.trim() === '' ? [] : text.split(',').map((s) => s.trim())),
  );
}

export function bool(doc: string, defaultValue: boolean | undefined): Field {
  return new Field(
    'boolean',
    doc,
    defaultValue,
    (value, where) => {
      if (typeof value !== 'boolean') {
        throw configError(where, 'must be true or false');
      }
      return value;
    },
    (text) => (text === 'true' ? true : text === 'false' ? false : text),
  );
}
