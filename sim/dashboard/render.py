"""One page update, as the page runs it in its background thread: the ensemble, then the three figures as PNG.

``Renderer`` keeps the figures (``sim.dashboard.figures``) of one page session and updates them in place; a
figure is built once per layout (scenario calendar and key events, number of dyads). ``update`` is what the
page calls and what ``python -m sim.dashboard.latency`` times.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from sim.dashboard.ensemble import Engine, Request, Result
from sim.dashboard.figures import DifferenceView, NciView, StateView, View, months


@dataclass(frozen=True)
class Pictures:
    """What the page shows for one request: the ensembles, the dyads drawn and the three figures as PNG."""

    result: Result
    dyads: tuple[str, ...]
    nci: bytes
    state: bytes
    difference: bytes
    seconds: float  # wall time of the whole update: simulation, summaries and drawing


class Renderer:
    """The figures of one page; thread-safe (an update still drawing when the next one starts waits).

    Views are kept per layout, the last ``KEEP`` of them, so going back to a number of dyads (or a scenario)
    does not build its figure again."""

    KEEP = 12

    def __init__(self):
        self._views: OrderedDict[tuple, View] = OrderedDict()
        self._lock = threading.Lock()

    def _view(self, key: tuple, make: Callable[[], View]) -> View:
        if key in self._views:
            self._views.move_to_end(key)
        else:
            self._views[key] = make()
            while len(self._views) > self.KEEP:
                self._views.popitem(last=False)
        return self._views[key]

    def draw(self, result: Result, dyads: tuple[str, ...], markers: dict[str, str]) -> tuple[bytes, bytes, bytes]:
        arm, baseline = result.arm, result.baseline
        x = months(arm)
        layout = (tuple(x), tuple(sorted(markers.items())))
        with self._lock:
            nci = self._view(("nci", len(dyads), layout), lambda: NciView(x, markers, len(dyads)))
            state = self._view(("state", layout), lambda: StateView(x, markers))
            diff = self._view(("difference", len(dyads), layout), lambda: DifferenceView(x, markers, len(dyads)))
            nci.update(arm, baseline, list(dyads))
            state.update(arm, baseline, dyads[0])
            diff.update(arm, baseline, list(dyads))
            return nci.render(), state.render(), diff.render()


class SupersededError(Exception):
    """The page asked for another update while this one simulated: its figures would never be shown."""


def update(
    engine: Engine,
    renderer: Renderer,
    request: Request,
    dyads: tuple[str, ...],
    markers: dict[str, str],
    superseded: Callable[[], bool] = lambda: False,
) -> Pictures:
    """Run (or fetch from the cache) both arms of ``request`` and draw them for ``dyads``.

    If ``superseded()`` is true once the arms are ready (a slider moved on meanwhile), raise ``SupersededError``
    instead of drawing figures nobody will see: the arms stay cached, and the next update starts sooner."""
    started = time.perf_counter()
    result = engine.update(request)
    if superseded():
        raise SupersededError(request)
    nci, state, difference = renderer.draw(result, dyads, markers)
    return Pictures(result, dyads, nci, state, difference, time.perf_counter() - started)
