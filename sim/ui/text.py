"""Words for the trainee: the glossary behind every tooltip, number formats, and small HTML helpers."""

from __future__ import annotations

import html
import math

from sim.results import markup
from sim.results.words import day_text, money, short_day, signed_money  # noqa: F401  (the app writes them from here too)

RAG = {"index_green": 0.95, "index_amber": 0.85, "finish_amber_share": 0.05, "likely_green": 0.8, "likely_amber": 0.5}
"""The dashboard's traffic lights (how a PMO reads a status report, not part of the model): SPI and CPI green at
0.95 or more, amber at 0.85 or more, red below.  The finish and the cost follow the live forecast when it has
arrived for the status shown (``dashboard.likely_light``): green when 80% or more of its futures keep the deadline
(the budget plus reserve), amber at 50% or more, red below; the same shares its line shows.  Until it arrives they
follow the deterministic trend: the finish green by the deadline, amber up to 5% of the planned duration late, red
later; the cost green within the budget, amber within budget and reserve, red over."""

GLOSSARY = {
    "PERT": "PERT estimate (O + 4M + P) / 6: the expected effort from the optimistic (O), most likely (M) and "
            "pessimistic (P) estimates, in person-days.",
    "O/M/P": "Optimistic / most likely / pessimistic effort, in person-days.",
    "SPI": "Schedule performance index = earned value / planned value. Below 1: behind the plan.",
    "CPI": "Cost performance index = earned value / actual cost. Below 1: each euro buys less work than planned.",
    "EAC": "Estimate at completion = actual cost + remaining work / CPI: the forecast final cost.",
    "BAC": "Budget at completion: the approved budget for the whole project.",
    "PV": "Planned value: the budgeted cost of the work the plan scheduled up to a date.",
    "EV": "Earned value: the budgeted cost of the work actually done.",
    "AC": "Actual cost: what has been spent so far.",
    "P50": "P50: half of the simulated futures finish by this date (or cost) or earlier.",
    "P80": "P80: four in five simulated futures finish by this date (or cost) or earlier; a common commitment level.",
    "critical path": "The chain of dependent tasks that sets the finish date: a day lost on it is a day lost at the end.",
    "fast-track": "Start a work task once the work it depends on is half done. It can save time, but it redoes work in proportion to the overlap when they finish, and it cannot overlap a delivery, a test or a cutover.",
    "reserve": "Management reserve: money the sponsor holds back for unforeseen trouble, on top of the budget.",
    "overtime": "Extra hours for the whole team as a share of a normal week (20% = 48-hour weeks). "
                "Short bursts help; sustained overtime builds fatigue, defects and resignations.",
    "communication": "Share of everyone's time on status meetings and stakeholder communication. "
                     "More keeps stakeholders informed and early warnings visible; it takes time from the work.",
    "quality": "Share of time on reviews and quality practice. More injects fewer defects; it takes time from the work.",
    "morale": "How motivated a person is (0-100%). Low morale lowers output and raises the chance of resigning.",
    "fatigue": "Accumulated tiredness from overtime (0-100%). It lowers output and morale and raises defects.",
    "satisfaction": "How content a stakeholder is with the project (0-100%).",
    "defects found": "Defects that tests have found so far; each needs rework. Defects not found escape at go-live.",
    "scope": "must: cannot be cut; should and could: business value you may trade for time or money.",
    "seed": "The seed fixes the world's luck: the same scenario, seed and decisions always give the same result.",
    "heat map": "Each risk placed by its probability and its rough cost if it hits. Top right: act first.",
    "Monte Carlo": "The plan is played many times under different luck; the spread of results is the forecast.",
    "progress": "Progress = earned value / budget at completion: the budgeted cost of the work done, as a share of the "
                "budget of all the work. Each task weighs what it is planned to cost, so a large purchase counts for "
                "much; 'plan' is planned value / budget at completion, and progress / plan is the SPI.",
    "trend finish": "The finish if the project keeps today's pace (earned schedule: the planned duration / SPI(t)). "
                    "It is a trend, not a probability: the forecast with the luck still to come is the P50/P80.",
    "live forecast": "The project as it stands, played to the end 100 times with the luck still to come drawn afresh "
                     "each time (efforts of tasks not begun, risks not yet struck, absences, cutovers) and no further "
                     "decision. Half the futures finish by the P50 date, four in five by the P80. It updates after "
                     "every week and decision.",
    "traffic lights": "Green, amber, red. SPI and CPI: green at 0.95 or more, amber at 0.85 or more, red below. Finish "
                      "and cost, from the live forecast: green when 80% or more of its futures finish on time (cost: "
                      "within budget + reserve), amber at 50% or more, red below. While the live forecast is being made "
                      "they follow today's trend: the finish green by the deadline, amber up to 5% of the planned "
                      "duration late; the cost green within budget, amber within budget + reserve.",
    "rationale": "Optional: one line on why you decide this. It is kept in the session log and the debrief.",
}


