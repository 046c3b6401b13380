/**
 * Import boundaries of the reporting service, services/reporting-api/src (`pnpm lint:boundaries`).
 *
 * Sources are read as TypeScript with the service's tsconfig, so `./x.js` specifiers resolve to `./x.ts`, and
 * type-only imports count (tsPreCompilationDeps): a boundary is about what a layer knows, not only what it loads.
 */
const { join } = require('node:path');

const SRC = '^services/reporting-api/src/';

/**
 * What src/domain may import besides src/domain itself: packages that are pure libraries (no I/O, no clock, no
 * process state). Node's builtins are not on it, not even node:crypto: the domain computes, the layers above it
 * read files, hash, talk to the database and to HTTP.
 */
const PURE_FOR_DOMAIN = [
  // The workspace's dossier-table reader: parsing and checking cells in memory (its one dependency is csv-parse/sync).
  '@cchc/dossier-table',
];
const PURE_FOR_DOMAIN_PATHS = [
  '^packages/dossier-table/src/', // where the workspace link resolves to
  ...PURE_FOR_DOMAIN.map((name) => `(^|/)node_modules/${name}/`),
];

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'domain-is-pure',
      severity: 'error',
      comment:
        'src/domain imports only src/domain and the pure libraries in PURE_FOR_DOMAIN (.dependency-cruiser.cjs): no node: builtins, ' +
        'no database, no Fastify, nothing else from src.',
      from: { path: `${SRC}domain/` },
      to: { pathNot: [`${SRC}domain/`, ...PURE_FOR_DOMAIN_PATHS] },
    },
    {
      name: 'plugins-and-db-not-to-modules',
      severity: 'error',
      comment: 'src/plugins and src/db sit below the feature modules: they import nothing from src/modules (type-only imports included).',
      from: { path: `${SRC}(plugins|db)/` },
      to: { path: `${SRC}modules/` },
    },
    {
      name: 'no-cycle-between-modules',
      severity: 'error',
      comment:
        'No cycle between feature modules (src/modules/<a> → … → src/modules/<a> through another module): move what both need down, ' +
        'to src/domain or a shared layer. Checked on folders; dependency-cruiser 17 has no via filter for folder rules, so while ' +
        'plugins-and-db-not-to-modules fails, the cycles through src/db and src/plugins are listed here too.',
      scope: 'folder',
      from: { path: `${SRC}modules/[^/]+` },
      to: { path: `${SRC}modules/[^/]+`, circular: true },
    },
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycle between files anywhere in src.',
      from: { path: SRC },
      to: { circular: true },
    },
    {
      name: 'src-not-to-test',
      severity: 'error',
      comment: 'Production code imports nothing from test/ (helpers, fixtures).',
      from: { path: SRC },
      to: { path: '^services/reporting-api/test/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves: one that does not is invisible to the rules above.',
      from: { path: SRC },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Packages are endpoints: what they import is not this service's boundary.
    doNotFollow: { path: ['(^|/)node_modules/', '^packages/'] },
    tsPreCompilationDeps: true,
    // Absolute: dependency-cruiser resolves the tsconfig's `extends` against the current directory otherwise.
    tsConfig: { fileName: join(__dirname, 'services/reporting-api/tsconfig.json') },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json', '.d.ts'],
    },
  },
};
