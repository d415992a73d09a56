// Releases the current build: release/ becomes a copy of dist/, replacing whatever was there before.
import { cpSync, rmSync } from 'node:fs';

rmSync('release', { recursive: true, force: true });
cpSync('dist', 'release', { recursive: true });

console.log('Released dist/ to release/');
