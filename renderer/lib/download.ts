/**
 * Saves text as a file the way a web page can: a Blob behind an object URL, clicked through a temporary
 * `<a download>`. In Electron the same click goes to the session's download handling.
 */
export function saveTextFile(filename: string, content: string, type: string): void {
  const url = URL.createObjectURL(new Blob([content], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  link.hidden = true;
  document.body.append(link);
  try {
    link.click();
  } finally {
    link.remove();
    // Chromium takes hold of the blob as the click starts the download; a task later is safe everywhere.
    setTimeout(() => URL.revokeObjectURL(url), 0);
  }
}
