/**
 * The pages' only stylesheet, served same-origin at /assets/app.css. Phone first; colours are
 * variables so `prefers-color-scheme: dark` swaps them in one place; every focusable element
 * shows a visible focus ring, since the console is usable by keyboard alone.
 */
export const APP_CSS = `
:root{color-scheme:light dark;--bg:#f6f7f9;--fg:#1b1f24;--card:#fff;--border:#d9dde3;--line:#e4e7eb;--muted:#4a5361;--field:#fff;--field-border:#8a94a6;
--bar:#14213d;--bar-fg:#fff;--nav:#e9edf4;--nav-fg:#14213d;--focus:#f4a261;--primary:#1d6f42;--primary-fg:#fff;--danger:#a4161a;
--err-bg:#fde8e8;--err-fg:#7a1212;--ok-bg:#e6f4ea;--ok-fg:#14532d;--warn-bg:#fff4e5;--warn-fg:#7a4100;--info-bg:#e8eefc;--info-fg:#1e3a8a;--quote:#f2f4f7;
--chart-req:#3b6fd8;--chart-deny:#c2410c}
@media (prefers-color-scheme:dark){:root{--bg:#0f1217;--fg:#e6e9ee;--card:#171b22;--border:#2c333d;--line:#252b34;--muted:#a3adbb;--field:#0f1217;--field-border:#5b6677;
--bar:#0b1220;--bar-fg:#e6e9ee;--nav:#1c2330;--nav-fg:#dbe4f3;--primary:#2f9e5f;--danger:#ff8a8a;
--err-bg:#3a1416;--err-fg:#ffc9c9;--ok-bg:#12301d;--ok-fg:#b9f0cb;--warn-bg:#3a2810;--warn-fg:#ffd9a8;--info-bg:#16213d;--info-fg:#c7d6ff;--quote:#1f242c;
--chart-req:#6f9bff;--chart-deny:#ff9a5c}}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
a{color:inherit}
.skip{position:absolute;left:-999px;top:0;background:var(--card);color:var(--fg);padding:.5rem 1rem;z-index:10}
.skip:focus{left:.5rem;top:.5rem}
.top{display:flex;justify-content:space-between;align-items:center;gap:.5rem;padding:.75rem 1rem;background:var(--bar);color:var(--bar-fg);flex-wrap:wrap}
.top a,.top .link{color:var(--bar-fg)}
.brand{font-weight:700;text-decoration:none;font-size:1.1rem}
.signout{display:flex;align-items:center;gap:.5rem;margin:0}
.who{font-size:.9rem;opacity:.9;overflow-wrap:anywhere}
.nav{background:var(--nav);border-bottom:1px solid var(--border)}
.nav ul{list-style:none;margin:0 auto;padding:.25rem .5rem;display:flex;flex-wrap:wrap;gap:.25rem;max-width:72rem}
.nav a{display:inline-block;padding:.5rem .75rem;border-radius:.375rem;color:var(--nav-fg);text-decoration:none;min-height:44px;line-height:28px}
.nav a:hover{text-decoration:underline}
.nav a[aria-current=page]{background:var(--card);font-weight:700;box-shadow:inset 0 -3px 0 var(--nav-fg)}
main{max-width:44rem;margin:0 auto;padding:1rem}
main.wide{max-width:72rem}
main:focus{outline:none}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.card{background:var(--card);border:1px solid var(--border);border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.card>h2:first-child{margin-top:0}
.meta{color:var(--muted);font-size:.95rem}
.message{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--quote);border-left:4px solid var(--field-border);padding:.5rem .75rem;margin:.5rem 0}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
label code{font-weight:700}
label.check{display:flex;gap:.5rem;align-items:center;font-weight:400;margin:.25rem 0}
ul.plain li>label:first-child{margin-top:0}
input[type=email],input[type=password],input[type=text],input[type=number],input[type=search],input[type=date],input[type=datetime-local],input[type=url],select,textarea{width:100%;min-width:0;padding:.65rem;font:inherit;color:var(--fg);border:1px solid var(--field-border);border-radius:.375rem;background:var(--field)}
input[type=checkbox]{width:1.25rem;height:1.25rem}
:focus-visible,input:focus,select:focus,textarea:focus,button:focus,a:focus{outline:3px solid var(--focus);outline-offset:2px}
textarea{min-height:5rem}
.hint{color:var(--muted);font-size:.9rem;margin:.25rem 0;overflow-wrap:anywhere}
bdi.chosen{background:var(--quote);outline:1px dashed var(--field-border);border-radius:.2em;padding:0 .2em;overflow-wrap:anywhere}
bdi.chosen.block{white-space:pre-wrap}
.user-code-large code{font-size:1.8em;letter-spacing:.12em}
button,.button{font:inherit;padding:.7rem 1.2rem;border-radius:.375rem;border:1px solid transparent;cursor:pointer;min-height:44px;display:inline-block;text-decoration:none;line-height:1.4}
.primary{background:var(--primary);color:var(--primary-fg)}
.secondary{background:var(--card);color:var(--fg);border-color:var(--field-border)}
.danger{background:var(--card);color:var(--danger);border-color:var(--danger)}
.link{background:none;border:none;padding:0;min-height:auto;text-decoration:underline;color:inherit}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem;align-items:center}
.inline{display:inline-flex;gap:.5rem;align-items:center;flex-wrap:wrap;margin:0}
.notice{padding:.75rem 1rem;border-radius:.375rem;margin:0 0 1rem;overflow-wrap:anywhere}
.notice.error{background:var(--err-bg);color:var(--err-fg)}
.notice.ok{background:var(--ok-bg);color:var(--ok-fg)}
.notice.warn{background:var(--warn-bg);color:var(--warn-fg);font-size:.95rem;margin:.5rem 0 0}
.notice.info{background:var(--info-bg);color:var(--info-fg)}
.badge{display:inline-block;font-size:.8rem;font-weight:700;padding:.1rem .5rem;border-radius:1rem;background:var(--info-bg);color:var(--info-fg)}
.badge.applied,.badge.approved,.badge.online,.badge.active,.badge.enabled{background:var(--ok-bg);color:var(--ok-fg)}
.badge.rejected,.badge.expired,.badge.disabled,.badge.refused{background:var(--err-bg);color:var(--err-fg)}
.badge.offline,.badge.invited,.badge.pending{background:var(--quote);color:var(--muted)}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{padding:.5rem 0;border-top:1px solid var(--line)}
ul.plain li:first-child{border-top:none}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
code.whole{white-space:nowrap;overflow-wrap:normal}
pre.once{white-space:pre-wrap;overflow-wrap:anywhere;background:var(--quote);border:1px dashed var(--field-border);padding:.75rem;border-radius:.375rem;font:.9em ui-monospace,SFMono-Regular,Menlo,monospace}
fieldset{border:1px solid var(--border);border-radius:.5rem;padding:.5rem 1rem 1rem;margin:1rem 0}
legend{font-weight:700;padding:0 .25rem}
fieldset.checks{display:grid;grid-template-columns:repeat(auto-fill,minmax(13rem,1fr));gap:0 1rem}
.table-wrap{overflow-x:auto;margin:0 0 1rem}
table{border-collapse:collapse;width:100%;font-size:.95rem}
th,td{text-align:left;padding:.5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{font-weight:700;color:var(--muted);white-space:nowrap}
td.num,th.num{text-align:right}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem;margin:0}
dl.facts dt{font-weight:700;color:var(--muted)}
dl.facts dd{margin:0;overflow-wrap:anywhere}
.filters{display:grid;grid-template-columns:1fr;gap:0 1rem}
.filters label{margin-top:.5rem}
.pager{display:flex;gap:1rem;align-items:center;flex-wrap:wrap;margin:1rem 0}
.chart{width:100%;height:auto;display:block}
.chart .req{fill:var(--chart-req)}
.chart .deny{fill:var(--chart-deny)}
.chart .axis{stroke:var(--muted);stroke-width:1}
.chart text{fill:var(--muted);font-size:11px;font-family:system-ui,sans-serif}
.legend{display:flex;gap:1rem;flex-wrap:wrap;font-size:.9rem;margin:.25rem 0 .75rem}
.swatch{display:inline-block;width:.8rem;height:.8rem;border-radius:.15rem;margin-right:.35rem;vertical-align:-.1rem}
.swatch.req{background:var(--chart-req)}.swatch.deny{background:var(--chart-deny)}
@media (max-width:39.99rem){.actions button{flex:1 1 100%}}
@media (min-width:40rem){main{padding:1.5rem}h1{font-size:1.6rem}.filters{grid-template-columns:repeat(auto-fill,minmax(12rem,1fr))}}
`;
