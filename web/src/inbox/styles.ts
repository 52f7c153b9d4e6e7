/**
 * The element's styles, adopted by its shadow root as a constructed style sheet: no <style>
 * element, so a host page with a strict Content-Security-Policy (no inline styles) works.
 * Every colour and size is a custom property the host may set (documented in docs/web.md);
 * the parts (`::part(bell)`, `::part(panel)`, …) may be styled directly.
 */
export const INBOX_CSS = `
:host {
  --notifyd-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  --notifyd-bg: #ffffff;
  --notifyd-fg: #1f2328;
  --notifyd-muted: #636c76;
  --notifyd-border: #d0d7de;
  --notifyd-hover: #f3f4f6;
  --notifyd-unread-bg: #eef4ff;
  --notifyd-accent: #2563eb;
  --notifyd-accent-fg: #ffffff;
  --notifyd-badge-bg: #dc2626;
  --notifyd-badge-fg: #ffffff;
  --notifyd-danger: #b91c1c;
  --notifyd-radius: 10px;
  --notifyd-width: 380px;
  --notifyd-max-height: 480px;
  --notifyd-shadow: 0 8px 24px rgba(0, 0, 0, 0.16);
  --notifyd-focus: 0 0 0 3px rgba(37, 99, 235, 0.45);
  color-scheme: light;
  display: inline-block;
  position: relative;
  font-family: var(--notifyd-font);
  font-size: 14px;
  line-height: 1.4;
  color: var(--notifyd-fg);
}
:host([theme="dark"]) {
  --notifyd-bg: #161b22;
  --notifyd-fg: #e6edf3;
  --notifyd-muted: #8d96a0;
  --notifyd-border: #30363d;
  --notifyd-hover: #21262d;
  --notifyd-unread-bg: #1a2740;
  --notifyd-accent: #4493f8;
  --notifyd-shadow: 0 8px 24px rgba(0, 0, 0, 0.5);
  --notifyd-danger: #f85149;
  color-scheme: dark;
}
@media (prefers-color-scheme: dark) {
  :host([theme="auto"]) {
    --notifyd-bg: #161b22;
    --notifyd-fg: #e6edf3;
    --notifyd-muted: #8d96a0;
    --notifyd-border: #30363d;
    --notifyd-hover: #21262d;
    --notifyd-unread-bg: #1a2740;
    --notifyd-accent: #4493f8;
    --notifyd-shadow: 0 8px 24px rgba(0, 0, 0, 0.5);
    --notifyd-danger: #f85149;
    color-scheme: dark;
  }
}
* { box-sizing: border-box; }
button { font: inherit; color: inherit; cursor: pointer; }
button:focus-visible, a:focus-visible, [tabindex]:focus-visible { outline: none; box-shadow: var(--notifyd-focus); }
.bell {
  position: relative; display: inline-flex; align-items: center; justify-content: center;
  width: 40px; height: 40px; border-radius: 50%; border: 1px solid transparent;
  background: transparent; color: var(--notifyd-fg);
}
.bell:hover { background: var(--notifyd-hover); }
.bell svg { width: 22px; height: 22px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; stroke-linejoin: round; }
.badge {
  position: absolute; top: 2px; right: 0; min-width: 18px; height: 18px; padding: 0 5px;
  border-radius: 9px; background: var(--notifyd-badge-bg); color: var(--notifyd-badge-fg);
  font-size: 11px; font-weight: 700; line-height: 18px; text-align: center;
}
.badge[hidden] { display: none; }
.panel {
  position: absolute; top: calc(100% + 6px); right: 0; z-index: 1000;
  width: min(var(--notifyd-width), calc(100vw - 16px));
  display: flex; flex-direction: column; max-height: var(--notifyd-max-height);
  background: var(--notifyd-bg); color: var(--notifyd-fg);
  border: 1px solid var(--notifyd-border); border-radius: var(--notifyd-radius);
  box-shadow: var(--notifyd-shadow); overflow: hidden;
  transition: opacity 120ms ease, transform 120ms ease;
}
:host([align="left"]) .panel { right: auto; left: 0; }
.panel[hidden] { display: none; }
.head { display: flex; align-items: center; gap: 8px; padding: 12px 14px 8px; }
.head h2 { margin: 0; font-size: 15px; font-weight: 650; flex: 1; }
.link { border: 0; background: none; color: var(--notifyd-accent); padding: 4px 6px; border-radius: 6px; font-size: 13px; }
.link:hover { background: var(--notifyd-hover); }
.link:disabled { color: var(--notifyd-muted); cursor: default; background: none; }
.icon { border: 0; background: none; width: 28px; height: 28px; border-radius: 6px; color: var(--notifyd-muted); font-size: 18px; line-height: 1; }
.icon:hover { background: var(--notifyd-hover); color: var(--notifyd-fg); }
.tabs { display: flex; gap: 4px; padding: 0 10px; border-bottom: 1px solid var(--notifyd-border); }
.tab { border: 0; background: none; padding: 8px 10px; color: var(--notifyd-muted); border-bottom: 2px solid transparent; margin-bottom: -1px; }
.tab[aria-selected="true"] { color: var(--notifyd-fg); border-bottom-color: var(--notifyd-accent); font-weight: 600; }
.tab .count { margin-left: 4px; font-size: 11px; color: var(--notifyd-muted); }
.banner { padding: 6px 14px; font-size: 12px; background: var(--notifyd-hover); color: var(--notifyd-muted); }
.banner[hidden] { display: none; }
.list { list-style: none; margin: 0; padding: 0; overflow-y: auto; flex: 1; overscroll-behavior: contain; }
.item { position: relative; display: flex; gap: 10px; padding: 12px 14px; border-bottom: 1px solid var(--notifyd-border); }
.item:last-child { border-bottom: 0; }
.item:hover { background: var(--notifyd-hover); }
.item.unread { background: var(--notifyd-unread-bg); }
.item:focus-within { background: var(--notifyd-hover); }
.dot { flex: none; width: 8px; height: 8px; margin-top: 6px; border-radius: 50%; background: transparent; }
.unread .dot { background: var(--notifyd-accent); }
.body { flex: 1; min-width: 0; }
.item-title { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
.item-text { margin: 2px 0 0; color: var(--notifyd-fg); overflow-wrap: anywhere; white-space: pre-line; }
.meta { margin-top: 4px; font-size: 12px; color: var(--notifyd-muted); display: flex; gap: 8px; }
.actions { display: flex; flex-wrap: wrap; gap: 6px; margin-top: 8px; }
.action { border: 1px solid var(--notifyd-border); background: var(--notifyd-bg); border-radius: 6px; padding: 4px 10px; font-size: 13px; }
.action.primary { background: var(--notifyd-accent); border-color: var(--notifyd-accent); color: var(--notifyd-accent-fg); }
.action.destructive { color: var(--notifyd-danger); }
.action:disabled { opacity: 0.6; cursor: default; }
.tools { display: flex; flex-direction: column; gap: 2px; }
.open { color: inherit; text-decoration: none; }
.open:hover .item-title { text-decoration: underline; }
.state { padding: 28px 16px; text-align: center; color: var(--notifyd-muted); }
.more { display: block; width: 100%; padding: 10px; border: 0; border-top: 1px solid var(--notifyd-border); background: none; color: var(--notifyd-accent); }
.more[hidden] { display: none; }
.sr { position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; border: 0; }
.feed { display: flex; flex-direction: column; flex: 1; min-height: 0; }
.feed[hidden], .prefs[hidden], .mark-all[hidden] { display: none; }
.prefs-toggle svg { width: 18px; height: 18px; fill: none; stroke: currentColor; stroke-width: 2; stroke-linecap: round; }
.prefs-toggle[aria-pressed="true"] { color: var(--notifyd-accent); background: var(--notifyd-hover); }
.group { display: flex; align-items: center; gap: 6px; margin-top: 4px; font-size: 13px; color: var(--notifyd-muted); }
.avatars { display: inline-flex; }
.avatar {
  width: 20px; height: 20px; border-radius: 50%; margin-left: -6px; border: 2px solid var(--notifyd-bg);
  background: var(--notifyd-accent); color: var(--notifyd-accent-fg); font-size: 10px; font-weight: 700;
  display: inline-flex; align-items: center; justify-content: center; object-fit: cover;
}
.avatar:first-child { margin-left: 0; }
.group .count {
  margin-left: auto; min-width: 20px; padding: 0 6px; border-radius: 10px; text-align: center;
  background: var(--notifyd-hover); color: var(--notifyd-fg); font-size: 11px; font-weight: 600; line-height: 18px;
}
.prefs { flex: 1; min-height: 0; overflow-y: auto; padding: 4px 14px 14px; border-top: 1px solid var(--notifyd-border); overscroll-behavior: contain; }
.matrix { width: 100%; border-collapse: collapse; font-size: 13px; }
.matrix caption { text-align: left; font-weight: 600; padding: 8px 0 4px; }
.matrix th, .matrix td { padding: 6px 4px; border-bottom: 1px solid var(--notifyd-border); }
.matrix thead th { font-weight: 500; color: var(--notifyd-muted); font-size: 12px; text-align: center; }
.matrix thead th:first-child, .matrix tbody th { text-align: left; }
.matrix tbody th { font-weight: 500; }
.matrix td { text-align: center; }
.matrix tr.all th { font-weight: 600; }
.matrix .hint, .matrix-wrap .hint { display: block; font-size: 12px; color: var(--notifyd-muted); font-weight: 400; margin: 4px 0 0; }
.lock { display: inline-block; margin-left: 6px; padding: 0 6px; border-radius: 8px; font-size: 11px; font-weight: 600; background: var(--notifyd-hover); color: var(--notifyd-muted); }
.switch {
  appearance: none; position: relative; width: 32px; height: 18px; margin: 0; border-radius: 9px;
  background: var(--notifyd-border); cursor: pointer; vertical-align: middle; transition: background 120ms ease;
}
.switch::after {
  content: ""; position: absolute; top: 2px; left: 2px; width: 14px; height: 14px; border-radius: 50%;
  background: var(--notifyd-bg); transition: transform 120ms ease;
}
.switch:checked { background: var(--notifyd-accent); }
.switch:checked::after { transform: translateX(14px); }
.switch:disabled { opacity: 0.5; cursor: not-allowed; }
.switch:focus-visible, input:focus-visible, select:focus-visible { outline: none; box-shadow: var(--notifyd-focus); }
.schedule { margin-top: 10px; display: flex; flex-direction: column; gap: 10px; font-size: 13px; }
.schedule fieldset { border: 1px solid var(--notifyd-border); border-radius: 8px; margin: 0; padding: 8px 10px 10px; display: flex; flex-direction: column; gap: 8px; }
.schedule legend { font-weight: 600; padding: 0 4px; }
.schedule fieldset.days { border: 0; padding: 0; flex-direction: row; flex-wrap: wrap; gap: 4px; }
.schedule fieldset.days legend { font-weight: 400; color: var(--notifyd-muted); padding: 0 0 4px; }
.field { display: flex; flex-direction: column; gap: 2px; }
.field[hidden] { display: none; }
.field label, .check label { color: var(--notifyd-muted); font-size: 12px; }
.check { display: flex; align-items: center; gap: 6px; }
.check label { color: var(--notifyd-fg); font-size: 13px; }
.row { display: flex; gap: 10px; flex-wrap: wrap; }
.schedule input:not([type="checkbox"]), .schedule select {
  font: inherit; color: var(--notifyd-fg); background: var(--notifyd-bg);
  border: 1px solid var(--notifyd-border); border-radius: 6px; padding: 4px 6px;
}
.day { display: inline-flex; align-items: center; gap: 3px; padding: 2px 6px; border: 1px solid var(--notifyd-border); border-radius: 12px; font-size: 12px; }
.save { align-self: flex-start; border: 0; border-radius: 6px; padding: 6px 14px; background: var(--notifyd-accent); color: var(--notifyd-accent-fg); }
.save:disabled { opacity: 0.6; }
.prefs-status { margin: 8px 0 0; font-size: 12px; color: var(--notifyd-muted); min-height: 1em; }
.prefs-status[data-error="true"] { color: var(--notifyd-danger); }
.push { border: 1px solid var(--notifyd-border); border-radius: 8px; margin: 0; padding: 8px 10px 10px; font-size: 13px; }
.push legend { font-weight: 600; padding: 0 4px; }
.push-state { margin: 0 0 8px; color: var(--notifyd-muted); }
.push .save[hidden] { display: none; }
@media (prefers-reduced-motion: reduce) {
  .panel, .switch, .switch::after { transition: none; }
}
`;
