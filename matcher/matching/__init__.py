"""Matching engine: exact, explainable student-mentor assignment.

Pure numpy/scipy: arrays in, arrays out. The database-facing code builds the
feature arrays; nothing here imports Flask or SQLAlchemy.
"""

from .board import BoardAssignment, BoardProblem, assign_board, board_problem
from .engine import (
    SEATS,
    BoardMatch,
    MatchResult,
    board_seats,
    board_values,
    match,
    match_board,
)
from .explain import (
    ALL_FULL,
    FREE_PLACE_UNUSED,
    MATCHED,
    NO_ALLOWED_MENTOR,
    Explanation,
    explain,
)
from .quality import QualityReport, blocking_pair_list, blocking_pairs, quality_report
from .scoring import (
    ALLOWED,
    CRITERIA,
    KIND_FACULTY,
    KIND_FELLOW,
    KIND_PEER,
    KIND_RESIDENT,
    REFUSALS,
    MentorFeatures,
    Rules,
    ScoreMatrix,
    StudentFeatures,
    Weights,
    candidate_pairs,
    criteria,
    refusals,
    same_home,
    score_matrix,
    score_pairs,
)
from .solver import PIN_NO_PLACE, PIN_NOT_ALLOWED, PIN_PLACED, assign, assign_pinned

__all__ = [
    "ALLOWED",
    "ALL_FULL",
    "CRITERIA",
    "FREE_PLACE_UNUSED",
    "KIND_FACULTY",
    "KIND_FELLOW",
    "KIND_PEER",
    "KIND_RESIDENT",
    "MATCHED",
    "NO_ALLOWED_MENTOR",
    "PIN_NOT_ALLOWED",
    "PIN_NO_PLACE",
    "PIN_PLACED",
    "REFUSALS",
    "SEATS",
    "BoardAssignment",
    "BoardMatch",
    "BoardProblem",
    "Explanation",
    "MatchResult",
    "MentorFeatures",
    "QualityReport",
    "Rules",
    "ScoreMatrix",
    "StudentFeatures",
    "Weights",
    "assign",
    "assign_board",
    "assign_pinned",
    "blocking_pair_list",
    "blocking_pairs",
    "board_problem",
    "board_seats",
    "board_values",
    "candidate_pairs",
    "criteria",
    "explain",
    "match",
    "match_board",
    "quality_report",
    "refusals",
    "same_home",
    "score_matrix",
    "score_pairs",
]
