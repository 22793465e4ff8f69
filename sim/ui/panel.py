"""The decision panel: every decision a PM can take during the project, one tab per kind."""

from __future__ import annotations

import ipywidgets as w

from sim.engine import TaskStatus

from .parts import (
    View,
    button,
    close_tree,
    percent,
    percent_slider,
    rationale,
    set_options,
    share,
)
from .text import acts, day_text, esc, money, tip


class DecisionPanel(View):
    """Pace, team, risks, scope and sponsor decisions; each with an optional one-line rationale."""

    def __init__(self, model):
        super().__init__(model)
        params = model.world.params
        effort = params.decisions.max_effort_share
        self.overtime = percent_slider("Overtime", params.overtime.max_level, tip("overtime"))
        self.communication = percent_slider("Communication", effort, tip("communication"))
        self.quality = percent_slider("Quality", effort, tip("quality"))
        self.apply_pace = button("Apply", "Apply the changed levels from now on.", "primary")
        self.pace_why = rationale(model.rationale_required)
        self.apply_pace.on_click(lambda _: self._pace())

        self.hire_profile = w.Dropdown(description="Profile", tooltip="Who the market offers: rate, lead time and skills.", layout=w.Layout(width="95%"))
        self.hire = button("Hire", "Start hiring: they arrive after the lead time, then ramp up (Brooks' law).", "warning")
        self.release_person = w.Dropdown(description="Person", tooltip="A member of the team to release.", layout=w.Layout(width="95%"))
        self.release = button("Release", "Release this person from the project now (no morale shock if their work is done).")
        self.team_why = rationale(model.rationale_required)
        self.hire.on_click(lambda _: self._do({"type": "hire", "profile": self.hire_profile.value}, self.team_why))
        self.release.on_click(lambda _: self._do({"type": "release", "person": self.release_person.value}, self.team_why))

        self.response = w.Dropdown(description="Response", tooltip="A response from the risk register, with its cost.", layout=w.Layout(width="95%"))
        self.buy = button("Buy response", "Buy this response now, before the risk hits.", "warning")
        self.risk_why = rationale(model.rationale_required)
        self.buy.on_click(lambda _: self._buy())

        self.task = w.Dropdown(description="Task", tooltip="The task to prioritise, cut, restore or fast-track.", layout=w.Layout(width="95%"))
        self.task.observe(self._task_chosen, "value")
        self.priority = w.IntSlider(min=-10, max=10, description="Priority", continuous_update=False,
                                    tooltip="Higher priority tasks get people first.", layout=w.Layout(width="95%"))
        self.prioritise = button("Set priority", "People are assigned to higher-priority tasks first.")
        self.cut = button("Cut scope", "Drop this should/could task and its value.", "danger")
        self.restore = button("Restore", "Bring back a task that was cut.")
        self.fast_track = button("Fast-track", tip("fast-track"), "warning")
        self.scope_why = rationale(model.rationale_required)
        self.prioritise.on_click(lambda _: self._do({"type": "prioritise", "task": self.task.value,
                                                     "priority": self.priority.value}, self.scope_why))
        self.cut.on_click(lambda _: self._do({"type": "cut_scope", "task": self.task.value}, self.scope_why))
        self.restore.on_click(lambda _: self._do({"type": "restore_scope", "task": self.task.value}, self.scope_why))
        self.fast_track.on_click(lambda _: self._do({"type": "fast_track", "task": self.task.value}, self.scope_why))

        bac = model.world.scenario.budget.budget_at_completion
        self.budget_amount = w.BoundedFloatText(min=0, max=params.decisions.max_budget_request * bac, step=1000,
                                                description=f"Amount ({model.report.currency})", tooltip="The budget to ask the sponsor for.",
                                                style={"description_width": "130px"}, layout=w.Layout(width="65%"))
        self.request_budget = button("Ask for budget", "The sponsor grants it, unhappily: it costs satisfaction.")
        self.time_days = w.BoundedIntText(min=0, max=params.decisions.max_time_request, description="Working days",
                                          tooltip="The working days to ask the sponsor to add to the deadline.",
                                          style={"description_width": "130px"}, layout=w.Layout(width="65%"))
        self.request_time = button("Ask for time", "The sponsor moves the deadline, unhappily: it costs satisfaction.")
        self.sponsor_why = rationale(model.rationale_required)
        self.request_budget.on_click(lambda _: self._do({"type": "request_budget", "amount": self.budget_amount.value},
                                                        self.sponsor_why))
        self.request_time.on_click(lambda _: self._do({"type": "request_time", "days": self.time_days.value}, self.sponsor_why))

        cur = model.report.currency
        self.tabs = w.Tab(children=[
            w.VBox([self.overtime, self.communication, self.quality, self.pace_why, self.apply_pace]),
            w.VBox([w.HTML("<b>Hire</b>"), self.hire_profile, self.hire, w.HTML("<b>Release</b>"), self.release_person,
                    self.release, self.team_why]),
            w.VBox([w.HTML("Responses not yet bought, for risks that have not hit:"), self.response, self.risk_why, self.buy]),
            w.VBox([self.task, w.HBox([self.cut, self.restore, self.fast_track]), self.priority, self.prioritise, self.scope_why]),
            w.VBox([w.HTML(f"<p>The sponsor grants at most {money(self.budget_amount.max, cur)} or "
                           f"{self.time_days.max} working days per request, and each request costs goodwill.</p>"),
                    w.HBox([self.budget_amount, self.request_budget]), w.HBox([self.time_days, self.request_time]),
                    self.sponsor_why]),
        ], titles=["Pace", "Team", "Risks", "Scope", "Sponsor"])
        self.widget = w.VBox([w.HTML("<b>Your decisions</b>"), self.tabs])
        self.widget.add_class("itpm-panel")
        self.watch(self.refresh, ["report"])
        self.refresh()

    def refresh(self, _=None) -> None:
        """Current levels and the choices open now."""
        r = self.model.report
        cur = r.currency
        for name in ("overtime", "communication", "quality"):
            getattr(self, name).value = percent(r.settings[name])
        set_options(self.hire_profile, [
            (f"{m['title']} — {money(m['daily_rate'], cur)}/day, arrives in {m['lead_time']} days ({m['available']} left)", m["id"])
            for m in r.market if m["available"] > 0])
        # never a pre-selected person; "" and not None, which a dropdown shows as a blank box
        set_options(self.release_person, [("— choose who to release —", "")]
                    + [(f"{p['name']} ({p['role']}, {p['status']})", p["id"]) for p in r.team if p["status"] != "left"])
        set_options(self.response, [
            (f"{x['title']}: {y['strategy']} — {y['description']} ({money(y['cost'], cur)})", f"{x['id']}/{y['id']}")
            for x in r.risks if x["can_strike"] for y in x["responses"] if y["id"] not in x["bought"] and acts(y)])
        set_options(self.task, [(f"{t['name']} ({t['scope']}, {t['state']})", t["id"]) for t in r.tasks if t["state"] != TaskStatus.DONE])
        for control in (self.hire, self.release, self.buy, self.cut, self.restore, self.fast_track, self.prioritise):
            control.disabled = r.done
        self.apply_pace.disabled = r.done
        self._task_chosen()

    def _task_chosen(self, _=None) -> None:
        """Offer only what applies to the chosen task: a must-have cannot be cut, only a cut task restored.
        (The engine refuses the rest anyway: this spares the trainee a refusal.)"""
        task = next((t for t in self.model.report.tasks if t["id"] == self.task.value), None)
        if task is None or self.model.report.done:
            self.cut.disabled = self.restore.disabled = True
            return
        self.cut.disabled = task["scope"] == "must" or task["state"] == TaskStatus.CUT
        self.restore.disabled = task["state"] != TaskStatus.CUT
        self.cut.tooltip = "A must-have task cannot be cut." if task["scope"] == "must" else "Drop this should/could task and its value."

    def _do(self, decision: dict, why: w.Text) -> bool:
        if any(v is None or v == "" for v in decision.values()):
            self.model.say("Choose what the decision applies to first.", error=True)
            return False
        done = self.model.decide(decision, why.value)
        if done:
            why.value = ""
        return done

    def _pace(self) -> None:
        settings = self.model.report.settings
        changes = [(name, share(getattr(self, name).value)) for name in ("overtime", "communication", "quality")
                   if getattr(self, name).value != percent(settings[name])]
        if not changes:
            self.model.say("The levels are unchanged: move a slider first.", error=True)
            return
        why = self.pace_why.value
        for name, level in changes:
            if not self.model.decide({"type": f"set_{name}", "level": level}, why):
                return
        self.pace_why.value = ""

    def _buy(self) -> None:
        if not self.response.value:
            self.model.say("No response is left to buy.", error=True)
            return
        risk, response = self.response.value.split("/", 1)
        self._do({"type": "buy_response", "risk": risk, "response": response}, self.risk_why)


