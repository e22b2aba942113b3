// The dashboard in the browser (compiled by tsc to app.js, served as /app.js). Plain DOM, no
// framework: every name, key and value from the host goes into the page as a text node or an
// attribute value (el() below), never as HTML. The token lives in this tab's sessionStorage and is
// sent in a header; the live stream is read with fetch so that it can carry that header too.
// The DOM lib is not part of the project's TypeScript settings (the rest is Node code), so the
// browser globals are declared here, loosely.
declare const document: any;
declare const window: any;
declare const sessionStorage: any;
declare const TextDecoderStream: any;
type El = any;

const TOKEN_KEY = 'stratus-dashboard-token';
const HEADER = 'x-stratus-token';
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error'];
const MAX_LOG_LINES = 500;

let token: string = sessionStorage.getItem(TOKEN_KEY) ?? '';
let state: any;
let traffic: any = { operations: [], hostCalls: [] };
let failures: any[] = [];
let logs: any[] = [];

const $ = (sel: string): El => document.querySelector(sel);

/** An element with text children: strings become text nodes, so nothing is parsed as HTML. */
function el(tag: string, attrs: Record<string, string | undefined> = {}, ...children: (El | string | number | undefined | null | false)[]): El {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) e.setAttribute(k, v);
  for (const c of children) {
    if (c === undefined || c === null || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

function short(key: string): string {
  return key && key.length > 12 ? `${key.slice(0, 10)}…` : key;
}

function actorName(key: string): string {
  const a = state?.actors.find((x: any) => x.id === key);
  return a ? a.name : '';
}

function providerName(key: string): string {
  const p = state?.providers.find((x: any) => x.id === key) ?? state?.catalog.find((x: any) => x.id === key);
  return p ? p.name : '';
}

/** "kvcounter MABC…" with the whole key on hover. */
function who(key: string, name = actorName(key) || providerName(key)): El {
  return el('span', { title: key }, name ? `${name} ` : '', el('span', { class: 'key' }, short(key)));
}

function fillBody(table: string, rows: El[], cols: number, empty: string): void {
  const body = $(`${table} tbody`);
  body.replaceChildren(...(rows.length ? rows : [el('tr', {}, el('td', { class: 'empty', colspan: String(cols) }, empty))]));
}

// ---- messages --------------------------------------------------------------------------------

/** An error as the CLI prints it: the message, then the fix (the host's `hint:` line). */
function showError(text: string): void {
  const [what, ...fix] = text.split('\n  hint: ');
  const m = $('#message');
  m.className = 'error';
  m.replaceChildren(el('strong', {}, 'error: '), what ?? '', fix.length ? el('span', { class: 'fix' }, `fix: ${fix.join(' ')}`) : '');
  m.hidden = false;
}

function showInfo(text: string): void {
  const m = $('#message');
  m.className = 'info';
  m.replaceChildren(text);
  m.hidden = false;
}

// ---- actions ---------------------------------------------------------------------------------

async function act(name: string, body: Record<string, unknown>, done: (result: any) => string): Promise<void> {
  let res: any;
  try {
    res = await window.fetch(`/api/actions/${name}`, { method: 'POST', headers: { 'content-type': 'application/json', [HEADER]: token }, body: JSON.stringify(body) });
  } catch (e) {
    showError(`the host did not answer: ${(e as Error).message}`);
    return;
  }
  const v = await res.json().catch(() => ({ error: `the host answered ${res.status} without JSON` }));
  if (res.status === 401) { showLogin(v.error); return; }
  if (!res.ok) { showError(v.error ?? `status ${res.status}`); return; }
  showInfo(done(v.result));
  const warnings: string[] = v.result?.warnings ?? [];
  if (warnings.length) showInfo(`${done(v.result)}\nwarning: ${warnings.join('\nwarning: ')}`);
}

function formValues(form: El): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of form.elements) if (f.name) out[f.name] = f.value;
  return out;
}

