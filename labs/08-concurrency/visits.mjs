// The lab's "Visit 10 times at once" task: sends N visits to the web process at the same moment and prints
// how long each answer took, so the learner sees what a slow job inside a request does to everyone.
const count = Math.max(1, Math.min(50, Number(process.argv[2]) || 10));
const port = process.env.PORT || 3000;
const url = `http://localhost:${port}/`;

console.log(`Sending ${count} visits at once to ${url} …`);
const started = performance.now();
const results = await Promise.all(
  Array.from({ length: count }, async () => {
    const at = performance.now();
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(30_000) });
      const body = (await response.text()).trim();
      return { ms: performance.now() - at, text: `${response.status} ${body}` };
    } catch (error) {
      return { ms: performance.now() - at, text: `failed: ${error.cause?.code ?? error.message}` };
    }
  }),
);
for (const { ms, text } of results.sort((a, b) => a.ms - b.ms)) console.log(`${String(Math.round(ms)).padStart(6)} ms  ${text}`);
console.log(`All ${count} answered within ${Math.round(performance.now() - started)} ms.`);
if (results.some((r) => r.text.startsWith('failed'))) {
  console.log('Some visits failed: is the app running (Run, or a formation with web) on this port?');
  process.exitCode = 1;
}