def describe_options(request: dict, currency: str) -> list[tuple[str, str]]:
    """Radio-button options for an open request: label, cost and, for a struck risk, the impact each leaves.

    A risk's request lists only responses that still act on its impact (the engine offers no other); accepting
    is priced in what the impact is worth, so the trainee compares like with like."""
    def label(o: dict) -> str:
        cost = f"costs {money(o['cost'], currency)}" if o["cost"] else ""
        loss = f"impact worth about {money(o['loss'], currency)}" if "loss" in o else ""
        said = ", ".join(x for x in (cost, loss) if x)
        return f"{o['label']}" + (f" ({said})" if said else "")

    return [(label(o), o["id"]) for o in request["options"]]


class RequestsView(View):
    """Open requests (events and risks that hit), each with its options, a rationale and a Decide button."""

    def __init__(self, model):
        super().__init__(model)
        self.forms: dict[str, tuple[w.RadioButtons, w.Text, w.Button]] = {}
        self.widget = w.VBox()
        self.watch(self.refresh, ["report"])
        self.refresh()

    def refresh(self, _=None) -> None:
        r, date = self.model.report, self.model.date
        # what the trainee chose and typed in a form whose request is still open survives any other decision
        kept = {rid: (choice.value, why.value) for rid, (choice, why, _go) in self.forms.items()}
        for child in self.widget.children:
            close_tree(child)
        self.forms = {}
        if not r.requests:
            self.widget.children = [w.HTML('<div class="itpm-note">No decision is waiting for you.</div>')]
            return
        boxes = [w.HTML(f"<b>Decisions needed ({len(r.requests)})</b>")]
        for q in r.requests:
            options = describe_options(q, r.currency)
            chosen, typed = kept.get(q["id"], (q["default"], ""))
            choice = w.RadioButtons(options=options, value=chosen if chosen in {v for _, v in options} else q["default"],
                                    layout=w.Layout(width="95%"))
            why = rationale(self.model.rationale_required)
            why.value = typed
            go = button("Decide", "Apply the chosen option now.", "primary")
            go.on_click(lambda _, q=q, choice=choice, why=why: self.model.decide(
                {"type": "choose", "request": q["id"], "option": choice.value}, why.value))
            self.forms[q["id"]] = (choice, why, go)
            default = next((o["label"] for o in q["options"] if o["id"] == q["default"]), q["default"])
            form = w.VBox([
                w.HTML(f"<b>{'Risk hit' if q['kind'] == 'risk' else 'Event'}: {esc(q['title'])}</b><br>{esc(q['description'])}"
                       f'<br><span class="itpm-note">Answer by {day_text(date(max(0.0, q["due"] - 1)))}, '
                       f"or “{esc(default)}” applies.</span>"),
                choice, why, go,
            ], layout=w.Layout(border="2px solid #E69F00", padding="6px", margin="4px 0"))
            form.add_class("itpm-request")
            form.add_class(f"itpm-request-{q['kind']}")  # risk or event: hooks for the browser test
            boxes.append(form)
        self.widget.children = boxes