function onSubmit(sel: string, fn: (v: Record<string, string>, form: El) => Promise<void>): void {
  const form = $(sel);
  form.addEventListener('submit', async (ev: any) => {
    ev.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try { await fn(formValues(form), form); } finally { button.disabled = false; }
  });
}

function wireForms(): void {
  // a lattice answers when a host accepted the command (the page redraws when it is done); a host, when it is done
  onSubmit('#start-actor', (v) => act('start-actor', { ref: v.ref, count: v.count }, (a) => a.accepted
    ? `host ${a.host_id} accepted the start of actor ${a.actor_ref}, ${a.count} instance(s)` : `started actor ${a.name} (${a.id}), ${a.count} instance(s)`));
  onSubmit('#start-provider', (v) => act('start-provider', { name: v.name, link_name: v.link_name }, (p) => p.accepted
    ? `host ${p.host_id} accepted the start of provider ${p.provider_ref} with link name "${p.link_name}"` : `started provider ${p.name} (${p.id}) with link name "${p.linkName}"`));
  onSubmit('#put-link', (v) => {
    const p = v.provider ? JSON.parse(v.provider) : {};
    return act('put-link', { actor_id: v.actor_id, provider_id: p.id ?? '', contract_id: v.contract_id, link_name: v.link_name, values: v.values },
      (l) => `link ${l.contract_id} (${l.link_name}) for ${actorName(l.actor_id) || l.actor_id}: ${l.status.state}${l.status.reason ? ` — ${l.status.reason}` : ''}`);
  });
  // choosing a provider fills in its contract and link name
  $('#put-link select[name=provider]').addEventListener('change', (ev: any) => {
    if (!ev.target.value) return;
    const p = JSON.parse(ev.target.value);
    $('#put-link input[name=contract_id]').value = p.contract;
    $('#put-link input[name=link_name]').value = p.linkName;
  });
  $('#log-actor').addEventListener('change', renderLog);
  $('#log-level').addEventListener('change', renderLog);
  $('#log-host').addEventListener('change', renderLog);
}

// ---- rendering -------------------------------------------------------------------------------

function uptime(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
  return [d ? `${d}d` : '', h ? `${h}h` : '', m ? `${m}m` : '', `${s % 60}s`].filter(Boolean).join(' ');
}

/** A lattice seen through its control interface (`stratus ui -x`): no host of its own. */
function renderLattice(): void {
  const l = state.lattice;
  const up = l.connection !== 'reconnecting';
  $('#host-title').textContent = `lattice ${l.prefix} · ${l.server}`;
  $('#host-card h2').textContent = 'Lattice';
  const rows: [string, string][] = [['lattice', l.prefix], ['NATS', `${l.server} (${up ? 'connected' : 'reconnecting… the page shows the last picture'})`], ['hosts', String(state.latticeHosts.length)], ['answers within', `${state.host.rpcTimeoutMs} ms`]];
  $('#host').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const nats = $('#nats');
  nats.hidden = false;
  nats.className = `pill ${up ? 'live' : 'off'}`;
  nats.textContent = up ? 'NATS connected' : 'NATS reconnecting…';
}

/** What a host of a lattice dashboard reports through the observe extension. */
const REPORTS: Record<string, string> = {
  full: 'figures, log, health', 'no-metrics': 'log, health (no invocation figures: started without --metrics)', none: 'not reported (not a Stratus host, or away)',
};

function hostName(id: string | undefined): string {
  if (!id) return '';
  const h = state?.latticeHosts?.find((x: any) => x.id === id);
  return h?.friendlyName || short(id);
}

/** "on <host name>" under an actor or provider of a lattice dashboard. */
function onHost(row: any): El | string {
  return row.hostId ? el('div', { class: 'note', title: row.hostId }, `on ${row.hostName || short(row.hostId)}`) : '';
}

