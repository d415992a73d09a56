// Starts the visitor counter. It builds first, so the app always runs the latest source.
import { execFileSync } from 'node:child_process';

execFileSync(process.execPath, ['build.mjs'], { stdio: 'inherit' });
await import('./dist/app.js');
