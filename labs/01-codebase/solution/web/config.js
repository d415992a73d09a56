// Settings of this deploy of web, read once at startup. Every deploy runs this same code: staging,
// production and your laptop differ only in their environment.

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`Missing required environment variable ${name}: set it before starting the app.`);
    process.exit(1);
  }
  return value;
}

export const config = {
  port: Number(process.env.PORT || 3000),
  redisUrl: required('REDIS_URL'),
  // Which deploy this is, shown to visitors: DEPLOY_NAME=staging on staging, =production in production.
  deployName: required('DEPLOY_NAME'),
};
