// A one-off process: `npm run reset`. Same code and config as the web app.
import { resetCount } from '../admin.js';
import { redis } from '../counter.js';

try {
  await resetCount();
} finally {
  await redis.quit();
}
