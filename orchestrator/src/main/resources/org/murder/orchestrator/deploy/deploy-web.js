'use strict';
// The live page of a deploy: polls /api/deploy every second. Every text from the deploy (host names,
// states, errors) reaches the page through textContent, dataset or title, never as markup.
(function () {
  const byId = (id) => document.getElementById(id);
  const cells = new Map();
  const CHART_W = 600;
  const CHART_H = 150;

  function bytes(n) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
    let i = 0;
    while (n >= 1024 && i < units.length - 1) {
      n /= 1024;
      i++;
    }
    return (i === 0 ? String(n) : n.toFixed(1)) + ' ' + units[i];
  }

  // Characters that change how the text around them shows without being seen (bidi overrides and
  // isolates, zero-width ones, controls): a host name or an error holding U+202E showed reversed.
  // Written as \uXXXX, as the terminal shows them. The same classes as the terminal's escaping
  // (org.murder.core.Printable): controls, format characters, line and paragraph separators, lone
  // surrogates, and the blanks that are letters or marks (U+034F, the Hangul fillers).
  const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}\u034f\u115f\u1160\u3164\uffa0]/gu;

  function plain(v) {
    if (typeof v === 'string') {
      return v.replace(INVISIBLE, (c) => {
        const code = c.codePointAt(0);
        return code > 0xffff ? '\\u{' + code.toString(16) + '}' : '\\u' + code.toString(16).padStart(4, '0');
      });
    }
    if (Array.isArray(v)) {
      return v.map(plain);
    }
    if (v !== null && typeof v === 'object') {
      const out = {};
      for (const k of Object.keys(v)) {
        out[k] = plain(v[k]);
      }
      return out;
    }
    return v;
  }

  function seconds(ms) {
    return (ms / 1000).toFixed(1) + ' s';
  }

  function header(s) {
    byId('tag').textContent = s.tag;
    byId('job').textContent = s.job ? 'job ' + s.job : '';
    const result = byId('result');
    result.dataset.result = s.job ? s.result : '';
    const n = s.hosts.length;
    const failed = s.counts.failed || 0;
    if (!s.job) {
      result.textContent = 'waiting for the deploy to publish its job';
    } else if (s.result === 'done') {
      result.textContent = 'DONE: all ' + n + ' hosts in ' + seconds(s.elapsedMillis);
    } else if (s.result === 'failed') {
      result.textContent = 'FAILED on ' + (n - (s.counts.done || 0)) + ' of ' + n + ' hosts';
    } else {
      result.textContent = 'running: ' + (s.counts.done || 0) + ' of ' + n + ' done, ' + failed + ' failed, ' + seconds(s.elapsedMillis);
    }
    const counts = byId('counts');
    counts.replaceChildren();
    Object.keys(s.counts).forEach((state) => {
      if (s.counts[state] > 0) {
        const span = document.createElement('span');
        span.dataset.state = state;
        span.textContent = s.counts[state] + ' ' + state;
        counts.appendChild(span);
      }
    });
    const pct = s.totalBytes > 0 ? Math.floor(s.bytes * 100 / s.totalBytes) : 0;
    byId('throughput').textContent = bytes(s.rate) + '/s now; ' + bytes(s.bytes) + ' of ' + bytes(s.totalBytes) + ' (' + pct + '%)';
  }

  function cell() {
    const c = document.createElement('div');
    c.className = 'cell';
    const fill = document.createElement('div');
    fill.className = 'fill';
    const label = document.createElement('span');
    label.className = 'label';
    c.append(fill, label);
    return c;
  }

  function grid(s) {
    const el = byId('grid');
    el.dataset.size = s.hosts.length > 100 ? 'large' : 'small';
    let changed = s.hosts.length !== cells.size;
    const seen = new Set();
    s.hosts.forEach((h) => {
      let c = cells.get(h.name);
      if (!c) {
        c = cell();
        cells.set(h.name, c);
        changed = true;
      }
      seen.add(h.name);
      c.dataset.host = h.name;
      c.dataset.state = h.state;
      c.dataset.percent = String(h.percent);
      c.firstChild.style.width = h.percent + '%';
      c.lastChild.textContent = h.name;
      c.title = h.name + ': ' + h.state + ' ' + h.percent + '%' + (h.error ? ': ' + h.error : '');
    });
    for (const [name, c] of cells) {
      if (!seen.has(name)) {
        cells.delete(name);
        changed = true;
      }
    }
    if (changed) {
      el.replaceChildren(...s.hosts.map((h) => cells.get(h.name)));
    }
  }

  function chart(s) {
    // one point is a level line across
    const points = s.history.length === 1 ? [s.history[0], s.history[0]] : s.history;
    const max = Math.max(1, ...points);
    const step = CHART_W / Math.max(1, points.length - 1);
    const xy = points.map((v, i) => (i * step).toFixed(1) + ',' + (CHART_H - v / max * (CHART_H - 10)).toFixed(1));
    byId('chart-line').setAttribute('points', xy.join(' '));
    const area = xy.length ? ['0,' + CHART_H].concat(xy, [((points.length - 1) * step).toFixed(1) + ',' + CHART_H]) : [];
    byId('chart-area').setAttribute('points', area.join(' '));
    byId('chart-scale').textContent = points.length
      ? 'last ' + s.history.length + ' s; peak ' + bytes(max) + '/s, now ' + bytes(points[points.length - 1]) + '/s'
      : 'no data yet';
  }

  function failures(s) {
    const body = byId('failures').tBodies[0];
    body.replaceChildren(...s.failures.map((f) => {
      const tr = document.createElement('tr');
      const count = document.createElement('td');
      count.className = 'count';
      count.textContent = String(f.count);
      const reason = document.createElement('td');
      reason.textContent = f.reason;
      const examples = document.createElement('td');
      examples.textContent = f.examples.join(', ') + (f.count > f.examples.length ? ', ...' : '');
      tr.append(count, reason, examples);
      return tr;
    }));
    byId('failures').hidden = s.failures.length === 0;
    byId('more-reasons').textContent = s.moreReasons > 0 ? s.moreReasons + ' more reasons'
      : s.failures.length ? '' : 'none';
  }

  function slowest(s) {
    byId('slowest-none').textContent = s.slowest.length ? '' : 'none running';
    byId('slowest').replaceChildren(...s.slowest.map((h) => {
      const li = document.createElement('li');
      li.textContent = h.name + ': ' + h.state + ' ' + h.percent + '%, ' + bytes(h.rate) + '/s';
      return li;
    }));
  }

  function render(s) {
    header(s);
    grid(s);
    chart(s);
    failures(s);
    slowest(s);
  }

  function poll() {
    fetch('/api/deploy', { cache: 'no-store' })
      .then((r) => {
        if (!r.ok) {
          throw new Error('HTTP ' + r.status);
        }
        return r.json();
      })
      .then(plain)
      .then((s) => {
        render(s);
        byId('status').textContent = 'updated ' + new Date().toLocaleTimeString();
      })
      .catch((e) => {
        byId('status').textContent = 'cannot reach the deploy (' + e.message + '); the last state stays shown';
      })
      .finally(() => setTimeout(poll, 1000));
  }

  poll();
}());
