"""Stage 2, plan: review the work breakdown, shape the team, set the reserve, buy risk responses,
set communication and quality effort, forecast the plan, and commit it."""

from __future__ import annotations

import math

import ipywidgets as w

from sim.engine import plan_critical_path
from sim.policies import expected_saving, impact_money
from sim.results import charts

from .draft import substance
from .forecast import RUNS
from .parts import (
    View,
    button,
    heading,
    image,
    message_bar,
    percent,
    percent_slider,
    rationale,
    share,
)
from .text import (
    abbr,
    acts,
    day_text,
    describe_impact,
    esc,
    money,
    pct,
    read_amount,
    response_effect,
    short_day,
    table,
    tip,
)

WBS_TITLES = {
    "O/M/P": tip("O/M/P"), "PERT": tip("PERT"), "scope": tip("scope"),
    "people": "The most people who can work on the task at once.",
    "lead time": "Vendor lead time after ordering: optimistic/most likely/pessimistic working days.",
    "planned": "Start and finish in the baseline plan (expected efforts, no luck); a milestone has one date.",
    "depends on (#)": "The tasks (by their number in the work breakdown) that must finish first.",
}


def wbs_table(model) -> str:
    """The work breakdown with estimates and the baseline dates; critical tasks marked."""
    world, report = model.world, model.report
    critical = set(plan_critical_path(world))
    rows = []
    number = {task.id: n for n, task in enumerate(world.scenario.tasks, start=1)}  # WBS numbers, not ids
    for task in world.scenario.tasks:
        effort = getattr(task, "effort", None)
        lead = getattr(task, "lead_time", None)
        card = report.task(task.id)
        start, finish = card["planned_start"], card["planned_finish"]
        first, last = (model.date(start), model.date_at(finish)) if start is not None else (None, None)
        rows.append([
            f"{number[task.id]} · " + ("◆ " if task.id in critical else "") + task.name, task.phase, task.kind,
            (getattr(task, "skill", "") or "").replace("_", " "),
            f"{effort.optimistic:g}/{effort.most_likely:g}/{effort.pessimistic:g}" if effort else "",
            f"{effort.pert_mean:.1f}" if effort else "",
            f"{lead.optimistic:g}/{lead.most_likely:g}/{lead.pessimistic:g}" if lead else "",
            getattr(task, "max_people", ""), task.scope, ", ".join(str(number[d]) for d in task.depends_on),
            "" if first is None or last is None else short_day(first) if last <= first else f"{short_day(first)} – {short_day(last)}",
        ])
    columns = ["task", "phase", "kind", "skill", "O/M/P", "PERT", "lead time", "people", "scope", "depends on (#)", "planned"]
    return (f'<div class="itpm-note">Effort in person-days; ◆ marks the {abbr("critical path")}. '
            f'The plan finishes on <b>{day_text(model.date(max(0.0, world.baseline.duration - 1)))}</b>; '
            f'the deadline is <b>{day_text(report.deadline)}</b>.</div>'
            f'<div class="itpm-scroll">{table(columns, rows, WBS_TITLES)}</div>')


DRAFT_TRAITS = ["releases", "hires", "reserve", "communication", "quality", "responses"]