function renderHost(): void {
  const h = state.host;
  document.body.classList.toggle('lattice', !!state.lattice);
  if (state.lattice) renderLattice();
  else $('#host-title').textContent = `${h.friendlyName} · ${h.id}`;
  const labels = Object.entries(h.labels).map(([k, v]) => `${k}=${v}`).join(', ');
  const rows: [string, El | string][] = [
    ['id', el('span', { class: 'key' }, h.id)], ['name', h.friendlyName], ['version', h.version], ['lattice', h.latticePrefix],
    ['uptime', el('span', { id: 'uptime' }, uptime(Date.now() - h.startedAt))], ['labels', labels || '—'], ['pid', String(h.pid)],
    ['rpc timeout', `${h.rpcTimeoutMs} ms`],
    ['http listeners', h.httpEndpoints.length ? h.httpEndpoints.map((e: any) => `${e.url} → ${actorName(e.actor_id) || e.actor_id}`).join(', ') : '—'],
  ];
  if (!state.lattice) $('#host').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
  const lattice = state.latticeHosts;
  $('#lattice').hidden = !lattice;
  if (lattice) {
    fillBody('#hosts', lattice.map((x: any) => el('tr', { 'data-host': x.id },
      el('td', {}, x.friendlyName, x.id === h.id ? ' (this host)' : ''), el('td', { class: 'key' }, x.id),
      el('td', {}, Object.entries(x.labels).map(([k, v]) => `${k}=${v}`).join(', ')), el('td', {}, uptime(Date.now() - x.startedAt)), el('td', {}, x.version),
      el('td', { class: `lat reports ${x.observed ?? ''}` }, x.observed ? REPORTS[x.observed] ?? x.observed : '…'))),
    6, 'no host answered the last ping');
  }
}

/** Linear memory ceiling from 64 KiB pages. */
function memory(pages: number): string {
  const kib = pages * 64;
  return kib % 1024 === 0 ? `${kib / 1024} MiB` : `${kib} KiB`;
}

function renderActors(): void {
  fillBody('#actors', state.actors.map((a: any) => {
    const scale = el('input', { type: 'number', min: '1', value: String(a.count), class: 'narrow', 'aria-label': `instances of ${a.name}` });
    const scaleBtn = el('button', { type: 'button' }, 'Scale');
    const on = a.hostId ? { host_id: a.hostId } : {};
    scaleBtn.addEventListener('click', () => act('scale-actor', { id: a.id, count: scale.value, ...on }, (r) => `scaled actor ${a.name} to ${r.count} instance(s)${r.host_id ? ` on host ${r.host_id}` : ''}`));
    const stop = el('button', { type: 'button', class: 'quiet' }, 'Stop');
    stop.addEventListener('click', () => act('stop-actor', { id: a.id, ...on }, () => `stopped actor ${a.name} (${a.id})`));
    const claims = el('div', {},
      el('div', {}, a.caps.length ? a.caps.join(', ') : 'no capabilities'),
      el('div', { class: 'key', title: a.issuer }, `issuer ${short(a.issuer)}`),
      a.callAlias ? el('div', {}, `alias ${a.callAlias}`) : '',
      a.tags.length ? el('div', {}, `tags ${a.tags.join(', ')}`) : '',
      a.expires ? el('div', {}, `expires ${a.expires}`) : '');
    return el('tr', { 'data-actor': a.id, 'data-host': a.hostId },
      el('td', {}, el('strong', {}, a.name), el('div', { class: 'key' }, a.imageRef), onHost(a)),
      el('td', { class: 'key' }, a.id),
      el('td', {}, claims),
      el('td', { class: 'instances' }, `${a.instances} live / ${a.count} wanted`),
      el('td', { class: 'lane' }, a.reported === false ? el('span', { class: 'note' }, 'not reported') : a.lane ? el('span', { class: 'pill' }, a.lane) : '—'),
      el('td', { class: 'limits' }, a.reported === false ? el('span', { class: 'note' }, 'not reported') : a.maxInstances ? `≤ ${a.maxInstances} instances, ${memory(a.maxMemoryPages)} memory` : '—'),
      el('td', {}, `rev ${a.revision}${a.version ? ` (v${a.version})` : ''}`),
      el('td', {}, el('div', { class: 'row' }, scale, scaleBtn, stop)));
  }), 8, 'no actors running; start one below');
}

