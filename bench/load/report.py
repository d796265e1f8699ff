#!/usr/bin/env python3
"""Turns the raw figures of run.sh into bench/results/<date>.md (ratios first, then every row)
and a chart, bench/results/<date>.svg: accepted messages/s against parallel sessions, one line
per system (solid: a connection per message; dashed: connections reused).
Usage: report.py RESULTS.csv IDLE.csv MACHINE_LINE OUT_PREFIX"""
import csv, sys
from collections import defaultdict

results_csv, idle_csv, machine, prefix = sys.argv[1:5]
names = {"a": "smtp-sink (C, discards)", "b": "SmtpServer peer (.NET, null store)",
         "c": "FastSmtp engine (null store)", "d": "Postfix relay (durable)", "e": "FastSmtp relay (durable)",
         "f": "Haraka relay (Node.js, forwards in-transaction)"}
rows = list(csv.DictReader(open(results_csv)))
idle = list(csv.DictReader(open(idle_csv))) if idle_csv != "-" else []
by = {(r["system"], int(r["sessions"]), r["reuse"]): r for r in rows}
sessions = sorted({int(r["sessions"]) for r in rows})
reuses = sorted({r["reuse"] for r in rows})

def delivered_vs_accepted(relay, engine):
    if not relay or not engine or not relay["delivered"] or float(engine["accepted"] or 0) == 0:
        return "-"
    return f"{float(relay['delivered']) / float(engine['accepted']):.2f}x"

def ratio(top, bottom, field):
    if not top or not bottom or float(bottom[field] or 0) == 0 or not top[field]:
        return "-"
    return f"{float(top[field]) / float(bottom[field]):.2f}x"

out = [f"# FastSmtp load figures\n", machine + "\n",
       "Every figure comes from the same run: one system after another, the same `smtp-source` load.\n",
       "## Ratios\n",
       "| sessions | connections | c/b engine vs SmtpServer (accepted) | c/a engine vs smtp-sink (accepted) | e/d relay vs Postfix (delivered) | e/d (accepted) | e/f relay vs Haraka (delivered) | e/c relay delivered vs engine accepted |",
       "|---:|---|---:|---:|---:|---:|---:|---:|"]
for s in sessions:
    for reuse in reuses:
        g = lambda x: by.get((x, s, reuse))
        out.append(f"| {s} | {'reused' if reuse == 'yes' else 'one per message'} | {ratio(g('c'), g('b'), 'accepted')} | "
                   f"{ratio(g('c'), g('a'), 'accepted')} | {ratio(g('e'), g('d'), 'delivered')} | {ratio(g('e'), g('d'), 'accepted')} | "
                   f"{ratio(g('e'), g('f'), 'delivered')} | {delivered_vs_accepted(g('e'), g('c'))} |")
out += ["", "## Every run", "",
        "| system | sessions | connections | messages | accepted msgs/s | delivered msgs/s | p50 ms | p99 ms | peak RSS MB | CPU s per 10k msgs | KB allocated per message |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
def rate(value):
    return f"{float(value):,.0f}" if value else "-"

for r in rows:
    connections = "reused" if r["reuse"] == "yes" else "one per message"
    out.append(f"| {r['system']}: {names[r['system']]} | {r['sessions']} | {connections} | {r['messages']} | "
               f"{rate(r['accepted'])} | {rate(r['delivered'])} | {r['p50']} | {r['p99']} | {r['rss_mb']} | {r['cpu10k']} | {r.get('alloc_kb') or '-'} |")
if idle:
    out += ["", "## Idle sessions (greeted, past EHLO)", "",
            "| system | sessions | RSS before MB | RSS with them open MB | per session KB |", "|---|---:|---:|---:|---:|"]
    for r in idle:
        out.append(f"| {names[r['system']]} | {r['sessions']} | {r['rss_before_mb']} | {r['rss_after_mb']} | {r['per_session_kb']} |")
out += ["", "p50/p99: complete transactions (connect to QUIT) of one probe client running beside the load.",
        "CPU and peak RSS: the system's processes (Postfix: master and its children; peak RSS summed).",
        "Delivered: until the downstream smtp-sink counted every message (relays only).",
        "KB allocated per message: GC.GetTotalAllocatedBytes of the FastSmtp process over the run (its control socket), divided by the messages; pooled buffers are not counted because they are reused."]
open(prefix + ".md", "w").write("\n".join(out) + "\n")

# The chart.
width, height, left, right, top, bottom = 760, 440, 70, 230, 30, 50
plot_w, plot_h = width - left - right, height - top - bottom
peak = max(float(r["accepted"]) for r in rows) * 1.1
x = lambda i: left + (plot_w * i / max(1, len(sessions) - 1))
y = lambda v: top + plot_h - plot_h * v / peak
colours = {"a": "#555555", "b": "#d62728", "c": "#1f77b4", "d": "#ff7f0e", "e": "#2ca02c", "f": "#9467bd"}
svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="12">',
       f'<rect width="{width}" height="{height}" fill="white"/>',
       f'<text x="{left}" y="18" font-size="14">Accepted messages/s by parallel sessions (2 KB, smtp-source)</text>']
for k in range(6):
    v = peak * k / 5
    svg.append(f'<line x1="{left}" x2="{left + plot_w}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e0e0e0"/>')
    svg.append(f'<text x="{left - 8}" y="{y(v) + 4:.1f}" text-anchor="end">{v:,.0f}</text>')
for i, s in enumerate(sessions):
    svg.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 20}" text-anchor="middle">{s}</text>')
svg.append(f'<text x="{left + plot_w / 2}" y="{height - 10}" text-anchor="middle">parallel sessions</text>')
legend_y = top + 10
for system in sorted(colours):
    for reuse in reuses:
        points = [(x(i), y(float(by[(system, s, reuse)]["accepted"]))) for i, s in enumerate(sessions) if (system, s, reuse) in by]
        if not points:
            continue
        dash = ' stroke-dasharray="6,4"' if reuse == "yes" else ""
        svg.append(f'<polyline fill="none" stroke="{colours[system]}" stroke-width="2"{dash} points="{" ".join(f"{px:.1f},{py:.1f}" for px, py in points)}"/>')
        svg.append(f'<line x1="{left + plot_w + 15}" x2="{left + plot_w + 40}" y1="{legend_y}" y2="{legend_y}" stroke="{colours[system]}" stroke-width="2"{dash}/>')
        svg.append(f'<text x="{left + plot_w + 45}" y="{legend_y + 4}" font-size="10">{system}{" reused" if reuse == "yes" else ""}: {names[system].split(" (")[0]}</text>')
        legend_y += 16
svg.append("</svg>")
open(prefix + ".svg", "w").write("\n".join(svg) + "\n")
print("\n".join(out))
