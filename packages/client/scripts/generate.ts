/**
 * Generates src/generated/openapi.ts from openapi/openapi.json with openapi-typescript's Node API, so that a
 * `transform` can type binary bodies: by default `type: string, format: binary` becomes `string`, which no file's
 * bytes are, and every caller would have to cast. Here it becomes `Blob` (openapi-typescript docs, "transform").
 * The output depends only on the document (no dates, no paths), so CI can check that the file is fresh:
 * `node --import tsx scripts/generate.ts --check` fails when it differs.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import openapiTS, { astToString, COMMENT_HEADER, type OpenAPI3, type SchemaObject } from 'openapi-typescript';
import ts from 'typescript';

export const documentUrl = new URL('../../../openapi/openapi.json', import.meta.url);
export const outputUrl = new URL('../src/generated/openapi.ts', import.meta.url);

const BLOB = ts.factory.createTypeReferenceNode(ts.factory.createIdentifier('Blob'));
const NULL = ts.factory.createLiteralTypeNode(ts.factory.createNull());

/** `format: binary` → Blob (`| null` when the schema allows null, in 3.0 or 3.1 spelling). */
function binaryAsBlob(schema: SchemaObject): ts.TypeNode | undefined {
  if (!('format' in schema) || schema.format !== 'binary') return undefined;
  const nullable = ('nullable' in schema && schema.nullable === true) || (Array.isArray(schema.type) && schema.type.includes('null'));
  return nullable ? ts.factory.createUnionTypeNode([BLOB, NULL]) : BLOB;
}

/** The generated module's text for a document (parsed JSON), as it is written to src/generated/openapi.ts. */
export async function generate(document?: OpenAPI3): Promise<string> {
  const source = document ?? (JSON.parse(await readFile(documentUrl, 'utf8')) as OpenAPI3);
  const ast = await openapiTS(source, { transform: binaryAsBlob, silent: true });
  return COMMENT_HEADER + astToString(ast);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const text = await generate();
  if (process.argv.includes('--check')) {
    const current = await readFile(outputUrl, 'utf8').catch(() => '');
    if (current !== text) {
      console.error(`${fileURLToPath(outputUrl)} is stale: run pnpm openapi (or pnpm --filter @cchc/client generate)`);
      process.exit(1);
    }
  } else {
    await writeFile(outputUrl, text);
    console.log(`${fileURLToPath(documentUrl)} → ${fileURLToPath(outputUrl)}`);
  }
}