function renderProviders(): void {
  fillBody('#providers', state.providers.map((p: any) => {
    const stop = el('button', { type: 'button', class: 'quiet' }, 'Stop');
    stop.addEventListener('click', () => act('stop-provider', { id: p.id, link_name: p.linkName, ...(p.hostId ? { host_id: p.hostId, contract_id: p.contractId } : {}) }, () => `stopped provider ${p.name} (${p.linkName})`));
    const health = p.healthy === undefined ? el('span', { class: 'pill' }, 'unknown')
      : el('span', {}, el('span', { class: `pill ${p.healthy ? 'ok' : 'bad'}` }, p.healthy ? 'healthy' : 'unhealthy'), p.health ? el('div', { class: p.healthy ? 'note' : 'reason' }, p.health) : '');
    return el('tr', { 'data-provider': `${p.id}/${p.linkName}`, 'data-host': p.hostId },
      el('td', {}, el('strong', {}, p.name), onHost(p)), el('td', { class: 'key' }, p.id), el('td', {}, p.contractId), el('td', {}, p.linkName), el('td', {}, health), el('td', {}, stop));
  }), 6, 'no providers running; start one below');
  const names = $('#start-provider select[name=name]');
  const chosen = names.value;
  names.replaceChildren(...state.catalog.map((c: any) => el('option', { value: c.name }, `${c.name} (${c.contractId})`)));
  if (chosen) names.value = chosen;
}

function renderLinks(): void {
  fillBody('#links', state.links.map((l: any) => {
    const del = el('button', { type: 'button', class: 'quiet' }, 'Delete');
    del.addEventListener('click', () => act('delete-link', { actor_id: l.actor_id, contract_id: l.contract_id, link_name: l.link_name }, () => `deleted link ${l.contract_id} (${l.link_name})`));
    const values = Object.entries(l.values).map(([k, v]) => el('div', {}, `${k}=${v}`));
    return el('tr', { 'data-link': `${l.actor_id}/${l.contract_id}/${l.link_name}`, class: l.status.state },
      el('td', {}, who(l.actor_id)), el('td', {}, who(l.provider_id)), el('td', {}, l.contract_id), el('td', {}, l.link_name),
      el('td', { class: 'values' }, ...values),
      el('td', { class: 'status' }, el('span', { class: `pill ${l.status.state}` }, l.status.state),
        l.status.reason ? el('div', { class: l.status.state === 'active' ? 'note' : `reason${l.status.state === 'pending' ? ' wait' : ''}` }, l.status.reason) : '',
        // each host's view, when more than one host reported the link (one host's is the line above)
        ...(l.hosts && l.hosts.length > 1 ? l.hosts : []).map((x: any) => el('div', { class: 'per-host', 'data-host': x.hostId, title: x.reason ?? '' }, el('span', { class: x.state }, `${x.hostName || short(x.hostId)}: ${x.state}`)))),
      el('td', {}, del));
  }), 7, 'no links; put one below');

  // the link form's choices: running actors; running providers, then known ones not running (the link waits for them)
  const actors = $('#put-link select[name=actor_id]');
  const a0 = actors.value;
  actors.replaceChildren(el('option', { value: '' }, '— actor —'), ...state.actors.map((a: any) => el('option', { value: a.id }, `${a.name} (${short(a.id)})`)));
  if (a0) actors.value = a0;
  const provs = $('#put-link select[name=provider]');
  const p0 = provs.value;
  const running = state.providers.map((p: any) => ({ id: p.id, name: p.name, contract: p.contractId, linkName: p.linkName, running: true }));
  const known = state.catalog.filter((c: any) => !running.some((r: any) => r.id === c.id)).map((c: any) => ({ id: c.id, name: c.name, contract: c.contractId, linkName: 'default', running: false }));
  provs.replaceChildren(el('option', { value: '' }, '— provider —'), ...[...running, ...known].map((p: any) =>
    el('option', { value: JSON.stringify({ id: p.id, contract: p.contract, linkName: p.linkName }) }, `${p.name} (${p.linkName}${p.running ? '' : ', not running'})`)));
  if (p0) provs.value = p0;
}

