/**
 * Thread export as one HTML file that any browser opens offline: the Markdown export rendered with the same
 * Markdown stack the app uses (react-markdown, GitHub-flavoured), images inline as data: URLs, a little CSS,
 * and a policy that lets the file load nothing and run nothing (raw HTML in messages is not rendered).
 */
import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import Markdown, { defaultUrlTransform } from 'react-markdown';
import remarkGfm from 'remark-gfm';

const STYLE = `
  body { margin: 0; font: 16px/1.55 system-ui, sans-serif; color: #1d1d1f; background: #fff; }
  main { max-width: 760px; margin: 0 auto; padding: 32px 20px 64px; }
  img { max-width: 100%; height: auto; border-radius: 8px; }
  pre { overflow-x: auto; padding: 12px; border-radius: 8px; background: #f4f4f6; }
  code { font-family: ui-monospace, monospace; font-size: 0.92em; }
  table { border-collapse: collapse; } td, th { border: 1px solid #ddd; padding: 4px 8px; }
  @media (prefers-color-scheme: dark) {
    body { color: #e8e8ec; background: #17171a; } pre { background: #242428; } td, th { border-color: #444; }
  }
`;

const escapeHtml = (text: string) =>
  text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );

/** Inline images are the export's own; every other address goes through react-markdown's safe filter. */
const urlTransform = (url: string) =>
  /^data:image\/[a-z+.-]+;base64,/i.test(url) ? url : defaultUrlTransform(url);

export function toHtml(markdown: { filename: string; content: string }, title: string) {
  const body = renderToStaticMarkup(
    createElement(Markdown, { remarkPlugins: [remarkGfm], urlTransform }, markdown.content),
  );
  const content = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>${STYLE}</style>
</head>
<body><main>${body}</main></body>
</html>
`;
  return { filename: markdown.filename.replace(/\.md$/, '.html'), content };
}
