"""The live forecast: where the running project lands, over many futures that share its past and not its luck.

A status report's forecast finish and cost are single figures (earned value, and the critical path at the pace
so far).  The outlook answers the sponsor's next question, how sure: it continues the project as it stands
``runs`` times, each future with the luck that is still hidden drawn afresh (``redraw_future``) and with no
further decision (every open and later request takes its default when due), and summarises the finish days
and costs as P50 and P80.  docs/MODEL.md, "The live forecast", gives the rules.

The project's processes are SimPy generators, which cannot be copied.  But a world, a seed and the decisions at
their stops make the same project to the bit in any process (docs/MODEL.md, "Randomness and reproducibility"), so each future
starts from the project rebuilt that way: ``start`` forks one worker per core from the session as it stands, and
each worker rebuilds the project for every future it runs (``rebuilt``), checks that it has reached the live state,
and runs it on.  Rebuilding costs the part of a run already played; copying the project by forking a child per
future cost a fork of the kernel-sized process and the copy of every page the future touched, three times as much
(benchmarks/README.md).  Future ``k`` draws its luck from ``derived_seed(world seed, "future", k)``, per entity,
so the forecast is a function of the project's state alone: the same in any process, and two trainees in the
same state get the same forecast.
"""

from __future__ import annotations

import contextlib
import gc
import json
import math
import os
import random
import selectors
import signal
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from . import pm, rules
from .decisions import DECISION
from .measures import outcome
from .project import Project
from .rng import derived_seed, uniforms

if TYPE_CHECKING:
    from .decisions import Decision
    from .session import Session
    from .world import World

RUNS = 100  # futures per forecast: P80 within about 4 percentile points, in about a second on two cores (benchmarks/)
FIRST_RUNS = 25  # the first futures (in the order of k), summarised as soon as they are in: a first reading in a quarter of the time
REDRAWS = 64  # draws of a risk's luck before concluding that it no longer strikes (see _redraw_risk)
NICENESS = 10  # where the idle class is not offered, the workers run this much nicer than the kernel
SLOTS_ENV = "ITPM_FORECAST_SLOTS"  # "NAME:COUNT" on a shared server: at most COUNT workers compute at once, machine-wide
SLOT_POLL_S = 0.05  # how often a worker waiting for a slot tries again


@dataclass(frozen=True)
class Outlook:
    """P50 and P80 of the finish and the cost over ``runs`` futures of the project as it stood on ``day``."""

    day: float
    runs: int
    finish_days: tuple[float, ...]
    costs: tuple[float, ...]
    p50_finish_day: float
    p80_finish_day: float
    p50_cost: float
    p80_cost: float
    on_time: float  # share of futures finishing by the original deadline
    on_budget: float  # share of futures spending no more than the original budget plus reserve


def summarise(day: float, rows: list[tuple[float, float, bool, bool]]) -> Outlook:
    """The outlook from the futures' (finish day, cost, on time, on budget), quantiles interpolated linearly."""
    finish = np.array([r[0] for r in rows], dtype=float)
    cost = np.array([r[1] for r in rows], dtype=float)
    return Outlook(
        day=day, runs=len(rows), finish_days=tuple(finish.tolist()), costs=tuple(cost.tolist()),
        p50_finish_day=float(np.quantile(finish, 0.5)), p80_finish_day=float(np.quantile(finish, 0.8)),
        p50_cost=float(np.quantile(cost, 0.5)), p80_cost=float(np.quantile(cost, 0.8)),
        on_time=sum(r[2] for r in rows) / len(rows), on_budget=sum(r[3] for r in rows) / len(rows),
    )


# ------------------------------------------------------------ one future


