"""The panel's reports: one printable HTML page per candidate and a comparison of all of them (HTML and CSV).

Every text a person wrote (names, rationales, lessons, reasons quoted from a
file) goes through Jinja's autoescaping; the print stylesheet fits A4 and
US Letter (the narrower width and the shorter height of the two).
"""

from __future__ import annotations

import datetime as dt

import jinja2
import pandas as pd

import sim
from sim.engine import approved_changes

from .assessment import Assessment
from .attempts import Attempt
from .rubric import DUTY_KEYS, DUTY_NAMES

_ENV = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
_ENV.filters["signed"] = lambda v, digits=1: f"{v:+.{digits}f}"

STYLE = """
:root { --ink: #1d1d1d; --muted: #555; --line: #c8c8c8; --good: #00664A; --fair: #8a5a00; --poor: #A33F00; }
body { font: 10.5pt/1.4 system-ui, "Segoe UI", Roboto, sans-serif; color: var(--ink); max-width: 58rem; margin: 1.5rem auto;
       padding: 0 1rem; }
h1 { font-size: 17pt; margin: 0 0 0.2rem; } h2 { font-size: 12.5pt; margin: 1.2rem 0 0.4rem; border-bottom: 2px solid #0072B2; }
.meta, .note { color: var(--muted); font-size: 9pt; }
table { border-collapse: collapse; width: 100%; margin: 0.4rem 0; }
th, td { border: 1px solid var(--line); padding: 0.2rem 0.4rem; text-align: left; vertical-align: top; }
th { background: #f0f0f0; } td.num, th.num { text-align: right; white-space: nowrap; }
td ul { margin: 0; padding-left: 1.1rem; } td li { margin: 0.1rem 0; }
.rating { font-weight: bold; text-transform: uppercase; font-size: 8.5pt; letter-spacing: 0.03em; }
.rating.good { color: var(--good); } .rating.fair { color: var(--fair); } .rating.poor { color: var(--poor); }
.headline { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.6rem 0; }
.kpi { border: 1px solid var(--line); border-radius: 4px; padding: 0.3rem 0.6rem; min-width: 8.5rem; flex: 1 1 8.5rem; }
.kpi b { display: block; font-size: 14pt; } .kpi small { color: var(--muted); }
.flag { border: 2px solid var(--poor); color: var(--poor); padding: 0.5rem 0.7rem; font-weight: bold; margin: 0.6rem 0; }
.ok { color: var(--good); font-weight: bold; }
ol.questions li { margin: 0.35rem 0; }
@page { margin: 14mm 12mm 16mm; }
@media print {
  body { margin: 0; max-width: none; padding: 0; font-size: 9.5pt; }
  h2 { break-after: avoid; page-break-after: avoid; }
  tr, .kpi, ol.questions li, .flag { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  .pagebreak { break-before: page; page-break-before: always; }
}
"""

_CANDIDATE = _ENV.from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Panel report: {{ name }}</title>
<style>{{ style }}</style></head><body>
<h1>Panel report: {{ name }}</h1>
<p class="meta">Candidate {{ candidate }} · {{ exercise.title }} ({{ exercise.scenario.id }}, {{ exercise.difficulty }}) ·
panel {{ exercise.id }} · ITPM Sim {{ version }} · written {{ written }}</p>
{% if not a %}
<div class="flag">Not scored: {{ status }}. {{ reason }}</div>
<p>A log that is unsigned, edited, from another panel or unfinished is never scored: the panel cannot tell what the candidate
did from it. The attempt record below shows what the server saw.</p>
{% else %}
<p class="ok">Verified: {{ reason }}</p>
<h2>Headline</h2>
<div class="headline">
  <div class="kpi"><small>rubric total</small><b>{{ "%.1f"|format(a.total) }}</b><span class="rating {{ a.rating }}">{{ a.rating }}</span></div>
  <div class="kpi"><small>reference PM, same world</small><b>{{ "%.1f"|format(a.reference_total) }}</b>
    <small>gap {{ (a.total - a.reference_total)|signed }}</small></div>
  {% if a.band %}<div class="kpi"><small>reference over {{ a.band.runs }} other worlds</small>
    <b>{{ "%.0f"|format(a.band.totals.P10) }}–{{ "%.0f"|format(a.band.totals.P90) }}</b><small>P10–P90, median {{ "%.1f"|format(a.band.totals.P50) }}</small></div>{% endif %}
  <div class="kpi"><small>scenario score</small><b>{{ "%.1f"|format(a.card.total) }} ({{ a.card.grade }})</b>
    <small>reference {{ "%.1f"|format(a.reference_card.total) }} ({{ a.reference_card.grade }})</small></div>
  <div class="kpi"><small>time used</small><b>{{ "%.0f"|format(a.time.minutes_used) }}{% if a.time.minutes %} of {{ a.time.minutes }}{% endif %} min</b>
    <small>{{ "%.0f"|format(a.time.weeks_played) }} weeks played{% if a.time.frozen %}, {{ "%.0f"|format(a.time.weeks_frozen) }} run frozen{% endif %}</small></div>
