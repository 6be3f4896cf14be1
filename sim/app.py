"""The dashboard: move a slider, watch the ensemble respond, and take away the command that reproduces it.

    make dashboard                       # installs the viz extra, then serves this page on http://localhost:8765
    solara run sim/app.py                # the same, by hand (SOLARA_TELEMETRY_MIXPANEL_ENABLE=False keeps it offline)

Mesa's convention: an ``app.py`` beside the model whose ``page`` is a Solara component. The controls are
Mesa's ``UserInputs`` with ``Slider`` parameters; the views are the ensemble, not one model stepped on
screen, because the model runs all R runs at once and the paired difference needs both arms over the whole
horizon (docs/dashboard.md says why SolaraViz's per-step drive does not fit). Each update — the ensemble and
the three figures as PNG (``sim.dashboard.render.update``, what ``python -m sim.dashboard.latency`` times) —
runs in a background thread (``solara.use_thread``), so the page never freezes; the baseline arm is cached and
each session keeps its figures and only updates them.
"""

from __future__ import annotations

import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")  # no call home: the page works offline

import solara
from mesa.visualization import Slider
from mesa.visualization.solara_viz import UserInputs

from sim.dashboard import controls as ctl
from sim.dashboard import export
from sim.dashboard.ensemble import Engine, Request, dyad_names, milestone_probabilities
from sim.dashboard.figures import marker_legend
from sim.dashboard.render import Renderer, SupersededError, update

DEFAULT_SCENARIO = "replay_2012_2017"
DEFAULT_RUNS = int(os.environ.get("RELATIONS_DASHBOARD_RUNS", "50"))  # the browser test starts smaller
GROUP_TITLES = {
    "sanctions": "Sanctions",
    "alliance": "Alliance and US pressure",
    "investment": "Investment",
    "behaviour": "Behaviour",
}

engine = Engine()

scenario = solara.reactive(DEFAULT_SCENARIO)
values: solara.Reactive[dict[str, float]] = solara.reactive({})
replicates = solara.reactive(DEFAULT_RUNS)
seed = solara.reactive(20161215)
dyads = solara.reactive(["JPN->RUS", "RUS->JPN"])
save_group = solara.reactive("scenario")
save_name = solara.reactive("")
save_overwrite = solara.reactive(False)
save_message = solara.reactive("")


def _set_value(path: str, value: float) -> None:
    values.value = {**values.value, path: float(value)}


def _set_scenario(name: str) -> None:
    scenario.value = name
    values.value = {}


@solara.component
def Controls(controls: list[ctl.Control]):
    solara.Select("scenario (conf/scenario/)", values=ctl.scenarios(), value=scenario.value, on_value=_set_scenario)
    runs = Slider(f"runs {replicates.value}", value=replicates.value, min=10, max=500, step=10, dtype=int)
    UserInputs({"replicates": runs}, on_change=lambda _, v: replicates.set(int(v)))
    solara.InputInt("seed", value=seed)
    for group, title in GROUP_TITLES.items():
        params = {}
        for c in (c for c in controls if c.group == group):
            value = values.value.get(c.path, c.default)
            params[c.path] = Slider(
                f"{c.label} {value:g}", value=value, min=c.low, max=c.high, step=c.step, dtype=float
            )
        with solara.Details(title, expand=group != "behaviour"):
            UserInputs(params, on_change=_set_value)
    solara.Button("reset to the scenario", on_click=lambda: values.set({}), text=True)


@solara.component
def SaveOverlay(cfg: dict, settings: dict[str, float]):
    def save():
        try:
            if save_group.value == "scenario":
                text = export.scenario_overlay(save_name.value, scenario.value, cfg, settings)
            else:
                text = export.experiment_overlay(
                    save_name.value, scenario.value, cfg, settings, replicates.value, seed.value
                )
            if save_name.value == scenario.value:
                raise export.ExportError("a scenario cannot be saved over the one it inherits")
            path = export.save(save_group.value, save_name.value, text, overwrite=save_overwrite.value)
            run = (
                f"python experiments/run.py scenario={save_name.value} "
                + " ".join(f"{k}={v:g}" for k, v in settings.items() if k.startswith("params."))
                if save_group.value == "scenario"
                else f"python experiments/compare.py experiment={save_name.value}"
            )
            save_message.value = f"saved {path.relative_to(export.CONF_DIR.parent)}; run it: {run.strip()}"
        except export.ExportError as err:
            save_message.value = f"not saved: {err}"
        save_overwrite.value = False

    with solara.Card("Save these settings as an overlay"):
        with solara.Row():
            solara.Select("as", values=list(export.GROUPS), value=save_group)
            solara.InputText("file name (conf/<group>/<name>.yaml)", value=save_name)
            solara.Checkbox(label="overwrite an existing file", value=save_overwrite)
            solara.Button("save", on_click=save)
        if save_message.value:
            solara.Text(save_message.value, classes=["relations-save-message"])


