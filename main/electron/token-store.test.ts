/** The keychain-backed token store, with a stand-in for Electron's safeStorage. */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type SafeStorage, SafeTokenStore } from './token-store.ts';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tokenFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-token-'));
  dirs.push(dir);
  return join(dir, 'hub-token.bin');
}

/** "Encrypts" by XOR with a key: enough to tell stored bytes from the token itself. */
function fakeSafeStorage(options: { available?: boolean; backend?: string; key?: number } = {}): SafeStorage {
  const key = options.key ?? 0x5a;
  const xor = (data: Buffer) => Buffer.from(data.map((b) => b ^ key));
  return {
    isEncryptionAvailable: () => options.available ?? true,
    encryptString: (text) => Buffer.concat([Buffer.from('v10'), xor(Buffer.from(text))]),
    decryptString: (data) => {
      if (data.subarray(0, 3).toString() !== 'v10') throw new Error('Error while decrypting the ciphertext');
      const text = xor(data.subarray(3)).toString();
      if (!text.startsWith('hf_')) throw new Error('Error while decrypting the ciphertext');
      return text;
    },
    ...(options.backend ? { getSelectedStorageBackend: () => options.backend as string } : {}),
  };
}

describe('SafeTokenStore', () => {
  it('keeps the token encrypted on disk and reads it back in a new session', () => {
    const file = tokenFile();
    const store = new SafeTokenStore(fakeSafeStorage(), file);
    expect(store.encrypted).toBe(true);
    expect(store.get()).toBeNull();
    store.set('hf_secret');
    expect(store.get()).toBe('hf_secret');
    expect(readFileSync(file).includes(Buffer.from('hf_secret'))).toBe(false);
    expect(new SafeTokenStore(fakeSafeStorage(), file).get()).toBe('hf_secret');
  });

  it('forgets the token: the file is deleted', () => {
    const file = tokenFile();
    const store = new SafeTokenStore(fakeSafeStorage(), file);
    store.set('hf_secret');
    store.set(null);
    expect(existsSync(file)).toBe(false);
    expect(store.get()).toBeNull();
    store.set(null); // nothing stored: still fine
  });

  it('refuses to store the token where no keychain protects it, writing nothing', () => {
    for (const safeStorage of [
      fakeSafeStorage({ available: false }),
      fakeSafeStorage({ backend: 'basic_text' }),
    ]) {
      const file = tokenFile();
      const store = new SafeTokenStore(safeStorage, file);
      expect(() => store.set('hf_secret')).toThrow(/will not store the token.*HF_TOKEN/);
      expect(existsSync(file)).toBe(false);
      expect(store.get()).toBeNull();
    }
    const remoteKey = new SafeTokenStore(fakeSafeStorage({ available: false }), tokenFile(), 'Use X');
    expect(() => remoteKey.set('sk-secret')).toThrow(/Use X, or run Tessera where a keychain/);
    const gnome = new SafeTokenStore(fakeSafeStorage({ backend: 'gnome_libsecret' }), tokenFile());
    gnome.set('hf_secret');
    expect(gnome.get()).toBe('hf_secret');
  });

  it('treats a token it cannot decrypt as none, and a new one replaces it', () => {
    const file = tokenFile();
    new SafeTokenStore(fakeSafeStorage({ key: 1 }), file).set('hf_old');
    const store = new SafeTokenStore(fakeSafeStorage({ key: 2 }), file);
    expect(store.get()).toBeNull();
    store.set('hf_new');
    expect(new SafeTokenStore(fakeSafeStorage({ key: 2 }), file).get()).toBe('hf_new');
    writeFileSync(file, 'garbage');
    expect(new SafeTokenStore(fakeSafeStorage(), file).get()).toBeNull();
  });

  it('does not decrypt before the keychain is available, and reads the token once it is', () => {
    const file = tokenFile();
    new SafeTokenStore(fakeSafeStorage(), file).set('hf_secret');
    let available = false;
    const store = new SafeTokenStore({ ...fakeSafeStorage(), isEncryptionAvailable: () => available }, file);
    expect(store.get()).toBeNull();
    available = true;
    expect(store.get()).toBe('hf_secret');
  });
});
