"""Self-contained HTML reports, charts embedded, that an instructor can mail.

One for a played session (outcome, scorecard against ``reference``, charts,
the debrief) and one for a Monte Carlo study (percentiles, chances, S-curves,
criticality and the risk tornado).
"""

from __future__ import annotations

import base64
import datetime as dt

import jinja2
import pandas as pd

import sim
from sim.analysis.summary import chances, criticality, percentiles, tornado
from sim.engine import Session, plan_critical_path

from . import charts, markup
from .debrief import Debrief
from .tables import Results

_TEMPLATE = jinja2.Environment(autoescape=True).from_string("""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{{ title }}</title>
<style>
body { font-family: system-ui, sans-serif; max-width: 60rem; margin: 2rem auto; padding: 0 1rem; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 1rem 0; } td, th { border: 1px solid #bbb; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f0f0f0; } img { max-width: 100%; } .meta { color: #555; font-size: 0.9rem; }
</style></head><body>
<h1>{{ title }}</h1>
<p class="meta">ITPM Sim {{ version }} · generated {{ generated }} · {{ meta }}</p>
{% for section in sections %}<section>{% if section.heading %}<h2>{{ section.heading }}</h2>{% endif %}
{{ section.html | safe }}
{% for uri in section.images %}<p><img alt="{{ section.heading }}" src="{{ uri }}"></p>{% endfor %}
</section>{% endfor %}
</body></html>
""")


def section(heading: str, body_html: str = "", images: list[bytes] | None = None) -> dict:
    """A report section: a heading, trusted HTML (escape what users wrote before), and PNG charts."""
    uris = ["data:image/png;base64," + base64.b64encode(png).decode() for png in images or []]
    return {"heading": heading, "html": body_html, "images": uris}


def table_html(df: pd.DataFrame, floatfmt: str = "{:,.2f}") -> str:
    """A DataFrame as an HTML table, every cell escaped."""
    return df.to_html(index=False, border=0, float_format=floatfmt.format, escape=True)


def render(title: str, meta: str, sections: list[dict]) -> str:
    """A whole self-contained report page (title and meta are escaped)."""
    return _TEMPLATE.render(title=title, meta=meta, sections=sections, version=sim.__version__,
                            generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def html_report(session: Session, debrief: Debrief) -> str:
    """The HTML report of a played session and its debrief."""
    results = Results(session)
    timeline = results.timeline
    world = session.world
    report = session.observe()
    currency = world.scenario.budget.currency
    date_of = world.calendar.date
    stakeholders = world.scenario.stakeholders
    decisions = results.decisions
    sections = [
        section("", markup.render(debrief.to_markdown().split("\n", 2)[2])),
        section("Charts", "", [
            charts.gantt(report.tasks, report.day, report.deadline_day, date_of, plan_critical_path(world)),
            charts.earned_value(timeline, world.baseline.cost, report.budget, currency, date_of),
            charts.budget_burn(timeline, report.budget, report.reserve, report.spent, report.day,
                               report.forecast_finish_day, report.forecast_cost, currency, date_of),
            charts.team(report.team),
            charts.stakeholders({s.id: s.name for s in stakeholders}, report.satisfaction, {s.id: s.satisfaction for s in stakeholders}),
            charts.defects(timeline),
        ]),
        section("Decisions", table_html(decisions.assign(details=[", ".join(f"{k} {v}" for k, v in d.items()) for d in decisions["details"]]))
                 if not decisions.empty else "<p>No decisions.</p>"),
    ]
    meta = f"{world.scenario.title} · {world.difficulty} · seed {session.seed}"
    return render(f"Project report: {world.scenario.id}", meta, sections)


def study_report(runs: pd.DataFrame, deadline_day: float | None, budget: float | None, currency: str) -> str:
    """The HTML report of a Monte Carlo study."""
    pct = percentiles(runs).reset_index(names="percentile")
    odds = pd.DataFrame([{"measure": k.replace("_", " "), "chance": f"{v:.1%}"} for k, v in chances(runs).items()])
    crit = criticality(runs).head(15)
    torn = tornado(runs)
    sections = [
        section("Percentiles", table_html(pct)),
        section("Chances", table_html(odds)),
        section("S-curves", "", [charts.s_curves(runs, deadline_day, budget, currency)]),
        section("Criticality", "<p>Criticality index: the share of runs in which the task was on the critical path. "
                 "Cruciality: the correlation of its duration with the finish.</p>" + table_html(crit, "{:.3f}")),
    ]
    if not torn.empty:
        sections.append(section("Risk tornado", table_html(torn.head(12), "{:,.3f}"), [charts.tornado(torn)]))
    attrs = runs.attrs
    meta = f"{attrs.get('scenario', '')} · {attrs.get('difficulty', '')} · policy {attrs.get('policy', '')} · {len(runs)} runs, seed {attrs.get('seed', '')}"
    return render("Monte Carlo study", meta, sections)
