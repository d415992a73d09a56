// A one-off process: `npm run migrate`. Same code and config as the web app.
import { migrate } from '../admin.js';
import { redis } from '../counter.js';

try {
  await migrate();
} finally {
  await redis.quit();
}
