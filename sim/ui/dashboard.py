"""The status dashboard: headline numbers and the charts, redrawn at every status point."""

from __future__ import annotations

import math

import ipywidgets as w

from sim.engine import evm, plan_critical_path
from sim.results import charts

from .parts import View, image
from .text import RAG, abbr, day_text, esc, money, pct, table, tip

TABS = ("Schedule", "Earned value", "Budget", "Risks", "Team", "Stakeholders", "Defects")
NOTES = {
    "Schedule": f"Grey bars: the plan; coloured bars: what happened. ◆ and the outlined bars are the plan's {abbr('critical path')}.",
    "Earned value": f"{abbr('PV')}, {abbr('EV')} and {abbr('AC')} in money over time.",
    "Budget": f"Spending to date and the forecast final cost ({abbr('EAC')}) against budget and {abbr('reserve')}.",
    "Risks": f"The register as a {abbr('heat map')}; early warnings reported are listed below it.",
    "Team": f"{abbr('morale', 'Morale')} and {abbr('fatigue')} of each person now.",
    "Stakeholders": f"{abbr('satisfaction', 'Satisfaction')} of each stakeholder now, against the start.",
    "Defects": f"{abbr('defects found', 'Defects found')} by tests so far (defects not yet found are not shown).",
}


def kpi(label: str, value: str, small: str = "", status: str = "", why: str = "") -> str:
    """One headline figure; ``status`` green, amber or red colours its box and says so in words (not only colour),
    and its hover text says what the light was read from (``why``) and the thresholds."""
    mark = {"green": "● ", "amber": "▲ ", "red": "■ "}.get(status, "")
    title = f' title="{esc(status.title() + (" " + why if why else "") + ". " + tip("traffic lights"))}"' if status else ""
    return (f'<div class="itpm-kpi itpm-{status or "plain"}"{title}>{label}<b>{mark}{value}</b>'
            f'<small>{small}</small></div>')


def rag_index(value: float) -> str:
    """Green at or above ``RAG['index_green']``, amber at or above ``RAG['index_amber']``, red below."""
    return "green" if value >= RAG["index_green"] else "amber" if value >= RAG["index_amber"] else "red"


def likely_light(share: float) -> str:
    """A light from the live forecast: green when ``RAG['likely_green']`` of the futures or more keep the target,
    amber at ``RAG['likely_amber']`` or more, red below."""
    return "green" if share >= RAG["likely_green"] else "amber" if share >= RAG["likely_amber"] else "red"


def progress_shares(baseline, r) -> tuple[float, float]:
    """Progress as earned value / BAC and the plan's as planned value / BAC, so that their ratio is the SPI.

    The engine's progress is the share of the baseline's planned cost earned; the earned value is the cost plan
    read at the earned schedule of that progress (``sim.engine.evm``).  Shown this way, a purchase weighs what it
    costs, and 'Progress 80%, plan 84%' says exactly what SPI 0.95 says."""
    earned = evm.value_share(baseline.cost, evm.earned_schedule(baseline.progress, r.progress))
    return earned, evm.value_share(baseline.cost, r.day)


