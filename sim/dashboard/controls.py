"""The dashboard's controls: which config values it offers as sliders for a scenario, and their ranges.

Each control is a dotted config path (the same path a Hydra override or ``RelationsModel(settings=...)``
takes), so whatever a user sets on the page is a config value the command line reproduces.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.load import CONF_DIR
from sim.config.parameters import BY_NAME

# The behavioural parameters the dashboard offers. Each slider spans the parameter's declared range
# (``sim.config.parameters``: the ODD's "SA range"), so the page explores what the documentation calls plausible
# and every slider end is a valid config (reciprocity <= 0.8 keeps k_ij * k_ji < 1, Richardson stability).
BEHAVIOUR = (
    "reciprocity",
    "adjustment_speed",
    "trust_weight",
    "rapport_weight",
    "wedge_weight",
    "alliance_penalty_scale",
    "sanctions_resentment",
    "stress_outreach",
)
SANCTION_SCALE_MAX = 2.0
FLOW_MAX = 0.1


@dataclass(frozen=True)
class Control:
    """One slider: the config path it sets, its label, range and step, and its value in the scenario."""

    path: str
    label: str
    low: float
    high: float
    step: float
    default: float
    group: str


def scenarios(conf_dir: Path = CONF_DIR) -> list[str]:
    """The scenario names the picker offers: the files of ``conf/scenario/``."""
    return sorted(p.stem for p in (conf_dir / "scenario").glob("*.yaml"))


def controls_for(cfg: dict[str, Any]) -> list[Control]:
    """The sliders for a composed config (plain dict): what its scenario has, at the scenario's values."""
    sc, params = cfg["scenario"], cfg["params"]
    out: list[Control] = []
    for sender, targets in sc["sanctions"].items():
        for target, sched in targets.items():
            top = max((s["level"] for s in sched.get("steps", [])), default=0.0)
            high = min(SANCTION_SCALE_MAX, 1.0 / top) if top > 0 else SANCTION_SCALE_MAX  # scaled levels stay <= 1
            out.append(
                Control(
                    f"scenario.sanctions.{sender}.{target}.scale",
                    f"{sender}→{target} sanctions ×",
                    0.0,
                    round(high - 0.005, 2) if high < SANCTION_SCALE_MAX else high,
                    0.05,
                    float(sched["scale"]),
                    "sanctions",
                )
            )
    for member, alliance in sc["alliances"].items():
        out.append(
            Control(
                f"scenario.alliances.{member}.commitment",
                f"{member} commitment",
                0.0,
                1.0,
                0.05,
                float(alliance["commitment"]),
                "alliance",
            )
        )
    for patron, steps in sc["pressure"].items():
        for k, step in enumerate(steps):
            out.append(
                Control(
                    f"scenario.pressure.{patron}.{k}.level",
                    f"{patron} pressure {step['date']}",
                    0.0,
                    1.0,
                    0.05,
                    float(step["level"]),
                    "alliance",
                )
            )
    inv = sc["investment"]
    for investor, hosts in inv["flows"].items():
        for host, flow in hosts.items():
            out.append(
                Control(
                    f"scenario.investment.flows.{investor}.{host}.baseline_flow",
                    f"{investor}→{host} flow",
                    0.0,
                    FLOW_MAX,
                    0.005,
                    float(flow["baseline_flow"]),
                    "investment",
                )
            )
    for code, value in inv["exposure"].items():
        out.append(
            Control(
                f"scenario.investment.exposure.{code}", f"{code} exposure", 0.0, 1.0, 0.05, float(value), "investment"
            )
        )
    out += [behaviour_control(name, float(params[name])) for name in BEHAVIOUR]
    return out


def behaviour_control(name: str, value: float) -> Control:
    """The slider of behavioural parameter ``name``: its declared range in about 20 round steps, labelled by its
    name; an end the parameter's domain excludes (``alliance_penalty_scale > 0``) moves in by one step, and the
    range widens to include ``value`` (a scenario's own value is always on its slider)."""
    param = BY_NAME[name]
    if param.bounds is None:
        raise ValueError(f"params.{name} has no declared range to span (sim/config/parameters.py)")
    low, high = param.bounds
    step = _round_step((high - low) / 20)
    if not param.domain.allows(low):
        low += step
    if not param.domain.allows(high):
        high -= step
    low, high = round(min(low, value), 10), round(max(high, value), 10)
    return Control(f"params.{name}", name.replace("_", " "), low, high, step, value, "behaviour")


def _round_step(raw: float) -> float:
    """The largest of 1, 2 or 5 times a power of ten not above ``raw``."""
    power = 10.0 ** math.floor(math.log10(raw))
    return round(max(m * power for m in (1, 2, 5) if m * power <= raw * (1 + 1e-9)), 12)


def changed(controls: list[Control], values: dict[str, float]) -> dict[str, float]:
    """The settings that differ from the scenario's own values, in the controls' order (what a command needs)."""
    out = {}
    for c in controls:
        if c.path in values and abs(float(values[c.path]) - c.default) > 1e-12:
            out[c.path] = round(float(values[c.path]), 10)
    return out