def tip(term: str) -> str:
    """The glossary entry for ``term`` (a tooltip text)."""
    return GLOSSARY[term]


def abbr(term: str, label: str | None = None) -> str:
    """``label`` (default ``term``) as HTML with the glossary entry as its hover title."""
    return f'<abbr title="{html.escape(tip(term))}">{html.escape(label or term)}</abbr>'


def esc(text) -> str:
    return html.escape(str(text))


def markdown(text: str) -> str:
    """Markdown a user wrote (a briefing, the debrief with its lessons) as HTML: raw HTML shows as text."""
    return markup.render(text)


def read_amount(text: str, currency: str) -> float:
    """An amount of money as a trainee types it: ``30000``, ``30,000``, ``EUR 30,000``, ``30k`` or ``1.2M``.

    ValueError, saying what was expected, for anything else (a readout parsed by the browser read ``30,000`` as 0)."""
    words = text.strip().upper().removeprefix(currency.upper()).strip().replace(",", "").replace(" ", "")
    scale = {"K": 1e3, "M": 1e6}.get(words[-1:], 1.0)
    number = words[:-1] if scale != 1.0 else words
    try:
        amount = float(number) * scale
    except ValueError:
        raise ValueError(f"{text.strip()!r} is not an amount: type it as 30000, 30,000, {currency} 30,000 or 30k") from None
    if not math.isfinite(amount) or amount < 0:
        raise ValueError(f"{text.strip()!r} is not an amount of money (expected 0 or more)")
    return amount


def acts(response: dict) -> bool:
    """Whether buying a risk response changes anything: an "accept" line, free and without effect, is what buying
    nothing means, and is never offered for sale."""
    return bool(response["cost"]) or response["probability_factor"] != 1 or response["impact_factor"] != 1


def pct(share: float, digits: int = 0) -> str:
    return f"{100 * share:.{digits}f}%"


def table(columns: list[str], rows: list[list], titles: dict[str, str] | None = None) -> str:
    """An HTML table of escaped cells; ``titles`` give header tooltips."""
    titles = titles or {}
    head = "".join(
        f'<th title="{esc(titles[c])}">{esc(c)}</th>' if c in titles else f"<th>{esc(c)}</th>" for c in columns
    )
    body = "".join(
        "<tr>" + "".join(f"<td>{esc(cell)}</td>" for cell in row) + "</tr>"
        for row in rows
    )
    return f'<table class="itpm-table"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def frame(df, titles: dict[str, str] | None = None, digits: int = 1) -> str:
    """A DataFrame as an escaped HTML table, numbers rounded to ``digits``."""
    rows = [[_cell(v, digits) for v in row] for row in df.itertuples(index=False)]
    return table([str(c) for c in df.columns], rows, titles)


def _cell(value, digits: int):
    if isinstance(value, float):
        return "" if math.isnan(value) else f"{value:,.{digits}f}"
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    return "" if value is None else value


def describe_impact(impact: dict, currency: str, names: dict[str, str] | None = None) -> str:
    """One impact of a risk or event in plain words; ``names`` turns task, person and stakeholder ids into names."""
    names = names or {}

    def name(ident: str) -> str:
        return names.get(ident, ident)

    kind = impact["type"]
    if kind == "delay":
        return f"{name(impact['task'])} delayed {impact['days']:g} working days"
    if kind == "extra_effort":
        return f"{impact['share']:.0%} more effort on {', '.join(name(t) for t in impact['tasks'])}"
    if kind == "cost":
        return f"costs {money(impact['amount'], currency)}"
    if kind == "defects":
        return f"{impact['count']:g} defects" + (f" in {name(impact['task'])}" if impact.get("task") else "")
    if kind == "morale":
        who = f" for {name(impact['person'])}" if impact.get("person") else " for everyone"
        return f"morale {'down' if impact['delta'] < 0 else 'up'} {abs(impact['delta']):.0%}{who}"
    if kind == "lose_person":
        return f"lose {name(impact['person']) if impact.get('person') else 'a team member'}"
    if kind == "scope_change":
        return f"{name(impact['task'])} effort {impact['share']:+.0%}"
    if kind == "satisfaction":
        return f"{name(impact['stakeholder'])} satisfaction {'down' if impact['delta'] < 0 else 'up'} {abs(impact['delta']):.0%}"
    if kind == "budget":
        return f"budget {'+' if impact['amount'] >= 0 else '-'}{money(abs(impact['amount']), currency)}"
    if kind == "deadline":
        return f"deadline {impact['days']:+d} working days"
    if kind == "add_task":
        task = impact["task"]
        return f"adds the task {task.get('name', task['id']) if isinstance(task, dict) else name(task)}"
    if kind == "cut_task":
        return f"cuts {name(impact['task'])}"
    return kind.replace("_", " ")