def redraw_future(project: Project, seed: int) -> None:
    """Replace every piece of luck the PM has not seen yet with draws under ``seed``, per entity.

    Seen, and kept: everything that has happened, the size of every task with work done (its share done is in
    every status report) and the rework found, a placed order's delivery (the vendor confirms it), a risk that has struck
    or been warned of, a sick spell under way, a resignation handed in.  Drawn afresh: the effort and lead time
    of the tasks with no work done, the outcome of every cutover attempt to come, the risks still pending (given that
    they have not struck by now), sick spells to come, the resignation thresholds of those who have not resigned
    (given that they have not reached them), and through the project's seed every draw not made yet (people to
    arrive, tasks added by changes, the sponsor's answers, incidents at go-live).
    """
    now = project.now
    project.seed = seed
    for task in project.tasks.values():
        task.redraw(seed)
    for person in project.staff:
        person.redraw(seed, now)
    for risk in project.risks.values():
        if not (risk.hit or risk.warned or risk.id in project.without_risks):
            _redraw_risk(project, risk, seed, now)
    project.touch()


def _redraw_risk(project: Project, risk, seed: int, now: float) -> None:
    """Draw a pending risk's luck again, given that it has not struck by ``now``, and restart its process.

    The draws are rejection-sampled: a draw that would have struck before now is drawn again (keyed by attempt).
    After REDRAWS rejections (a risk whose window has passed) it does not strike.
    """
    about = project.tasks.get(risk.spec.during) if risk.spec.during is not None else None
    if risk.spec.during is not None and about is None:
        return  # its task is not in this run: it never strikes
    window = risk.spec.window
    for attempt in range(REDRAWS):
        u_occur, u_time, u_seen, u_pick = uniforms(seed, "risk", risk.id, attempt, n=4)
        if about is None:
            time = rules.strike_time(window.start, window.end, u_time)
        elif about.start is None:
            time = math.inf  # set when its task starts (Project._risk)
        else:
            time = rules.task_strike_time(about.start, window.start, window.end, u_time)
        if time > now or not rules.strikes(u_occur, risk.probability):
            break
    else:
        u_occur = 1.0  # never below a probability: it does not strike
    risk.u_occur, risk.u_time, risk.u_seen, risk.u_pick, risk.time = u_occur, u_time, u_seen, u_pick, time
    risk.epoch += 1  # the process waiting on the old luck ends when it wakes
    project.env.process(project._risk(risk))


def run_future(project: Project, seed: int) -> tuple[float, float, bool, bool]:
    """Redraw the hidden luck under ``seed`` and run to the end without deciding: (finish day, cost, on time, on budget).

    It changes ``project`` for good: run it on a copy (``rebuilt``, or a session replayed to the same stop).
    """
    redraw_future(project, seed)
    project.recording = False  # the outcome needs no daily rows: about a sixth of a future's time
    project.env.run()  # every request takes its default when due; the project ends (goes live or is abandoned)
    o = outcome(project)
    return o["finish_day"], o["cost"], o["on_time"], o["on_budget"]


@dataclass(frozen=True)
class Script:
    """What rebuilds a session's project: its world and seed, its decisions at their stops, and the stops played."""

    world: World
    seed: int
    without_risks: tuple[str, ...]
    decisions: tuple[tuple[int, Decision], ...]
    stops: int
    state: tuple  # the live project's ``_state``: a rebuilt project must reach it

    @classmethod
    def of(cls, session: Session) -> Script:
        project = session.project
        return cls(session.world, session.seed, project.without_risks,
                   tuple((d["stop"], DECISION.validate_python(d["decision"])) for d in session.decisions),
                   session.stops, _state(project))


def _state(project: Project) -> tuple:
    """A summary of a project's state that any difference in the past would change: a rebuilt copy must equal it."""
    return (project.now, project.spent, project.budget, project.reserve, project.deadline_day, project.defects_found,
            len(project.news), len(project.events), tuple(t.remaining for t in project.tasks.values()),
            tuple(project.satisfaction.values()), tuple(p.morale for p in project.staff))


