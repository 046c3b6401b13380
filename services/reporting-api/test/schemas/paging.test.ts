import t from 'tap';
import { Type } from 'typebox';
import { Page, ref } from '../../src/schemas/common.js';
import { decodeCursor } from '../../src/schemas/cursor.js';
import { fetchPage, mapPage, pageOf } from '../../src/schemas/paging.js';

const isNumber = (v: unknown): v is number => typeof v === 'number';

t.test('pageOf: the extra row only says a next page exists', async (t) => {
  const more = pageOf([1, 2, 3], 2, (last) => last * 10);
  t.same(more.items, [1, 2]);
  t.equal(decodeCursor(more.nextCursor!, isNumber), 20, 'the cursor is the key of the last row shown, not of the extra one');
  t.same(
    pageOf([1, 2], 2, (last) => last),
    { items: [1, 2], nextCursor: null },
    'a full last page has no cursor',
  );
  t.same(
    pageOf([], 2, (last) => last),
    { items: [], nextCursor: null },
  );
});

t.test('fetchPage asks for one more row than the page shows; mapPage keeps the rows’ cursor', async (t) => {
  let asked = 0;
  const page = await fetchPage(
    2,
    async (limit) => {
      asked = limit;
      return [{ id: 1 }, { id: 2 }, { id: 3 }].slice(0, limit);
    },
    (last) => last.id,
  );
  t.equal(asked, 3);
  const shown = mapPage(page, (row) => `#${row.id}`);
  t.same(shown.items, ['#1', '#2']);
  t.equal(shown.nextCursor, page.nextCursor);
});

t.test('Page() is the page shape the modules wrote by hand', async (t) => {
  const Item = Type.Object({ id: Type.Integer() }, { $id: 'Item', additionalProperties: false });
  const byHand = Type.Object(
    { items: Type.Array(ref(Item)), nextCursor: Type.Union([Type.String(), Type.Null()], { description: 'next' }) },
    { $id: 'ItemPage', additionalProperties: false },
  );
  t.equal(JSON.stringify(Page(Item, { $id: 'ItemPage', nextCursor: 'next' })), JSON.stringify(byHand), 'same JSON, same key order');
  const inline = Type.Object({ id: Type.Integer() }, { additionalProperties: false });
  t.same(Page(inline, { $id: 'InlinePage' }).properties.items.items, inline, 'an anonymous item schema is inlined');
});