</div>
<p>{{ outcome_text }}</p>
<ul>{% for line in a.luck %}<li>{{ line }}</li>{% endfor %}</ul>

<h2>Rubric</h2>
<p class="note">Each duty is scored 0–100 from measures of the finished project and, where a decision's worth is the question,
counterfactual replays on the same seed. A decision's effect is the candidate's run minus a replay of the same world without
that decision (score in points, finish in working days, cost in {{ currency }}). Rated good from {{ good }}, fair from {{ fair }}.
Weights from the panel's rubric.yaml. Reference: the reference PM's score on the same world.</p>
<table><thead><tr><th>duty</th><th class="num">weight</th><th class="num">score</th><th>rating</th><th class="num">reference</th><th>evidence</th></tr></thead>
<tbody>{% for d in a.duties %}
<tr><td><b>{{ d.name }}</b></td><td class="num">{{ "%g"|format(d.weight) }}</td><td class="num">{{ "%.0f"|format(d.score) }}</td>
<td><span class="rating {{ d.rating }}">{{ d.rating }}</span></td>
<td class="num">{{ "%.0f"|format(d.reference_score) }} <span class="rating {{ d.reference_rating }}">{{ d.reference_rating }}</span></td>
<td><div class="note">Measured: {{ d.measured }}.</div><ul>{% for line in d.evidence %}<li>{{ line }}</li>{% endfor %}</ul></td></tr>
{% endfor %}</tbody>
<tfoot><tr><th>total</th><th></th><th class="num">{{ "%.1f"|format(a.total) }}</th><th><span class="rating {{ a.rating }}">{{ a.rating }}</span></th>
<th class="num">{{ "%.1f"|format(a.reference_total) }}</th><th>weighted mean of the duty scores</th></tr></tfoot></table>

<h2>Score against the reference PM</h2>
<p class="note">The reference PM (docs/MODEL.md, "The reference PM") played the same world: the same scenario, difficulty and seed,
so the same luck. Its band is its result over {{ a.band.runs if a.band else 0 }} other worlds of the same exercise.</p>
<table><thead><tr><th>measure</th><th class="num">candidate</th><th class="num">reference, same world</th>{% if a.band %}<th class="num">reference band P10 / P50 / P90</th>{% endif %}</tr></thead>
<tbody>
<tr><td>rubric total</td><td class="num">{{ "%.1f"|format(a.total) }}</td><td class="num">{{ "%.1f"|format(a.reference_total) }}</td>
{% if a.band %}<td class="num">{{ "%.1f"|format(a.band.totals.P10) }} / {{ "%.1f"|format(a.band.totals.P50) }} / {{ "%.1f"|format(a.band.totals.P90) }}</td>{% endif %}</tr>
<tr><td>scenario score</td><td class="num">{{ "%.1f"|format(a.card.total) }}</td><td class="num">{{ "%.1f"|format(a.reference_card.total) }}</td>
{% if a.band %}<td class="num">{{ "%.1f"|format(a.band.scores.P10) }} / {{ "%.1f"|format(a.band.scores.P50) }} / {{ "%.1f"|format(a.band.scores.P90) }}</td>{% endif %}</tr>
{% for part, value in a.card.parts.items() %}<tr><td>score: {{ part }}</td><td class="num">{{ "%.0f"|format(value) }}</td>
<td class="num">{{ "%.0f"|format(a.reference_card.parts[part]) }}</td>{% if a.band %}<td></td>{% endif %}</tr>{% endfor %}
{% for label, key, fmt in outcome_rows %}<tr><td>{{ label }}</td><td class="num">{{ fmt(a.outcome[key]) }}</td><td class="num">{{ fmt(a.reference_outcome[key]) }}</td>{% if a.band %}<td></td>{% endif %}</tr>{% endfor %}
</tbody></table>