def rebuilt(script: Script) -> Project:
    """The session's project as it stands, made afresh: the same world, seed and decisions at the same stops."""
    project = Project(script.world, script.seed, without_risks=script.without_risks)
    project.recording = False
    stops = 0
    for stop, decision in script.decisions:
        while stops < stop:
            project.to_next_stop()
            stops += 1
        pm.apply(project, decision)
    while stops < script.stops:
        project.to_next_stop()
        stops += 1
    if _state(project) != script.state:
        raise OutlookError("the project rebuilt from the session's decisions differs from the live one")
    return project


def future_seed(world_seed: int, k: int) -> int:
    """The seed of future ``k`` of a world: the same for every state, so forecasts move with the state, not the dice."""
    return derived_seed(world_seed, "future", k)


# ------------------------------------------------------------ many futures, in forked copies


class OutlookError(RuntimeError):
    """A forecast could not be made (no fork on this system, or a future failed)."""


def available() -> str:
    """Why the live forecast cannot run here ("" when it can)."""
    return "" if hasattr(os, "fork") else "the live forecast needs a system with fork (Linux or macOS)"


def workers() -> int:
    """Workers per forecast: one per core this process may use, or one on a shared server (see ``slots``)."""
    if slots() is not None:
        return 1  # the cores are shared by every kernel's forecast: many forecasts at once, one worker each
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return max(1, min(cores, cpu_quota() or cores))


def cpu_quota(path: str = "/sys/fs/cgroup/cpu.max") -> int | None:
    """The CPUs a container's cgroup allows (rounded up), or None when unlimited or unknown.

    A Kubernetes pod limited to one CPU still sees every core of its node; forking one worker per core there
    would only share that one CPU more thinly.
    """
    try:
        with open(path) as limit:
            quota, period = limit.read().split()[:2]
        return None if quota == "max" else max(1, math.ceil(int(quota) / int(period)))
    except (OSError, ValueError):
        return None


def slots() -> tuple[str, int] | None:
    """The machine-wide forecast slots from ``$ITPM_FORECAST_SLOTS`` (set by the hub), or None when not shared.

    On a hub every kernel forecasts after every click; without a bound, thirty kernels' workers would share two
    cores and every forecast would arrive too late to be seen (benchmarks/README.md).  A worker computes only
    while it holds a slot, so at most COUNT forecasts run at once and each of them finishes in about a second.
    """
    value = os.environ.get(SLOTS_ENV, "")
    if not value:
        return None
    name, _, count = value.rpartition(":")
    if not name or not count.isdigit() or int(count) < 1:
        raise OutlookError(f"${SLOTS_ENV} is {value!r}, expected NAME:COUNT with a whole COUNT >= 1 (the hub sets it)")
    return name, int(count)


def _take_slot(name: str, count: int, give_up) -> socket.socket | None:
    """Wait for a free slot and hold it (None once ``give_up()``): a slot is an abstract socket name, bound by one
    process at a time.

    Linux frees the name when the last holder of the socket ends, however it ends (a cancelled worker is killed),
    and abstract names need no shared folder, so servers running as different users share the slots.
    """
    order, rng = list(range(count)), random.Random()  # seeded afresh: kernels must not share one order
    while not give_up():
        rng.shuffle(order)  # no slot is everyone's first choice
        for i in order:
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                sock.bind(f"\0{name}-{i}")
                return sock
            except OSError:
                sock.close()
        time.sleep(SLOT_POLL_S)
    return None


