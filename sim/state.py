"""The model's state: arrays with a leading run axis R; directed-dyad arrays are (R, N, N) [source, target]."""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms.trust import logit

if TYPE_CHECKING:
    from sim.world import World


@dataclass
class State:
    log_odds: np.ndarray  # ℓ_ij: i's trust in j, as log-odds
    intended: np.ndarray  # c*_ij, Goldstein units
    realised: np.ndarray  # c_ij: the month's NCI of i→j
    perceived: np.ndarray  # ĉ_ij: j's reading of i→j
    costly: np.ndarray  # bool: i→j's month held a costly signal
    visit: np.ndarray  # bool: i made a bilateral visit to j this month
    valence: np.ndarray  # x_ij in [-1, 1]
    sanctions: np.ndarray  # S_ij in [0, 1]
    investment_flow: np.ndarray  # I_ij
    investment_stock: np.ndarray  # K_ij
    rapport: np.ndarray  # Rap_ij, symmetric
    openness: np.ndarray  # O_ij, symmetric; 1 where no channel is configured
    baseline_sum: np.ndarray  # running sum of ĉ_ij over the burn-in
    baseline: np.ndarray  # m̄_ij: j's normal reading of i→j, frozen after the burn-in
    frozen: np.ndarray  # (R, C) bool: the channel has been below 0.5
    mandate: np.ndarray  # (R, C) M: the leaders' mandate to keep a channel's talks going, in [0, 1]
    suspended: np.ndarray  # (R, C) bool: the owner suspended the talks with a sanctions round (deviation ad)
    two_plus_two: np.ndarray  # (R, C) step of the 2+2 resumption agreement, -1 before
    joint_activity: np.ndarray  # (R, C) step of the joint-economic-activity agreement, -1 before
    treaty: np.ndarray  # (R, C) step of the peace treaty, -1 before
    stock_history: np.ndarray  # (13, R, C) K of each channel's owner in its partner, last 13 months

    def copy(self) -> State:
        return replace(self, **{f.name: getattr(self, f.name).copy() for f in fields(self)})

    @classmethod
    def initial(cls, world: World, n_runs: int) -> State:
        """Initialisation of MODEL-NOTES §5.5: ``x(0) = G/5``, ``c*(0) = 2G``, trust at its prior."""
        n, c = world.n, len(world.channel_names)
        shape = (n_runs, n, n)
        off = 1.0 - np.eye(n)
        g0 = np.broadcast_to(world.affinity[0], shape)
        intended = np.clip(2.0 * g0, -10, 10) * off
        openness = np.ones(shape)
        o0 = np.broadcast_to(world.openness0, (n_runs, c))
        for k, (i, j) in enumerate(zip(world.channel_owner, world.channel_partner, strict=True)):
            openness[:, i, j] = openness[:, j, i] = o0[:, k]
        stock = np.broadcast_to(world.investment_initial, shape).copy()
        owners, partners = world.channel_owner, world.channel_partner
        return cls(
            log_odds=np.broadcast_to(logit(np.clip(world.trust0, 1e-6, 1 - 1e-6)), shape) * off,
            intended=intended,
            realised=intended.copy(),
            perceived=intended.copy(),
            costly=np.zeros(shape, bool),
            visit=np.zeros(shape, bool),
            valence=g0 / 5.0 * off,
            sanctions=np.zeros(shape),
            investment_flow=np.broadcast_to(world.investment_baseline, shape).copy(),
            investment_stock=stock,
            rapport=np.broadcast_to(world.rapport0, shape).copy(),
            openness=openness,
            baseline_sum=np.zeros(shape),
            baseline=np.zeros(shape),
            frozen=np.zeros((n_runs, c), bool),
            mandate=np.zeros((n_runs, c)),
            suspended=np.zeros((n_runs, c), bool),
            two_plus_two=np.full((n_runs, c), -1),
            joint_activity=np.full((n_runs, c), -1),
            treaty=np.full((n_runs, c), -1),
            stock_history=np.repeat(stock[None, :, owners, partners], 13, axis=0),
        )
