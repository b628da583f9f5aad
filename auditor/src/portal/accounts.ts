import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Local portal accounts: a JSON file (mode 0600) holding, per user, a random salt and the scrypt
 * hash of the password, never the password itself.
 */
export interface Account {
  readonly salt: string;
  readonly hash: string;
  /** scrypt cost parameters used for this hash. */
  readonly N: number;
  readonly r: number;
  readonly p: number;
  readonly createdAt: string;
}

export interface AccountFile {
  readonly version: 1;
  readonly accounts: Readonly<Record<string, Account>>;
}

const KEY_LENGTH = 64;
export const SCRYPT_COST = { N: 1 << 15, r: 8, p: 1 } as const;
const USERNAME = /^[a-z][a-z0-9._-]{0,31}$/;
export const MIN_PASSWORD_LENGTH = 12;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  const options: ScryptOptions = { N: cost.N, r: cost.r, p: cost.p, maxmem: 256 * cost.N * cost.r };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFC'), salt, KEY_LENGTH, options, (err, key) => {
      if (err !== null) {
        reject(err);
      } else {
        resolve(key);
      }
    });
  });
}

export function readAccounts(file: string): AccountFile {
  if (!existsSync(file)) {
    return { version: 1, accounts: {} };
  }
  const parsed = JSON.parse(readFileSync(file, 'utf8')) as { version?: unknown; accounts?: unknown };
  if (parsed.version !== 1 || typeof parsed.accounts !== 'object' || parsed.accounts === null) {
    throw new Error(`${file} is not a portal account file`);
  }
  return parsed as AccountFile;
}

/** Adds or replaces a user's password. The file is written atomically with mode 0600. */
export async function setPassword(
  file: string,
  username: string,
  password: string,
  now: Date = new Date(),
): Promise<void> {
  if (!USERNAME.test(username)) {
    throw new Error(
      'a username is 1 to 32 lowercase letters, digits, ".", "_" or "-", starting with a letter',
    );
  }
  if (password.length < MIN_PASSWORD_LENGTH) {
    throw new Error(`a password has at least ${MIN_PASSWORD_LENGTH} characters`);
  }
  const salt = randomBytes(16);
  const hash = await derive(password, salt, SCRYPT_COST);
  const current = readAccounts(file);
  const account: Account = {
    salt: salt.toString('base64'),
    hash: hash.toString('base64'),
    ...SCRYPT_COST,
    createdAt: now.toISOString(),
  };
  const next: AccountFile = { version: 1, accounts: { ...current.accounts, [username]: account } };
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, JSON.stringify(next, null, 2) + '\n', { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** A fixed account to hash against when the user does not exist, so timing does not tell. */
const DUMMY: Account = {
  salt: Buffer.alloc(16).toString('base64'),
  hash: Buffer.alloc(KEY_LENGTH).toString('base64'),
  ...SCRYPT_COST,
  createdAt: '',
};

/** True when the password is the user's. Takes the same time for unknown users. */
export async function checkPassword(
  accounts: AccountFile,
  username: string,
  password: string,
): Promise<boolean> {
  const account = Object.prototype.hasOwnProperty.call(accounts.accounts, username)
    ? accounts.accounts[username]
    : undefined;
  const used = account ?? DUMMY;
  const expected = Buffer.from(used.hash, 'base64');
  const actual = await derive(password, Buffer.from(used.salt, 'base64'), used);
  return account !== undefined && expected.length === actual.length && timingSafeEqual(expected, actual);
}
