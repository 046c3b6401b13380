/**
 * The document import's query and answer. Inline schemas (no $id): they refer to the shared ImportSummary,
 * ExtractResult and Citation schemas the app registers, and need no registration of their own.
 */
import { Type } from 'typebox';
import { ref } from '../../schemas/common.js';
import { CitationSchema, ExtractResultSchema } from '../documents/schemas.js';
import { ImportQuery, ImportSummarySchema } from './value-schemas.js';

export const DocumentImportQuery = Type.Object(
  {
    dryRun: ImportQuery.properties.dryRun,
    atomic: ImportQuery.properties.atomic,
    register: Type.Optional(
      Type.Boolean({
        default: false,
        description:
          'Register the documents the narrative and the notes cite (reusing registered ones), cite the narrative’s as the report’s evidence and each note’s as its value’s; without it, or on a dry run, citations are only reported',
      }),
    ),
  },
  { additionalProperties: false },
);

export const DocumentImportResultSchema = Type.Object(
  {
    period: Type.String(),
    agency: Type.String(),
    dryRun: Type.Boolean(),
    atomic: Type.Boolean(),
    register: Type.Boolean(),
    narrative: Type.Object(
      {
        length: Type.Integer({ description: 'Characters of narrative read (headings included), the text citations are read from' }),
        preambleLength: Type.Integer({
          description: 'Characters before the first section heading (letterhead, addressee, opening): read for citations, not stored',
        }),
        sections: Type.Array(
          Type.Object(
            {
              key: Type.String({ description: 'The heading’s roman numeral: the narrative’s key', examples: ['III'] }),
              title: Type.String({ description: 'The heading after the numeral' }),
              length: Type.Integer({ description: 'Characters of the section’s text (the heading not repeated)' }),
              paragraphs: Type.Integer(),
            },
            { additionalProperties: false },
          ),
        ),
      },
      { additionalProperties: false, description: 'The narrative split into its sections ("I.", "II.", … headings; "1.", "2." stay inside)' },
    ),
    annex: Type.Union(
      [
        Type.Object(
          {
            ...ImportSummarySchema.properties,
            rows: Type.Integer({ description: 'Rows of the Word table read (the header row not counted)' }),
            matched: Type.Integer({ description: 'Rows matched to an indicator (as the annex import matches them)' }),
            unmatched: Type.Integer(),
          },
          { additionalProperties: false, description: 'The annex import’s summary of the Word table, with how many rows were read and matched' },
        ),
        Type.Null(),
      ],
      { description: 'null: the document has no annex table' },
    ),
    citations: Type.Object(
      {
        narrative: ref(ExtractResultSchema, 'The citations in the narrative, as POST /v1/documents/extract answers for the same text'),
        notes: Type.Array(
          Type.Object(
            {
              row: Type.Integer({ description: 'The row number in the table (as the annex import numbers rows)' }),
              indicator: Type.Union([Type.String(), Type.Null()], { description: 'The indicator the row matched; null when it matched none' }),
              citations: Type.Array(ref(CitationSchema), { description: 'Offsets are into the note' }),
            },
            { additionalProperties: false },
          ),
          { description: 'The annex rows whose Ghi chú cites documents' },
        ),
      },
      { additionalProperties: false },
    ),
    written: Type.Object(
      {
        narrative: Type.Array(Type.String(), { description: 'The narrative sections written' }),
        reportEvidence: Type.Array(Type.String({ format: 'uuid' }), { description: 'Documents added to the report’s evidence' }),
        values: Type.Boolean({ description: 'Whether the annex import wrote values' }),
        valueEvidence: Type.Array(
          Type.Object({ indicator: Type.String(), documents: Type.Array(Type.String({ format: 'uuid' })) }, { additionalProperties: false }),
          { description: 'Values whose evidence was set: the documents their notes cite, added to those cited before' },
        ),
      },
      { additionalProperties: false, description: 'What the import wrote; nothing on a dry run' },
    ),
  },
  { additionalProperties: false, description: 'What was read from the document, and what was written' },
);
