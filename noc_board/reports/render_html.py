"""The HTML renderer: one self-contained file (inline CSS, charts as inline SVG), no Qt.

The charts are `chart_layout`'s primitives written as SVG elements, so they match the PDF's;
their text is text. The page prints well too (A4, the period on the header).
"""

from __future__ import annotations

import html

from noc_board.reports import chart_layout as cl
from noc_board.reports.document import (
    Bullets,
    Chart,
    Figures,
    Paragraph,
    Report,
    Table,
)

CSS = """
:root { --text: #101418; --dim: #4a5563; --line: #c9d1d9; --tile: #f3f5f7; --accent: #0072b2;
  --good: #0072b2; --bad: #b2182b; --warn: #a66f00; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif;
  color: var(--text); margin: 0; background: #e9edf1; }
main { max-width: 900px; margin: 24px auto; background: #fff; padding: 28px 40px 40px;
  box-shadow: 0 1px 4px rgba(0,0,0,.12); }
header.top { display: flex; justify-content: space-between; color: var(--dim);
  font-size: 12px; border-bottom: 1px solid var(--line); padding-bottom: 6px; }
h1 { font-size: 28px; margin: 18px 0 2px; }
.subtitle { font-size: 17px; color: var(--dim); margin: 0 0 6px; }
.period { font-size: 13px; margin: 0; }
.generated { font-size: 12px; color: var(--dim); margin: 2px 0 0; padding-bottom: 10px;
  border-bottom: 2px solid var(--accent); }
h2 { font-size: 19px; margin: 26px 0 10px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 10px; margin: 6px 0 12px; }
.figure { background: var(--tile); border-left: 3px solid #c9d1d9; padding: 8px 12px; }
.figure .label { font-size: 11px; color: var(--dim); }
.figure .value { font-size: 21px; font-weight: 700; margin: 2px 0; }
.figure .change { font-size: 11px; color: var(--dim); }
.good { color: var(--good); } .bad { color: var(--bad); } .warn { color: var(--warn); }
.figure.good { border-left-color: var(--good); } .figure.bad { border-left-color: var(--bad); }
.figure.warn { border-left-color: var(--warn); }
.figure.bad .value { color: var(--bad); }
table { border-collapse: collapse; width: 100%; font-size: 12px; margin: 4px 0 4px; }
th { background: #e9edf1; text-align: left; padding: 5px 6px; }
td { padding: 4px 6px; border-bottom: 1px solid #eef1f4; vertical-align: top; }
tr:nth-child(even) td { background: #f7f9fa; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.muted { color: var(--dim); font-size: 12px; }
.callout { background: #fff4e0; border-left: 3px solid #e69f00; padding: 8px 14px; margin: 6px 0;
  font-size: 13px; }
.callout ul { margin: 0; padding-left: 18px; }
p { font-size: 13px; line-height: 1.45; }
svg { display: block; width: 100%; height: auto; }
@media print { body { background: #fff; } main { box-shadow: none; margin: 0; max-width: none; }
  @page { size: A4; margin: 15mm; } }
"""


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _svg(chart: Chart, width: float = 511.0) -> str:
    height = 150.0 if chart.kind == "heatmap" else 170.0
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
             f'role="img" aria-label="{_e(chart.title)}" font-family="DejaVu Sans, Arial, '
             'sans-serif">']
    for prim in cl.layout_chart(chart, width, height):
        if isinstance(prim, cl.Rect):
            stroke = f' stroke="{prim.stroke}" stroke-width="0.5"' if prim.stroke else ""
            parts.append(f'<rect x="{prim.x:.2f}" y="{prim.y:.2f}" width="{prim.w:.2f}" '
                         f'height="{prim.h:.2f}" fill="{prim.fill}"{stroke}/>')
        elif isinstance(prim, cl.Line):
            dash = ' stroke-dasharray="4 2.5"' if prim.dashed else ""
            parts.append(f'<line x1="{prim.x1:.2f}" y1="{prim.y1:.2f}" x2="{prim.x2:.2f}" '
                         f'y2="{prim.y2:.2f}" stroke="{prim.color}" '
                         f'stroke-width="{prim.width}"{dash}/>')
        elif isinstance(prim, cl.Path):
            dash = ' stroke-dasharray="4 2.5"' if prim.dashed else ""
            points = " ".join(f"{x:.2f},{y:.2f}" for x, y in prim.points)
            parts.append(f'<polyline points="{points}" fill="none" stroke="{prim.color}" '
                         f'stroke-width="{prim.width}" stroke-linejoin="round" '
                         f'stroke-linecap="round"{dash}/>')
        else:
            anchor = {"start": "start", "middle": "middle", "end": "end"}[prim.anchor]
            parts.append(f'<text x="{prim.x:.2f}" y="{prim.y:.2f}" font-size="{prim.size}" '
                         f'fill="{prim.color}" text-anchor="{anchor}">{_e(prim.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(t: Table, section: str) -> str:
    out = [f"<h3>{_e(t.title)}</h3>"] if t.title != section else []
    if not t.rows:
        out.append(f'<p class="muted">{_e(t.empty)}</p>')
        return "".join(out)
    head = ""
    if any(c.title for c in t.columns):
        head = "".join(f'<th class="num">{_e(c.title)}</th>' if c.numeric
                       else f"<th>{_e(c.title)}</th>" for c in t.columns)
    out.append(f"<table><thead><tr>{head}</tr></thead><tbody>" if head else "<table><tbody>")
    for row in t.rows:
        cells = []
        for column, cell in zip(t.columns, row, strict=True):
            classes = " ".join(c for c in ("num" if column.numeric else "", cell.tone) if c)
            attr = f' class="{classes}"' if classes else ""
            cells.append(f"<td{attr}>{_e(cell.text)}</td>")
        out.append(f"<tr>{''.join(cells)}</tr>")
    out.append("</tbody></table>")
    if t.note:
        out.append(f'<p class="muted">{_e(t.note)}</p>')
    return "".join(out)


def _figures(block: Figures) -> str:
    tiles = []
    for f in block.items:
        tone = f" {f.tone}" if f.tone else ""
        change = f'<div class="change {f.tone}">{_e(f.change_text)}</div>' if f.change_text \
            else ""
        tiles.append(f'<div class="figure{tone}"><div class="label">{_e(f.label)}</div>'
                     f'<div class="value">{_e(f.text)}</div>{change}</div>')
    return f'<div class="figures">{"".join(tiles)}</div>'


def render_html(report: Report) -> str:
    """The whole report as one HTML document."""
    body: list[str] = []
    for section in report.sections:
        body.append(f"<section><h2>{_e(section.title)}</h2>")
        for block in section.blocks:
            if isinstance(block, Figures):
                body.append(_figures(block))
            elif isinstance(block, Paragraph):
                cls = {"muted": "muted", "callout": "callout"}.get(block.style, "")
                body.append(f'<p class="{cls}">{_e(block.text)}</p>' if cls
                            else f"<p>{_e(block.text)}</p>")
            elif isinstance(block, Bullets):
                items = "".join(f"<li>{_e(i)}</li>" for i in block.items)
                cls = "callout" if block.style == "callout" else ""
                body.append(f'<div class="{cls}"><ul>{items}</ul></div>')
            elif isinstance(block, Table):
                body.append(_table(block, section.title))
            else:
                body.append(f"<h3>{_e(block.title)}</h3>")
                if block.has_data():
                    body.append(_svg(block))
                else:
                    body.append('<p class="muted">No data for this period.</p>')
                if block.note:
                    body.append(f'<p class="muted">{_e(block.note)}</p>')
        body.append("</section>")
    title = f"{report.title}: {report.subtitle}"
    return (
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>{_e(title)}</title><style>{CSS}</style></head><body><main>"
        f'<header class="top"><span>{_e(report.board)} · {_e(report.title)}</span>'
        f"<span>{_e(report.period_text)} ({_e(report.timezone)})</span></header>"
        f"<h1>{_e(report.title)}</h1><p class=\"subtitle\">{_e(report.subtitle)}</p>"
        f'<p class="period">{_e(report.period_text)} · time zone {_e(report.timezone)}</p>'
        f'<p class="generated">{_e(report.board)} · {_e(report.generated_text)}</p>'
        + "".join(body) + "</main></body></html>\n"
    )
