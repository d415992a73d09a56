// Settings for the visitor counter.
export const config = {
  port: 3000,
  redisUrl: 'redis://:s3cr3t-pa55@127.0.0.1:6379',
  greeting: 'Hello',
};
