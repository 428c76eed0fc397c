/**
 * The Content-Security-Policy of the renderer, for both hosts (Electron's app:// protocol and the HTTP
 * server of `tessera serve`). No 'unsafe-eval' or wasm: inference runs in the engine process, not the page.
 * Inline styles are allowed because React and KaTeX set style attributes; fonts are KaTeX's. Media from
 * blob: only: an attached video is opened from the user's file (lib/video-frames.ts).
 */
export function contentSecurityPolicy(options: { connect?: readonly string[] } = {}): string {
  return [
    "default-src 'none'",
    "script-src 'self'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' blob: data:",
    'media-src blob:',
    "font-src 'self' data:",
    `connect-src ${["'self'", ...(options.connect ?? [])].join(' ')}`,
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join('; ');
}
