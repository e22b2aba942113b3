// The dashboard's styles (served as /app.css).
export const PAGE_CSS = `
:root { --fg:#1d232b; --muted:#5f6b78; --line:#d9dee4; --bg:#f4f6f8; --card:#fff; --ok:#1a7f37; --warn:#9a6700; --bad:#cf222e; --accent:#0b5cad; }
* { box-sizing: border-box; }
[hidden] { display:none !important; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:1rem; align-items:center; padding:.6rem 1.2rem; background:#14202e; color:#fff; }
header h1 { font-size:1.15rem; margin:0; }
#host-title { color:#b8c7d9; flex:1; }
main, #login { padding:1rem 1.2rem; display:grid; gap:1rem; }
.card { background:var(--card); border:1px solid var(--line); border-radius:6px; padding:.8rem 1rem; overflow-x:auto; }
h2 { font-size:1rem; margin:0 0 .5rem; } h3 { font-size:.9rem; margin:.8rem 0 .3rem; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:.3rem .5rem; border-bottom:1px solid var(--line); vertical-align:top; }
th { font-weight:600; color:var(--muted); font-size:.8rem; text-transform:uppercase; letter-spacing:.03em; }
td.empty { color:var(--muted); font-style:italic; }
code, .key, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size:.8rem; }
.key { color:var(--muted); word-break:break-all; }
.pill { display:inline-block; padding:0 .5rem; border-radius:999px; font-size:.75rem; font-weight:600; background:#e6eaef; color:var(--fg); }
.pill.active, .pill.ok, .pill.live { background:#dafbe1; color:var(--ok); }
.pill.pending { background:#fff8c5; color:var(--warn); }
.pill.failed, .pill.bad, .pill.off { background:#ffebe9; color:var(--bad); }
.reason { color:var(--bad); white-space:pre-wrap; font-size:.8rem; margin-top:.2rem; }
.pending .reason, .reason.wait { color:var(--warn); }
.row { display:flex; flex-wrap:wrap; gap:.5rem; align-items:center; margin-top:.6rem; }
.grid { display:grid; grid-template-columns:repeat(4, minmax(10rem, 1fr)); gap:.5rem; margin-top:.6rem; align-items:end; }
.grid label { display:flex; flex-direction:column; font-size:.8rem; color:var(--muted); }
.grid .wide { grid-column: 1 / 4; }
input, select, textarea, button { font:inherit; padding:.25rem .4rem; border:1px solid var(--line); border-radius:4px; background:#fff; }
input.narrow { width:4.5rem; } input.mid { width:8rem; }
button { background:var(--accent); color:#fff; border-color:var(--accent); cursor:pointer; }
button.quiet { background:#fff; color:var(--bad); border-color:var(--line); }
button:disabled { opacity:.5; cursor:default; }
#message { padding:.6rem .8rem; border-radius:6px; white-space:pre-wrap; }
#message.error { background:#ffebe9; border:1px solid #ffcecb; color:#82071e; }
#message.info { background:#ddf4ff; border:1px solid #b6e3ff; }
#message .fix { display:block; margin-top:.3rem; color:var(--fg); }
dl { display:grid; grid-template-columns:max-content 1fr; gap:.2rem 1rem; margin:0; }
dt { color:var(--muted); }
dd { margin:0; word-break:break-all; }
#failures { margin:0; padding-left:1.5rem; max-height:22rem; overflow:auto; }
#failures li { margin-bottom:.5rem; }
#failures .error-text { white-space:pre-wrap; font-family: ui-monospace, monospace; font-size:.8rem; }
#log { background:#0f1720; color:#d6dee8; padding:.6rem; border-radius:4px; max-height:24rem; overflow:auto; margin:.5rem 0 0; white-space:pre-wrap; }
#log .warn { color:#f2cc60; } #log .error { color:#ff8182; } #log .debug, #log .trace { color:#8b98a7; }
.note { color:var(--muted); }
body:not(.lattice) .lat { display:none; }
.per-host { font-size:.75rem; color:var(--muted); margin-top:.2rem; }
.per-host .failed { color:var(--bad); }
#log .host { color:#8fb8e0; }
`;
