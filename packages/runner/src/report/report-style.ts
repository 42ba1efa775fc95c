// The report's stylesheet, inlined: the file must open offline with no external CSS or fonts, so
// system fonts only.

export const REPORT_CSS = `
:root {
  --fg: #1f2328; --muted: #656d76; --border: #d8dee4; --bg: #ffffff; --bg-soft: #f6f8fa; --accent: #0969da;
  --ok: #1a7f37; --ok-bg: #dafbe1; --bad: #cf222e; --bad-bg: #ffebe9; --warn: #9a6700; --warn-bg: #fff8c5;
  --info: #0969da; --info-bg: #ddf4ff;
  color-scheme: light;
}
* { box-sizing: border-box; }
html { font-size: 15px; }
body {
  margin: 0; color: var(--fg); background: var(--bg-soft); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", "DejaVu Sans", sans-serif;
}
main { max-width: 1280px; margin: 0 auto; padding: 0 24px 48px; }
nav.toc { position: sticky; top: 0; z-index: 1; background: rgba(255,255,255,.92); border-bottom: 1px solid var(--border); }
nav.toc ul { max-width: 1280px; margin: 0 auto; padding: 8px 24px; list-style: none; display: flex; gap: 20px; flex-wrap: wrap; }
nav.toc a { color: var(--muted); text-decoration: none; font-weight: 500; }
nav.toc a:hover { color: var(--accent); }
header { padding: 28px 0 8px; }
h1 { font-size: 1.9rem; margin: 0; display: flex; align-items: center; gap: 12px; flex-wrap: wrap; }
h2 { font-size: 1.35rem; margin: 0 0 14px; padding-bottom: 6px; border-bottom: 1px solid var(--border); }
h3 { font-size: 1.1rem; margin: 22px 0 10px; }
h4 { font-size: .95rem; margin: 0 0 8px; color: var(--fg); }
section, .card { background: var(--bg); border: 1px solid var(--border); border-radius: 10px; padding: 20px 22px; margin: 18px 0; }
a { color: var(--accent); }
code, pre { font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: .86em; }
code { background: var(--bg-soft); padding: 1px 5px; border-radius: 5px; overflow-wrap: anywhere; }
td code { overflow-wrap: normal; white-space: nowrap; }
td li code, td > code + code { white-space: normal; }
pre { background: var(--bg-soft); border: 1px solid var(--border); border-radius: 8px; padding: 12px 14px; overflow: auto; max-height: 520px; margin: 8px 0; }
pre code { background: none; padding: 0; }
.folder { color: var(--muted); margin: 6px 0 0; }
.muted { color: var(--muted); }
.note { color: var(--muted); font-size: .82rem; font-weight: 400; margin-left: 8px; }
.na { color: var(--muted); font-style: italic; }
.badge { display: inline-block; padding: 1px 9px; border-radius: 999px; font-size: .8rem; font-weight: 600; white-space: nowrap; background: var(--bg-soft); color: var(--muted); border: 1px solid var(--border); }
.badge.ok { background: var(--ok-bg); color: var(--ok); border-color: #aceebb; }
.badge.bad { background: var(--bad-bg); color: var(--bad); border-color: #ffcecb; }
.badge.warn { background: var(--warn-bg); color: var(--warn); border-color: #f5e0a0; }
.badge.info { background: var(--info-bg); color: var(--info); border-color: #b6e3ff; }
h1 .badge.status { font-size: .95rem; padding: 3px 12px; }
.alert { border-radius: 8px; padding: 12px 16px; margin: 14px 0; border: 1px solid var(--border); background: var(--bg); }
.alert.bad { background: var(--bad-bg); border-color: #ffcecb; }
.alert.ok { background: var(--ok-bg); border-color: #aceebb; }
.alert.neutral { background: var(--info-bg); border-color: #b6e3ff; }
.alert pre { background: rgba(255,255,255,.7); max-height: 300px; }
.error-text { color: var(--bad); white-space: pre-wrap; }
dl.facts { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 10px 18px; margin: 14px 0; padding: 16px 18px; background: var(--bg); border: 1px solid var(--border); border-radius: 10px; }
dl.facts div { min-width: 0; }
dl.facts div.span { grid-column: 1 / -1; }
dl.facts ul.plain { display: flex; flex-wrap: wrap; gap: 4px 10px; }
dl.facts dt { font-size: .78rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
dl.facts dd { margin: 2px 0 0; overflow-wrap: anywhere; }
ul.plain { list-style: none; padding: 0; margin: 0; }
details { margin: 10px 0; }
details > summary { cursor: pointer; color: var(--fg); }
details > summary:hover { color: var(--accent); }
.table-wrap { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: .92rem; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--border); vertical-align: top; }
thead th { background: var(--bg-soft); font-weight: 600; }
tbody tr:hover { background: #fafbfc; }
.num { text-align: right; font-variant-numeric: tabular-nums; }
table.compact, table.metrics, table.confusion { width: auto; min-width: 320px; }
table.confusion td.diag { font-weight: 700; background: var(--ok-bg); }
table.confusion caption { text-align: left; font-weight: 600; padding-bottom: 6px; }
table.stages ul.headlines { margin: 0; padding-left: 16px; }
table.stages td:nth-child(5) { min-width: 380px; }
.cols { display: flex; flex-wrap: wrap; gap: 18px 28px; align-items: flex-start; }
.cols > * { flex: 1 1 340px; min-width: 0; }
.cols > .wide { flex: 3 1 620px; }
.panel h4 { margin-top: 4px; }
.panel h4 + * { margin-top: 0; }
.panel * + h4 { margin-top: 16px; }
.cols p:first-child { margin-top: 0; }
.metrics-block + .metrics-block { border-top: 1px dashed var(--border); margin-top: 18px; }
.verdict { font-size: 1.02rem; }
ul.notes { color: var(--muted); padding-left: 18px; font-size: .9rem; }
.figures { display: grid; grid-template-columns: repeat(auto-fill, minmax(400px, 1fr)); gap: 16px; }
figure { margin: 0; border: 1px solid var(--border); border-radius: 8px; padding: 10px; background: var(--bg); display: flex; flex-direction: column; }
figure img { width: 100%; height: auto; display: block; border-radius: 4px; }
figcaption { display: flex; justify-content: space-between; gap: 8px; margin-top: auto; padding-top: 8px; font-size: .88rem; }
figcaption .links { white-space: nowrap; }
ul.files { columns: 2 360px; padding-left: 18px; }
ul.files li { break-inside: avoid; margin-bottom: 4px; }
pre.log { font-size: .8rem; }
footer { color: var(--muted); font-size: .85rem; text-align: center; margin-top: 28px; }
@media print { nav.toc { display: none; } section { break-inside: avoid-page; } body { background: #fff; } }
`;
