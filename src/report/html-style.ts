// The HTML pages' own stylesheet (uPlot's comes with it), inline in each page.

export const PAGE_CSS = `
:root { color-scheme: light; --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1200px; padding: 16px; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fff; }
h1 { font-size: 20px; margin: 0 0 8px; overflow-wrap: anywhere; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; } h3 { font-size: 15px; margin: 0; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 8px 0; } dt { color: var(--muted); } dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; margin: 10px 0; }
.scroll table { border-collapse: collapse; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll caption { text-align: left; font-weight: 600; padding: 4px 0; }
.scroll th, .scroll td { padding: 3px 10px; border-bottom: 1px solid var(--line); text-align: right; } .scroll thead th { background: #f3f4f6; }
.scroll tbody th { text-align: left; font-weight: 500; } .scroll tr.sub th { padding-left: 24px; font-weight: 400; color: var(--muted); } .scroll tr.sub td { color: #4b5563; } table.resources td:nth-child(2) { text-align: left; }
table.frontier td:last-child, table.frontier thead th:last-child { text-align: left; }
.note { color: var(--muted); margin: 4px 0; } .derived { margin: 4px 0; }
.alert, .warnings { background: #fff7e6; border: 1px solid #f5c26b; padding: 8px 12px; border-radius: 4px; }
.warnings { list-style: none; } .warnings li { overflow-wrap: anywhere; }
.verdict { font-size: 16px; font-weight: 600; margin: 8px 0; }
.plot { margin: 18px 0 26px; } .chart { width: 100%; min-height: 220px; }
.phases { color: var(--muted); margin: 2px 0; } .phases span { margin-right: 12px; white-space: nowrap; }
.phases i { display: inline-block; width: 12px; height: 12px; border: 1px solid #ccc; vertical-align: -2px; margin-right: 4px; }
.uplot { width: 100%; } .u-legend { font-size: 13px; }
footer { color: var(--muted); margin-top: 32px; font-size: 12px; }
`;
