"""Self-contained HTML reports, charts embedded, that an instructor can mail.

One for a played session (outcome, scorecard against ``reference``, charts,
the debrief) and one for a Monte Carlo study (percentiles, chances, S-curves,
criticality and the risk tornado).
"""

from __future__ import annotations

import datetime as dt
import html

import jinja2
import pandas as pd
from markdown_it import MarkdownIt

import sim
from sim.analysis.summary import chances, criticality, percentiles, tornado
from sim.engine import Session

from . import charts
from .debrief import Debrief
from .tables import Results, critical_path

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


def _section(heading: str, body_html: str = "", images: list[str] | None = None) -> dict:
    return {"heading": heading, "html": body_html, "images": images or []}


def _table(df: pd.DataFrame, floatfmt: str = "{:,.2f}") -> str:
    return df.to_html(index=False, border=0, float_format=floatfmt.format, escape=True)


def _render(title: str, meta: str, sections: list[dict]) -> str:
    return _TEMPLATE.render(title=title, meta=meta, sections=sections, version=sim.__version__,
                            generated=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"))


def html_report(session: Session, debrief: Debrief) -> str:
    """The HTML report of a played session and its debrief."""
    results = Results(session)
    timeline = results.timeline
    world = session.world
    currency = world.scenario.budget.currency
    critical = set(critical_path(session.project))
    date_of = lambda day: pd.Timestamp(world.calendar.date(max(0.0, day)))  # noqa: E731
    md = MarkdownIt("commonmark").enable("table")
    sections = [
        _section("", md.render(debrief.to_markdown().split("\n", 2)[2])),
        _section("Charts", "", [
            charts.data_uri(charts.earned_value(timeline, currency)),
            charts.data_uri(charts.budget_burn(timeline, currency)),
            charts.data_uri(charts.gantt(results.tasks, date_of, critical)),
            charts.data_uri(charts.team_health(timeline)),
            charts.data_uri(charts.satisfaction(timeline)),
            charts.data_uri(charts.defects(timeline, show_latent=True)),
        ]),
        _section("Decisions", _table(results.decisions.drop(columns=["details"]).assign(
            details=[html.escape(str(d)) for d in results.decisions["details"]])) if not results.decisions.empty else "<p>No decisions.</p>"),
    ]
    meta = f"{world.scenario.title} · {world.difficulty} · seed {session.seed}"
    return _render(f"Project report: {world.scenario.id}", meta, sections)


def study_report(runs: pd.DataFrame, deadline_day: float | None, budget: float | None, currency: str) -> str:
    """The HTML report of a Monte Carlo study."""
    pct = percentiles(runs).reset_index(names="percentile")
    odds = pd.DataFrame([{"measure": k.replace("_", " "), "chance": f"{v:.1%}"} for k, v in chances(runs).items()])
    crit = criticality(runs).head(15)
    torn = tornado(runs)
    sections = [
        _section("Percentiles", _table(pct)),
        _section("Chances", _table(odds)),
        _section("S-curves", "", [charts.data_uri(charts.s_curves(runs, deadline_day, budget, currency))]),
        _section("Criticality", "<p>Criticality index: the share of runs in which the task was on the critical path. "
                 "Cruciality: the correlation of its duration with the finish.</p>" + _table(crit, "{:.3f}")),
    ]
    if not torn.empty:
        sections.append(_section("Risk tornado", _table(torn.head(12), "{:,.3f}"), [charts.data_uri(charts.tornado(torn))]))
    attrs = runs.attrs
    meta = f"{attrs.get('scenario', '')} · {attrs.get('difficulty', '')} · policy {attrs.get('policy', '')} · {len(runs)} runs, seed {attrs.get('seed', '')}"
    return _render("Monte Carlo study", meta, sections)
