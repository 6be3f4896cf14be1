"""Stages that belong to a pair of countries rather than to one: structure, meetings, milestones."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.mechanisms import diplomacy, milestones, structure, trust
from sim.signals import emit

if TYPE_CHECKING:
    from sim.model import RelationsModel


@dataclass
class Structure:
    """Third-party terms of this month, read off last month's valences: (R, N, N) each."""

    balance: np.ndarray
    wedge: np.ndarray
    penalty: np.ndarray


def assess(model: RelationsModel) -> Structure:
    w, p, x = model.world, model.world.params, model.state.valence
    balance, wedge = structure.third_party_terms(x)
    return Structure(
        balance=balance,
        wedge=wedge,
        penalty=structure.alliance_penalty(
            x, w.patron, w.commitment, w.pressure[model.t], p.alliance_penalty_scale[:, 0], model.state.sanctions
        ),
    )


def _bilateral_summit(model: RelationsModel, happened: np.ndarray, visitor: int, host: int) -> None:
    """A visit: rapport gain and the summit's events (MODEL-NOTES S3: 042/043, 036 and 061)."""
    nxt, p, t = model.next, model.world.params, model.t
    gain = np.where(happened, p.rapport_gain_bilateral[:, 0], 0.0)
    nxt.rapport[:, visitor, host] = nxt.rapport[:, host, visitor] = diplomacy.gain_rapport(
        nxt.rapport[:, visitor, host], gain
    )
    nxt.visit[:, visitor, host] |= happened
    weight = p.scheduled_event_weight[:, 0]
    for src, dst, code in (
        (visitor, host, "042"),
        (host, visitor, "043"),
        (visitor, host, "036"),
        (host, visitor, "036"),
        (visitor, host, "061"),
        (host, visitor, "061"),
    ):
        emit(model.signals, model.log, t, happened, src, dst, code, weight)


def meet(model: RelationsModel) -> None:
    """S3: leader changes, rapport decay, sideline meetings at summits, visits and invitations on channels.

    In ``forced`` mode meetings are not drawn: the timeline's meeting events raise rapport instead. In both
    modes a bilateral summit on a channel pair gives its officials a mandate to reopen talks.
    """
    w, p, t, nxt, st = model.world, model.world.params, model.t, model.next, model.structure
    n = w.n
    model.sideline = np.zeros((model.n_runs, n, n), bool)
    nxt.rapport[:] = diplomacy.decay_rapport(nxt.rapport, p.rapport_half_life[..., None])
    for a in np.flatnonzero(w.leader_change[t]):
        nxt.rapport[:, a, :] = nxt.rapport[:, :, a] = p.rapport_reset
        nxt.rapport[:, a, a] = 0.0
    if w.mode == "forced":
        inj = w.injected
        nxt.visit |= inj.visit[t]
        model.sideline[:] = inj.sideline_meeting[t]
        nxt.rapport[:] = diplomacy.gain_rapport(
            nxt.rapport,
            np.where(
                inj.bilateral_meeting[t],
                p.rapport_gain_bilateral[..., None],
                np.where(inj.sideline_meeting[t], p.rapport_gain_sideline[..., None], 0.0),
            ),
        )
        _mandate(model)
        return
    u = model.streams.uniform("meeting", t, (n, n))
    prev = model.state
    for a, b in zip(*np.nonzero(np.triu(w.summits[t])), strict=True):
        chance = diplomacy.sideline_probability(
            nxt.rapport[:, a, b], trust.mutual_trust(prev.log_odds, a, b), w.summits[t, a, b], p.sideline_slope[:, 0]
        )
        met = u[:, a, b] < chance
        model.sideline[:, a, b] = model.sideline[:, b, a] = met
        nxt.rapport[:, a, b] = nxt.rapport[:, b, a] = diplomacy.gain_rapport(
            nxt.rapport[:, a, b], np.where(met, p.rapport_gain_sideline[:, 0], 0.0)
        )
        emit(model.signals, model.log, t, met, a, b, "044", p.scheduled_event_weight[:, 0])
        emit(model.signals, model.log, t, met, b, a, "044", p.scheduled_event_weight[:, 0])
    c_n = len(w.channel_names)
    u_visit = model.streams.uniform("visit", t, (c_n,))
    u_invite = model.streams.uniform("invitation", t, (c_n,))
    u_accept = model.streams.uniform("acceptance", t, (c_n,))
    u_follow = model.streams.uniform("follow_up", t, (c_n,))
    for c in range(c_n):
        i, j = w.channel_owner[c], w.channel_partner[c]
        openness = nxt.openness[:, i, j]
        tau_ij = trust.logistic(prev.log_odds[:, i, j])
        mean_trust = trust.mutual_trust(prev.log_odds, i, j)
        visit = np.zeros(model.n_runs, bool)
        if w.channel_visits[c]:
            ready = (openness > p.visit_openness[:, 0]) & (mean_trust > p.visit_trust[:, 0])
            visit |= ready & (u_visit[:, c] < p.visit_probability[:, 0])
            # the summit the last one agreed on, prepared under its mandate
            visit |= u_follow[:, c] < diplomacy.follow_up_probability(nxt.mandate[:, c], p.follow_up_rate[:, 0])
        if w.channel_invitations[c]:
            # the partner invites out of economic need and to pull the owner away from its rivals (wedge)
            invited = u_invite[:, c] < p.invitation_rate[:, 0] * (w.stress[t][:, j] + st.wedge[:, j, i])
            accept = diplomacy.acceptance_probability(
                openness,
                st.wedge[:, i, j],
                tau_ij,
                acceptance_slope=p.acceptance_slope[:, 0],
                acceptance_openness=p.acceptance_openness[:, 0],
                visit_trust=p.visit_trust[:, 0],
                penalty_share=st.penalty[:, i, j] / p.alliance_penalty_scale[:, 0],
                acceptance_penalty=p.acceptance_penalty[:, 0],
            )
            visit |= invited & (u_accept[:, c] < accept)
        _bilateral_summit(model, visit, i, j)
    _mandate(model)


