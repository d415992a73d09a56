// Builds the visitor counter: copies the source in src/ into a fresh dist/, the folder that runs.
import { cpSync, rmSync, writeFileSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
cpSync('src', 'dist', { recursive: true });

// The settings travel with the build, so dist/ has everything the app needs.
writeFileSync('dist/settings.json', `${JSON.stringify({ greeting: process.env.GREETING ?? 'Hello' }, null, 2)}\n`);

console.log('Built dist/ from src/');
