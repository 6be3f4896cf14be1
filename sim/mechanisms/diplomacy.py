"""Leaders and channels: rapport, meetings and institutional-channel openness (S2, S3)."""

from __future__ import annotations

import numpy as np

from sim.mechanisms.trust import logistic
from sim.numerics.elementary import exp2_array, power_array


def channel_target(
    mean_trust,
    rapport,
    wedge,
    penalty_share,
    *,
    channel_intercept,
    channel_trust_slope,
    channel_trust_reference,
    channel_rapport_slope,
    channel_wedge_slope,
    channel_penalty_slope,
) -> np.ndarray:
    """``O* = σ(c0 + c_τ(τ̄ - τ_ref) + c_R(Rap - 0.5) + c_W·W - c_P·Pen/P0)``.

    Channels (2+2, visa and investment talks) open with mutual trust, rapport and the wedge motive, and
    close under the patron's pressure (Snyder 1984; Crawford 2011; MODEL-NOTES S2).
    """
    return logistic(
        channel_intercept
        + channel_trust_slope * (mean_trust - channel_trust_reference)
        + channel_rapport_slope * (rapport - 0.5)
        + channel_wedge_slope * wedge
        - channel_penalty_slope * penalty_share
    )


def adjust(level: np.ndarray, target: np.ndarray, speed, close_speed) -> np.ndarray:
    """``O <- O + s·(O* - O)`` with ``s = s_close`` when ``O* < O``, else ``s_O``.

    Closing a channel is one cabinet decision and quick; reopening it needs preparation and is slow. Japan
    suspended its visa and investment talks on 2014-03-18, twelve days after the first US executive order
    ([P15] [P16] [P17]); resumption was prepared from the Antalya meeting (Nov 2015, [P46]) to Sochi (May 2016,
    [P56]). MODEL-NOTES S2 has one speed (0.15) both ways.
    """
    return level + np.where(target < level, close_speed, speed) * (target - level)


def summit_mandate(mandate: np.ndarray, summit: np.ndarray, gain) -> np.ndarray:
    """``M <- M + m·(1 - M)`` in a month in which the pair's leaders hold a bilateral summit.

    Leaders meeting in person commission their officials to (re)open talks: Abe's 2013 Moscow visit launched
    the 2+2 [P1]; the Sochi summit of May 2016 agreed the "new approach" and Abe's eight-point economic plan,
    which restarted the frozen working channels [P56] [P57] [P58], and later summits renewed it (Vladivostok
    Sep 2016, Nagato Dec 2016, Moscow Apr 2017 [P64] [P81] [P98]). The mandate is a floor under the channel's
    target (``Country.set_policy``): ``O* <- max(O*, M)``; it fades between summits (``decay_mandate``).
    """
    return mandate + np.where(summit, gain, 0.0) * (1.0 - mandate)


def void_mandate(mandate: np.ndarray, own_rise: np.ndarray, threshold) -> np.ndarray:
    """``M <- 0`` in a month in which the channel's owner raises its own sanctions on the partner by more than
    ``threshold`` (the month it emits a 163 event, S1).

    Joining a sanctions round (which the patron asks its allies to do: Obama to Abe, 2014-03-07 [P10]), the owner
    suspends what its leaders had commissioned: Japan froze the visa and investment talks launched by the 2013
    Moscow summit with its first measures [P1] [P15] [P17], postponed Kishida's April 2014 Moscow visit [P43] and
    gave up hosting Putin in autumn 2014, the visit agreed at Sochi, in the month of its securities ban [P8] [P9]
    [P30]. Rounds the owner does not join (the US measures of December 2016 [P92], in the month of the Nagato
    summit) void nothing. Without a mandate the channel follows its target (S2) and freezes; the next summit gives
    a new one.
    """
    return np.where(own_rise > threshold, 0.0, mandate)


def suspend_talks(suspended: np.ndarray, own_rise: np.ndarray, threshold) -> np.ndarray:
    """``susp <- susp ∨ (ΔS_ij > threshold)``: the owner suspends the channel's talks in a month it joins a sanctions
    round (raises its own sanctions on the partner by more than ``sanction_step_threshold``, as ``void_mandate``);
    they stay suspended until the leaders resume them (``resume_talks``). Deviation ad, optional.

    Japan's first measures after Crimea were themselves the suspension of its visa-liberalisation and investment
    talks with Russia (2014-03-18, [P15] [P16] [P17]). While suspended the channel's target is capped
    (``cap_target``)."""
    return suspended | (own_rise > threshold)


