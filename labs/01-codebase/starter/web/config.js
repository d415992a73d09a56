// Settings of this deploy of web, read once at startup.

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
  // Which deploy this is, shown to visitors. Staging runs its own copy of this folder with 'staging' here.
  deployName: 'production',
};
