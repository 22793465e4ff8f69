"""``itpm-sim panel``: set up a hiring panel's exercise, serve it to candidates, verify and report."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sim.schema import DIFFICULTIES

from .common import (
    UsageError,
    bounded,
    emit_json,
    scenario_type,
    seed_type,
    workers_type,
)

MAX_MINUTES = 24 * 60


def create(args: argparse.Namespace) -> int:
    from sim.engine.exercise import ExerciseError
    from sim.panel import PanelError, create_panel, read_candidates
    from sim.panel.folder import HANDOUT_FILE

    try:
        candidates = read_candidates(args.candidates) if args.candidates else None
        if candidates is None and args.count:
            candidates = [{"id": f"candidate-{i}", "name": f"Candidate {i}"} for i in range(1, args.count + 1)]
        panel, codes = create_panel(args.out, args.scenario, difficulty=args.difficulty, seed=args.seed, minutes=args.minutes,
                                    candidates=candidates, panel_id=args.id)
    except (PanelError, ExerciseError) as exc:
        raise UsageError(str(exc)) from None
    ex = panel.exercise
    print(f"made panel {ex.id} in {args.out}: {ex.describe()}; {len(ex.roster)} candidate(s)")
    print("access codes (each works for one candidate; a second use resumes the same session):")
    width = max(len(m.id) for m in ex.roster)
    for m in ex.roster:
        print(f"  {m.id:<{width}}  {codes[m.id]}  {m.name}")
    print(f"the codes are also in {Path(args.out) / HANDOUT_FILE} (readable by you only): hand them out, then delete it.")
    print(f"edit the rubric's weights in {panel.rubric_path}; serve with: itpm-sim panel serve {args.out}")
    return 0


def serve(args: argparse.Namespace) -> int:
    from sim.panel import PanelError, open_panel
    from sim.panel.serving import serve_panel

    try:
        panel = open_panel(args.folder)
    except PanelError as exc:
        raise UsageError(str(exc)) from None
    return serve_panel(panel, port=args.port)


def verify(args: argparse.Namespace) -> int:
    from sim.panel import PanelError, open_panel
    from sim.panel.review import SCORED, check_all

    try:
        panel = open_panel(args.folder)
    except PanelError as exc:
        raise UsageError(str(exc)) from None
    mine, others = check_all(panel)
    rows = [{"candidate": m.id, "file": mine[m.id].path.name if m.id in mine else None,
             "status": mine[m.id].status if m.id in mine else "absent",
             "reason": mine[m.id].reason if m.id in mine else "never started"} for m in panel.exercise.roster]
    rows += [{"candidate": c.participant, "file": c.path.name, "status": c.status, "reason": c.reason} for c in others]
    flagged = [r for r in rows if r["status"] not in (SCORED, "absent")]
    if args.json:
        emit_json({"panel": panel.exercise.id, "logs": rows, "flagged": len(flagged)})
    else:
        for r in rows:
            print(f"{r['status']:>10}  {r['candidate'] or '?'}: {r['reason']}" + (f" [{r['file']}]" if r["file"] else ""))
        print(f"{len(flagged)} flagged: " + ("none" if not flagged else "never scored (see the reasons above)"))
    return 1 if flagged else 0


def report(args: argparse.Namespace) -> int:
    from sim.panel import PanelError
    from sim.panel.review import write_reports

    try:
        done = write_reports(args.folder, args.out, band_runs=args.band_runs, workers=args.workers or min(4, os.cpu_count() or 1))
    except PanelError as exc:
        raise UsageError(str(exc)) from None
    table = done["table"]
    out = Path(args.out) if args.out else Path(args.folder) / "reports"
    print(f"wrote {len(done['written'])} files to {out}: one report per candidate, comparison.html, comparison.csv")
    for _, row in table.iterrows():
        score = f"{row['rubric total']:.1f} ({row['rating']})" if row["status"] == "verified" else f"not scored: {row['reason']}"
        print(f"  {row['candidate']}: {row['status']}, {score}")
    for other in done["others"]:
        print(f"  other file {other['file']}: {other['status']}, {other['reason']}")
    return 0


def register(sub) -> None:
    top = sub.add_parser("panel", help="a hiring panel: create the exercise, serve it to candidates, verify and report")
    panel = top.add_subparsers(dest="panel_command", required=True, metavar="ACTION")
    p = panel.add_parser("create", help="write a new panel folder: exercise, secret, access codes, rubric")
    p.add_argument("scenario", metavar="SCENARIO", type=scenario_type, help="a scenario file or a bundled scenario id")
    p.add_argument("--difficulty", choices=DIFFICULTIES, default="standard")
    p.add_argument("--seed", type=seed_type, help="default: drawn with secrets (never shown to a candidate)")
    p.add_argument("--minutes", type=bounded(MAX_MINUTES), default=45, help="the time box (default 45)")
    who = p.add_mutually_exclusive_group()
    who.add_argument("--candidates", metavar="CSV", help="a CSV file with a header row: name, and optionally id")
    who.add_argument("--count", type=bounded(500), help="this many anonymous candidates (default 4)")
    p.add_argument("--id", type=str, help="the panel's id (default: the folder's name)")
    p.add_argument("--out", metavar="DIR", required=True, help="a new folder (or an empty one)")
    p.set_defaults(handler=create)
    p = panel.add_parser("serve", help="serve the candidate app with Voila on 127.0.0.1 (no code reaches the browser)")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--port", type=bounded(65535), default=8866)
    p.set_defaults(handler=serve)
    p = panel.add_parser("verify", help="check every log's signature and replay; exit 1 if any is flagged")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=verify)
    p = panel.add_parser("report", help="write each candidate's printable report and the comparison (HTML and CSV)")
    p.add_argument("folder", metavar="DIR")
    p.add_argument("--out", metavar="DIR", help="default: DIR/reports")
    p.add_argument("--band-runs", type=bounded(100_000), default=100,
                   help="worlds in the reference PM's Monte Carlo band (default 100)")
    p.add_argument("--workers", type=workers_type, help="processes (default: up to 4)")
    p.set_defaults(handler=report)