class Dashboard(View):
    """Where the project stands: week, progress, money, forecasts, and a tab per chart."""

    def __init__(self, model):
        super().__init__(model)
        self.headline = w.HTML()
        self.kpis = w.HTML()
        self.images = {name: image() for name in TABS}
        for name, img in self.images.items():
            img.add_class("itpm-chart-" + name.lower().replace(" ", "-"))  # stable hooks for browser tests
        self.headline.add_class("itpm-headline")
        self.indicators = w.HTML()
        self.register = w.HTML()
        self.register.add_class("itpm-register")
        self.arrivals = w.HTML()
        pages = []
        for name in TABS:
            extra = {"Risks": [self.register, self.indicators], "Team": [self.arrivals]}.get(name, [])
            chart = self.images[name]
            if name == "Schedule":  # one row per task: scroll inside the tab rather than push everything down
                chart = w.Box([chart], layout=w.Layout(max_height="460px", overflow="auto", display="block"))
            pages.append(w.VBox([w.HTML(f'<div class="itpm-note">{NOTES[name]}</div>'), chart, *extra]))
        self.tabs = w.Tab(children=pages, titles=list(TABS))
        self.tabs.observe(lambda _: self._draw_visible(), "selected_index")
        self.stale: set[str] = set()
        self.gantt = charts.GanttPainter()  # redrawn every week: keeps what did not move
        self.drawn = w.HTML(layout=w.Layout(display="none"))  # the stop shown: the execute view sets it last
        self.drawn.add_class("itpm-drawn")
        self.outlook = w.HTML()
        self.outlook.add_class("itpm-outlook")
        self.widget = w.VBox([self.kpis, self.outlook, self.tabs, self.drawn])  # the headline sits in the execute view's sticky bar
        self.watch(self.update, ["report"])
        self.watch(self.show_outlook, ["outlook", "outlook_note"])
        self.watch(self.show_kpis, ["outlook"])  # the whole forecast and its cleared note are set together: one notice
        self.update()
        self.show_outlook()

    def show_outlook(self, _=None) -> None:
        """The live forecast: P50 and P80 of finish and cost over the futures of the project as it stands."""
        model = self.model
        o, note, r = model.outlook, model.outlook_note, model.report
        if r is None or (o is None and not note):
            self.outlook.value = ""
            return
        updating = ""
        if note == "updating":  # a new forecast is under way: of this status point (its first futures), or still the last one's
            updating = (f' <small class="itpm-updating">first {o.runs} of {model.live_runs} futures, the rest coming…</small>'
                        if o is not None and o.day == r.day else ' <small class="itpm-updating">updating…</small>')
        if o is None:
            text = ('<span class="itpm-updating">simulating the futures of the project as it stands…</span>'
                    if note == "updating" else esc(note))
            self.outlook.value = f'<div class="itpm-outlook-line"><b>{abbr("live forecast", "Live forecast")}</b>: {text}</div>'
            return
        cur = r.currency

        def day(d: float) -> str:
            return day_text(model.date(max(0.0, d - 1)))

        failed = f' <small class="itpm-error">{esc(note)}</small>' if note and note != "updating" else ""
        self.outlook.value = (
            f'<div class="itpm-outlook-line" data-day="{o.day:g}"><b>{abbr("live forecast", "Live forecast")}</b> '
            f'<small>({o.runs} futures from {day(o.day + 1) if o.day else "the start"}, fresh luck, no further decisions)</small>: '
            f'finish P50 <b>{day(o.p50_finish_day)}</b> · P80 <b>{day(o.p80_finish_day)}</b> · '
            f'cost P50 <b>{money(o.p50_cost, cur, compact=True)}</b> · P80 <b>{money(o.p80_cost, cur, compact=True)}</b> · '
            f'<b>{pct(o.on_time)}</b> on time · <b>{pct(o.on_budget)}</b> within budget + reserve{updating}{failed}</div>')

    def update(self, _=None) -> None:
        model, r = self.model, self.model.report
        if r is None:
            return
        week = max(1, math.ceil(r.day / 5)) if r.day else 0
        when = "before the start" if r.day == 0 else f"status on {day_text(model.status_date())}"
        event = " · an event needs your decision" if r.requests else " · an event, answered"  # once answered, it says so
        why = {"event": event, "risk": " · a risk has hit", "end": " · the project has ended"}
        day = f"{r.day:g}" if r.day == int(r.day) else f"{math.floor(r.day) + 1} (during the day)"
        self.headline.value = (f'<div class="itpm-stage">Week {week} · working day {day} · {when}'
                               f'{why.get(r.reason, "")}</div>')
        self.show_kpis()
        self._lists(r)
        self.stale = set(TABS)
        self._draw_visible()

    def show_kpis(self, _=None) -> None:
        """The headline figures.  The finish and cost lights follow the live forecast once it has arrived for this
        status point (the shares its line shows), else the deterministic trend, and each light says which."""
        model, r = self.model, self.model.report
        if r is None:
            return
        cur = r.currency
        late = r.forecast_finish_day - r.deadline_day
        finish = model.date(max(0.0, r.forecast_finish_day - 1))
        team = [p for p in r.team if p["status"] != "left"]
        earned, planned = progress_shares(model.world.baseline, r)
        spi, cpi = rag_index(r.spi), rag_index(r.cpi)
        slack = RAG["finish_amber_share"] * r.planned_finish_day
        on_time = "green" if late <= 0 else "amber" if late <= slack else "red"  # the deterministic trend's lights
        on_budget = "green" if r.forecast_cost <= r.budget else "amber" if r.forecast_cost <= r.budget + r.reserve else "red"
        cost_trend = {"green": "within budget", "amber": "needs the reserve", "red": "over budget + reserve"}[on_budget]
        time_why = cost_why = "from today's trend, until the live forecast arrives"
        o = model.outlook
        if o is not None and o.day == r.day and model.outlook_note != "updating":  # this status point's forecast, all of it: its lights
            on_time, on_budget = likely_light(o.on_time), likely_light(o.on_budget)
            time_why = f"from the live forecast: {pct(o.on_time)} of its futures finish on time"
            cost_why = f"from the live forecast: {pct(o.on_budget)} of its futures stay within budget + reserve"
        self.kpis.value = '<div class="itpm-kpis">' + "".join([
            kpi(abbr("progress", "Progress"), pct(earned, 1), f"plan {pct(planned, 1)}", spi, "from SPI"),
            kpi(abbr("SPI"), f"{r.spi:.2f}", "behind" if r.spi < 0.95 else "on plan" if r.spi <= 1.05 else "ahead", spi),
            kpi(abbr("CPI"), f"{r.cpi:.2f}", "over cost" if r.cpi < 0.95 else "on cost" if r.cpi <= 1.05 else "under cost", cpi),
            kpi("Spent", money(r.spent, cur, compact=True), f"of {money(r.budget, cur, compact=True)} "
                f"+ {money(r.reserve, cur, compact=True)} reserve"
                + (f" (original budget {money(r.original_budget, cur, compact=True)})" if r.budget != r.original_budget else "")),
            kpi(abbr("trend finish", "Finish at today's pace"), day_text(finish),
                f"deterministic trend: {abs(late):.0f} working days {'late' if late > 0 else 'early'} (deadline {day_text(r.deadline)}"
                + (f", originally {day_text(model.date(max(0.0, r.original_deadline_day - 1)))}"
                   if r.deadline_day != r.original_deadline_day else "")
                + ")", on_time, time_why),
            kpi(abbr("EAC", "Cost at today's CPI (EAC)"), money(r.forecast_cost, cur, compact=True),
                f"deterministic trend: {cost_trend}", on_budget, cost_why),
            kpi("Team", f"{len(team)} people", f"morale {pct(sum(p['morale'] for p in team) / max(1, len(team)))}, "
                f"max fatigue {pct(max((p['fatigue'] for p in team), default=0))}"),
            kpi("Defects found", f"{r.defects_found:.0f}", "by tests so far"),
        ]) + "</div>"

    def _draw_visible(self) -> None:
        """Draw the chart on the open tab if it is out of date (the others wait until they are opened)."""
        name = TABS[self.tabs.selected_index or 0]
        if name in self.stale:
            self.images[name].value = self.chart(name)
            self.stale.discard(name)

    def chart(self, name: str) -> bytes:
        """The PNG of one dashboard chart for the current report."""
        model, r = self.model, self.model.report
        date, cur = model.date, r.currency
        scenario = model.world.scenario
        if name == "Schedule":
            return self.gantt.png(r.tasks, r.day, r.deadline_day, date, plan_critical_path(model.world))
        if name == "Earned value":
            return charts.earned_value(model.timeline(), model.world.baseline.cost, r.budget, cur, date)
        if name == "Budget":
            return charts.budget_burn(model.timeline(), r.budget, r.reserve, r.spent, r.day, r.forecast_finish_day,
                                      r.forecast_cost, cur, date)
        if name == "Risks":
            return charts.heat_map(r.risks, charts.risk_impacts(r, r.risks), {i["risk"] for i in r.indicators}, cur)
        if name == "Team":
            return charts.team(r.team)
        if name == "Stakeholders":
            return charts.stakeholders({s.id: s.name for s in scenario.stakeholders}, r.satisfaction,
                                       {s.id: s.satisfaction for s in scenario.stakeholders})
        return charts.defects(model.timeline())

    def _lists(self, r) -> None:
        date = self.model.date
        tasks = {t["id"]: t for t in r.tasks}

        def about(risk: dict) -> str:
            task = tasks.get(risk.get("during") or "")
            return f"{task['name']} ({task['state']})" if task else "the whole project"

        def status(risk: dict) -> str:
            if risk["hit"]:
                return "has hit"
            if not risk["can_strike"]:
                return "can no longer strike"
            return f"{len(risk['bought'])} response(s) in place" if risk["bought"] else "open"

        self.register.value = "<b>The register</b>" + table(
            ["#", "risk", "about (a task: strikes only while it runs)", "chance now", "status"],
            [[n, x["title"], about(x), pct(x["probability"]), status(x)] for n, x in enumerate(r.risks, start=1)],
            {"#": "The risk's number on the heat map."})
        titles = {x["id"]: x["title"] for x in r.risks}
        self.indicators.value = ("<b>Early warnings reported</b>" + table(
            ["reported", "risk", "signal"],
            [[day_text(self.model.date_at(i['day'])), titles.get(i["risk"], i["risk"]), i["signal"]] for i in r.indicators])
            if r.indicators else '<div class="itpm-note">No early warning reported so far.</div>')
        self.arrivals.value = ("<b>On the way</b>: " + "; ".join(
            f"{esc(a['name'])} arrives {day_text(date(a['arrives']))}" for a in r.arrivals) if r.arrivals else "")