class PlanView(View):
    """The pre-project plan, edited as a draft and committed at once."""

    def __init__(self, model):
        super().__init__(model)
        self.draft = model.draft
        report = model.report
        self.currency = report.currency
        self.wbs = w.HTML(wbs_table(model))
        self.tabs = w.Tab(
            children=[self.wbs, self._team_tab(report), self._reserve_tab(report), self._risk_tab(report), self._effort_tab()],
            titles=["Work breakdown", "Team", "Reserve", "Risks", "Comms & quality"],
        )
        self.forecast_button = button(f"Forecast this plan ({RUNS} runs)", tip("Monte Carlo"), "info")
        self.forecast_button.on_click(lambda _: self._forecast())
        self.progress = w.IntProgress(min=0, max=RUNS, layout=w.Layout(width="240px", visibility="hidden"))
        self.forecast_text = w.HTML()
        self.forecast_chart = image()
        self.commit = button("Commit the plan and start the project ▶",
                             "Apply the plan as your day-0 decisions and go to the weekly execution.", "primary")
        self.commit.on_click(lambda _: model.commit_plan())
        self.widget = w.VBox([
            heading("2 · Plan the project",
                    "Nothing is decided until you commit: change the draft freely and forecast it as often as you like."),
            self.tabs,
            w.HTML("<b>Before committing: where does this plan land?</b>"),
            w.HBox([self.forecast_button, self.progress]),
            self.forecast_text, self.forecast_chart,
            w.HBox([self.commit]),
            message_bar(self),
        ])
        self.draft.observe(self._draft_changed, DRAFT_TRAITS)
        self.draft.observe(self._draw_risks, ["responses"])
        self.watch(self._draw_forecast, ["forecast"])
        self._draw_risks()
        self._draft_changed()
        self._draw_forecast()

    def close(self) -> None:
        self.draft.unobserve(self._draft_changed, DRAFT_TRAITS)
        self.draft.unobserve(self._draw_risks, ["responses"])
        super().close()

    # ------------------------------------------------------------ team

    def _team_tab(self, report) -> w.Widget:
        rows = [[p["name"], p["role"], ", ".join(f"{k} {v:.0%}" for k, v in sorted(p["skills"].items(), key=lambda kv: -kv[1])),
                 money(p["daily_rate"], self.currency), p["contract"], pct(p["morale"])]
                for p in report.team]
        team = table(["name", "role", "skills (proficiency)", "rate per day", "contract", "morale"], rows,
                     {"morale": tip("morale")})
        self.releases = w.SelectMultiple(options=[(f"{p['name']} ({p['role'][:40]})", p["id"]) for p in report.team],
                                         rows=6, description="Release", layout=w.Layout(width="98%"),
                                         tooltip="People to release before the start (Ctrl/Cmd-click for several).")
        w.link((self.draft, "releases"), (self.releases, "value"))
        self.hires = {}
        hire_rows = []
        for m in report.market:
            box = w.BoundedIntText(value=self.draft.hires.get(m["id"], 0), min=0, max=m["available"], layout=w.Layout(width="70px"),
                                   tooltip=f"How many to hire (at most {m['available']}).")
            box.observe(lambda change, pid=m["id"]: self._set_hires(pid, change["new"]), "value")
            self.hires[m["id"]] = box
            skills = ", ".join(f"{k} {v:.0%}" for k, v in sorted(m["skills"].items(), key=lambda kv: -kv[1]))
            hire_rows.append(w.HBox([box, w.HTML(
                f"<b>{esc(m['title'])}</b> — {esc(m['contract'])}, {money(m['daily_rate'], self.currency)}/day, "
                f"arrives {m['lead_time']} working days after hiring, fee {money(m['hiring_fee'], self.currency)}; {esc(skills)}")]))
        self.team_cost = w.HTML()
        self.team_why = self._why("team")
        return w.VBox([w.HTML(f'<div class="itpm-scroll">{team}</div>'), self.releases,
                       w.HTML("<b>Hire from the market</b> (people arrive after the lead time, then ramp up):"),
                       *hire_rows, self.team_cost, self.team_why])

    def _set_hires(self, profile: str, count: int) -> None:
        self.draft.hires = {**self.draft.hires, profile: int(count or 0)}

    def _why(self, section: str) -> w.Text:
        box = rationale(self.model.rationale_required)
        box.value = self.draft.rationale.get(section, "")
        box.observe(lambda change: setattr(self.draft, "rationale", {**self.draft.rationale, section: change["new"]}), "value")
        return box

    # ------------------------------------------------------------ reserve

    def _reserve_tab(self, report) -> w.Widget:
        budget = self.model.world.scenario.budget
        most = self.model.world.max_reserve
        self.reserve = w.FloatSlider(min=0, max=most, step=max(1.0, 10 ** math.floor(math.log10(max(most, 10)) - 2)),
                                     readout=False, description=f"Reserve ({self.currency})",
                                     tooltip=tip("reserve"), style={"description_width": "initial"},
                                     layout=w.Layout(width="70%"))
        w.link((self.draft, "reserve"), (self.reserve, "value"))
        # the amount is typed here and read in the kernel: a slider's own readout, parsed by the browser, read
        # "30,000" as 0 without a word
        self.reserve_text = w.Text(value=f"{self.draft.reserve:,.0f}", continuous_update=False,
                                   tooltip=f"Type an amount: 30000, 30,000, {self.currency} 30,000 or 30k.",
                                   layout=w.Layout(width="140px"))
        self.reserve_text.add_class("itpm-amount")
        self.draft.observe(lambda change: setattr(self.reserve_text, "value", f"{change['new']:,.0f}"), "reserve")
        self.reserve_text.observe(lambda change: self._type_reserve(change["new"], most), "value")
        text = (f"<p>The budget at completion ({abbr('BAC')}) is <b>{money(budget.budget_at_completion, self.currency)}</b>. "
                f"The sponsor proposes a {abbr('reserve', 'management reserve')} of "
                f"<b>{money(budget.management_reserve, self.currency)}</b> and agrees to at most {money(most, self.currency)}. "
                + ("Asking for more costs the sponsor's goodwill; asking for less earns some. " if most > budget.management_reserve
                   else "Asking for less earns some of the sponsor's goodwill. ") +
                "The project is on budget if it spends no more than budget plus reserve.</p>")
        return w.VBox([w.HTML(text), w.HBox([self.reserve, self.reserve_text]), self._why("reserve")])

    def _type_reserve(self, text: str, most: float) -> None:
        """A reserve typed as text: applied when it reads as an amount the sponsor may agree to, else said why."""
        try:
            amount = read_amount(text, self.currency)
            if amount > most:
                raise ValueError(f"the sponsor agrees to a reserve of at most {money(most, self.currency)} "
                                 f"(you typed {money(amount, self.currency)})")
        except ValueError as exc:
            self.model.say(f"Reserve not changed: {exc}.", error=True)
            self.reserve_text.value = f"{self.draft.reserve:,.0f}"
            return
        self.draft.reserve = amount
        self.reserve_text.value = f"{amount:,.0f}"

    # ------------------------------------------------------------ risks

    def _risk_tab(self, report) -> w.Widget:
        """One block per risk, each response with a checkbox, its cost and the expected loss it avoids.

        The blocks keep their natural height (``flex: 0 0 auto``) inside the one scroll box: squeezed, each grew its
        own scrollbar and hid its checkboxes."""
        self.responses = {}
        blocks = []
        for number, risk in enumerate(report.risks, start=1):  # numbered as on the heat map
            exposure = impact_money(report, risk["impacts"])
            start, end = risk["window"]
            if risk.get("during"):  # a risk about a task strikes only while that task runs
                task = esc(report.task(risk["during"])["name"])
                when = (f"only while <b>{task}</b> runs" + (f", in its first {end:g} working days" if not start
                                                           else f", on its working day {start:g}" if start == end
                                                           else f", between its working days {start:g} and {end:g}"))
            else:
                when = f"between {day_text(self.model.date(start))} and {day_text(self.model.date(end))}"
            head = (f"<b>{number} · {esc(risk['title'])}</b> <span class='itpm-note'>({esc(risk['category'])})</span><br>"
                    f"Chance {pct(risk['probability'])}, {when}; if it hits: "
                    f"{esc('; '.join(describe_impact(i, self.currency, self.model.names) for i in risk['impacts']))} "
                    f"(roughly {money(exposure, self.currency, compact=True)}; expected loss "
                    f"{money(risk['probability'] * exposure, self.currency, compact=True)})."
                    + (f"<br><i>Early warning to watch for:</i> {esc(risk['indicator'])}" if risk["indicator"] else ""))
            rows = [w.HTML(head, layout=w.Layout(flex="0 0 auto"))]
            for response in risk["responses"]:
                if not acts(response):
                    continue  # "accept": buying nothing is what an unticked risk means
                key = f"{risk['id']}/{response['id']}"
                box = w.Checkbox(value=key in self.draft.responses, indent=False, description="",
                                 layout=w.Layout(width="28px", flex="0 0 auto"),
                                 tooltip="Buy this response before the project starts.")
                box.observe(lambda change, key=key: self._set_response(key, change["new"]), "value")
                self.responses[key] = box
                saving = expected_saving(response, exposure, risk["probability"])
                rows.append(w.HBox([box, w.HTML(
                    f"{esc(response['strategy'].title())}: {esc(response['description'])} — "
                    f"<b>costs {money(response['cost'], self.currency)}</b>, {response_effect(response)}; "
                    f"expected loss avoided {money(saving, self.currency)}",
                    layout=w.Layout(flex="1 1 auto"))], layout=w.Layout(flex="0 0 auto", align_items="flex-start")))
            block = w.VBox(rows, layout=w.Layout(flex="0 0 auto", border_bottom="1px solid #ddd", padding="4px 0"))
            block.add_class("itpm-risk-block")
            blocks.append(block)
        self.heat = image()
        register = w.VBox(blocks, layout=w.Layout(max_height="420px", overflow="hidden auto",
                                                  display="flex", flex_flow="column"))
        register.add_class("itpm-risk-register")
        note = w.HTML('<div class="itpm-note">Tick a response to buy it before the start. "Expected loss avoided" is the '
                      "chance times the rough cost of the impact, times what the response removes; buying pays when it "
                      "is more than the cost, or when you cannot afford the risk striking.</div>")
        return w.VBox([self.heat, note, register, self._why("risks")])

    def _set_response(self, key: str, on: bool) -> None:
        rest = [k for k in self.draft.responses if k != key]
        self.draft.responses = rest + [key] if on else rest

    # ------------------------------------------------------------ effort

    def _effort_tab(self) -> w.Widget:
        high = self.model.world.params.decisions.max_effort_share
        self.communication = percent_slider("Communication", high, tip("communication"), width="70%")
        self.quality = percent_slider("Quality", high, tip("quality"), width="70%")
        for name in ("communication", "quality"):
            w.link((self.draft, name), (getattr(self, name), "value"), transform=(percent, share))
        note = ("<p>Share of everyone's time. <b>Communication</b>: status meetings and stakeholder updates; it keeps "
                "stakeholders content and makes early warnings of risks visible. <b>Quality</b>: reviews and testing "
                "practice; it injects fewer defects. Both take time from the work. The scenario starts at "
                f"{pct(self.draft.start['communication'])} and {pct(self.draft.start['quality'])}.</p>")
        return w.VBox([w.HTML(note), self.communication, self.quality, self._why("effort")])

    # ------------------------------------------------------------ summary, forecast

    def _draft_changed(self, _=None) -> None:
        report, draft = self.model.report, self.draft
        rate = {p["id"]: p["daily_rate"] for p in report.team}
        market = {m["id"]: m for m in report.market}
        before = sum(rate.values())
        after = before - sum(rate[p] for p in draft.releases) + sum(market[k]["daily_rate"] * n for k, n in draft.hires.items())
        fees = sum(market[k]["hiring_fee"] * n for k, n in draft.hires.items())
        responses = sum(x["cost"] for r in report.risks for x in r["responses"] if f"{r['id']}/{x['id']}" in draft.responses)
        self.team_cost.value = (f"Team cost per working day: <b>{money(after, self.currency)}</b> "
                                f"(now {money(before, self.currency)}). Hiring fees: {money(fees, self.currency)}.")
        self.summary = (len(draft.decisions()), responses + fees)
        self._describe_forecast()

    def _draw_risks(self, _=None) -> None:
        """The heat map as it would stand with the responses in the draft."""
        report, draft = self.model.report, self.draft
        bought = {r["id"]: [k.split("/", 1)[1] for k in draft.responses if k.split("/", 1)[0] == r["id"]] for r in report.risks}
        risks = [r | {"bought": bought[r["id"]], "probability": r["probability"] * math.prod(
            x["probability_factor"] for x in r["responses"] if x["id"] in bought[r["id"]])} for r in report.risks]
        self.heat.value = charts.heat_map(risks, charts.risk_impacts(report, risks), set(), self.currency)

    def _forecast(self) -> None:
        self.forecast_button.disabled = True
        self.progress.value = 0
        self.progress.layout.visibility = "visible"
        try:
            self.model.run_forecast(RUNS, progress=lambda n: setattr(self.progress, "value", self.progress.value + n))
        finally:
            self.forecast_button.disabled = False
            self.progress.layout.visibility = "hidden"

    def _describe_forecast(self) -> None:
        f = self.model.forecast
        count, upfront = self.summary
        plan = f"Your plan: {count} decision{'' if count == 1 else 's'}, {money(upfront, self.currency)} committed up front."
        if f is None:
            self.forecast_text.value = f"<p>{plan} Forecast it to see the likely finish and cost.</p>"
            return
        report = self.model.report
        stale = substance(f.plan) != substance(self.draft.entries())
        rows = [
            ["finish date", day_text(f.p50_finish), day_text(f.p80_finish), f"deadline {day_text(report.deadline)}",
             f"{f.on_time:.0%} on time"],
            [f"cost ({self.currency})", money(f.p50_cost, self.currency), money(f.p80_cost, self.currency),
             f"budget + reserve {money(f.limit, self.currency)}", f"{f.on_budget:.0%} on budget"],
        ]
        self.forecast_text.value = (
            f"<p>{plan}</p>"
            + ('<p class="itpm-error">⚠ The draft has changed since this forecast: forecast again.</p>' if stale else "")
            + table(["", "P50", "P80", "target", "chance"], rows, {"P50": tip("P50"), "P80": tip("P80")})
            + f'<div class="itpm-note">{f.runs} simulated futures of this plan ({abbr("Monte Carlo")}); '
            + ("" if not f.refused else f"in {f.refused} of them part of the plan could not be afforded; ")
            + "your own project is one more future, not one of these.</div>")

    def _draw_forecast(self, _=None) -> None:
        self._describe_forecast()
        f, report = self.model.forecast, self.model.report
        if f is None:
            self.forecast_chart.layout.display = "none"
            return
        self.forecast_chart.value = charts.forecast_spread(
            [self.model.date(max(0.0, d - 1)) for d in f.finish_days], list(f.costs),
            (f.p50_finish, f.p50_cost), (f.p80_finish, f.p80_cost), report.deadline, f.limit, self.currency)
        self.forecast_chart.layout.display = "block"
