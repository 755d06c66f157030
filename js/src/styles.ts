// Scoped styles of the widget (class prefix wwm-), injected once per widget root.
import { CATEGORY_COLORS, STATUS_COLORS } from "./contract";
import { THEMES } from "./theme";


export const CSS = `
.wwm-root{position:relative;font-family:var(--wwm-font);font-size:12px;color:var(--wwm-fg);background:var(--wwm-bg);
  border:1px solid var(--wwm-divider);border-radius:8px;box-sizing:border-box;contain:inline-size}
.wwm-root *{box-sizing:border-box}
.wwm-toolbar{display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px;padding:8px 12px;border-bottom:1px solid var(--wwm-divider)}
.wwm-field{display:inline-flex;align-items:center;gap:5px;color:var(--wwm-muted)}
.wwm-field-label{font-weight:600;text-transform:uppercase;font-size:10px;letter-spacing:.04em}
.wwm-select,.wwm-button{font:inherit;color:var(--wwm-fg);background:var(--wwm-bg);border:1px solid var(--wwm-divider);
  border-radius:5px;padding:2px 6px;height:24px;cursor:pointer}
.wwm-select:disabled{opacity:.45;cursor:default}
.wwm-button:hover,.wwm-select:hover{border-color:var(--wwm-accent)}
.wwm-button:focus-visible,.wwm-select:focus-visible,.wwm-chip:focus-visible{outline:2px solid var(--wwm-accent);outline-offset:1px}
.wwm-direction{min-width:26px;padding:0 4px}
.wwm-check{cursor:pointer;color:var(--wwm-fg)}
.wwm-end{margin-left:auto;display:inline-flex;align-items:center;gap:10px}
.wwm-summary{color:var(--wwm-muted);font-variant-numeric:tabular-nums}
.wwm-png{font-weight:600}
.wwm-legend{display:flex;flex-wrap:wrap;align-items:center;gap:4px 6px;padding:6px 12px;border-bottom:1px solid var(--wwm-divider)}
.wwm-legend[hidden]{display:none}
.wwm-keybar{display:flex;align-items:center;gap:8px;padding:3px 12px;font-size:11px;color:var(--wwm-muted);border-bottom:1px solid var(--wwm-divider)}
.wwm-key{min-width:0}
.wwm-key-toggle{display:none;flex:none;height:20px;padding:0 7px;font-size:11px;font-weight:600;white-space:nowrap}
.wwm-key-toggle.wwm-on{border-color:var(--wwm-accent);background:color-mix(in srgb,var(--wwm-accent) 14%,transparent)}
.wwm-legend-title{font-weight:600;text-transform:uppercase;font-size:10px;letter-spacing:.04em;color:var(--wwm-muted);margin-left:6px}
.wwm-legend-title:first-child{margin-left:0}
.wwm-chip{display:inline-flex;align-items:center;gap:5px;font:inherit;color:var(--wwm-fg);background:transparent;
  border:1px solid transparent;border-radius:12px;padding:1px 8px 1px 5px;height:22px}
button.wwm-chip{cursor:pointer}
button.wwm-chip:hover{border-color:var(--wwm-divider)}
.wwm-chip.wwm-on{border-color:var(--wwm-accent);background:color-mix(in srgb,var(--wwm-accent) 14%,transparent)}
.wwm-swatch{display:inline-block;width:14px;height:11px;border-radius:2px;flex:none}
.wwm-sw-ok,.wwm-sw-unset{background:var(--wwm-sw)}
.wwm-sw-root{height:4px;background:${CATEGORY_COLORS.agent}}
.wwm-sw-error{background:repeating-linear-gradient(135deg,var(--wwm-sw) 0 3px,${THEMES.light.hatch} 3px 4.5px);box-shadow:inset 0 0 0 2px var(--wwm-error-outline)}
.wwm-sw-emoji{width:auto;height:auto;font-size:12px;line-height:1}
.wwm-sw-emoji::before{content:"👍"}
.wwm-sw-tag{width:auto;height:auto;padding:0 3px 0 6px;font-size:9.5px;line-height:13px;border-radius:0;color:var(--wwm-bg);background:var(--wwm-tag);clip-path:polygon(0 50%,4px 0,100% 0,100% 100%,4px 100%)}
.wwm-sw-tag::before{content:"tag"}
.wwm-sw-unplaced{width:10px;height:11px;border:1px solid var(--wwm-muted);border-radius:0;font:700 10px/11px sans-serif;text-align:center;color:var(--wwm-fg)}
.wwm-sw-unplaced::before{content:"?"}
.wwm-sw-conversation{width:4px;border:1.5px solid var(--wwm-muted);border-right:none;border-radius:0}
.wwm-sw-rating{width:24px;background:linear-gradient(90deg,var(--wwm-rating-gradient));border-radius:3px}
.wwm-sw-cap{width:6px;border-left:2px solid var(--wwm-warning);border-radius:0}
.wwm-scroll{position:relative;overflow-y:auto;overflow-x:hidden;outline:none;border-radius:0 0 8px 8px}
.wwm-scroll:focus-visible{box-shadow:inset 0 0 0 2px var(--wwm-accent)}
.wwm-canvas{position:sticky;top:0;display:block}
.wwm-tooltip{position:fixed;z-index:1000;pointer-events:none;max-width:min(380px,calc(100vw - 8px));overflow-wrap:anywhere;padding:7px 9px;border-radius:6px;
  background:var(--wwm-tt-bg);color:var(--wwm-fg);border:1px solid var(--wwm-divider);
  box-shadow:0 4px 14px rgba(0,0,0,.18);line-height:1.45;overflow-wrap:anywhere;white-space:pre-wrap}
.wwm-tt-title{font-weight:700}
.wwm-tt-muted{color:var(--wwm-muted);font-size:11px}
.wwm-tt-error{color:${STATUS_COLORS.ERROR};font-weight:600}
.wwm-tt-warning{color:var(--wwm-warning)}
.wwm-tt-section{margin-top:5px;padding-top:4px;border-top:1px solid var(--wwm-divider);font-weight:600}
.wwm-live{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
.wwm-search{display:flex;align-items:center;gap:6px;flex:1 0 220px;max-width:340px}
.wwm-search-input{font:inherit;color:var(--wwm-fg);background:var(--wwm-bg);border:1px solid var(--wwm-divider);border-radius:5px;
  padding:2px 8px;height:24px;flex:1;min-width:0;width:100%}
.wwm-search-input:focus-visible{outline:2px solid var(--wwm-accent);outline-offset:1px}
.wwm-search-input:disabled{opacity:.6}
.wwm-search-input::placeholder{color:var(--wwm-muted);opacity:1}
.wwm-search-status{color:var(--wwm-muted);flex:none;white-space:nowrap}
.wwm-search-status:empty{display:none}
.wwm-transcript{border-top:1px solid var(--wwm-divider)}
.wwm-tr-bar{display:flex;align-items:center;gap:8px;padding:6px 12px;border-bottom:1px solid var(--wwm-divider)}
.wwm-tr-title{font-weight:600;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;flex:1}
.wwm-tr-body{max-height:420px;overflow-y:auto;padding:8px 12px;display:flex;flex-direction:column;gap:6px}
.wwm-tr-msg{border:1px solid var(--wwm-divider);border-left:4px solid var(--wwm-muted);border-radius:6px;padding:6px 9px;
  line-height:1.45;overflow-wrap:anywhere}
.wwm-tr-user{border-left-color:var(--wwm-accent);background:color-mix(in srgb,var(--wwm-accent) 8%,transparent)}
.wwm-tr-assistant{border-left-color:${CATEGORY_COLORS.llm}}
.wwm-tr-tool{border-left-color:${CATEGORY_COLORS.tool}}
.wwm-tr-system{border-left-color:${CATEGORY_COLORS.agent}}
.wwm-tr-failed{border-left-color:${STATUS_COLORS.ERROR};border-color:color-mix(in srgb,${STATUS_COLORS.ERROR} 55%,var(--wwm-divider))}
.wwm-tr-selected{box-shadow:0 0 0 2px var(--wwm-accent)}
.wwm-tr-head{display:flex;flex-wrap:wrap;gap:2px 10px;align-items:baseline}
.wwm-tr-role{font-weight:700}
.wwm-tr-meta,.wwm-tr-muted{color:var(--wwm-muted);font-size:11px}
.wwm-tr-text{white-space:pre-wrap;margin-top:3px}
.wwm-tr-code{white-space:pre-wrap;margin:2px 0 0;padding:5px 7px;border-radius:4px;background:var(--wwm-alt);
  font:11px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;max-height:260px;overflow:auto}
.wwm-tr-label{font-weight:600;font-size:10px;text-transform:uppercase;letter-spacing:.04em;color:var(--wwm-muted);margin-top:5px}
.wwm-tr-summary{cursor:pointer;list-style-position:inside}
.wwm-tr-summary .wwm-tr-head{display:inline-flex}
.wwm-tr-more{margin-top:4px;height:22px;font-size:11px}
.wwm-tr-error{color:${STATUS_COLORS.ERROR};font-weight:600;margin-top:4px;white-space:pre-wrap}
.wwm-error{padding:12px;color:${STATUS_COLORS.ERROR};white-space:pre-wrap}
.wwm-compact .wwm-toolbar{gap:4px 6px;padding:5px 8px}
.wwm-compact :is(.wwm-field-label,.wwm-wide-only){display:none}
.wwm-compact .wwm-select{padding:2px 3px}
.wwm-compact .wwm-end{gap:6px}
.wwm-compact .wwm-search{flex-basis:140px}
.wwm-compact .wwm-keybar{padding:3px 8px}
.wwm-compact .wwm-key-toggle{display:inline-flex;align-items:center}
.wwm-compact .wwm-key-toggle[aria-expanded=false]+.wwm-key{white-space:nowrap;overflow:hidden;text-overflow:ellipsis}
.wwm-compact .wwm-legend{gap:2px 4px;padding:4px 8px}
.wwm-compact .wwm-chip{height:20px;padding:0 5px 0 3px;gap:3px}
.wwm-snapshot{display:block;max-width:100%;height:auto;margin:6px 0;background:#fff}
`;
