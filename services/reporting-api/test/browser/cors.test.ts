/**
 * CORS as a real browser enforces it: the API on one loopback port with CORS_ORIGINS naming a dashboard
 * served from another port (another origin). The dashboard's script reads figures with a reader key and
 * renders them; a page from an origin that is not listed is refused by the browser; a keyed PUT with
 * Idempotency-Key goes through its preflight and the replay header is readable.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { chromiumMissing, launchChromium, listen, openPage, servePages } from '../helpers/browser.js';

/** The dashboard: fetch this agency's 2023 values with the key from the page's URL, render them as a table. */
const DASHBOARD_HTML = `<!doctype html>
<html lang="vi">
<meta charset="utf-8">
<title>Bảng điều khiển CCHC</title>
<body>
<p id="status">đang tải…</p>
<dl>
  <dt>x-request-id</dt><dd id="request-id"></dd>
  <dt>ETag</dt><dd id="etag"></dd>
  <dt>x-frame-options (not exposed)</dt><dd id="not-exposed"></dd>
</dl>
<table id="values"><thead><tr><th>Chỉ tiêu</th><th>Kết quả</th></tr></thead><tbody></tbody></table>
<script type="module">
  const query = new URLSearchParams(location.search);
  const status = document.getElementById('status');
  try {
    const res = await fetch(query.get('api') + '/v1/values?period=2023&agency=BQL-KCN', {
      headers: { Authorization: 'Bearer ' + query.get('key'), 'x-request-id': query.get('rid') },
    });
    document.getElementById('request-id').textContent = String(res.headers.get('x-request-id'));
    document.getElementById('etag').textContent = String(res.headers.get('etag'));
    document.getElementById('not-exposed').textContent = String(res.headers.get('x-frame-options'));
    if (!res.ok) throw new Error('HTTP ' + res.status);
    const body = await res.json();
    const rows = document.querySelector('#values tbody');
    for (const item of body.items) {
      const tr = rows.insertRow();
      tr.dataset.indicator = item.indicator;
      tr.insertCell().textContent = item.indicator;
      tr.insertCell().textContent = item.value === null ? '' : String(item.value);
    }
    status.textContent = 'loaded ' + body.items.length;
    status.dataset.state = 'loaded';
  } catch (error) {
    status.textContent = 'failed: ' + error.name + ': ' + error.message;
    status.dataset.state = 'failed';
  }
</script>
`;

/** A blank page on the dashboard's origin, for scripts run with page.evaluate. */
const BLANK_HTML = '<!doctype html><meta charset="utf-8"><title>blank</title><p>blank</p>';

const skip = chromiumMissing(t);

