"""The pre-project plan the trainee edits: nothing is decided until it is committed.

A draft can be changed freely, forecast, and saved in the notes; committing
turns it into the day-0 decisions of the session, in a fixed order.
"""

from __future__ import annotations

import traitlets as t

from sim.engine import StatusReport

SECTIONS = ("team", "reserve", "risks", "effort")


def substance(entries) -> list[dict]:
    """Plan entries without their rationales: what a forecast depends on."""
    return [{k: v for k, v in e["decision"].items() if k != "rationale"} for e in entries]


class PlanDraft(t.HasTraits):
    """Team changes, management reserve, risk responses and effort levels, with a rationale per section."""

    releases = t.List(t.Unicode())
    hires = t.Dict(value_trait=t.Int())  # market profile -> how many
    reserve = t.Float(0.0)
    communication = t.Float(0.0)
    quality = t.Float(0.0)
    responses = t.List(t.Unicode())  # "risk/response"
    rationale = t.Dict(value_trait=t.Unicode())  # section -> one line

    def __init__(self, report: StatusReport, **kwargs):
        self.start = {"reserve": report.reserve, **report.settings}
        super().__init__(reserve=report.reserve, communication=report.settings["communication"],
                         quality=report.settings["quality"], **kwargs)

    def why(self, section: str) -> str:
        return " ".join(self.rationale.get(section, "").split())

    def decisions(self) -> list[dict]:
        """The plan as decision dicts, in the order they are applied."""
        out: list[dict] = [{"type": "release", "person": p, "rationale": self.why("team")} for p in self.releases]
        for profile, count in sorted(self.hires.items()):
            out += [{"type": "hire", "profile": profile, "rationale": self.why("team")} for _ in range(count)]
        if abs(self.reserve - self.start["reserve"]) > 0.5:
            out.append({"type": "set_reserve", "amount": round(self.reserve, 2), "rationale": self.why("reserve")})
        for name, kind in (("communication", "set_communication"), ("quality", "set_quality")):
            if abs(getattr(self, name) - self.start[name]) > 1e-9:
                out.append({"type": kind, "level": round(getattr(self, name), 4), "rationale": self.why("effort")})
        for key in self.responses:
            risk, response = key.split("/", 1)
            out.append({"type": "buy_response", "risk": risk, "response": response, "rationale": self.why("risks")})
        return out

    def entries(self) -> tuple[dict, ...]:
        """The plan as day-0 session-log entries (what a Monte Carlo study replays)."""
        return tuple({"day": 0.0, "decision": d} for d in self.decisions())

    def to_json(self) -> dict:
        return {"releases": list(self.releases), "hires": dict(self.hires), "reserve": self.reserve,
                "communication": self.communication, "quality": self.quality,
                "responses": list(self.responses), "rationale": dict(self.rationale)}

    def load(self, data: dict, report: StatusReport) -> list[str]:
        """Restore a saved draft, keeping only what still fits the scenario; returns what was dropped."""
        people = {p["id"] for p in report.team}
        market = {m["id"]: m["available"] for m in report.market}
        offers = {f"{r['id']}/{x['id']}" for r in report.risks for x in r["responses"]}
        dropped: list[str] = []

        def keep(values, known, what):
            kept = [v for v in values if v in known]
            dropped.extend(f"{what} {v!r}" for v in values if v not in known)
            return kept

        with self.hold_trait_notifications():
            self.releases = keep(list(data.get("releases", [])), people, "person")
            hires = {k: int(v) for k, v in dict(data.get("hires", {})).items()}
            self.hires = {k: max(0, min(v, market[k])) for k, v in hires.items() if k in keep(list(hires), market, "profile")}
            self.responses = keep(list(data.get("responses", [])), offers, "response")
            for name in ("reserve", "communication", "quality"):
                if isinstance(data.get(name), (int, float)):
                    setattr(self, name, float(data[name]))
            self.rationale = {k: str(v) for k, v in dict(data.get("rationale", {})).items() if k in SECTIONS}
        return dropped
