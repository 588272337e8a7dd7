'use strict';
// Agent console: sign in, watch the queue live (Server-Sent Events), take a conversation,
// chat with the person, close it. Every text comes from /agent/texts (locales/*/handoff.json).
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { texts: {}, reasons: {}, csrf: '', agent: '', selected: '', ticket: null, events: null, error: null, detail: null, sticky: null, role: 'agent', canned: {}, team: [] };

  const path = (obj, key) => key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
  const t = (key, vars = {}) =>
    String(path(state.texts, key) ?? '').replace(/\{\{(\w+)\}\}/g, (_, name) => String(vars[name] ?? ''));
  // Dialog ids ("person.birth") read as names an agent knows ("Fecha de nacimiento").
  const stepName = (id) => t(`steps.${String(id).replace(/\./g, '_')}`) || id;
  const time = (ms) => new Date(ms).toLocaleTimeString('es-EC', { hour: '2-digit', minute: '2-digit' });
  const show = (el, on) => { el.hidden = !on; };
  const requestId = () => (crypto.randomUUID ? crypto.randomUUID() : Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join(''));

  function notice(text) {
    $('notice').textContent = text || '';
    show($('notice'), !!text);
  }

  async function api(method, url, body) {
    const headers = { Accept: 'application/json' };
    if (method !== 'GET') {
      headers['Content-Type'] = 'application/json';
      headers['X-CSRF-Token'] = state.csrf;
      headers['X-Request-Id'] = requestId();
    }
    const res = await fetch(url, { method, headers, credentials: 'same-origin', body: body ? JSON.stringify(body) : method === 'GET' ? undefined : '{}' });
    let data = {};
    try { data = await res.json(); } catch { data = {}; }
    if (res.status === 401 && url !== '/agent/api/login') signedOut(t('errors.session'));
    return { status: res.status, data };
  }

  function errorText(data) {
    const code = data && data.error;
    const text = code ? t(`errors.${code}`, data) : '';
    return text || t('errors.unknown');
  }

  // ---- Sign in / out ----
  function signedOut(message) {
    if (state.events) state.events.close();
    state.events = null;
    state.csrf = '';
    show($('desk-view'), false);
    show($('who'), false);
    show($('login-view'), true);
    notice(message || '');
    $('name').focus();
  }

  function signedIn({ agent, csrf, role, presence }) {
    state.agent = agent;
    state.csrf = csrf;
    state.role = role || 'agent';
    show($('supervisor-link'), state.role === 'supervisor');
    const lang = new URLSearchParams(location.search).get('lang');
    if (lang) $('supervisor-link').href = `/agent/supervisor?lang=${encodeURIComponent(lang)}`;
    $('presence').value = presence || 'available';
    $('hello').textContent = t('hello', { agent });
    show($('who'), true);
    show($('login-view'), false);
    show($('desk-view'), true);
    notice('');
    listen();
    loadQueue();
    fillHistoryFilters();
    fillHistoryAgents();
    if (location.hash.length > 1) select(location.hash.slice(1));
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    show($('login-error'), false);
    $('login').disabled = true;
    try {
      const { status, data } = await api('POST', '/agent/api/login', { name: $('name').value, password: $('password').value });
      if (status === 200) {
        $('password').value = '';
        signedIn(data);
        return;
      }
      $('login-error').textContent = status === 429 ? t('loginLimited') : status === 401 ? t('loginFailed') : t('errors.unknown');
      show($('login-error'), true);
    } catch {
      $('login-error').textContent = t('errors.network');
      show($('login-error'), true);
    } finally {
      $('login').disabled = false;
    }
  });

  $('logout').addEventListener('click', async () => {
    await api('POST', '/agent/api/logout').catch(() => undefined);
    signedOut('');
  });

  // ---- Live updates ----
  function listen() {
    if (state.events) state.events.close();
    const events = new EventSource('/agent/api/events');
    state.events = events;
    events.onopen = () => notice('');
    events.onerror = () => { if (events.readyState !== EventSource.OPEN) notice(t('errors.network')); };
    events.addEventListener('session', () => signedOut(t('errors.session')));
    events.onmessage = (e) => {
      let event;
      try { event = JSON.parse(e.data); } catch { return; }
      if (event.type === 'ready' || event.type === 'queue') loadQueue();
      if (event.type === 'ready' && state.selected) select(state.selected);
      if (event.type === 'status' && event.ticketId === state.selected) select(state.selected);
      if (event.type === 'entry' && event.ticketId === state.selected) {
        appendEntry(event.entry, true);
        const d = state.detail;
        if (d) d.transcript.push(event.entry);
        // The person wrote: WhatsApp's window opens again for a full day.
        if (d && d.windowClosesAt && event.entry.from === 'user') d.windowClosesAt = event.entry.at + d.windowMs;
        watch();
      }
      if (event.type === 'notice') heard(event);
      if (event.type === 'presence' && state.detail) loadTeam();
    };
  }

  // ---- Notices the agent must hear at once (role=alert): the person left, went quiet, WhatsApp's window ----
  function heard(event) {
    const text = t(`notices.${event.notice}`);
    if (event.ticketId === state.selected) {
      state.sticky = { id: event.ticketId, text };
      watch();
    } else if (event.agent && event.agent === state.agent.toLowerCase()) notice(text);
  }

  /** Re-evaluated every few seconds: how long the person has been quiet, when WhatsApp's window closes. */
  function watch() {
    const d = state.detail;
    let text = state.sticky && d && state.sticky.id === d.ticket.id ? state.sticky.text : '';
    if (!text && d && d.ticket.status === 'active' && d.ticket.agent === state.agent.toLowerCase()) {
      const now = Date.now();
      const lastUser = [...d.transcript].reverse().find((e) => e.from === 'user');
      const lastAgent = [...d.transcript].reverse().find((e) => e.from === 'agent');
      const quietSince = lastUser && lastAgent && lastAgent.at > lastUser.at ? lastUser.at : undefined;
      if (d.windowClosesAt && !d.windowClosed && d.windowClosesAt - now <= d.windowWarningMs)
        text = t('notices.windowClosing', { minutes: Math.max(1, Math.ceil((d.windowClosesAt - now) / 60_000)) });
      else if (quietSince && now - quietSince >= d.idleAfterMs) text = t('notices.idle', { minutes: Math.floor((now - quietSince) / 60_000) });
    }
    const el = $('ticket-notice');
    // Only a change is written: a screen reader hears each notice once.
    if (el.textContent !== text) el.textContent = text;
    show(el, !!text);
  }

  // ---- Queue ----
  async function loadQueue() {
    const { status, data } = await api('GET', '/agent/api/tickets').catch(() => ({ status: 0, data: {} }));
    if (status !== 200) return;
    const list = $('queue');
    list.replaceChildren();
    for (const ticket of data.tickets) {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.ticket = ticket.id;
      button.setAttribute('aria-current', String(ticket.id === state.selected));
      const row = document.createElement('span');
      row.className = 'row';
      const channel = document.createElement('span');
      channel.textContent = t(`channels.${ticket.channel}`) || ticket.channel;
      const badge = document.createElement('span');
      badge.className = `badge ${ticket.status}`;
      badge.textContent = t(ticket.status);
      row.append(channel, badge);
      const reason = document.createElement('span');
      reason.textContent = state.reasons[ticket.reason] || ticket.reason;
      const meta = document.createElement('span');
      meta.className = 'meta';
      meta.textContent =
        ticket.status === 'waiting'
          ? `${t('position', { position: ticket.position })} · ${t('waitingFor', { time: time(ticket.openedAt) })}`
          : t('servedBy', { agent: cap(ticket.agent) });
      button.append(row, reason, meta);
      button.addEventListener('click', () => select(ticket.id));
      li.append(button);
      list.append(li);
    }
    show($('queue-empty'), data.tickets.length === 0);
  }

  const cap = (s) => (s ? s.charAt(0).toUpperCase() + s.slice(1) : '');

  // ---- One ticket ----
  async function select(id) {
    // An error stays on screen while its ticket does, even when live updates redraw it.
    if (state.error && state.error.id !== id) state.error = null;
    state.selected = id;
    history.replaceState(null, '', `#${id}`);
    for (const b of document.querySelectorAll('#queue button')) b.setAttribute('aria-current', String(b.dataset.ticket === id));
    const { status, data } = await api('GET', `/agent/api/tickets/${encodeURIComponent(id)}`).catch(() => ({ status: 0, data: {} }));
    if (state.selected !== id) return;
    if (status !== 200) {
      show($('ticket'), false);
      show($('pick'), true);
      if (status === 404) notice(t('errors.missing'));
      return;
    }
    state.ticket = data.ticket;
    state.detail = data;
    renderTicket(data);
    watch();
    loadTeam();
    loadCanned(data.ticket.locale);
  }

  function renderTicket({ ticket, transcript, windowClosed }) {
    show($('pick'), false);
    show($('ticket'), true);
    const error = state.error && state.error.id === ticket.id ? state.error.text : '';
    $('ticket-error').textContent = error;
    show($('ticket-error'), !!error);
    $('ticket-title').textContent = `${t(`channels.${ticket.channel}`) || ticket.channel} · ${time(ticket.openedAt)}`;
    $('ticket-status').className = `badge ${ticket.status}`;
    $('ticket-status').textContent = ticket.status === 'active' ? `${t('active')} · ${cap(ticket.agent)}` : t(ticket.status);

    const s = ticket.summary || {};
    const rows = [
      [t('channel'), t(`channels.${ticket.channel}`) || ticket.channel],
      [t('reason'), state.reasons[ticket.reason] || ticket.reason],
      [t('profile'), s.profile ? t(`profiles.${s.profile}`) : t('none')],
      [t('number'), s.maskedNumber || t('none')],
      [t('step'), s.step ? stepName(s.step) : t('none')],
      [t('failures'), failuresText(s.failures || []) || t('none')],
    ];
    if (ticket.status === 'waiting' && ticket.position) rows.push(['', t('position', { position: ticket.position })]);
    const dl = $('summary');
    dl.replaceChildren();
    for (const [label, value] of rows) {
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.textContent = value;
      dl.append(dt, dd);
    }

    $('transcript').replaceChildren();
    for (const entry of transcript) appendEntry(entry, false);
    scrollTranscript();

    const mine = ticket.status === 'active' && ticket.agent === state.agent.toLowerCase();
    show($('window'), !!windowClosed);
    $('claim').hidden = ticket.status !== 'waiting';
    $('close').hidden = ticket.status === 'closed' || (ticket.status === 'active' && !mine);
    const canWrite = mine && !windowClosed;
    const open = ticket.status !== 'closed';
    // Anyone on the team may leave a note on an open ticket; only the agent serving writes to the person.
    $('message').disabled = !open;
    $('send').disabled = !canWrite;
    $('note').disabled = !open;
    $('canned').disabled = !canWrite;
    show($('transfer-box'), mine);
    $('message').placeholder = t('placeholder');
    $('composer-hint').textContent = ticket.status === 'waiting' ? t('claimFirst') : ticket.status === 'closed' ? t('errors.closed') : '';
  }

  // "Cédula: el último dígito no cuadra (2 veces) · Verificación de identidad: …": each step named once per run.
  function failuresText(failures) {
    const runs = [];
    for (const f of failures) {
      const last = runs[runs.length - 1];
      if (last && last.step === f.step && last.reason === f.reason) last.count += 1;
      else runs.push({ ...f, count: 1 });
    }
    return runs
      .map((r) => {
        const reason = t(`problems.${r.reason}`) || r.reason.replace(/_/g, ' ');
        return `${stepName(r.step)}: ${r.count > 1 ? t('failureRepeated', { reason, count: r.count }) : reason}`;
      })
      .join(' · ');
  }

  function appendEntry(entry, live) {
    const li = document.createElement('li');
    li.className = entry.from;
    const who = document.createElement('span');
    who.className = 'who';
    const author =
      entry.from === 'note' ? `${t('from.note')} · ${entry.agent || ''}` : entry.from === 'agent' && entry.agent ? entry.agent : t(`from.${entry.from}`);
    who.textContent = `${author} · ${time(entry.at)}`;
    const text = document.createElement('span');
    // Chat texts use **bold**; the console shows them plain.
    text.textContent = entry.text.replace(/\*\*(.+?)\*\*/g, '$1');
    li.append(who, text);
    $('transcript').append(li);
    if (live) scrollTranscript();
  }

  const scrollTranscript = () => { const el = $('transcript'); el.scrollTop = el.scrollHeight; };

  function ticketError(data, text) {
    state.error = { id: state.selected, text: text || errorText(data) };
    $('ticket-error').textContent = state.error.text;
    show($('ticket-error'), true);
  }

  $('claim').addEventListener('click', async () => {
    const id = state.selected;
    $('claim').disabled = true;
    const { status, data } = await api('POST', `/agent/api/tickets/${encodeURIComponent(id)}/claim`).finally(() => { $('claim').disabled = false; });
    await select(id);
    if (status !== 200) ticketError(data);
    else if (data.notified === false) ticketError(data, (data.notDelivered && t(`errors.${data.notDelivered}`)) || t('notNotified'));
    else $('message').focus();
  });

  $('close').addEventListener('click', async () => {
    if (!confirm(t('closeConfirm'))) return;
    const id = state.selected;
    const { status, data } = await api('POST', `/agent/api/tickets/${encodeURIComponent(id)}/close`);
    await select(id);
    if (status !== 200) ticketError(data);
  });

  /** The composer's text to the person (messages) or to the team (notes); kept on screen if refused. */
  async function postComposer(kind, button) {
    const text = $('message').value.trim();
    if (!text) return $('message').focus();
    button.disabled = true;
    try {
      const { status, data } = await api('POST', `/agent/api/tickets/${encodeURIComponent(state.selected)}/${kind}`, { text });
      if (status === 200) {
        $('message').value = '';
        state.error = null;
        show($('ticket-error'), false);
      } else ticketError(data);
    } finally {
      button.disabled = false;
      $('message').focus();
    }
  }

  $('composer').addEventListener('submit', (e) => {
    e.preventDefault();
    postComposer('messages', $('send'));
  });

  $('message').addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey) {
      e.preventDefault();
      $('composer').requestSubmit();
    }
  });

  setInterval(watch, 15_000);

  // ---- History: closed tickets, while they are kept ----
  function fillHistoryFilters() {
    const reason = $('history-reason');
    reason.replaceChildren(new Option(t('historyAny'), ''));
    for (const [key, text] of Object.entries(state.reasons)) reason.append(new Option(text, key));
  }

  async function fillHistoryAgents() {
    const agent = $('history-agent');
    const { status, data } = await api('GET', '/agent/api/team').catch(() => ({ status: 0, data: {} }));
    agent.replaceChildren(new Option(t('historyAny'), ''));
    if (status === 200) for (const m of data.team) agent.append(new Option(m.displayName, m.name));
  }

  $('history-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const params = new URLSearchParams({
      digits: $('history-digits').value.trim(),
      date: $('history-date').value,
      reason: $('history-reason').value,
      agent: $('history-agent').value,
    });
    const { status, data } = await api('GET', `/agent/api/history?${params}`).catch(() => ({ status: 0, data: {} }));
    const list = $('history');
    list.replaceChildren();
    if (status !== 200) {
      $('history-count').textContent = status === 400 ? t('historyBad') : t('errors.unknown');
      return;
    }
    for (const ticket of data.tickets) {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.dataset.ticket = ticket.id;
      const row = document.createElement('span');
      row.className = 'row';
      const channel = document.createElement('span');
      channel.textContent = `${t(`channels.${ticket.channel}`) || ticket.channel} · ${ticket.maskedNumber || t('none')}`;
      const when = document.createElement('span');
      when.textContent = new Date(ticket.openedAt).toLocaleString(document.documentElement.lang === 'en' ? 'en' : 'es-EC', { dateStyle: 'short', timeStyle: 'short' });
      row.append(channel, when);
      const reason = document.createElement('span');
      reason.textContent = state.reasons[ticket.reason] || ticket.reason;
      const meta = document.createElement('span');
      meta.className = 'meta';
      const by = ticket.agent ? t('servedBy', { agent: cap(ticket.agent) }) : t('historyUnserved');
      meta.textContent = ticket.rating ? `${by} · ${t('historyRating', { rating: ticket.rating })}` : by;
      button.append(row, reason, meta);
      button.addEventListener('click', () => select(ticket.id));
      li.append(button);
      list.append(li);
    }
    $('history-count').textContent = t('historyCount', { count: data.tickets.length });
  });

  // ---- Presence ----
  $('presence').addEventListener('change', async () => {
    const { status } = await api('POST', '/agent/api/presence', { status: $('presence').value });
    if (status !== 200) notice(t('errors.unknown'));
  });

  // ---- Team (for transfers) ----
  async function loadTeam() {
    const { status, data } = await api('GET', '/agent/api/team').catch(() => ({ status: 0, data: {} }));
    if (status !== 200) return;
    state.team = data.team;
    const select = $('transfer-to');
    const current = select.value;
    select.replaceChildren();
    const queue = document.createElement('option');
    queue.value = '';
    queue.textContent = t('transferQueue');
    select.append(queue);
    for (const m of data.team) {
      if (m.name === state.agent.toLowerCase() || m.presence !== 'available') continue;
      const option = document.createElement('option');
      option.value = m.name;
      option.textContent = `${m.displayName} (${t('serving', { count: m.serving })})`;
      select.append(option);
    }
    select.value = [...select.options].some((o) => o.value === current) ? current : '';
  }

  $('transfer-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const id = state.selected;
    $('transfer-send').disabled = true;
    const { status, data } = await api('POST', `/agent/api/tickets/${encodeURIComponent(id)}/transfer`, {
      to: $('transfer-to').value || undefined,
      note: $('transfer-note').value.trim() || undefined,
    }).finally(() => { $('transfer-send').disabled = false; });
    if (status === 200) {
      $('transfer-note').value = '';
      $('transfer-box').open = false;
    }
    await select(id);
    if (status !== 200) ticketError(data);
    else $('queue-title').focus();
  });

  // ---- Canned replies: in the person's language, from the picker or "/shortcut" + Tab ----
  async function loadCanned(locale) {
    if (!state.canned[locale]) {
      const { status, data } = await api('GET', `/agent/api/canned?lang=${encodeURIComponent(locale)}`).catch(() => ({ status: 0, data: {} }));
      if (status !== 200) return;
      state.canned[locale] = data.replies;
    }
    const select = $('canned');
    select.replaceChildren();
    const first = document.createElement('option');
    first.value = '';
    first.textContent = t('cannedPick');
    select.append(first);
    state.canned[locale].forEach((reply, i) => {
      const option = document.createElement('option');
      option.value = String(i);
      option.textContent = `/${reply.shortcut} · ${reply.title}`;
      select.append(option);
    });
  }

  const cannedNow = () => (state.detail && state.canned[state.detail.ticket.locale]) || [];

  function insert(text, replacing) {
    const box = $('message');
    const before = replacing ? box.value.slice(0, box.value.length - replacing.length) : box.value;
    box.value = before && !/\s$/.test(before) ? `${before} ${text}` : `${before}${text}`;
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
  }

  $('canned').addEventListener('change', () => {
    const reply = cannedNow()[Number($('canned').value)];
    if ($('canned').value !== '' && reply) insert(reply.text);
    $('canned').value = '';
  });

  $('message').addEventListener('keydown', (e) => {
    if (e.key !== 'Tab' || e.shiftKey) return;
    const typed = /(?:^|\s)(\/([a-z0-9-]+))$/.exec($('message').value);
    const reply = typed && cannedNow().find((r) => r.shortcut === typed[2]);
    if (!reply) return;
    e.preventDefault();
    insert(reply.text, typed[1]);
  });

  // ---- Internal notes ----
  $('note').addEventListener('click', () => postComposer('notes', $('note')));

  // ---- Start ----
  async function start() {
    // Spanish unless the page is opened with ?lang=en.
    const lang = new URLSearchParams(location.search).get('lang') || '';
    const res = await fetch(`/agent/texts?lang=${encodeURIComponent(lang)}`);
    const body = await res.json();
    state.texts = body.console;
    state.reasons = body.reasons;
    document.title = t('title');
    document.documentElement.lang = body.locale === 'en' ? 'en' : 'es';
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    // The queue heading takes focus after a transfer, so the keyboard lands somewhere sensible.
    $('queue-title').tabIndex = -1;
    const { status, data } = await api('GET', '/agent/api/session').catch(() => ({ status: 0, data: {} }));
    if (status === 200) signedIn(data);
    else signedOut('');
  }

  start();
})();