def response_effect(response: dict) -> str:
    """What a risk response does, in words: ``cuts the chance by 60%``, ``halves the impact``."""
    parts = []
    if response["probability_factor"] != 1:
        parts.append(f"cuts the chance by {1 - response['probability_factor']:.0%}")
    if response["impact_factor"] != 1:
        parts.append("halves the impact" if response["impact_factor"] == 0.5
                     else f"cuts the impact by {1 - response['impact_factor']:.0%}")
    return " and ".join(parts) or "changes neither chance nor impact"


CSS = """
<style>
.itpm-app .widget-html-content { line-height: 1.4; }
.itpm-app .widget-radio-box label { height: auto; line-height: 1.3; white-space: normal; margin: 3px 0;
  display: flex !important; flex-direction: row !important; align-items: flex-start; gap: 4px; }
.itpm-app .widget-radio-box label input { order: -1; flex: 0 0 auto; margin-top: 3px; }
.itpm-table, .itpm-md table { border-collapse: collapse; font-size: 12px; margin: 4px 0; }
.itpm-table th, .itpm-table td, .itpm-md th, .itpm-md td { border-bottom: 1px solid #ddd; padding: 2px 6px; text-align: left;
  vertical-align: top; }
.itpm-table th, .itpm-md th { background: #f2f2f2; position: sticky; top: 0; }
.itpm-table th[title], abbr[title] { text-decoration: underline dotted; cursor: help; }
.itpm-kpis { display: flex; flex-wrap: wrap; gap: 4px; }
.itpm-kpi { border: 1px solid #ccc; border-radius: 4px; padding: 1px 7px; min-width: 88px; background: #fafafa;
  font-size: 12px; line-height: 1.3; }
.itpm-kpi b { display: block; font-size: 15px; }
.itpm-green { border-left: 5px solid #009E73; }
.itpm-amber { border-left: 5px solid #E69F00; background: #FFF8E6; }
.itpm-red { border-left: 5px solid #D55E00; background: #FCE9DC; }
.itpm-kpi small { display: block; color: #444; font-size: 11px; }
.itpm-outlook-line { font-size: 12px; line-height: 1.35; margin: 3px 0; padding: 2px 7px; border: 1px solid #ccc;
  border-left: 5px solid #0072B2; border-radius: 4px; background: #F3F8FC; }
.itpm-outlook-line b { font-size: 13px; }
.itpm-updating { color: #555; font-style: italic; }
.itpm-error { color: #A33F00; font-weight: bold; }
.itpm-ok { color: #00664A; }
.itpm-stage { font-size: 18px; font-weight: bold; margin: 4px 0; }
.itpm-stages { color: #555; font-size: 13px; cursor: default; }
.itpm-stages .itpm-now { color: #000; font-weight: bold; }
.itpm-scroll { max-height: 420px; overflow: auto; }
.itpm-scroll .itpm-table td:first-child { min-width: 200px; }
.itpm-note { color: #444; font-size: 12px; }
.itpm-percent .widget-readout::after { content: "%"; }
.itpm-side > .lm-Widget, .itpm-side .widget-tab, .itpm-side .widget-radio-box { max-width: 100%; box-sizing: border-box; }
.itpm-side .widget-html-content, .itpm-side .widget-radio-box label { overflow-wrap: break-word; }
.itpm-log table { table-layout: fixed; width: 100%; }
.itpm-log th:nth-child(1) { width: 27%; } .itpm-log th:nth-child(2) { width: 48%; } .itpm-log th:nth-child(3) { width: 25%; }
.itpm-sticky { position: sticky; top: 0; z-index: 5; background: var(--jp-layout-color0, white);
  border-bottom: 1px solid #ccc; padding: 2px 0; }
.itpm-clock { position: sticky; top: 0; z-index: 6; background: #E8F1F8; border: 1px solid #0072B2; border-radius: 4px;
  padding: 3px 10px; font-size: 15px; font-weight: bold; width: fit-content; margin-left: auto; }
.itpm-clock-low { background: #FCE9DC; border-color: #D55E00; color: #A33F00; }
.itpm-timed .itpm-sticky { top: 34px; }
</style>
"""
