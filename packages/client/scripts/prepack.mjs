// The tarball's `exports` come from publishConfig, which pnpm applies when packing and npm does not: `npm pack`
// would ship exports pointing at ./src/index.ts, which is not in the tarball. Refuse instead of packing that.
const agent = process.env.npm_config_user_agent ?? '';
if (!agent.startsWith('pnpm/')) {
  console.error(`Pack @cchc/client with pnpm (pnpm pack): only pnpm applies publishConfig.exports. (user agent: ${agent || 'none'})`);
  process.exit(1);
}
