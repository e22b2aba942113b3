// The dashboard's page: a static shell; app.js fills it from the API. No data is ever written into
// this text, so nothing here needs escaping.
export const PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Stratus dashboard</title>
<link rel="stylesheet" href="/app.css">
<script type="module" src="/app.js"></script>
</head>
<body>
<header>
  <h1>Stratus</h1>
  <span id="host-title"></span>
  <span id="nats" class="pill" hidden></span>
  <span id="conn" class="pill off">not connected</span>
</header>
<section id="login" class="card" hidden>
  <h2>Connect</h2>
  <form id="login-form">
    <label>Dashboard token <input id="token" name="token" type="password" autocomplete="off" required></label>
    <button type="submit">Connect</button>
  </form>
  <p class="note" id="login-note">The token is printed by <code>stratus up --ui</code> and <code>stratus ui</code>; it is kept in this tab only.</p>
</section>
<main id="main" hidden>
  <div id="message" role="status" hidden></div>
  <section class="card" id="host-card"><h2>Host</h2><dl id="host"></dl>
    <div id="lattice" hidden><h3>Hosts of the lattice</h3>
      <table id="hosts"><thead><tr><th>Name</th><th>Id</th><th>Labels</th><th>Uptime</th><th>Version</th><th class="lat">Reports</th></tr></thead><tbody></tbody></table></div>
  </section>
  <section class="card"><h2>Actors</h2>
    <table id="actors"><thead><tr><th>Name</th><th>Key</th><th>Claims</th><th>Instances</th><th>Lane</th><th>Limits</th><th>Revision</th><th></th></tr></thead><tbody></tbody></table>
    <form id="start-actor" class="row">
      <input name="ref" placeholder="actor .wasm path or OCI reference (registry/repo:tag)" size="48" required>
      <label>count <input name="count" type="number" min="1" value="1" class="narrow"></label>
      <button type="submit">Start actor</button>
    </form>
  </section>
  <section class="card"><h2>Providers</h2>
    <table id="providers"><thead><tr><th>Name</th><th>Key</th><th>Contract</th><th>Link name</th><th>Health</th><th></th></tr></thead><tbody></tbody></table>
    <form id="start-provider" class="row">
      <select name="name"></select>
      <label>link name <input name="link_name" value="default" class="mid"></label>
      <button type="submit">Start provider</button>
    </form>
  </section>
  <section class="card"><h2>Links</h2>
    <table id="links"><thead><tr><th>Actor</th><th>Provider</th><th>Contract</th><th>Link name</th><th>Values</th><th>Status</th><th></th></tr></thead><tbody></tbody></table>
    <form id="put-link" class="grid">
      <label>actor <select name="actor_id"></select></label>
      <label>provider <select name="provider"></select></label>
      <label>contract <input name="contract_id" placeholder="wasmcloud:httpserver"></label>
      <label>link name <input name="link_name" value="default"></label>
      <label class="wide">values, one KEY=VALUE a line <textarea name="values" rows="2" placeholder="address=127.0.0.1:8080"></textarea></label>
      <button type="submit">Put link</button>
    </form>
  </section>
  <section class="card"><h2>Invocations</h2>
    <p id="metrics-off" class="note" hidden>This host keeps no invocation figures: start it with <code>stratus up --ui</code> or <code>--metrics</code>. Failures are shown below either way.</p>
    <p id="traffic-gaps" class="note" hidden></p>
    <table id="operations"><thead><tr><th class="lat">Host</th><th>Actor</th><th>Operation</th><th>Calls</th><th>Rate /s</th><th>Errors</th><th>p50 ms</th><th>p99 ms</th></tr></thead><tbody></tbody></table>
    <h3>Who calls whom</h3>
    <table id="hostcalls"><thead><tr><th class="lat">Host</th><th>Caller</th><th>→ Contract</th><th>Calls</th><th>Rate /s</th><th>Errors</th><th>Outcomes</th></tr></thead><tbody></tbody></table>
  </section>
  <section class="card"><h2>Failed invocations</h2><ol id="failures" reversed></ol></section>
  <section class="card" id="log-card"><h2>Log</h2>
    <div class="row">
      <label class="lat">host <select id="log-host"><option value="">every host</option></select></label>
      <label>actor <select id="log-actor"><option value="">every actor</option></select></label>
      <label>level <select id="log-level"><option>trace</option><option>debug</option><option selected>info</option><option>warn</option><option>error</option></select></label>
    </div>
    <pre id="log"></pre>
  </section>
</main>
</body>
</html>
`;
