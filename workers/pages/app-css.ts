/** The pages' only stylesheet, served same-origin at /assets/app.css. Phone first. */
export const APP_CSS = `
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1b1f24;background:#f6f7f9}
.top{display:flex;justify-content:space-between;align-items:center;gap:.5rem;padding:.75rem 1rem;background:#14213d;color:#fff;flex-wrap:wrap}
.top a,.top .link{color:#fff}
.brand{font-weight:700;text-decoration:none;font-size:1.1rem}
.signout{display:flex;align-items:center;gap:.5rem;margin:0}
.who{font-size:.9rem;opacity:.9;overflow-wrap:anywhere}
main{max-width:44rem;margin:0 auto;padding:1rem}
h1{font-size:1.4rem;margin:.5rem 0 1rem}
h2{font-size:1.1rem;margin:1.5rem 0 .5rem}
.card{background:#fff;border:1px solid #d9dde3;border-radius:.5rem;padding:1rem;margin:0 0 1rem}
.card>h2:first-child{margin-top:0}
.meta{color:#4a5361;font-size:.95rem}
.message{white-space:pre-wrap;overflow-wrap:anywhere;background:#f2f4f7;border-left:4px solid #8a94a6;padding:.5rem .75rem;margin:.5rem 0}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
label code{font-weight:700}
ul.plain li>label:first-child{margin-top:0}
input[type=email],input[type=password],input[type=text],textarea{width:100%;padding:.65rem;font:inherit;border:1px solid #8a94a6;border-radius:.375rem;background:#fff}
input:focus,textarea:focus,button:focus,a:focus{outline:3px solid #f4a261;outline-offset:2px}
textarea{min-height:5rem}
.hint{color:#4a5361;font-size:.9rem;margin:.25rem 0;overflow-wrap:anywhere}
button{font:inherit;padding:.7rem 1.2rem;border-radius:.375rem;border:1px solid transparent;cursor:pointer;min-height:44px}
.primary{background:#1d6f42;color:#fff}
.danger{background:#fff;color:#a4161a;border-color:#a4161a}
.link{background:none;border:none;padding:0;min-height:auto;text-decoration:underline}
.actions{display:flex;gap:.75rem;flex-wrap:wrap;margin-top:1rem}
.notice{padding:.75rem 1rem;border-radius:.375rem;margin:0 0 1rem}
.notice.error{background:#fde8e8;color:#7a1212}
.notice.ok{background:#e6f4ea;color:#14532d}
.notice.warn{background:#fff4e5;color:#7a4100;font-size:.95rem;margin:.5rem 0 0}
.notice.info{background:#e8eefc;color:#1e3a8a}
.badge{display:inline-block;font-size:.8rem;font-weight:700;padding:.1rem .5rem;border-radius:1rem;background:#e8eefc;color:#1e3a8a}
.badge.applied{background:#e6f4ea;color:#14532d}.badge.rejected,.badge.expired{background:#fde8e8;color:#7a1212}
ul.plain{list-style:none;padding:0;margin:0}
ul.plain li{padding:.5rem 0;border-top:1px solid #e4e7eb}
ul.plain li:first-child{border-top:none}
code{font:.9em ui-monospace,SFMono-Regular,Menlo,monospace;overflow-wrap:anywhere}
fieldset{border:1px solid #d9dde3;border-radius:.5rem;padding:.5rem 1rem 1rem;margin:1rem 0}
legend{font-weight:700;padding:0 .25rem}
@media (max-width:39.99rem){.actions button{flex:1 1 100%}}
@media (min-width:40rem){main{padding:1.5rem}h1{font-size:1.6rem}}
`;