<h2>Timeline of decisions</h2>
{% if a.decisions.empty %}<p>The candidate made no decision: every request fell to its default.</p>{% else %}
<table><thead><tr><th>date (day)</th><th>duty</th><th>decision</th><th>rationale</th><th class="num">finish</th><th class="num">cost</th><th class="num">score</th><th>clock</th></tr></thead>
<tbody>{% for r in decisions %}
<tr><td>{{ r.date }} ({{ "%.0f"|format(r.day) }})</td><td>{{ r.duty }}</td><td>{{ r.summary }}</td><td>{{ r.rationale or "—" }}</td>
<td class="num">{{ r.finish_effect|signed }}</td><td class="num">{{ "{:+,.0f}".format(r.cost_effect) }}</td><td class="num">{{ r.score_effect|signed }}</td>
<td>{{ r.clock }}</td></tr>{% endfor %}</tbody></table>
<p class="note">Effects: the candidate's run minus a replay on the same seed without that decision (finish in working days, cost in
{{ currency }}, score in points). Clock: minutes after the start.</p>{% endif %}

<h2>Time used</h2>
<p>Started {{ a.time.started.strftime("%Y-%m-%d %H:%M:%S UTC") }}; {{ "%.1f"|format(a.time.minutes_used) }} minutes used{% if a.time.minutes %} of a
{{ a.time.minutes }}-minute time box{% endif %}. {% if a.time.frozen %}<b>The time box ran out</b> on working day {{ "%.0f"|format(a.time.day_frozen) }}
({{ a.time.frozen_reason }}): the candidate played {{ "%.1f"|format(a.time.weeks_played) }} weeks of the project and the remaining
{{ "%.1f"|format(a.time.weeks_frozen) }} weeks ran frozen, every open request taking its default.{% else %}The candidate played
all {{ "%.1f"|format(a.time.weeks_played) }} weeks of the project; none ran frozen.{% endif %}</p>
{% if lessons %}<p><b>Lessons learned written by the candidate:</b></p><blockquote>{{ lessons }}</blockquote>{% endif %}

<h2>Follow-up questions for the interview</h2>
<ol class="questions">{% for q in a.questions %}<li>{{ q }}</li>{% endfor %}</ol>
{% endif %}

<h2>Attempt record</h2>
{% if attempts %}<table><thead><tr><th>time (UTC)</th><th>event</th><th>from</th></tr></thead><tbody>
{% for x in attempts %}<tr><td>{{ x.time.strftime("%Y-%m-%d %H:%M:%S") }}</td><td>{{ x.text }}</td><td>{{ x.origin }}</td></tr>{% endfor %}
</tbody></table>{% else %}<p>No attempt was recorded for this candidate.</p>{% endif %}
{% if record_problem %}<div class="flag">The attempt record cannot be trusted from this point: {{ record_problem }}</div>{% endif %}
<p class="note">Verification: {{ status }} — {{ reason }}</p>
</body></html>
""")

_COMPARISON = _ENV.from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Panel comparison: {{ exercise.id }}</title>
<style>{{ style }} table { font-size: 8.5pt; } @page { size: landscape; }</style></head><body>
<h1>Panel comparison: {{ exercise.title }}</h1>
<p class="meta">panel {{ exercise.id }} · {{ exercise.scenario.id }} ({{ exercise.difficulty }}) · {{ rows|length }} candidate(s) · ITPM Sim {{ version }} · written {{ written }}</p>
<p class="note">Every candidate played the same world. Only verified logs are scored; the others say why not.
{% if band %}The reference PM's rubric total over {{ band.runs }} other worlds: P10 {{ "%.1f"|format(band.totals.P10) }}, P50
{{ "%.1f"|format(band.totals.P50) }}, P90 {{ "%.1f"|format(band.totals.P90) }}.{% endif %}
Wrong access codes entered: {{ gate.refused }}{% if gate.refused %} (from {{ gate.pages }} page(s)){% endif %}.</p>
{% if gate.problem %}<div class="flag">The attempt record cannot be trusted from this point: {{ gate.problem }}</div>{% endif %}
<table><thead><tr>{% for c in columns %}<th{% if c in numeric %} class="num"{% endif %}>{{ c }}</th>{% endfor %}</tr></thead><tbody>
{% for r in rows %}<tr>{% for c in columns %}<td{% if c in numeric %} class="num"{% endif %}>{% if c == "report" and r[c] %}<a href="{{ r[c] }}">{{ r[c] }}</a>{% else %}{{ cell(r[c]) }}{% endif %}</td>{% endfor %}</tr>{% endfor %}
</tbody></table>
</body></html>
""")