def resume_talks(suspended: np.ndarray, summit: np.ndarray) -> np.ndarray:
    """``susp <- susp ∧ ¬summit``: the pair's leaders, meeting at a bilateral summit, resume suspended talks: the
    working channels restarted when Abe and Putin agreed the "new approach" at Sochi (May 2016, [P56] [P57] [P58])."""
    return suspended & ~summit


def cap_target(target: np.ndarray, suspended: np.ndarray, level) -> np.ndarray:
    """``O* <- min(O*, O_susp)`` while the talks are suspended (``suspension_level``; 1, the default, leaves ``O*``
    as it is, since ``O* <= 1``): then the channel closes at ``s_close`` toward ``O_susp``, and the leaders'
    mandate, a floor applied after this cap, reopens it at their next summit."""
    return np.where(suspended, np.minimum(target, level), target)


def follow_up_probability(mandate: np.ndarray, rate) -> np.ndarray:
    """``r·M``: the chance that the summit the leaders agreed on takes place this month.

    Each bilateral summit agrees the next one and the officials prepare it under the mandate ``M``: Sochi 2014
    agreed a Putin visit for the autumn [P8] [P9], Vladivostok (Sep 2016) the Nagato summit of December [P64];
    the J–R summits of 2016–2017 came 3.5 to 4.5 months apart (May, Sep, Dec 2016; Apr, Sep 2017 [P56] [P64]
    [P81] [P98] [P101]), a mean of 5.3 months over 2013–2017 counting Moscow 2013 to Sochi 2014 (10 months):
    ``r·M ≈ 1/5.3`` at a mandate of 0.6–0.8 gives ``r ≈ 0.3``. Leaders meeting on a summit's sidelines agree to
    prepare a visit too (Antalya, Nov 2015: "prepare a Putin visit" [P46]; Abe went to Sochi in May 2016, though
    Obama asked him to postpone [P53] [P54]), with a smaller mandate (``sideline_mandate``). A sanctions round the
    owner joins cancels the plan (``void_mandate``: Japan gave up hosting Putin in autumn 2014 [P9]).
    MODEL-NOTES S3 has no follow-up (``r = 0``).
    """
    return rate * mandate


def decay_mandate(mandate: np.ndarray, half_life) -> np.ndarray:
    """``M <- M·2^(-1/half-life)``: without a new summit the officials' mandate wears off."""
    return mandate * exp2_array(-1.0 / half_life)


def decay_rapport(rapport: np.ndarray, half_life) -> np.ndarray:
    """``Rap <- Rap·2^(-1/half-life)``: rapport fades without contact."""
    return rapport * exp2_array(-1.0 / half_life)


def gain_rapport(rapport: np.ndarray, gain) -> np.ndarray:
    """``Rap <- Rap + g·(1 - Rap)``: each meeting closes a share ``g`` of the gap to full rapport."""
    return rapport + gain * (1.0 - rapport)


def sideline_probability(rapport: np.ndarray, mean_trust: np.ndarray, summits: np.ndarray, slope) -> np.ndarray:
    """Chance of at least one sideline meeting at ``summits`` summits, each ``σ(slope·(Rap + τ̄ - 0.5))``.

    Leaders meet on the sidelines when they get on and trust each other; MODEL-NOTES S3 uses the channel's
    openness ``σ(slope·(O - 0.5))`` instead, but its own corrections (§1) record that Abe and Putin kept
    meeting at APEC 2014, UNGA and G20 2015 while the institutional channels were frozen.
    """
    p = logistic(slope * (rapport + mean_trust - 0.5))
    return 1.0 - power_array(1.0 - p, summits)


def acceptance_probability(
    openness,
    wedge,
    trust,
    *,
    acceptance_slope,
    acceptance_openness,
    visit_trust,
    penalty_share=0.0,
    acceptance_penalty=0.0,
) -> np.ndarray:
    """``σ(s·(O - O_acc + W + τ - τ_visit - c_pen·Pen/P0))``: whether an invitation to visit is taken up (S3).

    ``Pen/P0 = a·π·max(0, -x_mj, S_mj)`` is the owner's alliance penalty toward the partner in units of its
    scale (S7): taking up the partner's invitation while the patron sanctions it is the visible step that
    Snyder's abandonment fear (1984) deters, so the invitation is more often declined or postponed. Japan
    postponed Kishida's April 2014 Moscow visit [P43], gave up hosting Putin in autumn 2014 [P9], and after
    Antalya (Nov 2015) would prepare his visit only "at the most appropriate time" [P46]; no bilateral summit
    took place from February 2014 to May 2016. MODEL-NOTES S3 has no such term (``c_pen = 0``).
    """
    return logistic(
        acceptance_slope
        * (openness - acceptance_openness + wedge + trust - visit_trust - acceptance_penalty * penalty_share)
    )