class Running:
    """A forecast under way: workers forked from the session as it stood; ``result`` waits for them.

    On a shared server (``slots``) a thread forks each worker only once it holds a slot, and the slot passes to
    the worker: a forecast waiting its turn costs no process and no memory, and a cancelled one never starts.
    """

    def __init__(self, session: Session, runs: int = RUNS, n_workers: int | None = None,
                 defer: Callable[[Callable[[], None]], None] | None = None):
        why = available()
        if why:
            raise OutlookError(why)
        if not isinstance(runs, int) or isinstance(runs, bool) or runs < 1:
            raise ValueError(f"runs must be a whole number >= 1 (got {runs!r})")
        if session.done:
            raise OutlookError("the project has ended: there is no future to forecast")
        self.day = session.project.now
        self.runs = runs
        self.cancelled = False
        self._children: list[tuple[int, int]] = []  # (pid, read end of its pipe)
        self._lock = threading.Lock()  # between forking in the queue's thread and cancelling
        seeds = [future_seed(session.seed, k) for k in range(runs)]
        script = Script.of(session)  # a snapshot: the session may move on while the forecast waits for a slot
        shared = slots()
        count = min(runs, n_workers or workers())
        parts = [seeds[w::count] for w in range(count)]
        self._queue: threading.Thread | None = None
        self._begun = threading.Event()  # the workers forked (or their slot thread started), or never will be
        self._failure: OutlookError | None = None
        begin = lambda: self._begin(script, parts, shared)  # noqa: E731
        if defer is None:
            begin()
        else:
            defer(begin)

    def _begin(self, script: Script, parts: list[list[int]], shared: tuple[str, int] | None) -> None:
        """Fork the workers, or on a shared server start the thread that forks each once it holds a slot."""
        try:
            with self._lock:
                if self.cancelled:
                    return
                if shared is None:
                    self._children = [_fork(lambda part=part: _worker(script, part), group=True)
                                      for part in parts]
                else:
                    self._queue = threading.Thread(target=self._fork_in_slots, args=(script, parts, shared),
                                                   name="itpm-forecast-slot", daemon=True)
                    self._queue.start()
        except OSError as exc:  # no fork or thread to be had: this forecast fails, the next may not
            self._failure = OutlookError(f"the forecast could not start: {exc}")
        finally:
            self._begun.set()

    def _fork_in_slots(self, script: Script, parts: list[list[int]], shared: tuple[str, int]) -> None:
        for part in parts:
            slot = _take_slot(*shared, give_up=lambda: self.cancelled)
            if slot is None:
                return
            with slot, self._lock:  # the worker keeps the slot's name bound until it ends; this copy is closed
                if self.cancelled:
                    return
                self._children.append(_fork(lambda part=part: _worker(script, part), group=True))

    def result(self, first: Callable[[Outlook], None] | None = None) -> Outlook:
        """Wait for every future (in the order of k) and summarise them; OutlookError if cancelled or failed.

        ``first`` is called with the summary of the first ``FIRST_RUNS`` futures (in the order of k, so it is the
        same whatever the timing) as soon as they are in, when they are fewer than all.  It reaps the workers
        whatever happened, so call it once for every forecast started, cancelled or not.
        """
        self._begun.wait()
        if self._queue is not None:
            self._queue.join()
        with self._lock:
            children, self._children = self._children, []
        rows: list = [None] * self.runs
        wanted = FIRST_RUNS if first is not None and self.runs > FIRST_RUNS else 0
        failure = self._failure
        for w, i, row in _rows(children):
            if isinstance(row, OutlookError):
                failure = failure or row
                continue
            rows[w + i * len(children)] = tuple(row)
            if wanted and not self.cancelled and None not in rows[:wanted]:
                first(summarise(self.day, rows[:wanted]))  # type: ignore[misc]
                wanted = 0
        if self.cancelled:
            raise OutlookError("the forecast was cancelled")
        if failure is not None:
            raise failure
        return summarise(self.day, rows)

    def cancel(self) -> None:
        """Stop the workers and their children at once (and any not yet forked); ``result`` reaps them."""
        with self._lock:
            self.cancelled = True
            for pid, _ in self._children:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(pid, signal.SIGKILL)
        self._begun.set()  # a deferred start that has not run yet never will