@solara.component
def Views(cfg: dict, controls: list[ctl.Control]):
    renderer = solara.use_memo(Renderer, dependencies=[])  # this session's figures, updated in place
    settings = ctl.changed(controls, values.value)
    request = Request(scenario.value, tuple(settings.items()), int(replicates.value), int(seed.value))
    markers = cfg["scenario"]["markers"]
    chosen = tuple([d for d in dyads.value if d in dyad_names(cfg["scenario"]["countries"])][:4] or ["JPN->RUS"])

    def run(cancel):  # solara sets ``cancel`` when the settings change again before this update is shown
        try:
            return update(engine, renderer, request, chosen, markers, superseded=cancel.is_set)
        except SupersededError:
            raise solara.util.CancelledError() from None  # the shown figures stay until the next update's

    result = solara.use_thread(run, dependencies=[request, chosen], intrusive_cancel=False)
    solara.Text("Reproduce this arm:")
    solara.v.Html(
        tag="pre",
        children=[export.command(scenario.value, settings, request.replicates, request.seed)],
        class_="relations-command",
        style_="white-space: pre-wrap; background: #f4f4f4; padding: 6px",
    )
    SaveOverlay(cfg, settings)
    solara.SelectMultiple(
        "dyads",
        values=dyads.value,
        all_values=dyad_names(cfg["scenario"]["countries"]),
        on_value=lambda v: dyads.set(v or ["JPN->RUS"]),
    )
    shown = result.value
    if result.state == solara.ResultState.ERROR:
        solara.Error(f"{result.error}")
    if shown is None:
        solara.Text("running the ensemble…", classes=["relations-status"])
        return
    busy = result.state == solara.ResultState.RUNNING
    solara.Text(
        ("updating… " if busy else "") + f"{len(shown.result.arm.runs)} runs, seed {shown.result.request.seed}: "
        f"updated in {shown.seconds:.2f} s (simulation {shown.result.seconds:.2f} s)",
        classes=["relations-status"],
    )
    with solara.Div(classes=["relations-nci"]):
        solara.Image(shown.nci, format="png")
    solara.Text(f"Key events: {marker_legend(markers)}")
    solara.Image(shown.state, format="png")
    solara.Image(shown.difference, format="png")
    arm, baseline = shown.result.arm, shown.result.baseline
    rows = milestone_probabilities(arm, baseline)
    table = "\n".join(
        f"| {r['channel']} | {r['milestone']} | {r['p']:.2f} | {r['p_baseline']:.2f} | {r['change']:+.2f} |"
        for r in rows
    )
    solara.Markdown(
        f"**Milestones by {arm.calendar.labels()[-1]}** (share of {len(arm.runs)} runs)\n\n"
        "| channel | milestone | this setting | as shipped | change |\n|---|---|---|---|---|\n" + table
    )


@solara.component
def Page():
    solara.Title("Relations simulator")
    loaded = solara.use_thread(
        lambda: engine.config(scenario.value), dependencies=[scenario.value], intrusive_cancel=False
    )
    if loaded.state == solara.ResultState.ERROR:
        solara.Error(f"{loaded.error}")
        return
    if loaded.state != solara.ResultState.FINISHED or loaded.value is None:
        solara.Text(f"loading scenario {scenario.value}…")
        return
    cfg = loaded.value
    controls = ctl.controls_for(cfg)
    with solara.Sidebar():
        Controls(controls)
    with solara.Column():
        solara.Markdown(f"## {cfg['scenario']['name']}: what if?\n{cfg['scenario'].get('description', '')}")
        Views(cfg, controls)


page = Page