function outcomesText(o: Record<string, number>): string {
  return Object.entries(o).map(([k, n]) => `${k} ${n}`).join(', ');
}

/** The host cell of a traffic row (shown on a lattice dashboard only). */
function hostCell(row: any): El {
  return el('td', { class: 'lat', title: row.hostId ?? '' }, row.hostName || short(row.hostId ?? ''));
}

function renderTraffic(): void {
  $('#metrics-off').hidden = !!state?.lattice || state?.metrics !== false;
  const gaps = state?.lattice ? traffic.gaps ?? [] : [];
  $('#traffic-gaps').hidden = gaps.length === 0;
  $('#traffic-gaps').replaceChildren(...gaps.map((g: any) => el('div', { 'data-host': g.hostId }, `${g.hostName || short(g.hostId)}: `,
    g.reason === 'metrics-off' ? 'keeps no invocation figures (start it with --metrics or --ui)' : 'not reported (it does not answer the observe extension: not a Stratus host, or away)')));
  fillBody('#operations', traffic.operations.map((o: any) => el('tr', { 'data-op': `${o.actor}/${o.operation}`, 'data-host': o.hostId },
    hostCell(o), el('td', {}, who(o.actor)), el('td', {}, o.operation), el('td', { class: 'count' }, o.count), el('td', {}, o.perSecond.toFixed(1)),
    el('td', { class: o.errors ? 'reason' : '', title: outcomesText(o.outcomes) }, o.errors), el('td', {}, o.p50Ms), el('td', {}, o.p99Ms))),
  8, 'no invocations yet');
  fillBody('#hostcalls', traffic.hostCalls.map((c: any) => el('tr', { 'data-host': c.hostId },
    hostCell(c), el('td', {}, who(c.actor)), el('td', {}, c.contract), el('td', {}, c.count), el('td', {}, c.perSecond.toFixed(1)), el('td', { class: c.errors ? 'reason' : '' }, c.errors),
    el('td', {}, outcomesText(c.outcomes)))),
  7, 'no host calls yet');
}

function renderFailures(): void {
  const list = $('#failures');
  list.replaceChildren(...failures.slice(-50).reverse().map((f: any) => el('li', {},
    el('div', {}, el('span', { class: 'pill bad' }, f.code || 'failed'), ` ${f.time.slice(11, 19)} `, who(f.source), ' → ', who(f.dest), ` ${f.operation}`, f.ref ? ` (ref ${f.ref})` : '',
      f.hostId ? el('span', { class: 'note', title: f.hostId }, ` on ${f.hostName || short(f.hostId)}`) : ''),
    el('div', { class: 'error-text' }, f.error))));
  if (!failures.length) list.replaceChildren(el('li', { class: 'note' }, state?.lattice ? 'none the hosts kept or reported since the dashboard started' : 'none since the dashboard started'));
}

/** The same rule as `stratus logs --actor`: the line names the actor, or a host line mentions its key. */
function logMatches(r: any, key: string): boolean {
  if (!key) return true;
  if (r.actor !== undefined) return r.actor === key || (r.actor_name !== undefined && r.actor_name === actorName(key));
  return String(r.msg).includes(key);
}

function logLine(r: any): El {
  const subject = r.actor ? `[${r.actor_name ? `${r.actor_name} ` : ''}${short(r.actor)}] ` : r.provider ? `[${r.provider_name ?? ''} ${short(r.provider)}] ` : '';
  const on = state?.lattice && r.host ? el('span', { class: 'host', title: r.host }, `${hostName(r.host)} `) : '';
  return el('div', { class: r.level, 'data-host': r.host }, `${r.time.slice(11, 23)} ${r.level.padEnd(5)} `, on, `${subject}${r.msg}`);
}

