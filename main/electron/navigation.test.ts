import { describe, expect, it } from 'vitest';
import {
  denyPermissionCheck,
  denyPermissionRequest,
  shouldOpenExternally,
  windowOpenDecision,
} from './navigation.ts';

describe('navigation', () => {
  it('opens only web links externally', () => {
    expect(shouldOpenExternally('https://huggingface.co/models')).toBe(true);
    expect(shouldOpenExternally('http://example.com/')).toBe(true);
    for (const url of [
      'file:///etc/passwd',
      'javascript:alert(1)',
      'app://bundle/index.html',
      'smb://server/share',
      'ms-msdt:/id',
      'data:text/html,<script>',
      'https://user:pass@example.com/',
      'mailto:someone@example.com',
      'not a url',
      '',
    ]) {
      expect(shouldOpenExternally(url), url).toBe(false);
    }
  });

  it('never opens a window; a web link goes to the browser', () => {
    expect(windowOpenDecision('https://example.com/')).toEqual({
      action: 'deny',
      external: 'https://example.com/',
    });
    expect(windowOpenDecision('file:///etc/passwd')).toEqual({ action: 'deny', external: null });
  });

  it('denies every permission request and check', () => {
    for (const permission of ['media', 'geolocation', 'notifications', 'clipboard-read', 'openExternal']) {
      let granted: boolean | undefined;
      denyPermissionRequest({}, permission, (g) => (granted = g));
      expect(granted, permission).toBe(false);
    }
    expect(denyPermissionCheck()).toBe(false);
  });
});
