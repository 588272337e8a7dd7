'use strict';
// Supervisor view: the live queue and wait times, the team's load and satisfaction, and the
// recovery funnel as charts (Chart.js, served by this server). Each chart has its data as a
// table too, for screen readers and keyboards. Every text comes from /agent/texts.
(() => {
  const $ = (id) => document.getElementById(id);
  const state = { texts: {}, reasons: {}, data: null, charts: {}, events: null };
  const path = (obj, key) => key.split('.').reduce((o, k) => (o == null ? undefined : o[k]), obj);
  const t = (key, vars = {}) => String(path(state.texts, key) ?? '').replace(/\{\{(\w+)\}\}/g, (_, name) => String(vars[name] ?? ''));
  const stepName = (id) => t(`steps.${String(id).replace(/\./g, '_')}`) || id;
  const reasonName = (r) => t(`supervisor.endReasons.${r}`) || t(`problems.${r}`) || r.replace(/_/g, ' ');
  const channelName = (c) => t(`channels.${c}`) || c;
  const minutes = (ms) => t('supervisor.minutes', { minutes: Math.max(0, Math.floor(ms / 60_000)) });
  // The recovery in order; steps not listed go after, in the order first seen.
  const ORDER = ['main.menu', 'person.cedula', 'employer.ruc', 'lostEmail.topic', 'person.birth', 'employer.representative', 'questions.answer', 'emailCode.confirm', 'emailCode.code', 'code_verified', 'key_changed'];
  const byOrder = (a, b) => (ORDER.indexOf(a) + 1 || 99) - (ORDER.indexOf(b) + 1 || 99);
  const COLORS = ['#0b4f8a', '#1e7a3c', '#a32020', '#8a5a00', '#6b3fa0', '#0f7c86', '#5b6675', '#c0587e'];

  function notice(text) {
    $('notice').textContent = text || '';
    $('notice').hidden = !text;
  }

  async function get(url) {
    const res = await fetch(url, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    return { status: res.status, data: await res.json().catch(() => ({})) };
  }

  function rows(tbody, list) {
    tbody.replaceChildren();
    for (const cells of list) {
      const tr = document.createElement('tr');
      for (const c of cells) {
        const td = document.createElement('td');
        td.textContent = c;
        tr.append(td);
      }
      tbody.append(tr);
    }
  }

  /** A table of the chart's numbers: header row, then one row per label. */
  function table(el, labels, datasets) {
    el.replaceChildren();
    const head = document.createElement('tr');
    for (const h of ['', ...datasets.map((d) => d.label)]) {
      const th = document.createElement('th');
      th.scope = 'col';
      th.textContent = h;
      head.append(th);
    }
    const thead = document.createElement('thead');
    thead.append(head);
    const body = document.createElement('tbody');
    labels.forEach((label, i) => {
      const tr = document.createElement('tr');
      const th = document.createElement('th');
      th.scope = 'row';
      th.textContent = label;
      tr.append(th);
      for (const d of datasets) {
        const td = document.createElement('td');
        td.textContent = String(d.data[i] ?? 0);
        tr.append(td);
      }
      body.append(tr);
    });
    el.append(thead, body);
  }

  function chart(id, type, labels, datasets, options = {}) {
    datasets.forEach((d, i) => { d.backgroundColor = d.backgroundColor || COLORS[i % COLORS.length]; d.borderColor = d.borderColor || COLORS[i % COLORS.length]; });
    const existing = state.charts[id];
    if (existing) {
      existing.data.labels = labels;
      existing.data.datasets = datasets;
      existing.update('none');
    } else {
      state.charts[id] = new window.Chart($(`${id}-chart`), { type, data: { labels, datasets }, options: { animation: false, responsive: true, ...options } });
    }
    table($(`${id}-table`), labels, datasets);
  }

  function renderLive() {
    const { queue, team, satisfaction } = state.data;
    const now = Date.now() - state.skew;
    const waiting = queue.filter((q) => q.status === 'waiting');
    const longest = waiting.reduce((m, q) => Math.max(m, now - q.openedAt), 0);
    $('live-summary').textContent = t('supervisor.summary', {
      waiting: waiting.length,
      longest: minutes(longest),
      active: queue.length - waiting.length,
      available: team.filter((m) => m.presence === 'available').length,
    });
    rows($('queue-rows'), queue.map((q) => [
      channelName(q.channel),
      state.reasons[q.reason] || q.reason,
      q.status === 'waiting' ? t('position', { position: q.position }) : `${t('active')} · ${q.agent || ''}`,
      minutes((q.status === 'waiting' ? now : q.claimedAt) - q.openedAt),
    ]));
    rows($('team-rows'), team.map((m) => {
      const s = satisfaction.byAgent[m.name];
      return [m.displayName, t(m.presence), String(m.serving), s ? t('supervisor.average', { average: s.average, responses: s.responses }) : t('none')];
    }));
  }

  function renderFunnel() {
    const { funnel, satisfaction, team } = state.data;
    const channel = $('funnel-channel').value;
    const days = funnel.filter((d) => !channel || d.channel === channel);
    // Reached, per step, one bar per channel.
    const channels = [...new Set(days.map((d) => d.channel))];
    const steps = [...new Set(days.flatMap((d) => Object.keys(d.reached)))].sort(byOrder);
    chart('reached', 'bar', steps.map(stepName), channels.map((c) => ({
      label: channelName(c),
      data: steps.map((s) => days.filter((d) => d.channel === c).reduce((n, d) => n + (d.reached[s] || 0), 0)),
    })), { indexAxis: 'y', scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } });
    // Ended, per step, stacked by reason.
    const endedSteps = [...new Set(days.flatMap((d) => Object.keys(d.ended)))].sort(byOrder);
    const reasons = [...new Set(days.flatMap((d) => Object.values(d.ended).flatMap((r) => Object.keys(r))))];
    chart('ended', 'bar', endedSteps.map(stepName), reasons.map((r) => ({
      label: reasonName(r),
      data: endedSteps.map((s) => days.reduce((n, d) => n + ((d.ended[s] || {})[r] || 0), 0)),
    })), { indexAxis: 'y', scales: { x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } }, y: { stacked: true } } });
    // Per day: conversations (each ends somewhere once) and keys changed.
    const dayLabels = [...new Set(days.map((d) => d.day))].sort();
    const perDay = (pick) => dayLabels.map((day) => days.filter((d) => d.day === day).reduce((n, d) => n + pick(d), 0));
    chart('days', 'line', dayLabels, [
      { label: t('supervisor.conversations'), data: perDay((d) => Object.values(d.ended).reduce((n, r) => n + Object.values(r).reduce((a, b) => a + b, 0), 0)) },
      { label: t('supervisor.keysChanged'), data: perDay((d) => d.reached.key_changed || 0) },
    ], { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } });
    // Satisfaction per agent, and everyone.
    const rated = team.filter((m) => satisfaction.byAgent[m.name]);
    chart('rating', 'bar', [...rated.map((m) => m.displayName), t('supervisor.everyone')], [{
      label: t('supervisor.averageLabel'),
      data: [...rated.map((m) => satisfaction.byAgent[m.name].average), satisfaction.overall.average ?? 0],
    }], { scales: { y: { min: 0, max: 5 } } });
  }

  function fillChannels() {
    const select = $('funnel-channel');
    const current = select.value;
    const channels = [...new Set(state.data.funnel.map((d) => d.channel))];
    select.replaceChildren(new Option(t('historyAny'), ''), ...channels.map((c) => new Option(channelName(c), c)));
    select.value = channels.includes(current) ? current : '';
  }

  async function load() {
    const { status, data } = await get('/agent/api/supervisor').catch(() => ({ status: 0, data: {} }));
    if (status === 401) return location.assign('/agent');
    if (status === 403) return notice(t('supervisor.forbidden'));
    if (status !== 200) return notice(t('errors.network'));
    notice('');
    state.data = data;
    state.skew = Date.now() - data.now;
    $('board').hidden = false;
    fillChannels();
    renderLive();
    renderFunnel();
  }

  let pending;
  const soon = () => { clearTimeout(pending); pending = setTimeout(load, 300); };

  async function start() {
    const lang = new URLSearchParams(location.search).get('lang') || '';
    const body = (await get(`/agent/texts?lang=${encodeURIComponent(lang)}`)).data;
    state.texts = body.console;
    state.reasons = body.reasons;
    document.documentElement.lang = body.locale === 'en' ? 'en' : 'es';
    document.title = t('supervisor.title');
    for (const el of document.querySelectorAll('[data-t]')) el.textContent = t(el.dataset.t);
    if (lang) $('to-console').href = `/agent?lang=${encodeURIComponent(lang)}`;
    window.Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    $('funnel-channel').addEventListener('change', renderFunnel);
    await load();
    const events = new EventSource('/agent/api/events');
    state.events = events;
    events.onmessage = (e) => {
      let event;
      try { event = JSON.parse(e.data); } catch { return; }
      if (['queue', 'status', 'presence'].includes(event.type)) soon();
    };
    // Wait times move on by themselves.
    setInterval(() => state.data && renderLive(), 15_000);
  }

  start();
})();
