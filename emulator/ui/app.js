// The emulator's inspector. Plain JavaScript, no dependencies: it reads the control API
// (/emulator/v1/*) with the project's Basic credentials and renders what it gets. Every value from
// the emulator is put into the page as text (never as HTML).
'use strict';

(function () {
  const POLL_MS = 2000;
  const SKEW_MS = 60 * 1000; // a factor up to 1 minute in the future still counts (as age 0)
  const CREDS_KEY = 'stytch-emulator-inspector';

  const state = {
    creds: null,          // {projectId, secret}
    view: 'users',
    summary: null,
    timer: 0,
    busy: false,
    sessionUser: '',      // the sessions view shows one user's sessions when set
    lastMessages: -1,
    lastRequestID: null,
    sessions: null,       // the last GET /emulator/v1/sessions answer
    gen: 0,               // bumped on sign-in and sign-out: answers for an older one are dropped
  };

  const $ = (id) => document.getElementById(id);

  // el builds an element: el('td', {class: 'x', title: 'y'}, 'text', child, ...).
  function el(tag, attrs, ...children) {
    const n = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') n.className = v;
      else if (k === 'style') Object.assign(n.style, v);
      else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
      else n.setAttribute(k, v === true ? '' : String(v));
    }
    for (const c of children.flat()) {
      if (c === undefined || c === null || c === false) continue;
      n.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return n;
  }

  // b64 encodes a string as UTF-8 base64 (btoa alone fails outside Latin-1).
  function b64(s) {
    let bin = '';
    for (const byte of new TextEncoder().encode(s)) bin += String.fromCharCode(byte);
    return btoa(bin);
  }

  class APIError extends Error {
    constructor(status, type, message) {
      super(message || type || ('HTTP ' + status));
      this.status = status;
      this.type = type;
    }
  }

  // Stale is thrown for an answer that arrives after the user signed out or into another project.
  class Stale extends Error {}

  async function api(method, path, body, creds) {
    const c = creds || state.creds;
    const gen = state.gen;
    const init = {
      method,
      headers: { Authorization: 'Basic ' + b64(c.projectId + ':' + c.secret) },
      cache: 'no-store',
    };
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = null;
    try { data = await res.json(); } catch (_) { /* not JSON */ }
    if (gen !== state.gen) throw new Stale('signed out meanwhile');
    if (!res.ok) {
      throw new APIError(res.status, data && data.error_type, data && data.error_message);
    }
    return data;
  }

  // ---- time helpers --------------------------------------------------------------------------

  const ms = (s) => (s ? Date.parse(s) : NaN);

  function fmtTime(t) {
    if (!t || Number.isNaN(ms(t))) return '–';
    return new Date(ms(t)).toISOString().replace('T', ' ').replace(/\.\d+Z$|Z$/, '');
  }
  function fmtClock(t) { return new Date(ms(t)).toISOString().slice(11, 19); }

  // fmtDur renders a duration in ms as "1h 2m", "4m 05s", "12s".
  function fmtDur(d) {
    const neg = d < 0;
    let s = Math.round(Math.abs(d) / 1000);
    const days = Math.floor(s / 86400); s -= days * 86400;
    const h = Math.floor(s / 3600); s -= h * 3600;
    const m = Math.floor(s / 60); s -= m * 60;
    let out;
    if (days > 0) out = `${days}d ${h}h`;
    else if (h > 0) out = `${h}h ${m}m`;
    else if (m > 0) out = `${m}m ${String(s).padStart(2, '0')}s`;
    else out = `${s}s`;
    return neg ? '-' + out : out;
  }

  // goDur turns a Go duration string ("1h5m0.5s") into ms.
  function goDur(s) {
    if (!s || s === '0s') return 0;
    const re = /(-?[\d.]+)(h|ms|m|s|µs|us|ns)/g;
    const unit = { h: 3600e3, m: 60e3, s: 1e3, ms: 1, 'µs': 1e-3, us: 1e-3, ns: 1e-6 };
    let total = 0; let mt;
    while ((mt = re.exec(s))) total += parseFloat(mt[1]) * unit[mt[2]];
    return total;
  }

  // ---- sign in / out ----------------------------------------------------------------------------

  // clearViews empties everything a project showed, so nothing of it stays on screen.
  function clearViews() {
    for (const id of ['users-list', 'sessions-list', 'outbox-list', 'faults-list', 'requests-list']) $(id).replaceChildren();
    for (const id of ['users-total', 'sessions-total', 'project-id', 'clock-now', 'clock-offset']) $(id).textContent = '';
    $('user-query').value = '';
    state.sessionUser = '';
    state.sessions = null;
    state.lastMessages = -1;
    state.lastRequestID = null;
  }

  function showLogin(message) {
    stopPolling();
    state.gen++;
    state.creds = null;
    clearViews();
    $('app').hidden = true;
    $('login').hidden = false;
    const err = $('login-error');
    err.hidden = !message;
    err.textContent = message || '';
    $('login-project').focus();
  }

  async function signIn(creds) {
    const summary = await api('GET', '/emulator/v1/summary', undefined, creds);
    state.gen++;
    state.creds = creds;
    sessionStorage.setItem(CREDS_KEY, JSON.stringify(creds));
    $('login').hidden = true;
    $('app').hidden = false;
    $('project-id').textContent = creds.projectId;
    renderSummary(summary);
    const hash = location.hash.replace(/^#/, '');
    show(['users', 'sessions', 'outbox', 'faults', 'requests'].includes(hash) ? hash : 'users');
  }

  $('login-form').addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const creds = { projectId: $('login-project').value.trim(), secret: $('login-secret').value };
    $('login-submit').disabled = true;
    try {
      await signIn(creds);
      $('login-secret').value = '';
    } catch (e) {
      const err = $('login-error');
      err.hidden = false;
      err.textContent = e.status === 401 ? 'Unknown project ID or wrong secret.' : 'Could not reach the emulator: ' + e.message;
    } finally {
      $('login-submit').disabled = false;
    }
  });

  $('logout').addEventListener('click', () => {
    sessionStorage.removeItem(CREDS_KEY);
    showLogin('');
  });

  // ---- navigation and polling ---------------------------------------------------------------------

  function show(view) {
    state.view = view;
    history.replaceState(null, '', '#' + view);
    for (const t of document.querySelectorAll('#tabs .tab')) {
      t.classList.toggle('active', t.dataset.view === view);
    }
    for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + view;
    state.lastMessages = -1;
    state.lastRequestID = null;
    refresh();
  }

  for (const t of document.querySelectorAll('#tabs .tab')) {
    t.addEventListener('click', () => show(t.dataset.view));
  }

  function stopPolling() {
    clearTimeout(state.timer);
    state.timer = 0;
  }

  // refresh reloads the summary and the current view, then schedules the next refresh.
  async function refresh() {
    stopPolling();
    if (!state.creds) return;
    if (state.busy) { state.timer = setTimeout(refresh, 100); return; }
    state.busy = true;
    try {
      const summary = await api('GET', '/emulator/v1/summary');
      renderSummary(summary);
      await views[state.view](summary);
      $('live-indicator').classList.remove('stalled');
    } catch (e) {
      if (e instanceof Stale) return;
      if (e.status === 401) {
        sessionStorage.removeItem(CREDS_KEY);
        showLogin('The project no longer accepts these credentials.');
        return;
      }
      $('live-indicator').classList.add('stalled');
    } finally {
      state.busy = false;
    }
    if (state.creds) state.timer = setTimeout(refresh, POLL_MS);
  }

  function renderSummary(s) {
    state.summary = s;
    $('clock-now').textContent = fmtTime(s.now) + ' UTC';
    const off = goDur(s.offset);
    const badge = $('clock-offset');
    if (Math.abs(off) < 1000) {
      badge.textContent = 'real time';
      badge.className = 'badge badge-muted';
    } else {
      badge.textContent = (off > 0 ? '+' : '−') + fmtDur(Math.abs(off)) + (off > 0 ? ' ahead' : ' behind');
      badge.className = 'badge badge-warn';
    }
    $('count-users').textContent = s.users;
    $('count-sessions').textContent = s.sessions;
    $('count-messages').textContent = s.messages;
    $('count-faults').textContent = s.faults;
    $('count-requests').textContent = s.requests;
  }

  function flash(text, kind) {
    const f = $('flash');
    f.textContent = text;
    f.className = 'flash ' + (kind || '');
    f.hidden = false;
    clearTimeout(flash.timer);
    flash.timer = setTimeout(() => { f.hidden = true; }, 4000);
  }

  // act runs a control action and refreshes; failures are shown, not thrown.
  async function act(fn, done) {
    try {
      await fn();
      if (done) flash(done, 'ok');
    } catch (e) {
      flash(e.message, 'bad');
    }
    refresh();
  }

  // confirmAction asks in a modal dialog; it resolves true on Confirm.
  function confirmAction(title, text, okLabel) {
    const d = $('confirm');
    $('confirm-title').textContent = title;
    $('confirm-text').textContent = text;
    $('confirm-ok').textContent = okLabel || 'Confirm';
    return new Promise((resolve) => {
      // The close event is queued: one from the previous dialog may arrive after this one opened.
      // It is stale while the dialog is open again, and must not answer this question.
      const onClose = () => {
        if (d.open) return;
        d.removeEventListener('close', onClose);
        resolve(d.returnValue === 'ok');
      };
      d.addEventListener('close', onClose);
      d.returnValue = '';
      d.showModal();
      $('confirm-cancel').focus();
    });
  }

  // ---- clock, reset -------------------------------------------------------------------------------

  for (const b of document.querySelectorAll('[data-advance]')) {
    b.addEventListener('click', () => act(() => api('POST', '/emulator/v1/clock', { advance: b.dataset.advance })));
  }
  $('clock-set').addEventListener('click', () => {
    const v = $('clock-set-input').value;
    if (!v) { flash('Pick a date and time (UTC) first.', 'bad'); return; }
    const iso = (v.length === 16 ? v + ':00' : v) + 'Z';
    act(() => api('POST', '/emulator/v1/clock', { set: iso }), 'Clock set to ' + iso.replace('T', ' '));
  });
  $('clock-real').addEventListener('click', () => act(() => api('DELETE', '/emulator/v1/clock'), 'The clock is back on real time.'));

  $('reset-project').addEventListener('click', async () => {
    const ok = await confirmAction('Reset this project?',
      `Every user, session, code, fault and logged request of ${state.creds.projectId} is deleted and the clock goes back to real time. This cannot be undone.`,
      'Reset project');
    if (ok) act(() => api('POST', '/emulator/v1/reset'), 'The project was reset.');
  });

  // ---- export and import --------------------------------------------------------------------------

  $('export-project').addEventListener('click', () => act(async () => {
    const data = await api('POST', '/emulator/v1/export');
    const blob = new Blob([JSON.stringify(data.snapshot, null, 1)], { type: 'application/json' });
    const a = el('a', { href: URL.createObjectURL(blob), download: state.creds.projectId + '.json' });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }, 'Snapshot downloaded.'));

  $('import-project').addEventListener('click', () => $('import-file').click());
  $('import-file').addEventListener('change', async () => {
    const input = $('import-file');
    const file = input.files[0];
    input.value = '';
    if (!file) return;
    let doc;
    try {
      doc = JSON.parse(await file.text());
    } catch (e) {
      flash(file.name + ' is not JSON.', 'bad');
      return;
    }
    const body = doc && doc.snapshot ? { snapshot: doc.snapshot } : { snapshot: doc };
    const ok = await confirmAction('Import this snapshot?',
      `Every user, session, code, fault and logged request of ${state.creds.projectId} is replaced by the state in ${file.name}.`,
      'Import');
    if (ok) act(() => api('POST', '/emulator/v1/import', body), 'Snapshot imported.');
  });

  // ---- users ---------------------------------------------------------------------------------------

  let queryTimer = 0;
  $('user-query').addEventListener('input', () => {
    clearTimeout(queryTimer);
    queryTimer = setTimeout(refresh, 200);
  });

  function badge(text, kind, title) {
    return el('span', { class: 'badge badge-' + (kind || 'muted'), title }, text);
  }

  function contactRow(value, verified, id) {
    return el('li', { title: id },
      el('span', { class: 'mono' }, value), ' ',
      verified ? badge('verified', 'ok') : badge('unverified', 'warn'));
  }

  async function renderUsers() {
    const q = $('user-query').value.trim();
    const data = await api('GET', '/emulator/v1/users?limit=100&query=' + encodeURIComponent(q));
    const list = $('users-list');
    $('users-total').textContent = data.total > data.users.length
      ? `showing the newest ${data.users.length} of ${data.total} users`
      : `${data.total} user${data.total === 1 ? '' : 's'}`;
    const cards = data.users.map((u) => {
      const name = [u.name.first_name, u.name.middle_name, u.name.last_name].filter(Boolean).join(' ');
      const lock = u.is_locked
        ? badge('locked until ' + fmtTime(u.lock_expires_at), 'bad')
        : (u.failed_attempts > 0 ? badge(`${u.failed_attempts} failed attempt${u.failed_attempts === 1 ? '' : 's'}`, 'warn') : badge('not locked', 'muted'));
      const pw = u.password
        ? (u.password.requires_reset ? badge('set · requires reset', 'warn') : badge('set', 'ok'))
        : badge('none', 'muted');
      const totps = u.totps.length
        ? u.totps.map((t) => badge(t.verified ? 'TOTP verified' : 'TOTP pending', t.verified ? 'ok' : 'warn', t.totp_id))
        : [badge('none', 'muted')];
      return el('article', { class: 'card user', 'data-user-id': u.user_id },
        el('div', { class: 'card-head' },
          el('div', {},
            el('div', { class: 'title' }, name || u.emails[0]?.email || u.phone_numbers[0]?.phone_number || u.user_id),
            el('div', { class: 'mono muted small' }, u.user_id)),
          el('div', { class: 'head-badges' },
            u.sandbox ? badge('sandbox fixture', 'info') : null,
            u.status === 'pending' ? badge('pending', 'warn') : null,
            lock)),
        el('dl', { class: 'grid' },
          el('dt', {}, 'Emails'), el('dd', {}, u.emails.length ? el('ul', { class: 'plain' }, u.emails.map((e) => contactRow(e.email, e.verified, e.email_id))) : el('span', { class: 'muted' }, '—')),
          el('dt', {}, 'Phones'), el('dd', {}, u.phone_numbers.length ? el('ul', { class: 'plain' }, u.phone_numbers.map((p) => contactRow(p.phone_number, p.verified, p.phone_id))) : el('span', { class: 'muted' }, '—')),
          el('dt', {}, 'Password'), el('dd', {}, pw),
          el('dt', {}, 'TOTP'), el('dd', {}, totps),
          el('dt', {}, 'Created'), el('dd', {}, fmtTime(u.created_at)),
          el('dt', {}, 'Sessions'), el('dd', {},
            u.sessions > 0
              ? el('a', { href: '#sessions', class: 'link', onclick: (ev) => { ev.preventDefault(); openSessionsOf(u.user_id); } }, `${u.sessions} live session${u.sessions === 1 ? '' : 's'} →`)
              : el('span', { class: 'muted' }, 'none'))));
    });
    list.replaceChildren(...(cards.length ? cards : [el('p', { class: 'empty' }, q ? 'No user matches this search.' : 'No users yet.')]));
  }

  function openSessionsOf(userID) {
    state.sessionUser = userID;
    show('sessions');
  }

  // ---- sessions and the factor timeline --------------------------------------------------------------

  $('stepup-window').addEventListener('input', () => { if (state.sessions) drawSessions(state.sessions); });
  $('stepup-factor').addEventListener('change', () => { if (state.sessions) drawSessions(state.sessions); });
  $('show-sandbox').addEventListener('change', () => { if (state.sessions) drawSessions(state.sessions); });

  const factorKey = (f) => f.type + ' · ' + f.delivery_method;

  function factorDetail(f) {
    if (f.phone_number_factor) return f.phone_number_factor.phone_number;
    if (f.email_factor) return f.email_factor.email_address;
    if (f.authenticator_app_factor) return f.authenticator_app_factor.totp_id;
    if (f.recovery_code_factor) return f.recovery_code_factor.totp_recovery_code_id;
    return '';
  }

  async function renderSessions() {
    const q = state.sessionUser ? '&user_id=' + encodeURIComponent(state.sessionUser) : '';
    const data = await api('GET', '/emulator/v1/sessions?limit=100' + q);
    state.sessions = data;
    drawSessions(data);
  }

  function stepupWindowMs() {
    const v = parseFloat($('stepup-window').value);
    return (Number.isFinite(v) && v > 0 ? v : 5) * 60 * 1000;
  }

  // freshness of one factor against the window, as pkg/mfa's Recency judges it.
  function freshness(f, now, win) {
    const last = ms(f.last_authenticated_at);
    if (Number.isNaN(last)) return { state: 'stale', age: NaN };
    if (last > now + SKEW_MS) return { state: 'invalid', age: now - last };
    const age = Math.max(0, now - last);
    return { state: age <= win ? 'fresh' : 'stale', age };
  }

  function drawSessions(data) {
    const filter = $('sessions-filter');
    if (state.sessionUser) {
      filter.hidden = false;
      filter.replaceChildren('user ', el('span', { class: 'mono' }, state.sessionUser), ' ',
        el('button', { class: 'chip-x', title: 'Show every session', onclick: () => { state.sessionUser = ''; refresh(); } }, '×'));
    } else {
      filter.hidden = true;
    }
    const fixtures = data.sessions.filter((s) => s.sandbox).length;
    const real = data.total - fixtures;
    $('sessions-total').textContent = data.total > data.sessions.length
      ? `showing ${data.sessions.length} of ${data.total} live sessions`
      : `${real} live session${real === 1 ? '' : 's'}` + (fixtures ? ' and the sandbox fixture' : '');

    // The factor selector offers every type · delivery present.
    const sel = $('stepup-factor');
    const keys = new Set();
    for (const s of data.sessions) for (const f of s.authentication_factors) keys.add(factorKey(f));
    const have = new Set([...sel.options].map((o) => o.value));
    for (const k of [...keys].sort()) if (!have.has(k)) sel.append(el('option', { value: k }, k));

    const now = ms(data.now);
    const win = stepupWindowMs();
    const shown = $('show-sandbox').checked ? data.sessions : data.sessions.filter((s) => !s.sandbox);
    const cards = shown.map((s) => sessionCard(s, now, win, sel.value));
    $('sessions-list').replaceChildren(...(cards.length ? cards : [el('p', { class: 'empty' }, 'No live sessions.')]));
  }

  function verdict(s, now, win, key) {
    const matching = s.authentication_factors.filter((f) => !key || factorKey(f) === key);
    const label = key || 'any factor';
    const winText = fmtDur(win);
    if (matching.length === 0) {
      return { state: 'missing', text: `No ${label} on this session: a step-up check asks for MFA first (403 missing_factor).` };
    }
    let best = null;
    for (const f of matching) {
      const fr = freshness(f, now, win);
      if (fr.state === 'invalid') continue;
      if (!best || fr.age < best.fr.age) best = { f, fr };
    }
    if (!best) return { state: 'stale', text: `Every ${label} is timestamped in the future: a step-up check treats it as invalid (403 stale_factor).` };
    if (best.fr.state === 'fresh') {
      return { state: 'fresh', text: `A sensitive action passes: ${factorKey(best.f)} was authenticated ${fmtDur(best.fr.age)} ago, inside the ${winText} window (stale in ${fmtDur(win - best.fr.age)}).` };
    }
    return { state: 'stale', text: `A sensitive action is refused (403 stale_factor): the newest ${label === 'any factor' ? 'factor' : label}, ${factorKey(best.f)}, was authenticated ${fmtDur(best.fr.age)} ago, outside the ${winText} window. Re-authenticate it to step up.` };
  }

  function sessionCard(s, now, win, key) {
    const v = verdict(s, now, win, key);
    const expires = ms(s.expires_at);
    return el('article', { class: 'card session', 'data-session-id': s.session_id, 'data-stepup': v.state },
      el('div', { class: 'card-head' },
        el('div', {},
          el('div', { class: 'title' }, s.user_label || s.user_id),
          el('div', { class: 'mono muted small' }, s.session_id)),
        el('div', { class: 'head-badges' },
          s.sandbox ? badge('sandbox fixture', 'info') : null,
          badge(`${s.authentication_factors.length} factor${s.authentication_factors.length === 1 ? '' : 's'}`, 'muted'),
          s.sandbox ? null : el('button', { class: 'btn btn-small btn-danger-ghost', 'data-revoke': s.session_id, onclick: () => revoke(s) }, 'Revoke'))),
      el('div', { class: 'session-meta' },
        meta('User', el('span', { class: 'mono' }, s.user_id)),
        meta('Started', fmtTime(s.started_at)),
        meta('Last accessed', fmtTime(s.last_accessed_at)),
        meta('Expires', expires - now > 1e12 ? 'never' : `${fmtTime(s.expires_at)} (in ${fmtDur(expires - now)})`),
        meta('Tokens minted', String(s.tokens))),
      timeline(s, now, win, key),
      el('p', { class: 'verdict verdict-' + v.state, 'data-verdict': v.state }, v.text));
  }

  function meta(label, value) {
    return el('div', { class: 'meta' }, el('span', { class: 'label' }, label), el('span', {}, value));
  }

  // timeline draws the session's factors from first to last authentication, the step-up window
  // ending at now, now itself and the session's expiry, on one time axis.
  function timeline(s, now, win, key) {
    const factors = s.authentication_factors;
    const times = [ms(s.started_at), now - win, now];
    for (const f of factors) times.push(ms(f.created_at), ms(f.last_authenticated_at));
    let start = Math.min(...times.filter((t) => !Number.isNaN(t)));
    let end = Math.max(...times.filter((t) => !Number.isNaN(t)));
    let span = Math.max(end - start, 60 * 1000);
    const expires = ms(s.expires_at);
    const expiryOnAxis = expires - end <= span * 0.6;
    if (expiryOnAxis) end = Math.max(end, expires);
    span = end - start;
    start -= span * 0.04;
    end += span * (expiryOnAxis ? 0.04 : 0.12);
    span = end - start;
    const x = (t) => Math.min(100, Math.max(0, ((t - start) / span) * 100)) + '%';

    const track = el('div', { class: 'tl-track' });
    const narrow = (win / span) < 0.22; // too thin for its label inside: the label goes left of it
    track.append(el('div', { class: 'tl-window' + (narrow ? ' narrow' : ''), style: { left: x(now - win), width: `calc(${x(now)} - ${x(now - win)})` }, title: 'step-up window' },
      el('span', { class: 'tl-window-label' }, `step-up window ${fmtDur(win)}`)));
    track.append(el('div', { class: 'tl-now' + (narrow ? ' label-right' : ''), style: { left: x(now) } }, el('span', {}, 'now')));
    if (expiryOnAxis) {
      track.append(el('div', { class: 'tl-expiry', style: { left: x(expires) } }, el('span', {}, 'expires')));
    } else {
      track.append(el('div', { class: 'tl-expiry-off' }, (expires - now > 1e12 ? 'never expires' : `expires in ${fmtDur(expires - now)}`) + ' →'));
    }

    const labels = el('div', { class: 'tl-labels' });
    const rows = el('div', { class: 'tl-rows' });
    for (const f of factors) {
      const fr = freshness(f, now, win);
      const applies = !key || factorKey(f) === key;
      const cls = applies ? fr.state : 'other';
      const first = ms(f.created_at);
      const last = ms(f.last_authenticated_at);
      labels.append(el('div', { class: 'tl-label' },
        el('span', { class: 'tl-name' }, factorKey(f)),
        el('span', { class: 'tl-detail mono' }, factorDetail(f))));
      rows.append(el('div', { class: 'tl-row', 'data-factor': factorKey(f), 'data-fresh': cls },
        el('div', { class: 'tl-span', style: { left: x(first), width: `calc(${x(last)} - ${x(first)})` } }),
        el('div', { class: 'tl-dot tl-first', style: { left: x(first) }, title: 'first authenticated ' + fmtTime(f.created_at) }),
        el('div', { class: 'tl-dot tl-last tl-' + cls, style: { left: x(last) }, title: 'last authenticated ' + fmtTime(f.last_authenticated_at) }),
        el('div', { class: 'tl-age', style: { left: x(last) } }, Number.isNaN(fr.age) ? '' : (fr.state === 'invalid' ? 'in the future' : fmtDur(fr.age) + ' ago'))));
    }
    track.append(rows);
    const axis = el('div', { class: 'tl-axis' },
      el('span', { style: { left: '0%' } }, fmtClock(new Date(start).toISOString())),
      el('span', { style: { left: '50%' } }, fmtClock(new Date(start + span / 2).toISOString())),
      el('span', { style: { left: '100%' } }, fmtClock(new Date(end).toISOString())));
    return el('div', { class: 'timeline', 'data-timeline': s.session_id },
      labels, el('div', { class: 'tl-main' }, track, axis));
  }

  async function revoke(s) {
    const ok = await confirmAction('Revoke this session?',
      `Session ${s.session_id} of ${s.user_label || s.user_id} and all its tokens stop working at once.`, 'Revoke session');
    if (ok) act(() => api('DELETE', '/emulator/v1/sessions/' + encodeURIComponent(s.session_id)), 'The session was revoked.');
  }

  // ---- outbox ------------------------------------------------------------------------------------------

  // safeLink returns an http(s) URL or null, so a message can never carry a javascript: link.
  function safeLink(u) {
    try {
      const url = new URL(u);
      return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
    } catch (_) {
      return null;
    }
  }

  async function renderOutbox(summary) {
    if (summary.messages === state.lastMessages) return;
    const data = await api('GET', '/emulator/v1/messages');
    state.lastMessages = summary.messages;
    const now = ms(summary.now);
    const rows = data.messages.slice(-200).reverse().map((m) => {
      let what;
      const link = m.url && safeLink(m.url);
      if (m.code) what = el('span', { class: 'code', 'data-code': m.code }, m.code);
      else if (link) what = el('a', { href: link, target: '_blank', rel: 'noopener noreferrer', class: 'link mono outbox-link', title: link }, link);
      else what = el('span', { class: 'mono small', title: 'password reset token' }, m.token || '');
      const expired = ms(m.expires_at) <= now;
      return el('tr', { 'data-to': m.to },
        el('td', { class: 'nowrap' }, fmtTime(m.sent_at)),
        el('td', { class: 'nowrap' }, badge(m.channel, 'muted'), ' ', el('span', { class: 'muted small' }, m.type === 'otp' ? 'one-time passcode' : m.type.replace(/_/g, ' '))),
        el('td', { class: 'mono nowrap' }, m.to),
        el('td', {}, what),
        el('td', { class: 'nowrap' }, expired ? badge('expired', 'muted') : `in ${fmtDur(ms(m.expires_at) - now)}`));
    });
    $('outbox-list').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'Nothing sent yet.'))]));
  }

  // ---- faults ----------------------------------------------------------------------------------------------

  async function renderFaults() {
    const data = await api('GET', '/emulator/v1/faults');
    const rows = data.faults.map((f) => el('tr', {},
      el('td', { class: 'mono' }, f.method),
      el('td', { class: 'mono' }, f.path),
      el('td', {}, f.status ? [el('span', { class: 'status status-4' }, f.status), ' ', el('span', { class: 'mono' }, f.error_type)] : el('span', { class: 'muted' }, 'delay only')),
      el('td', {}, f.delay || '—'),
      el('td', {}, f.times < 0 ? 'until cleared' : String(f.times))));
    $('faults-list').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'No faults installed: every request is answered normally.'))]));
  }

  $('fault-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    const body = { method: $('fault-method').value, path: $('fault-path').value.trim() };
    const status = parseInt($('fault-status').value, 10);
    if (status) body.status = status;
    if ($('fault-type').value.trim()) body.error_type = $('fault-type').value.trim();
    const times = parseInt($('fault-times').value, 10);
    if (times) body.times = times;
    if ($('fault-delay').value.trim()) body.delay = $('fault-delay').value.trim();
    act(() => api('POST', '/emulator/v1/faults', body), 'Fault added.');
  });
  $('faults-clear').addEventListener('click', async () => {
    if (await confirmAction('Clear every fault?', 'Requests are answered normally again.', 'Clear faults')) {
      act(() => api('DELETE', '/emulator/v1/faults'), 'Faults cleared.');
    }
  });

  // ---- request log ----------------------------------------------------------------------------------------

  async function renderRequests(summary) {
    if (!$('requests-live').checked && state.lastRequestID !== null) return;
    if (summary.last_request_id === state.lastRequestID) return;
    const data = await api('GET', '/emulator/v1/requests');
    state.lastRequestID = summary.last_request_id;
    const rows = data.requests.slice(-300).reverse().map((r) => el('tr', {},
      el('td', { class: 'nowrap' }, fmtTime(r.time)),
      el('td', { class: 'mono' }, r.method),
      el('td', { class: 'mono' }, r.path),
      el('td', {}, el('span', { class: 'status status-' + String(r.status)[0] }, r.status), r.error_type ? [' ', el('span', { class: 'mono small' }, r.error_type)] : null),
      el('td', { class: 'mono small muted' }, r.request_id)));
    $('requests-list').replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { colspan: 5, class: 'empty' }, 'No requests yet.'))]));
  }
  $('requests-live').addEventListener('change', () => { state.lastRequestID = ''; refresh(); });

  const views = {
    users: renderUsers,
    sessions: renderSessions,
    outbox: renderOutbox,
    faults: renderFaults,
    requests: renderRequests,
  };

  // ---- start ------------------------------------------------------------------------------------------------

  const saved = sessionStorage.getItem(CREDS_KEY);
  if (saved) {
    signIn(JSON.parse(saved)).catch(() => { sessionStorage.removeItem(CREDS_KEY); showLogin(''); });
  } else {
    const pid = new URLSearchParams(location.search).get('project_id');
    showLogin('');
    if (pid) { $('login-project').value = pid; $('login-secret').focus(); }
  }
})();