def _summit_now(model: RelationsModel, i: int, j: int) -> np.ndarray:
    """Whether ``i`` and ``j`` hold a bilateral summit this month, either visiting the other: (R,)."""
    return model.next.visit[:, i, j] | model.next.visit[:, j, i]


def _mandate(model: RelationsModel) -> None:
    """Each channel's mandate fades, and is renewed by a bilateral summit this month; openness rises to it."""
    w, nxt, p = model.world, model.next, model.world.params
    nxt.mandate[:] = diplomacy.decay_mandate(nxt.mandate, p.mandate_half_life)
    for c, (i, j) in enumerate(zip(w.channel_owner, w.channel_partner, strict=True)):
        summit = _summit_now(model, i, j)
        # leaders on a summit's sidelines agree to prepare a visit only to break a freeze (Antalya 2015 [P46])
        prepare = model.sideline[:, i, j] & (model.state.openness[:, i, j] < 0.5)
        gain = np.where(summit, p.summit_mandate[:, 0], np.where(prepare, p.sideline_mandate[:, 0], 0.0))
        nxt.mandate[:, c] = diplomacy.summit_mandate(nxt.mandate[:, c], summit | prepare, gain)
        # the leaders resume talks their governments suspended (deviation ad)
        nxt.suspended[:, c] = diplomacy.resume_talks(nxt.suspended[:, c], summit)
        nxt.openness[:, i, j] = nxt.openness[:, j, i] = np.maximum(nxt.openness[:, i, j], nxt.mandate[:, c])


def settle_milestones(model: RelationsModel) -> None:
    """S8 milestones of each channel with ``milestones: true``: 2+2, joint economic activity, peace treaty.

    Milestones are always settled (they are outcomes); their events are emitted only in ``endogenous``
    mode, since ``forced`` mode injects the historical ones from the timeline.
    """
    w, p, t, prev, nxt = model.world, model.world.params, model.t, model.state, model.next
    signals, log = model.signals, model.log

    def announce(happened, src, dst, code, weight):
        if w.mode == "endogenous":
            emit(signals, log, t, happened, src, dst, code, weight)

    u = model.streams.uniform("treaty", t, (len(w.channel_names),))
    u_joint = model.streams.uniform("joint_activity", t, (len(w.channel_names),))
    for c in np.flatnonzero(w.channel_milestones):
        i, j = w.channel_owner[c], w.channel_partner[c]
        openness = prev.openness[:, i, j]
        min_trust = np.minimum(trust.logistic(prev.log_odds[:, i, j]), trust.logistic(prev.log_odds[:, j, i]))
        nxt.frozen[:, c] |= openness < 0.5
        open_enough = openness > p.milestone_openness[:, 0]
        summit = _summit_now(model, i, j)
        # resumed by the leaders at a summit, once the side that froze it trusts the partner again [P81] [P96]
        agree = milestones.two_plus_two_agreed(
            nxt.two_plus_two[:, c] < 0,
            nxt.frozen[:, c],
            open_enough,
            summit,
            trust.logistic(prev.log_odds[:, i, j]),
            p.two_plus_two_trust[:, 0],
        )
        nxt.two_plus_two[:, c] = np.where(agree, t, nxt.two_plus_two[:, c])
        weight = p.scheduled_event_weight[:, 0]
        announce(agree, i, j, "036", weight)
        announce(agree, j, i, "036", weight)
        first_meeting = (nxt.two_plus_two[:, c] >= 0) & (nxt.two_plus_two[:, c] == t - milestones.FIRST_MEETING_LAG)
        announce(first_meeting, i, j, "046", weight)
        announce(first_meeting, j, i, "046", weight)
        growing = prev.investment_stock[:, i, j] > prev.stock_history[0, :, c]
        # signed by leaders in person, with the rapport that summit leaves: Nagato, December 2016 [P81] [P90]
        # offered out of the partner's economic need: a draw against E_j(t) (Putin, Dec 2016 [P80]; [P104])
        joint = milestones.joint_activity_agreed(
            nxt.joint_activity[:, c] < 0,
            open_enough & growing,
            summit,
            nxt.rapport[:, i, j],
            p.joint_activity_rapport[:, 0],
            np.broadcast_to(w.stress[t][:, j], (model.n_runs,)),
            u_joint[:, c],
        )
        nxt.joint_activity[:, c] = np.where(joint, t, nxt.joint_activity[:, c])
        announce(joint, i, j, "057", weight)
        announce(joint, j, i, "057", weight)
        m = w.patron[i]
        veto = (
            milestones.patron_veto(
                w.commitment[:, i], w.pressure[t][:, m], prev.valence[:, m, j], p.treaty_veto_slope[:, 0]
            )
            if m >= 0
            else 0.0
        )
        hazard = milestones.treaty_hazard(
            min_trust,
            veto,
            treaty_base_hazard=p.treaty_base_hazard[:, 0],
            treaty_threshold=p.treaty_threshold[:, 0],
            territorial_hardness=p.territorial_hardness[:, 0],
        )
        signed = (nxt.treaty[:, c] < 0) & (u[:, c] < hazard)
        nxt.treaty[:, c] = np.where(signed, t, nxt.treaty[:, c])
        announce(signed, i, j, "057", weight)
        announce(signed, j, i, "057", weight)