OUTCOME_ROWS = [
    ("finish (working day)", "finish_day", lambda v: f"{v:.0f}"),
    ("deadline (working day)", "deadline_day", lambda v: f"{v:.0f}"),
    ("cost", "cost", lambda v: f"{v:,.0f}"),
    ("scope delivered", "scope", lambda v: f"{v:.0%}"),
    ("incidents after go-live", "incidents", lambda v: f"{v}"),
    ("stakeholder satisfaction", "satisfaction", lambda v: f"{v:.0%}"),
    ("resignations", "resignations", lambda v: f"{v}"),
]


def _written() -> str:
    return dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _outcome_text(a: Assessment, currency: str) -> str:
    o = a.outcome
    late = o["finish_day"] - o["deadline_day"]
    return (("The sponsor abandoned the project. " if o["abandoned"] else "")
            + f"Finished on {o['finish_date']} " + ("on time" if o["on_time"] else f"{late:.0f} working days late")
            + f"; cost {o['cost']:,.0f} {currency} against {o['budget'] + o['reserve']:,.0f} of budget and reserve"
            + (" (on budget)" if o["on_budget"] else " (over budget)")
            + f"; {o['scope']:.0%} of the business value delivered; {o['incidents']} incidents after go-live."
            + approved_changes(o, currency))


def candidate_html(exercise, member, status: str, reason: str, a: Assessment | None, attempts: list[Attempt],
                   record_problem: str = "", lessons: str = "") -> str:
    """One candidate's printable report (a verified one in full; any other says why it was not scored)."""
    decisions = []
    currency = a.debrief.currency if a else ""
    if a is not None:
        start = a.time["started"]
        for _, r in a.decisions.iterrows():
            wall = dt.datetime.fromisoformat(r["wall_time"])
            decisions.append({**r.to_dict(), "date": f"{r['date']:%d %b}",
                              "clock": f"+{max(0.0, (wall - start).total_seconds()) / 60:.0f} min"})
    params = exercise.world().params.debrief
    return _CANDIDATE.render(
        style=STYLE, name=member.name or member.id, candidate=member.id, exercise=exercise, version=sim.__version__,
        written=_written(), status=status, reason=reason, a=a, attempts=attempts, record_problem=record_problem,
        decisions=decisions, currency=currency, outcome_rows=OUTCOME_ROWS, lessons=lessons,
        outcome_text=_outcome_text(a, currency) if a else "", good=f"{params.good_score:g}", fair=f"{params.fair_score:g}",
    )


def comparison_row(member, status: str, reason: str, a: Assessment | None, attempts: list[Attempt], report: str) -> dict:
    """One candidate's line of the comparison table (scores only for a verified log)."""
    row = {"candidate": member.id, "name": member.name, "status": status, "reason": "" if a else reason,
           "rubric total": round(a.total, 1) if a else None, "rating": a.rating if a else "",
           "gap to reference": round(a.total - a.reference_total, 1) if a else None,
           "scenario score": round(a.card.total, 1) if a else None, "grade": a.card.grade if a else ""}
    for key in DUTY_KEYS:
        duty = next((d for d in a.duties if d.key == key), None) if a else None
        row[DUTY_NAMES[key]] = round(duty.score, 1) if duty else None
    row.update({
        "minutes used": round(a.time["minutes_used"], 1) if a else None,
        "weeks played": round(a.time["weeks_played"], 1) if a else None,
        "weeks frozen": round(a.time["weeks_frozen"], 1) if a else None,
        "starts": sum(x.event == "start" for x in attempts), "resumes": sum(x.event == "resume" for x in attempts),
        "report": report,
    })
    return row


def comparison(rows: list[dict]) -> pd.DataFrame:
    """The comparison table, best verified rubric total first, then the candidates not scored."""
    df = pd.DataFrame(rows)
    if df.empty:
        return df
    return df.sort_values(["rubric total", "candidate"], ascending=[False, True], na_position="last", kind="stable").reset_index(drop=True)


def comparison_html(exercise, table: pd.DataFrame, band: dict | None, gate: dict) -> str:
    """The comparison across candidates; ``gate`` counts the wrong codes entered and says if the attempt record broke."""
    numeric = {c for c in table.columns if pd.api.types.is_numeric_dtype(table[c])}

    def cell(value):
        if value is None or (isinstance(value, float) and pd.isna(value)):
            return ""
        return f"{value:g}" if isinstance(value, float) else value

    return _COMPARISON.render(style=STYLE, exercise=exercise, rows=table.to_dict("records"), columns=list(table.columns),
                              numeric=numeric, cell=cell, band=band, gate=gate, version=sim.__version__, written=_written())
