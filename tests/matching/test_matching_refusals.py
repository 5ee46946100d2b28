"""Why a pair is not allowed: ``refusals`` agrees with the score mask and checks each rule."""

import numpy as np
import pytest
from matching_reference import random_features

from matcher.matching import (
    ALLOWED,
    KIND_PEER,
    REFUSALS,
    Rules,
    Weights,
    refusals,
    score_matrix,
)


def every_pair(students, mentors):
    return np.divmod(np.arange(students.n * mentors.n), mentors.n)


def rule_by_rule(students, mentors, weights, rules, i, m):
    """An independent reading of the hard rules, pair by pair, in their stated order."""
    totals = score_matrix(students, mentors, weights, Rules(**{**vars(rules), "min_score": None}))
    codes = []
    for s, t in zip(i.tolist(), m.tolist(), strict=True):
        ahead = mentors.year[t] - students.year[s]
        shares = mentors.specialty[t] >= 0 and mentors.specialty[t] in students.specialties[s]
        same = students.institution[s] >= 0 and students.institution[s] == mentors.institution[t]
        if any((s, t) == tuple(p) for p in rules.barred.tolist()):
            codes.append("barred")
        elif rules.shared_specialty and not shares:
            codes.append("other_specialty")
        elif (
            rules.peer_years_ahead is not None
            and mentors.kind[t] == KIND_PEER
            and not rules.peer_years_ahead[0] <= ahead <= rules.peer_years_ahead[1]
        ):
            codes.append("peer_years")
        elif rules.same_institution == "barred" and same:
            codes.append("same_institution")
        elif rules.min_score is not None and totals.score[s, t] < rules.min_score:
            codes.append("min_score")
        else:
            codes.append(None)
    return codes


@pytest.mark.parametrize("seed", range(12))
def test_refusals_match_the_score_mask_and_a_rule_by_rule_reading(seed):
    rng = np.random.default_rng(seed)
    students, mentors = random_features(rng, n_s=25, n_m=10)
    weights = Weights(focus=float(rng.random()), goals=float(rng.random()))
    bars = np.unique(rng.integers(0, [students.n, mentors.n], (6, 2)), axis=0)
    base = score_matrix(students, mentors, weights, Rules(shared_specialty=False))
    rules = Rules(
        shared_specialty=bool(seed % 2),
        peer_years_ahead=(1, 2) if seed % 3 else None,
        same_institution=("barred", "neutral", "preferred")[seed % 3],
        min_score=float(np.quantile(base.score, 0.3)) if seed % 4 else None,
        barred=bars,
    )
    i, m = every_pair(students, mentors)
    why = refusals(students, mentors, i, m, weights, rules)
    allowed = score_matrix(students, mentors, weights, rules).allowed
    assert ((why == ALLOWED) == allowed[i, m]).all()
    named = [None if code == ALLOWED else REFUSALS[code - 1] for code in why.tolist()]
    assert named == rule_by_rule(students, mentors, weights, rules, i, m)
    assert {n for n in named if n} >= {"barred"}


def test_a_pair_breaking_several_rules_names_the_first():
    rng = np.random.default_rng(3)
    students, mentors = random_features(rng, n_s=4, n_m=3)
    everything = Rules(min_score=1e9, barred=np.array([[0, 0]]))
    assert REFUSALS[refusals(students, mentors, [0], [0], rules=everything)[0] - 1] == "barred"
    assert REFUSALS[refusals(students, mentors, [1], [0], rules=everything)[0] - 1] in REFUSALS


@pytest.mark.parametrize(
    ("i", "m", "message"),
    [
        ([0, 1], [0], "i and m must be 1-D arrays of one length"),
        ([9], [0], "names a student or mentor that does not exist"),
        ([0], [-1], "names a student or mentor that does not exist"),
    ],
)
def test_bad_pairs_are_refused_with_a_precise_message(i, m, message):
    students, mentors = random_features(np.random.default_rng(0), n_s=4, n_m=3)
    with pytest.raises(ValueError, match=message):
        refusals(students, mentors, i, m)
