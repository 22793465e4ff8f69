"""The money charts tell the status report's story: the earned-value chart's PV is the PV behind SPI."""

from __future__ import annotations

import numpy as np

from sim.engine import Session, World
from sim.results import Results
from sim.results.charts.money import planned_value


def test_the_earned_value_chart_plots_the_pv_that_spi_is_measured_against():
    """The chart's PV curve is the timeline's PV (and so the status report's): one planned value, not two."""
    session = Session(World.from_file("network_migration"), seed=3)
    for _ in range(8):
        session.step([])
    timeline = Results(session).timeline
    curve = planned_value(session.world.baseline.cost, session.project.budget)
    days = timeline["day"].to_numpy(dtype=int)
    assert np.allclose(curve[days - 1], timeline["pv"].to_numpy(), rtol=1e-12)
    report = session.observe()
    assert report.spi == timeline["ev"].iloc[-1] / curve[days[-1] - 1]
    assert not np.allclose(curve, session.project.budget * np.asarray(session.world.baseline.progress))  # not the work share
