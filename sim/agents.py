"""A country: one Mesa agent that owns its side of every relationship, for all runs of the ensemble.

Country ``i`` owns row ``i`` of the directed-dyad arrays (its trust in, intended cooperation toward,
sanctions on and investment in each partner) and the channels it owns. Each stage method reads the state
of the previous month (``model.state``) or what an earlier stage of this month wrote (``model.next``),
and writes only its own slice of ``model.next``: activation is staged and simultaneous, so results never
depend on the order in which countries act.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.mechanisms import diplomacy, events, investment, sanctions, target, trust
from sim.signals import emit
from sim.world import SANCTION_CODES

if TYPE_CHECKING:
    from sim.model import RelationsModel


_NONE = np.zeros((1, 1))  # no secondary-sanctions sender (or the sender itself): its sanctions count as 0


class Country(mesa.Agent):
    """A state: JPN, RUS, USA, CHN by default, or any country the scenario lists."""

    model: RelationsModel

    def __init__(self, model: RelationsModel, code: str, index: int):
        super().__init__(model)
        self.code = code
        self.index = index

    def __str__(self) -> str:
        return self.code

    __repr__ = __str__  # lists of agents read [JPN, RUS, USA, CHN]

    def trust_in(self, partner: str) -> np.ndarray:
        """This country's trust in ``partner`` in every run, (R,)."""
        j = self.model.world.index(partner)
        return trust.logistic(self.model.state.log_odds[:, self.index, j])

    def set_policy(self) -> None:
        """S1 sanctions on each partner (schedule or partial-alignment ratchet) and S2 openness of owned channels."""
        m, w, p, i, t = self.model, self.model.world, self.model.world.params, self.index, self.model.t
        prev, nxt = m.state, m.next
        row = np.broadcast_to(w.sanctions_scheduled[t][:, i, :], (m.n_runs, w.n)).copy()
        for j in np.flatnonzero(w.alignment[i]):
            reference = w.alignment_reference[t][:, i, j]
            falling = reference < w.alignment_reference[max(t - 1, 0)][:, i, j]
            value = sanctions.relationship_value(
                p.relationship_value_base[:, 0],
                p.relationship_value_investment[:, 0],
                p.relationship_value_trust[:, 0],
                prev.investment_stock[:, i, j],
                trust.logistic(prev.log_odds[:, i, j]),
            )
            target = sanctions.alignment_target(reference, w.commitment[:, i], w.pressure[t][:, w.patron[i]], value)
            row[:, j] = sanctions.ratchet(prev.sanctions[:, i, j], target, falling)
            rose = row[:, j] - prev.sanctions[:, i, j] > p.sanction_step_threshold[:, 0]
            emit(m.signals, m.log, t, rose, i, j, "163", p.policy_event_weight[:, 0])
        nxt.sanctions[:, i, :] = row
        for c in np.flatnonzero(w.channel_owner == i):
            j = w.channel_partner[c]
            target = diplomacy.channel_target(
                trust.mutual_trust(prev.log_odds, i, j),
                prev.rapport[:, i, j],
                m.structure.wedge[:, i, j],
                m.structure.penalty[:, i, j] / p.alliance_penalty_scale[:, 0],
                channel_intercept=p.channel_intercept[:, 0],
                channel_trust_slope=p.channel_trust_slope[:, 0],
                channel_trust_reference=p.channel_trust_reference[:, 0],
                channel_rapport_slope=p.channel_rapport_slope[:, 0],
                channel_wedge_slope=p.channel_wedge_slope[:, 0],
                channel_penalty_slope=p.channel_penalty_slope[:, 0],
            )
            # joining a sanctions round, the owner suspends what its leaders had commissioned (S3)
            own_rise = row[:, j] - prev.sanctions[:, i, j]
            mandate = diplomacy.void_mandate(prev.mandate[:, c], own_rise, p.sanction_step_threshold[:, 0])
            nxt.mandate[:, c] = mandate
            # and, optionally (suspension_level < 1), suspends the channel's talks until the leaders' next summit
            nxt.suspended[:, c] = diplomacy.suspend_talks(
                prev.suspended[:, c], own_rise, p.sanction_step_threshold[:, 0]
            )
            target = diplomacy.cap_target(target, nxt.suspended[:, c], p.suspension_level[:, 0])
            target = np.maximum(target, mandate)  # leaders' mandate: a floor (S3)
            before = prev.openness[:, i, j]
            after = diplomacy.adjust(before, target, p.channel_speed[:, 0], p.channel_close_speed[:, 0])
            nxt.openness[:, i, j] = nxt.openness[:, j, i] = after
            if w.mode == "endogenous":  # forced mode injects the historical freezes and reopenings instead
                emit(m.signals, m.log, t, (before >= 0.5) & (after < 0.5), i, j, "164", p.policy_event_weight[:, 0])
                emit(m.signals, m.log, t, (before < 0.5) & (after >= 0.5), i, j, "036", p.policy_event_weight[:, 0])

    def decide(self, speed: float | None = None) -> None:
        """S4: intended cooperation toward each partner, by partial adjustment toward the target.

        ``speed`` replaces the adjustment speed ``a`` (the spin-up jumps straight to the target with 1).
        """
        m, w, p, i, t = self.model, self.model.world, self.model.world.params, self.index, self.model.t
        prev, nxt, st = m.state, m.next, m.structure
        target.decide_row(
            i,
            m.affinity_now()[:, i, :],
            prev.perceived[:, :, i],
            w.reciprocity[:, i, :],
            p.generosity,
            m.trust_now()[:, i, :],
            p.trust_weight,
            nxt.rapport[:, i, :],
            p.rapport_weight,
            st.balance[:, i, :],
            p.balance_weight,
            st.wedge[:, i, :],
            p.wedge_weight,
            st.penalty[:, i, :],
            nxt.sanctions[:, :, i],
            p.sanctions_resentment,
            w.threat[t][:, None],
            w.threat_weight[:, i, :],
            w.stress[t][:, i, None],
            p.stress_outreach,
            (w.investment_baseline[:, :, i] > 0).astype(float),
            target.investment_growth(prev.investment_flow[:, i, :], w.investment_baseline[:, i, :]),
            p.investment_signal,
            prev.investment_stock[:, i, :],
            prev.investment_stock[:, :, i],
            p.interdependence_reference,
            p.interdependence_damping,
            prev.intended[:, i, :],
            p.adjustment_speed if speed is None else np.full((1, 1), float(speed)),
            m.term_values[:, :, i, :],
            m.target[:, i, :],
            nxt.intended[:, i, :],
        )

    def act(self) -> None:
        """Implementation noise and the month's CAMEO events toward each partner; the realised NCI.

        Implemented level ``c* + σ_a·ε`` (Wu & Axelrod 1995); ``1 + Poisson(λ)`` events, each at level
        ``c* + σ_a·ε + σ_e·η`` coded as a CAMEO root (``events.month_events``); NCI = mean Goldstein value
        with injected and emitted events counted at their weights.
        """
        m, w, p, i, t = self.model, self.model.world, self.model.world.params, self.index, self.model.t
        n, nxt, rs = w.n, m.next, m.streams
        level = nxt.intended[:, i, :] + p.implementation_noise * rs.normal("implementation", t, (n,), offset=i * n)
        inj = w.injected
        scale = w.sanction_scale[:, i, :]
        salient = salient_key = None
        if m.signals.salient is not None:  # the observation model's record: emitted, injected, then routine events
            for src, j, code, g in inj.log[t]:
                if src == i:
                    present = scale[:, j] > 0 if code in SANCTION_CODES else np.ones(1, bool)
                    m.signals.keep(i, j, g, np.broadcast_to(present, (m.n_runs,)))
            salient, salient_key = m.signals.salient[:, i].copy(), m.signals.salient_key[:, i].copy()
        total, counts, costly, first = events.month_events(
            rs, t, i, level, p.events_per_month, p.event_noise, m.max_events, salient, salient_key, m.salience_power
        )
        if salient is not None:
            m.signals.salient[:, i], m.signals.salient_key[:, i] = salient, salient_key
        events.realise_row(
            i,
            total,
            counts,
            costly,
            inj.weighted_goldstein[t][i][None, :],
            inj.sanction_weighted_goldstein[t][i][None, :],
            inj.weight[t][i][None, :],
            inj.sanction_weight[t][i][None, :],
            scale,
            p.scheduled_event_weight,
            m.signals.weighted_goldstein[:, i, :],
            m.signals.weight[:, i, :],
            inj.costly[t][i][None, :],
            inj.sanction_costly[t][i][None, :],
            m.signals.costly[:, i, :],
            nxt.realised[:, i, :],
            nxt.costly[:, i, :],
        )
        if m.log is not None:  # the first run's events
            m.log.add_generated(t, i, first)

    def invest(self) -> None:
        """S5: investment flows into each partner and the stocks they build."""
        m, w, i, t = self.model, self.model.world, self.index, self.model.t
        prev, nxt = m.state, m.next
        u = w.secondary_sender
        investment.invest_row(
            i,
            w.investment_baseline[:, i, :],
            w.busting[:, i, :],
            nxt.sanctions[:, u, :] if u >= 0 and u != i else _NONE,
            w.exposure[:, i, None],
            w.channel_push[:, i, :],
            nxt.openness[:, i, :],
            m.trust_now()[:, i, :],
            nxt.rapport[:, i, :],
            w.stress[t],
            w.sanction_friction,
            nxt.sanctions[:, i, :],
            prev.investment_stock[:, i, :],
            w.depreciation,
            nxt.investment_flow[:, i, :],
            nxt.investment_stock[:, i, :],
        )

    def observe(self) -> None:
        """S6: read each partner's signal toward this country and update trust in it (Bayes, with reversion)."""
        m, w, p, j, t = self.model, self.model.world, self.model.world.params, self.index, self.model.t
        prev, nxt, n = m.state, m.next, w.n
        update = t >= w.baseline_steps  # during the burn-in the readings only measure the normal level
        trust.observe_column(
            j,
            update,
            nxt.realised[:, :, j],
            prev.baseline[:, :, j],
            m.trust_now()[:, j, :],
            nxt.rapport[:, :, j],
            m.streams.normal("perception", t, (n,), offset=j * n),
            p.mistrust_bias,
            p.perception_noise,
            p.rapport_clarity,
            prev.log_odds[:, j, :],
            nxt.costly[:, :, j],
            nxt.visit[:, :, j],
            m.structure.penalty[:, :, j],
            p.alliance_penalty_scale,
            p.cheap_signal_noise,
            p.costly_signal_noise,
            p.cost_sensitivity,
            p.signal_separation,
            w.shock_weight[t][j][None, :],
            w.shock_weighted_goldstein[t][j][None, :],
            m.trust_prior[:, j, :],
            p.trust_reversion,
            nxt.perceived[:, :, j],
            nxt.log_odds[:, j, :],
        )
        if not update:
            nxt.baseline_sum[:, :, j] = prev.baseline_sum[:, :, j] + nxt.perceived[:, :, j]
            if t == w.baseline_steps - 1:
                nxt.baseline[:, :, j] = nxt.baseline_sum[:, :, j] / w.baseline_steps
