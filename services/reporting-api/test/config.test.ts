import t from 'tap';
import { ConfigError, loadConfig } from '../src/config.js';

t.test('defaults', async (t) => {
  const c = loadConfig({});
  t.match(c, { port: 3000, host: '127.0.0.1', databaseUrl: undefined, dataDir: './data', logLevel: 'info', publicRead: false, seed: 'auto' });
});

t.test('reads every documented variable', async (t) => {
  const c = loadConfig({
    PORT: '8080',
    HOST: '0.0.0.0',
    DATABASE_URL: 'postgres://u@db:5432/cchc',
    DATA_DIR: '/var/lib/cchc',
    LOG_LEVEL: 'debug',
    ADMIN_API_KEY: 'a-very-long-admin-key-of-32-chars',
    PUBLIC_READ: 'true',
    SEED: 'false',
    BODY_LIMIT: '1000',
    RATE_LIMIT_MAX: '0',
  });
  t.match(c, {
    port: 8080,
    host: '0.0.0.0',
    databaseUrl: 'postgres://u@db:5432/cchc',
    dataDir: '/var/lib/cchc',
    logLevel: 'debug',
    publicRead: true,
    seed: 'false',
    bodyLimit: 1000,
    rateLimitMax: 0,
  });
});

t.test('a bad value names the variable, the rule and what it got', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ PORT: 'abc' }, /PORT must be an integer from 1 to 65535 \(got "abc"\)/],
    [{ PORT: '70000' }, /PORT must be an integer from 1 to 65535/],
    [{ LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of fatal, error/],
    [{ DATABASE_URL: 'mysql://x' }, /DATABASE_URL must be a postgres:\/\/ URL/],
    [{ PUBLIC_READ: 'yes' }, /PUBLIC_READ must be/],
    [{ ADMIN_API_KEY: 'short' }, /ADMIN_API_KEY must be at least 24 characters/],
  ];
  for (const [env, message] of cases) t.throws(() => loadConfig(env), { constructor: ConfigError, message }, JSON.stringify(env));
});

t.test('empty strings count as unset', async (t) => {
  t.equal(loadConfig({ DATABASE_URL: '', PORT: '' }).port, 3000);
});