t.test('a dashboard on another origin, in chromium', { skip }, async (t) => {
  // The page servers first: the API's CORS_ORIGINS must name the dashboard's origin.
  const dashboard = await servePages(t, { '/': DASHBOARD_HTML, '/blank': BLANK_HTML });
  const stranger = await servePages(t, { '/': DASHBOARD_HTML });
  // Chromium starts while the database is created and seeded.
  const [api, browser] = await Promise.all([buildTestApp(t, { corsOrigins: [dashboard.origin] }), launchChromium(t)]);
  // What reached the API (onResponse: the CORS plugin answers preflights before later onRequest hooks run).
  const seen: { method: string; url: string; origin: string | undefined; requestHeaders: string | undefined }[] = [];
  api.app.addHook('onResponse', async (request) => {
    seen.push({
      method: request.method,
      url: request.url,
      origin: request.headers.origin,
      requestHeaders: request.headers['access-control-request-headers'],
    });
  });
  const base = await listen(api.app);
  t.not(new URL(base).port, new URL(dashboard.origin).port, 'the API and the dashboard are different origins');

  t.test('the listed origin reads the figures and the exposed headers', async (t) => {
    const { page, log } = await openPage(t, browser);
    const requestId = 'dashboard-load-1';
    await page.goto(dashboard.url('/', { api: base, key: api.keys.reader, rid: requestId }));
    const status = page.locator('#status[data-state]');
    await status.waitFor();
    t.equal(await status.getAttribute('data-state'), 'loaded', 'the dashboard loaded', { status: await status.textContent(), console: log.console });

    const cells = page.locator('#values tr[data-indicator="III.7.2"] td');
    t.same(await cells.allTextContents(), ['III.7.2', '99'], 'the row for III.7.2 shows the reported 99 (dossiers resolved)');
    t.same(await page.locator('#values tr[data-indicator="I.1"] td').allTextContents(), ['I.1', '100']);
    const expected = await api.request({ method: 'GET', url: '/v1/values?period=2023&agency=BQL-KCN', as: 'reader' });
    t.equal(await page.locator('#values tbody tr').count(), expected.json().items.length, 'every value is rendered');

    t.equal(await page.textContent('#request-id'), requestId, 'x-request-id is sent (allowed) and read back (exposed)');
    t.equal(await page.textContent('#etag'), expected.headers.etag, 'the ETag is exposed');
    t.equal(await page.textContent('#not-exposed'), 'null', 'a header not exposed stays hidden from the script');
    t.same(log.errors, [], 'no page errors');
    t.notOk(
      log.console.some((line) => /CORS/.test(line)),
      'no CORS complaint in the console',
    );

    const preflight = seen.find((r) => r.method === 'OPTIONS' && r.url.startsWith('/v1/values') && r.origin === dashboard.origin);
    t.ok(preflight, 'the Authorization header made the browser preflight');
    t.match(preflight?.requestHeaders, /authorization/);
  });

  t.test('an origin that is not listed is refused by the browser', async (t) => {
    const { page, log } = await openPage(t, browser);
    const refusal = page.waitForEvent('console', { predicate: (m) => m.type() === 'error' && m.text().includes('blocked by CORS policy'), timeout: 15_000 });
    await page.goto(stranger.url('/', { api: base, key: api.keys.reader, rid: 'stranger-1' }));
    const status = page.locator('#status[data-state]');
    await status.waitFor();
    t.equal(await status.getAttribute('data-state'), 'failed');
    t.equal(await status.textContent(), 'failed: TypeError: Failed to fetch', 'fetch rejects with a TypeError');
    t.equal(await page.locator('#values tbody tr').count(), 0, 'no figures reach the page');
    const message = (await refusal).text();
    t.match(message, `from origin '${stranger.origin}' has been blocked by CORS policy`, 'the console reports the CORS refusal', { console: log.console });
    t.match(message, /No 'Access-Control-Allow-Origin' header/, 'because the preflight answer allows no origin');
    const fromStranger = seen.filter((r) => r.origin === stranger.origin);
    t.same(
      fromStranger.map((r) => r.method),
      ['OPTIONS'],
      'only the preflight reached the API; the GET was never sent',
    );
  });

  t.test('an error answer is readable too (a dashboard can show why)', async (t) => {
    const { page } = await openPage(t, browser);
    await page.goto(dashboard.url('/blank'));
    const answer = await page.evaluate(async (url) => {
      const res = await fetch(url, { headers: { Authorization: 'Bearer cchc_not-a-key' } });
      return { status: res.status, type: res.headers.get('content-type'), requestId: res.headers.get('x-request-id'), body: await res.json() };
    }, `${base}/v1/values?period=2023&agency=BQL-KCN`);
    t.equal(answer.status, 401);
    t.match(answer.type, /^application\/problem\+json/);
    t.match(answer.body, { code: 'UNAUTHENTICATED' });
    t.ok(answer.requestId, 'x-request-id readable on an error, to quote to support');
  });

  t.test('a PUT with Idempotency-Key is preflighted, and the replay header is readable', async (t) => {
    const { page } = await openPage(t, browser);
    await page.goto(dashboard.url('/blank'));
    const batch = {
      counts: [
        {
          agency: 'BQL-KCN',
          procedure: 'BQL-KCN.XD.01',
          date: '2024-01-05',
          source: 'browser-test',
          asOf: '2024-01-06T00:00:00Z',
          receivedNew: 2,
          receivedOnline: 1,
          receivedInPerson: 1,
          resolved: 2,
          resolvedEarly: 2,
          resolvedOnTime: 0,
          resolvedLate: 0,
        },
      ],
    };
    const send = () =>
      page.evaluate(
        async ({ url, key, body }) => {
          const res = await fetch(url, {
            method: 'PUT',
            headers: { Authorization: 'Bearer ' + key, 'Content-Type': 'application/json', 'Idempotency-Key': 'browser-put-1' },
            body: JSON.stringify(body),
          });
          return { status: res.status, replayed: res.headers.get('idempotent-replayed'), requestId: res.headers.get('x-request-id'), body: await res.json() };
        },
        { url: `${base}/v1/dossier-counts`, key: api.keys.ingest, body: batch },
      );
    const first = await send();
    t.equal(first.status, 200, 'the first PUT is answered', { body: first.body });
    t.match(first.body, { created: 1, rejected: 0 });
    t.equal(first.replayed, null, 'the first answer is not a replay');
    t.ok(first.requestId, 'x-request-id readable on a PUT answer');
    const second = await send();
    t.equal(second.status, 200);
    t.equal(second.replayed, 'true', 'idempotent-replayed is exposed to the page');
    t.same(second.body, first.body, 'the first answer, replayed (created: 1, not unchanged)');

    const preflight = seen.find((r) => r.method === 'OPTIONS' && r.url === '/v1/dossier-counts' && r.origin === dashboard.origin);
    t.ok(preflight, 'the PUT was preflighted');
    t.match(preflight?.requestHeaders, /idempotency-key/);
    t.equal(seen.filter((r) => r.method === 'PUT' && r.url === '/v1/dossier-counts').length, 2, 'both PUTs reached the API');
  });
});