def start(session: Session, runs: int = RUNS, n_workers: int | None = None,
          defer: Callable[[Callable[[], None]], None] | None = None) -> Running:
    """Start forecasting the session as it stands now; call from the thread that runs it, between its steps.

    The futures start from the session as it stands at this call.  With ``defer``, the workers are forked only
    when ``defer`` runs the function it is given (a kernel: once it has finished handling the click): every page
    the forking process writes while a worker lives stays the worker's own, so forking a worker while the kernel
    still draws the week made it hold 19-23 MB of memory of its own instead of 8 (benchmarks/kernel_memory.py).
    """
    return Running(session, runs, n_workers, defer)


def forecast(session: Session, runs: int = RUNS, n_workers: int | None = None) -> Outlook:
    """The live forecast of ``session`` as it stands (it is left unchanged)."""
    return start(session, runs, n_workers).result()


def _worker(script: Script, seeds: list[int]):
    """In a worker, below every kernel in priority: each future on the project rebuilt afresh, yielded as it ends."""
    _yield_cpu()
    gc.freeze()  # the kernel's objects, inherited: never traversed, so never copied page by page
    gc.enable()  # a rebuilt project's cycles (SimPy's processes) are collected between futures
    for s in seeds:
        yield run_future(rebuilt(script), s)


def _yield_cpu() -> None:
    """Run only when no kernel wants the CPU (Linux's idle class), else ``NICENESS`` nicer: a forecast waits, a week does not."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        os.nice(NICENESS)


def _fork(work, group: bool = False) -> tuple[int, int]:
    """Run ``work()``, which returns an iterable, in a forked child; return its pid and the pipe that carries each
    item as JSON, one line each as soon as it is made (read them with ``_rows``).

    With ``group`` the child leads a process group of its own (set on both sides of the fork, so that it is set
    before either goes on), and its own children stay in it: cancelling ends them all.
    """
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: nothing here may return to the caller's code
        code = 1
        try:
            os.close(read)
            if group:
                os.setpgid(0, 0)
            gc.disable()  # a short life: collecting would copy every page of the parent's heap
            with os.fdopen(write, "w") as out:
                try:
                    for item in work():
                        out.write(json.dumps({"row": item}) + "\n")
                        out.flush()
                    out.write(json.dumps({"ok": None}))
                    code = 0
                except BaseException as exc:  # reported by the parent, which raises it as an OutlookError
                    out.write(json.dumps({"error": f"{type(exc).__name__}: {exc}"}))
        finally:
            os._exit(code)
    os.close(write)
    if group:
        with contextlib.suppress(PermissionError, ProcessLookupError):  # the child has set it already, or has ended
            os.setpgid(pid, pid)
    return pid, read


def _check_end(text: str, status: int) -> None:
    """Raise OutlookError unless a child's last line says it ended well."""
    try:
        answer = json.loads(text)
    except ValueError:
        raise OutlookError(f"a forecast process ended without a result (wait status {status})") from None
    if "error" in answer:
        raise OutlookError(f"a future of the forecast failed: {answer['error']}")


def _rows(children: list[tuple[int, int]]):
    """(child's index, row's index in it, row) for each row the children send, as it arrives; then reap each child,
    yielding an OutlookError in place of a row for one that failed."""
    pending: dict[int, bytes] = {}
    count: dict[int, int] = {}
    with selectors.DefaultSelector() as selector:
        for w, (_, fd) in enumerate(children):
            selector.register(fd, selectors.EVENT_READ, w)
            pending[w], count[w] = b"", 0
        while selector.get_map():
            for key, _ in selector.select():
                w, chunk = key.data, os.read(key.fd, 1 << 16)
                if not chunk:
                    selector.unregister(key.fd)
                    continue
                *lines, pending[w] = (pending[w] + chunk).split(b"\n")
                for line in lines:
                    yield w, count[w], json.loads(line)["row"]
                    count[w] += 1
    for w, (pid, fd) in enumerate(children):
        os.close(fd)
        _, status = os.waitpid(pid, 0)
        try:
            _check_end(pending[w].decode(), status)
        except OutlookError as exc:
            yield w, count[w], exc
