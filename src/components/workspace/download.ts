/** "Download my work": the learner's files as a zip built in the browser, nothing leaves the page. */
import { strToU8, zipSync } from 'fflate';

export function downloadZip(lab: string, files: Record<string, string>): void {
  const entries = Object.fromEntries(Object.entries(files).map(([path, text]) => [`${lab}/${path}`, strToU8(text)]));
  const blob = new Blob([zipSync(entries, { level: 6 })], { type: 'application/zip' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = `twelve-factor-${lab}.zip`;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoke later: some browsers start reading the blob only after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
