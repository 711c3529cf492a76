/*
 * Pulsar Proxy console. Plain JavaScript, no dependencies, no build step.
 *
 * It uses only the gateway's public API, with paths relative to the page so that it also works behind a proxy
 * that mounts the gateway under a prefix:
 *   GET  v1/stats, GET v1/topics?limit=200  the overview, polled
 *   POST v1/topics/{topic}, POST v1/publish  publishing
 *   WS   v1/subscribe                        one WebSocket for every subscription of the page
 * With a token, HTTP calls send "Authorization: Bearer <token>" and the WebSocket URL carries "?token=<token>"
 * (browsers cannot set headers on a WebSocket).
 */
(function () {
  'use strict';

  var MAX_LOG_ROWS = 500;
  var MAX_TOPIC_ROWS = 200;
  var MAX_PAYLOAD_CHARS = 2000;
  var CHART_SPAN_MS = 5 * 60 * 1000;
  var SINGLE_EXAMPLE = '{"hello": "world"}';
  var BATCH_EXAMPLE = '[\n  {"topic": "demo", "payload": {"n": 1}},\n  {"topic": "demo", "payload": {"n": 2}, "id": "demo-2"}\n]';

  var $ = function (id) { return document.getElementById(id); };

  var state = {
    token: '',
    ws: null,
    wsOpened: false,
    reconnectTimer: null,
    reconnectDelay: 1000,
    subs: new Map(),       // topic or pattern -> {pattern, status: 'pending'|'active'|'leaving', from, seq, epoch}
    positions: new Map(),  // topic -> {next, epoch}: where to resume after a reconnect
    logRows: 0,
    pollTimer: null,
    refreshMs: 1000,
    prevStats: null,
    prevTopics: new Map(),
    series: [],            // {t, ingest, delivery, p50, p99}
    bodies: { single: SINGLE_EXAMPLE, batch: BATCH_EXAMPLE },
    mode: 'single'
  };

  // ---------------------------------------------------------------- HTTP

  function headers(extra) {
    var h = {};
    if (extra) { Object.keys(extra).forEach(function (k) { h[k] = extra[k]; }); }
    if (state.token) { h.Authorization = 'Bearer ' + state.token; }
    return h;
  }

  /** Calls the API; never throws. Answers {ok, status, body, text, problem}. */
  function api(path, options) {
    options = options || {};
    return fetch(path, {
      method: options.method || 'GET',
      headers: headers(options.headers),
      body: options.body,
      cache: 'no-store',
      credentials: 'omit'
    }).then(function (res) {
      return res.text().then(function (text) {
        var type = res.headers.get('Content-Type') || '';
        var body = null;
        if (text && type.indexOf('json') >= 0) {
          try { body = JSON.parse(text); } catch (e) { body = null; }
        }
        var problem = null;
        if (!res.ok) {
          problem = type.indexOf('application/problem+json') === 0 && body ? body :
            { title: res.statusText || 'HTTP error', status: res.status, detail: text || 'no details' };
        }
        return { ok: res.ok, status: res.status, body: body, text: text, problem: problem };
      });
    }).catch(function (err) {
      return {
        ok: false, status: 0, body: null, text: '',
        problem: { title: 'Gateway unreachable', status: 0, detail: String(err && err.message || err) }
      };
    });
  }

  // ---------------------------------------------------------------- DOM helpers

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) { e.className = className; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }

  function clear(node) {
    while (node.firstChild) { node.removeChild(node.firstChild); }
  }

  /** A problem+json (RFC 9457) as a box: status and title, detail, then the other members. */
  function problemBox(problem, extraClass) {
    var box = el('div', 'problem' + (extraClass ? ' ' + extraClass : ''));
    var title = el('p', 'problem-title');
    if (problem.status !== undefined && problem.status !== null) {
      title.appendChild(el('span', 'status', problem.status === 0 ? '—' : problem.status));
    }
    title.appendChild(document.createTextNode(problem.title || 'Error'));
    box.appendChild(title);
    if (problem.detail) { box.appendChild(el('p', 'problem-detail', problem.detail)); }
    var dl = el('dl');
    Object.keys(problem).forEach(function (key) {
      if (key === 'title' || key === 'detail' || key === 'status') { return; }
      dl.appendChild(el('dt', null, key));
      var v = problem[key];
      dl.appendChild(el('dd', null, typeof v === 'string' ? v : JSON.stringify(v)));
    });
    if (dl.firstChild) { box.appendChild(dl); }
    return box;
  }

  function two(n) { return n < 10 ? '0' + n : String(n); }

  function clock(date) {
    var ms = date.getMilliseconds();
    return two(date.getHours()) + ':' + two(date.getMinutes()) + ':' + two(date.getSeconds()) + '.' +
      (ms < 10 ? '00' : ms < 100 ? '0' : '') + ms;
  }

  function formatCount(n) {
    if (n === null || n === undefined || isNaN(n)) { return '–'; }
    return Math.round(n).toLocaleString('en-US');
  }

  function formatRate(n) {
    if (n === null || n === undefined || isNaN(n)) { return '–'; }
    if (n >= 1000) { return Math.round(n).toLocaleString('en-US'); }
    if (n >= 10) { return n.toFixed(0); }
    return n.toFixed(1);
  }

  function formatMicros(us) {
    if (us === null || us === undefined || isNaN(us)) { return '–'; }
    if (us >= 1e6) { return (us / 1e6).toFixed(2) + ' s'; }
    if (us >= 1000) { return (us / 1000).toFixed(us >= 1e4 ? 0 : 1) + ' ms'; }
    return Math.round(us) + ' µs';
  }

  // ---------------------------------------------------------------- auth banner and status

  function setServerStatus(kind, text) {
    var pill = $('server-status');
    pill.className = 'pill pill-' + kind;
    pill.textContent = text;
  }

  function showAuthProblem(problem) {
    var banner = $('auth-banner');
    clear(banner);
    var box = problemBox(problem);
    var hint = el('p', 'problem-detail', state.token ?
      'The token was refused. Check it, or mint a new one, and press "Use token".' :
      'The gateway requires a JWT. Paste one into the JWT field above and press "Use token".');
    box.appendChild(hint);
    banner.appendChild(box);
    banner.hidden = false;
  }

  function hideAuthProblem() {
    var banner = $('auth-banner');
    banner.hidden = true;
    clear(banner);
  }

  // ---------------------------------------------------------------- WebSocket

  function socketUrl() {
    var url = new URL('v1/subscribe', document.baseURI);
    url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
    if (state.token) { url.searchParams.set('token', state.token); }
    return url.toString();
  }

  function setSocketStatus(kind, text) {
    var pill = $('ws-status');
    pill.className = 'pill pill-' + kind;
    pill.textContent = text;
  }

  function connect() {
    if (state.ws) { return; }
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    var ws;
    try {
      ws = new WebSocket(socketUrl());
    } catch (err) {
      logRow('error', null, 'error', 'cannot open WebSocket: ' + err.message);
      return;
    }
    state.ws = ws;
    state.wsOpened = false;
    setSocketStatus('wait', 'WebSocket connecting…');
    ws.onopen = function () {
      state.wsOpened = true;
      state.reconnectDelay = 1000;
      setSocketStatus('ok', 'WebSocket open');
      state.subs.forEach(function (sub, topic) {
        if (sub.status === 'leaving') { state.subs.delete(topic); return; }
        sendSubscribe(topic, sub);
      });
      renderSubs();
    };
    ws.onmessage = function (event) { onFrame(event.data); };
    ws.onclose = function (event) {
      if (ws.replaced) { return; }   // closed on purpose by reconnect(); its successor owns the state
      var opened = state.wsOpened;
      state.ws = null;
      state.wsOpened = false;
      state.subs.forEach(function (sub) { if (sub.status === 'active') { sub.status = 'pending'; } });
      renderSubs();
      setSocketStatus('off', 'WebSocket closed');
      if (!opened) {
        diagnoseRefusal();
      } else {
        logRow('error', null, 'closed', 'connection closed: ' + event.code + (event.reason ? ' ' + event.reason : ''));
      }
      if (state.subs.size > 0) {
        var delay = state.reconnectDelay;
        state.reconnectDelay = Math.min(30000, state.reconnectDelay * 2);
        setSocketStatus('bad', 'WebSocket closed, retrying in ' + Math.round(delay / 1000) + ' s');
        state.reconnectTimer = setTimeout(connect, delay);
      }
    };
  }

  /** Closes the socket to open it again, e.g. with a new token; subscriptions are renewed on open. */
  function reconnect() {
    if (state.ws) {
      var old = state.ws;
      old.replaced = true;
      state.ws = null;
      state.wsOpened = false;
      old.close(1000, 'new token');
      state.subs.forEach(function (sub) { if (sub.status === 'active') { sub.status = 'pending'; } });
      renderSubs();
      setSocketStatus('off', 'WebSocket closed');
    }
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    state.reconnectDelay = 1000;
    if (state.subs.size > 0) { connect(); }
  }

  /** A WebSocket that never opened says nothing about why; ask the same URL over plain HTTP for the problem. */
  function diagnoseRefusal() {
    var url = new URL('v1/subscribe', document.baseURI);
    if (state.token) { url.searchParams.set('token', state.token); }
    api(url.pathname + url.search).then(function (res) {
      if (res.status === 401 || res.status === 403 || res.status === 429 || res.status === 503) {
        logRow('error', null, 'refused', 'WebSocket refused: ' + res.status + ' ' + (res.problem.title || '') +
          (res.problem.detail ? ' — ' + res.problem.detail : ''));
        if (res.status === 401) { showAuthProblem(res.problem); }
      } else if (res.status === 0) {
        logRow('error', null, 'refused', 'WebSocket failed: the gateway is unreachable');
      } else {
        logRow('error', null, 'refused', 'WebSocket failed to open (the gateway refused the upgrade)');
      }
    });
  }

  function sendOp(op) {
    if (state.ws && state.wsOpened) {
      state.ws.send(JSON.stringify(op));
      return true;
    }
    return false;
  }

  function sendSubscribe(topic, sub) {
    var op = { op: 'subscribe', topic: topic };
    var position = sub.pattern ? null : state.positions.get(topic);
    if (position && position.next) {
      op.from = position.next;        // resume exactly where this page stopped
      if (position.epoch) { op.epoch = position.epoch; }
    } else if (sub.from) {
      op.from = sub.from;
    }
    sub.status = 'pending';
    sendOp(op);
  }

  function subscribe(topic, from) {
    var existing = state.subs.get(topic);
    if (existing && existing.status !== 'leaving') {
      logRow('control', null, 'note', 'already subscribed to ' + topic);
      return;
    }
    var sub = { pattern: /[*>]/.test(topic), status: 'pending', from: from, seq: null, epoch: null };
    state.subs.set(topic, sub);
    if (from) { state.positions.delete(topic); }
    renderSubs();
    if (state.ws && state.wsOpened) {
      sendSubscribe(topic, sub);
    } else {
      connect();
    }
  }

  function unsubscribe(topic) {
    var sub = state.subs.get(topic);
    if (!sub) { return; }
    if (sendOp({ op: 'unsubscribe', topic: topic })) {
      sub.status = 'leaving';
    } else {
      state.subs.delete(topic);
    }
    renderSubs();
  }

  function onFrame(data) {
    var frame;
    try {
      frame = JSON.parse(data);
    } catch (err) {
      logRow('error', null, 'bad frame', 'not JSON: ' + String(data).slice(0, 200));
      return;
    }
    if (Array.isArray(frame)) {
      frame.forEach(logMessage);
      return;
    }
    var sub = frame.topic !== undefined ? state.subs.get(frame.topic) : null;
    switch (frame.type) {
      case 'subscribed':
        if (sub) {
          sub.status = 'active';
          sub.seq = frame.seq === undefined ? null : frame.seq;
          sub.epoch = frame.epoch || null;
          sub.from = null;
        }
        renderSubs();
        logRow('control', frame.topic, 'subscribed', frame.pattern ? 'pattern' :
          'current seq ' + frame.seq + (frame.epoch ? ', epoch ' + frame.epoch : ''));
        break;
      case 'unsubscribed':
        state.subs.delete(frame.topic);
        renderSubs();
        logRow('control', frame.topic, 'unsubscribed', '');
        break;
      case 'gap':
        var position = state.positions.get(frame.topic) || {};
        position.next = frame.to + 1;
        if (frame.epoch) { position.epoch = frame.epoch; }
        state.positions.set(frame.topic, position);
        logRow('gap', frame.topic, 'gap', 'seqs ' + frame.from + '..' + frame.to + ' lost (' + frame.reason + ')' +
          (frame.epoch ? ', new epoch ' + frame.epoch : ''));
        break;
      case 'error':
        if (frame.op === 'subscribe' && sub && sub.status === 'pending') {
          state.subs.delete(frame.topic);
          renderSubs();
        }
        logRow('error', frame.topic || null, 'error', frame.code + ': ' + frame.message +
          (frame.op ? ' (op ' + frame.op + ')' : ''));
        break;
      case 'pong':
        break;
      default:
        logRow('control', frame.topic || null, frame.type || 'frame', JSON.stringify(frame));
    }
  }

  // ---------------------------------------------------------------- log

  function appendRow(row) {
    var log = $('log');
    var atBottom = log.scrollTop + log.clientHeight >= log.scrollHeight - 24;
    log.appendChild(row);
    state.logRows++;
    while (log.childElementCount > MAX_LOG_ROWS) { log.removeChild(log.firstElementChild); }
    if (atBottom) { log.scrollTop = log.scrollHeight; }
    $('log-count').textContent = state.logRows.toLocaleString('en-US') + ' frame' + (state.logRows === 1 ? '' : 's') +
      (state.logRows > MAX_LOG_ROWS ? ' (last ' + MAX_LOG_ROWS + ' shown)' : '');
  }

  function logMessage(m) {
    var row = el('li', 'row row-msg');
    row.dataset.topic = m.topic;
    row.dataset.seq = m.seq;
    var when = new Date(m.ts / 1000);
    var time = el('time', null, clock(when));
    time.dateTime = when.toISOString();
    time.title = 'received by the gateway at ' + when.toISOString() + ' (ts ' + m.ts + ' µs)';
    row.appendChild(time);
    row.appendChild(el('span', 'topic', m.topic));
    row.appendChild(el('span', 'seq', '#' + m.seq));
    var text = JSON.stringify(m.payload);
    if (text === undefined) { text = 'undefined'; }
    row.appendChild(el('code', 'payload', text.length > MAX_PAYLOAD_CHARS ?
      text.slice(0, MAX_PAYLOAD_CHARS) + '… (' + text.length + ' chars)' : text));
    var position = state.positions.get(m.topic) || {};
    position.next = m.seq + 1;
    state.positions.set(m.topic, position);
    appendRow(row);
  }

  /** A control, gap or error row: styled by kind, with a tag naming the frame type. */
  function logRow(kind, topic, tag, text) {
    var row = el('li', 'row row-' + kind);
    row.dataset.kind = kind;
    row.dataset.frame = tag;
    if (topic) { row.dataset.topic = topic; }
    var now = new Date();
    var time = el('time', null, clock(now));
    time.dateTime = now.toISOString();
    row.appendChild(time);
    row.appendChild(el('span', 'topic', topic || ''));
    row.appendChild(el('span', 'tag', tag));
    row.appendChild(el('span', 'payload', text));
    appendRow(row);
  }

  function renderSubs() {
    var list = $('subscriptions');
    clear(list);
    state.subs.forEach(function (sub, topic) {
      var chip = el('li', 'chip' + (sub.status === 'active' ? '' : ' pending'));
      chip.dataset.topic = topic;
      chip.dataset.status = sub.status;
      chip.appendChild(el('span', null, topic));
      var meta = sub.status === 'active' ? (sub.pattern ? 'pattern' : 'live') :
        sub.status === 'leaving' ? 'leaving…' : 'waiting…';
      chip.appendChild(el('span', 'meta', meta));
      var close = el('button', null, '×');
      close.type = 'button';
      close.title = 'Unsubscribe from ' + topic;
      close.setAttribute('aria-label', 'Unsubscribe from ' + topic);
      close.addEventListener('click', function () { unsubscribe(topic); });
      chip.appendChild(close);
      list.appendChild(chip);
    });
  }

  // ---------------------------------------------------------------- publish

  function setMode(mode) {
    state.bodies[state.mode] = $('pub-body').value;
    state.mode = mode;
    $('pub-body').value = state.bodies[mode];
    $('single-fields').hidden = mode !== 'single';
    $('pub-body-label').textContent = mode === 'single' ? 'Payload (any JSON value)' :
      'Messages: one {"topic", "payload", "id"?} object or an array of them';
    $('pub-body').removeAttribute('aria-invalid');
    clear($('publish-result'));
  }

  function showValidation(title, detail) {
    var result = $('publish-result');
    clear(result);
    var box = problemBox({ title: title, detail: detail }, 'validation');
    box.querySelector('.problem-title').insertBefore(el('span', 'status', 'JSON'),
      box.querySelector('.problem-title').firstChild);
    box.appendChild(el('p', 'problem-detail', 'Nothing was sent.'));
    result.appendChild(box);
  }

  function publish() {
    var body = $('pub-body');
    var text = body.value;
    var parsed;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      body.setAttribute('aria-invalid', 'true');
      showValidation('Invalid JSON', err.message);
      body.focus();
      return;
    }
    body.removeAttribute('aria-invalid');
    var path;
    if (state.mode === 'single') {
      var topic = $('pub-topic').value.trim();
      if (!topic) {
        $('pub-topic').setAttribute('aria-invalid', 'true');
        showValidation('Missing topic', 'Enter the topic to publish to.');
        $('pub-topic').focus();
        return;
      }
      $('pub-topic').removeAttribute('aria-invalid');
      path = 'v1/topics/' + encodeURIComponent(topic);
    } else {
      path = 'v1/publish';
    }
    clear($('publish-result'));
    var button = $('publish-button');
    button.disabled = true;
    api(path, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: text }).then(function (res) {
      button.disabled = false;
      var result = $('publish-result');
      clear(result);
      if (res.ok) {
        var box = el('div', 'accepted');
        var receipt = res.body || {};
        var parts = (receipt.topics || []).map(function (t) {
          return t.topic + ' ' + (t.first === t.last ? 'seq ' + t.first : 'seqs ' + t.first + '..' + t.last);
        });
        (receipt.duplicates || []).forEach(function (d) { parts.push(d.topic + ' seq ' + d.seq + ' (duplicate)'); });
        box.appendChild(el('p', null, res.status + ' Accepted: ' + receipt.accepted + ' message' +
          (receipt.accepted === 1 ? '' : 's') + (parts.length ? ' — ' + parts.join(', ') : '')));
        box.appendChild(el('pre', null, res.text));
        result.appendChild(box);
        poll();
      } else {
        var problem = res.problem;
        var problemEl = problemBox(problem);
        if (typeof problem.index === 'number' && Array.isArray(parsed) && parsed[problem.index] !== undefined) {
          problemEl.appendChild(el('p', 'problem-detail', 'Element ' + problem.index + ': ' +
            JSON.stringify(parsed[problem.index]).slice(0, 300)));
        }
        result.appendChild(problemEl);
        if (res.status === 401) { showAuthProblem(problem); }
      }
    });
  }

  function formatBody() {
    var body = $('pub-body');
    try {
      body.value = JSON.stringify(JSON.parse(body.value), null, 2);
      body.removeAttribute('aria-invalid');
      clear($('publish-result'));
    } catch (err) {
      body.setAttribute('aria-invalid', 'true');
      showValidation('Invalid JSON', err.message);
    }
  }

  // ---------------------------------------------------------------- overview

  function schedulePoll() {
    clearTimeout(state.pollTimer);
    state.pollTimer = null;
    if (state.refreshMs > 0) { state.pollTimer = setTimeout(poll, state.refreshMs); }
  }

  var polling = false;

  function poll() {
    if (polling) { return; }
    polling = true;
    clearTimeout(state.pollTimer);
    // Only the rows shown: a gateway with 100,000 topics would otherwise send megabytes every poll.
    Promise.all([api('v1/stats'), api('v1/topics?limit=' + MAX_TOPIC_ROWS)]).then(function (answers) {
      polling = false;
      var stats = answers[0];
      var topics = answers[1];
      if (stats.status === 401 || stats.status === 403) {
        setServerStatus('bad', 'gateway up · ' + stats.status + ' ' + (stats.problem.title || 'refused'));
        showAuthProblem(stats.problem);
      } else if (stats.status === 0) {
        setServerStatus('bad', 'gateway unreachable');
      } else if (stats.ok) {
        setServerStatus('ok', 'gateway up');
        hideAuthProblem();
        updateStats(stats.body);
      } else {
        setServerStatus('bad', 'gateway answered ' + stats.status);
      }
      if (topics.ok && topics.body) {
        var shown = topics.body.topics || [];
        updateTopics(shown, typeof topics.body.total === 'number' ? topics.body.total : shown.length);
      }
      schedulePoll();
    });
  }

  function updateStats(s) {
    var now = performance.now();
    var prev = state.prevStats;
    var point = { t: Date.now(), ingest: null, delivery: null, p50: null, p99: null };
    if (prev && now > prev.at) {
      var dt = (now - prev.at) / 1000;
      var ingest = (s.ingestMessages - prev.s.ingestMessages) / dt;
      var delivery = (s.deliveries - prev.s.deliveries) / dt;
      point.ingest = ingest >= 0 ? ingest : null;      // negative: the gateway restarted
      point.delivery = delivery >= 0 ? delivery : null;
    }
    if (s.latency) {
      point.p50 = s.latency.p50Micros;
      point.p99 = s.latency.p99Micros;
    }
    state.prevStats = { at: now, s: s };
    state.series.push(point);
    var cutoff = point.t - CHART_SPAN_MS;
    while (state.series.length && state.series[0].t < cutoff) { state.series.shift(); }

    $('stat-connections').textContent = formatCount(s.connections);
    $('stat-subscriptions').textContent = formatCount(s.subscriptions);
    $('stat-topics').textContent = formatCount(s.topics);
    $('stat-ring').textContent = s.ringSize ? Math.floor(100 * s.ringRemaining / s.ringSize) + ' %' : '–';
    $('stat-ring').title = formatCount(s.ringRemaining) + ' of ' + formatCount(s.ringSize) + ' slots free';
    setCard('stat-ingest', formatRate(point.ingest), 'msg/s', formatCount(s.ingestMessages) + ' messages since start');
    setCard('stat-delivery', formatRate(point.delivery), 'msg/s', formatCount(s.deliveries) + ' deliveries since start');
    var span = s.latency && s.latency.windowMillis ? ' over the last ' + Math.round(s.latency.windowMillis / 1000) +
      ' s (' + formatCount(s.latency.windowCount) + ' messages)' : '';
    setCard('stat-p50', formatMicros(point.p50), '', 'median delivery latency' + span);
    setCard('stat-p99', formatMicros(point.p99), '', '99th percentile delivery latency' + span);
    drawCharts();
  }

  function setCard(id, value, unit, title) {
    var dd = $(id);
    clear(dd);
    dd.appendChild(document.createTextNode(value));
    if (unit && value !== '–') {
      dd.appendChild(document.createTextNode(' '));
      dd.appendChild(el('small', null, unit));
    }
    dd.title = title;
  }

  function updateTopics(topics, total) {
    var now = performance.now();
    var tbody = document.querySelector('#topics tbody');
    clear(tbody);
    var seen = new Map();
    topics.forEach(function (t, i) {
      var prev = state.prevTopics.get(t.topic);
      var rate = null;
      if (prev && prev.epoch === t.epoch && t.seq >= prev.seq && now > prev.at) {
        rate = (t.seq - prev.seq) / ((now - prev.at) / 1000);
      }
      seen.set(t.topic, { seq: t.seq, epoch: t.epoch, at: now });
      if (i >= MAX_TOPIC_ROWS) { return; }
      var tr = el('tr');
      tr.dataset.topic = t.topic;
      var name = el('td');
      var use = el('button', 'link', t.topic);
      use.type = 'button';
      use.title = 'Use ' + t.topic + ' in the subscribe and publish forms';
      use.addEventListener('click', function () {
        $('sub-topic').value = t.topic;
        $('pub-topic').value = t.topic;
        $('sub-topic').focus();
      });
      name.appendChild(use);
      tr.appendChild(name);
      tr.appendChild(el('td', 'num', formatCount(t.seq)));
      tr.appendChild(el('td', 'num', formatCount(t.subscribers)));
      tr.appendChild(el('td', 'num', formatRate(rate)));
      tr.appendChild(el('td', 'num', t.history ? formatCount(t.history.count) : '–'));
      tbody.appendChild(tr);
    });
    state.prevTopics = seen;
    $('topics-note').textContent = total === 0 ? 'No topics yet.' :
      total > topics.length ? 'Showing the first ' + formatCount(topics.length) + ' of ' +
        formatCount(total) + ' topics.' : '';
    $('topics-note').hidden = total > 0 && total <= topics.length;
  }

  // ---------------------------------------------------------------- charts on plain canvas

  function cssVar(name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  }

  /** The smallest of 1, 2, 2.5 and 5 times a power of ten that is at least v. */
  function niceCeiling(v) {
    if (!(v > 0)) { return 1; }
    var exp = Math.pow(10, Math.floor(Math.log10(v)));
    var f = v / exp;
    var nice = f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10;
    return nice * exp;
  }

  function axisNumber(v) {
    return v >= 1000 ? Math.round(v).toLocaleString('en-US') : String(Math.round(v * 100) / 100);
  }

  function axisMicros(us) {
    if (us >= 1e6) { return (Math.round(us / 1e4) / 100) + ' s'; }
    if (us >= 1000) { return (Math.round(us / 10) / 100) + ' ms'; }
    return (Math.round(us * 100) / 100) + ' µs';
  }

  /**
   * Draws lines over the last CHART_SPAN_MS: series is [{key, color}], points come from state.series. A null value
   * breaks the line.
   */
  function drawChart(canvas, series, format) {
    var dpr = window.devicePixelRatio || 1;
    var width = canvas.clientWidth;
    var height = canvas.clientHeight;
    if (width === 0 || height === 0) { return; }
    if (canvas.width !== Math.round(width * dpr) || canvas.height !== Math.round(height * dpr)) {
      canvas.width = Math.round(width * dpr);
      canvas.height = Math.round(height * dpr);
    }
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.setLineDash([]);
    ctx.clearRect(0, 0, width, height);

    var left = 58, right = 10, top = 10, bottom = 22;
    var plotW = width - left - right;
    var plotH = height - top - bottom;
    var now = Date.now();
    var start = now - CHART_SPAN_MS;
    var max = 0;
    var points = 0;
    state.series.forEach(function (p) {
      series.forEach(function (s) {
        var v = p[s.key];
        if (v !== null && v !== undefined && p.t >= start) {
          points++;
          if (v > max) { max = v; }
        }
      });
    });
    var step = niceCeiling(max / 4);   // four gridlines at round values
    var yMax = step * 4;
    var x = function (t) { return left + (t - start) / CHART_SPAN_MS * plotW; };
    var y = function (v) { return top + plotH - v / yMax * plotH; };

    ctx.font = '11px ' + cssVar('--sans');
    ctx.lineWidth = 1;
    ctx.strokeStyle = cssVar('--grid');
    ctx.fillStyle = cssVar('--muted');
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (var i = 0; i <= 4; i++) {
      var v = yMax * i / 4;
      var gy = Math.round(y(v)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(left, gy);
      ctx.lineTo(left + plotW, gy);
      ctx.stroke();
      ctx.fillText(format(v), left - 6, gy);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    for (var m = 5; m >= 0; m--) {
      var gx = Math.round(x(now - m * 60000)) + 0.5;
      ctx.beginPath();
      ctx.moveTo(gx, top);
      ctx.lineTo(gx, top + plotH);
      ctx.stroke();
      ctx.fillText(m === 0 ? 'now' : '−' + m + ' min', Math.min(Math.max(gx, left + 16), left + plotW - 12),
        top + plotH + 6);
    }

    if (points === 0) {
      ctx.textAlign = 'center';
      ctx.textBaseline = 'middle';
      ctx.font = '13px ' + cssVar('--sans');
      ctx.fillText('waiting for data…', left + plotW / 2, top + plotH / 2);
      return;
    }

    ctx.lineWidth = 2;
    ctx.lineJoin = 'round';
    series.forEach(function (s) {
      ctx.strokeStyle = cssVar(s.color);
      ctx.fillStyle = cssVar(s.color);
      ctx.setLineDash(s.dash || []);
      ctx.beginPath();
      var drawing = false;
      var lone = null;
      state.series.forEach(function (p) {
        var val = p[s.key];
        if (val === null || val === undefined || p.t < start) { drawing = false; return; }
        var px = x(p.t), py = y(val);
        if (drawing) {
          ctx.lineTo(px, py);
          lone = null;
        } else {
          ctx.moveTo(px, py);
          lone = [px, py];
          drawing = true;
        }
      });
      ctx.stroke();
      if (lone) {   // a single point has no line: mark it
        ctx.beginPath();
        ctx.arc(lone[0], lone[1], 2.5, 0, 2 * Math.PI);
        ctx.fill();
      }
    });
  }

  function describe(series, format) {
    var last = state.series[state.series.length - 1];
    if (!last) { return 'no data yet'; }
    return series.map(function (s) { return s.label + ' ' + (last[s.key] === null ? 'unknown' : format(last[s.key])); })
      .join(', ');
  }

  function drawCharts() {
    var rates = [{ key: 'ingest', color: '--ingest', label: 'ingest' },
      { key: 'delivery', color: '--delivery', label: 'deliveries', dash: [6, 4] }];
    var latency = [{ key: 'p50', color: '--p50', label: 'p50' },
      { key: 'p99', color: '--p99', label: 'p99', dash: [6, 4] }];
    drawChart($('chart-rates'), rates, axisNumber);
    drawChart($('chart-latency'), latency, axisMicros);
    $('chart-rates').setAttribute('aria-label', 'Messages per second over the last 5 minutes; now: ' +
      describe(rates, function (v) { return formatRate(v) + ' msg/s'; }));
    $('chart-latency').setAttribute('aria-label', 'Delivery latency over the last 5 minutes; now: ' +
      describe(latency, formatMicros));
  }

  // ---------------------------------------------------------------- wiring

  function init() {
    $('token-form').addEventListener('submit', function (e) {
      e.preventDefault();
      state.token = $('token').value.trim();
      hideAuthProblem();
      reconnect();
      poll();
    });

    $('refresh').addEventListener('change', function () {
      state.refreshMs = Number($('refresh').value);
      if (state.refreshMs > 0) { poll(); } else { clearTimeout(state.pollTimer); }
    });

    $('subscribe-form').addEventListener('submit', function (e) {
      e.preventDefault();
      var topic = $('sub-topic').value.trim();
      if (!topic) { $('sub-topic').focus(); return; }
      var fromText = $('sub-from').value.trim();
      var from = fromText ? Number(fromText) : null;
      if (fromText && !(Number.isInteger(from) && from >= 1)) {
        $('sub-from').setAttribute('aria-invalid', 'true');
        logRow('error', topic, 'input', 'From seq must be a whole number of at least 1');
        return;
      }
      $('sub-from').removeAttribute('aria-invalid');
      subscribe(topic, from);
      $('sub-from').value = '';
    });

    $('clear-log').addEventListener('click', function () {
      clear($('log'));
      state.logRows = 0;
      $('log-count').textContent = 'No frames yet.';
    });

    Array.prototype.forEach.call(document.querySelectorAll('input[name="mode"]'), function (radio) {
      radio.addEventListener('change', function () { if (radio.checked) { setMode(radio.value); } });
    });
    $('publish-form').addEventListener('submit', function (e) {
      e.preventDefault();
      publish();
    });
    $('pub-body').addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
        e.preventDefault();
        publish();
      }
    });
    $('format-button').addEventListener('click', formatBody);

    window.addEventListener('resize', drawCharts);
    drawCharts();
    poll();
  }

  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', init);
  } else {
    init();
  }
}());
