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
@media (prefers-reduced-motion: reduce) {
  .panel { transition: none; }
}
`;
