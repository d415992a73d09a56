// Development only: load .env into process.env, then start the app exactly as production does.
process.loadEnvFile('.env');
await import('./app.js');