function renderLog(): void {
  const key = $('#log-actor').value;
  const host = $('#log-host').value;
  const min = LEVELS.indexOf($('#log-level').value);
  const box = $('#log');
  const atEnd = box.scrollTop + box.clientHeight >= box.scrollHeight - 4;
  box.replaceChildren(...logs.filter((r) => LEVELS.indexOf(r.level) >= min && logMatches(r, key) && (!host || r.host === host)).slice(-MAX_LOG_LINES).map(logLine));
  if (atEnd) box.scrollTop = box.scrollHeight;
}

function renderLogActors(): void {
  const sel = $('#log-actor');
  const v = sel.value;
  // an actor that runs on several hosts is one choice (the filter is by key)
  const actors = state.actors.filter((a: any, i: number) => state.actors.findIndex((b: any) => b.id === a.id) === i);
  sel.replaceChildren(el('option', { value: '' }, 'every actor'), ...actors.map((a: any) => el('option', { value: a.id }, a.name)));
  if (v) sel.value = v;
  const hs = $('#log-host');
  const h = hs.value;
  hs.replaceChildren(el('option', { value: '' }, 'every host'), ...(state.latticeHosts ?? []).map((x: any) => el('option', { value: x.id }, x.friendlyName || short(x.id))));
  if (h) hs.value = h;
}

function renderState(): void {
  renderHost();
  renderActors();
  renderProviders();
  renderLinks();
  renderLogActors();
  renderTraffic();
  renderFailures();
}

// ---- the live stream -------------------------------------------------------------------------

function handle(event: string, data: any): void {
  switch (event) {
    case 'state': state = data; renderState(); break;
    case 'traffic': traffic = data; if (state) renderTraffic(); break;
    case 'failures': failures = data; renderFailures(); break;
    case 'failure': failures.push(data); if (failures.length > 200) failures.shift(); renderFailures(); break;
    case 'logs': logs = data; renderLog(); break;
    case 'log': logs.push(data); if (logs.length > 2000) logs.splice(0, logs.length - 2000); renderLog(); break;
  }
}

function setConn(live: boolean, text: string): void {
  const c = $('#conn');
  c.className = `pill ${live ? 'live' : 'off'}`;
  c.textContent = text;
}

let generation = 0;

async function connect(): Promise<void> {
  const mine = ++generation;
  let res: any;
  try {
    res = await window.fetch('/api/stream', { headers: { [HEADER]: token }, cache: 'no-store' });
  } catch {
    return retry(mine);
  }
  if (res.status === 401) {
    const v = await res.json().catch(() => ({}));
    return showLogin(v.error ?? 'the token was not accepted');
  }
  if (!res.ok) return retry(mine);
  $('#login').hidden = true;
  $('#main').hidden = false;
  setConn(true, 'live');
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done || mine !== generation) break;
      buffer += value;
      let end: number;
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const frame = buffer.slice(0, end);
        buffer = buffer.slice(end + 2);
        let event = 'message', data = '';
        for (const line of frame.split('\n')) {
          if (line.startsWith('event: ')) event = line.slice(7);
          else if (line.startsWith('data: ')) data += line.slice(6);
        }
        if (data) handle(event, JSON.parse(data));
      }
    }
  } catch { /* the connection dropped */ }
  if (mine === generation) retry(mine);
}

function retry(mine: number): void {
  setConn(false, 'reconnecting…');
  setTimeout(() => { if (mine === generation) void connect(); }, 1500);
}

function showLogin(why?: string): void {
  generation++;
  setConn(false, 'not connected');
  $('#main').hidden = true;
  $('#login').hidden = false;
  if (why) $('#login-note').textContent = why;
  $('#token').focus();
}

function start(): void {
  wireForms();
  $('#login-form').addEventListener('submit', (ev: any) => {
    ev.preventDefault();
    token = $('#token').value.trim();
    sessionStorage.setItem(TOKEN_KEY, token);
    void connect();
  });
  setInterval(() => { const u = $('#uptime'); if (u && state) u.textContent = uptime(Date.now() - state.host.startedAt); }, 1000);
  if (token) void connect();
  else showLogin();
}

start();

export {};
