// The visitor counter both apps install, as a CommonJS package.
const Redis = require('ioredis');

class VisitCounter {
  constructor(redisUrl) {
    this.redis = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    this.redis.on('error', (error) => console.error(JSON.stringify({ level: 'error', msg: 'redis', error: error.message })));
  }

  countVisit() {
    return this.redis.incr('visitor-count');
  }

  async readCount() {
    return Number(await this.redis.get('visitor-count'));
  }

  close() {
    return this.redis.quit();
  }
}

module.exports = { VisitCounter };
