/**
 * The Hub access token in the desktop app: encrypted with the OS keychain through Electron's safeStorage, in
 * `<userData>/hub-token.bin`. Where no keychain can protect it (safeStorage unavailable, or Linux without a
 * secret service, where safeStorage falls back to a hard-coded key), it is refused, never written as text.
 * safeStorage and the file are passed in, so the logic is tested without the Electron binary.
 */
import { readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import type { TokenStore } from '../services/hub-config.ts';

/** The part of Electron's `safeStorage` used here. */
export interface SafeStorage {
  isEncryptionAvailable(): boolean;
  encryptString(text: string): Buffer;
  decryptString(data: Buffer): string;
  /** Linux only: 'basic_text' means a hard-coded key, no real protection. */
  getSelectedStorageBackend?(): string;
}

export class SafeTokenStore implements TokenStore {
  readonly encrypted = true;
  /** undefined: not read yet. */
  private cached: string | null | undefined;

  constructor(
    private readonly safeStorage: SafeStorage,
    private readonly file: string,
    /** What the user can do instead when no keychain protects the secret (it differs per secret). */
    private readonly instead = 'Set the HF_TOKEN environment variable instead',
  ) {}

  get(): string | null {
    if (this.cached !== undefined) return this.cached;
    let data: Buffer;
    try {
      data = readFileSync(this.file);
    } catch {
      return (this.cached = null); // None stored.
    }
    if (!this.safeStorage.isEncryptionAvailable()) return null; // Not yet (before 'ready'): try again later.
    try {
      this.cached = this.safeStorage.decryptString(data);
    } catch {
      // Encrypted under another keychain or user: as good as none; setting a new one replaces it.
      this.cached = null;
    }
    return this.cached;
  }

  set(token: string | null): void {
    if (token === null) {
      rmSync(this.file, { force: true });
      this.cached = null;
      return;
    }
    const why = this.unavailable();
    if (why) {
      throw new Error(
        `${why}, so Tessera will not store the token (it would be readable as plain text). ` +
          `${this.instead}, or run Tessera where a keychain is available.`,
      );
    }
    const temp = `${this.file}.tmp-${process.pid}`;
    // Written whole, then renamed: a crash never leaves half a token behind.
    writeFileSync(temp, this.safeStorage.encryptString(token), { mode: 0o600 });
    renameSync(temp, this.file);
    this.cached = token;
  }

  /** Why the token cannot be protected here, or null when it can. */
  private unavailable(): string | null {
    if (!this.safeStorage.isEncryptionAvailable()) return 'The OS keychain is not available';
    if (this.safeStorage.getSelectedStorageBackend?.() === 'basic_text') {
      return 'No secret service (such as GNOME Keyring or KWallet) is running';
    }
    return null;
  }
}
