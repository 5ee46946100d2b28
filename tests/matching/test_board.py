"""The board of advisors' joint solve, cross-checked against integer programs."""

import numpy as np
import pytest
from scipy import sparse

from matcher.matching import (
    PIN_NO_PLACE,
    PIN_NOT_ALLOWED,
    PIN_PLACED,
    assign,
    assign_board,
    board_problem,
)
from tests.matching.matching_reference import board_milp_optimum, random_board


def check_feasible(board, score, capacity, seat, wanted, allowed):
    assert np.array_equal(seat[board.students, board.mentors], board.seats)
    assert wanted[board.students, board.seats].all()
    assert allowed[board.students, board.mentors].all()
    assert len(set(zip(board.students.tolist(), board.seats.tolist(), strict=True))) == len(
        board.students
    )
    assert len(set(zip(board.students.tolist(), board.mentors.tolist(), strict=True))) == len(
        board.students
    )
    assert (np.bincount(board.mentors, minlength=len(capacity)) <= capacity).all()
    order = np.lexsort((board.seats, board.students))
    assert np.array_equal(order, np.arange(board.students.size))


@pytest.mark.parametrize("seed", range(60))
def test_joint_optimum_matches_an_integer_program(seed):
    rng = np.random.default_rng(seed)
    n_s, n_m = int(rng.integers(1, 25)), int(rng.integers(1, 14))
    score, capacity, seat, wanted, allowed = random_board(rng, n_s, n_m)
    board = assign_board(score, capacity, seat, wanted, allowed)
    check_feasible(board, score, capacity, seat, wanted, allowed)
    count, best = board_milp_optimum(score, capacity, seat, wanted, allowed)
    assert board.students.size == count
    assert score[board.students, board.mentors].sum() == pytest.approx(best)


@pytest.mark.parametrize("seed", range(10))
def test_sparse_input_gives_the_dense_optimum(seed):
    rng = np.random.default_rng(100 + seed)
    score, capacity, seat, wanted, allowed = random_board(rng, 30, 12)
    rows, cols = np.nonzero(allowed)
    shuffle = rng.permutation(rows.size)
    coo = sparse.coo_array(
        (score[rows[shuffle], cols[shuffle]], (rows[shuffle], cols[shuffle])), shape=score.shape
    )
    row_major = seat[rows, cols]
    dense = assign_board(score, capacity, seat, wanted, allowed)
    sparse_board = assign_board(coo, capacity, row_major, wanted)
    assert np.array_equal(dense.students, sparse_board.students)
    assert np.array_equal(dense.seats, sparse_board.seats)
    assert score[dense.students, dense.mentors].sum() == pytest.approx(
        score[sparse_board.students, sparse_board.mentors].sum()
    )


def test_a_stored_zero_is_an_allowed_pair():
    score = sparse.csr_array((np.array([0.0]), (np.array([0]), np.array([1]))), shape=(1, 2))
    board = assign_board(score, [1, 1], np.array([2]), np.ones((1, 3), bool))
    assert (board.students.tolist(), board.mentors.tolist(), board.seats.tolist()) == (
        [0],
        [1],
        [2],
    )


def test_the_joint_solve_fills_seats_a_seat_by_seat_solve_leaves_empty():
    """Student 0 wants a home faculty seat; faculty 0 (home) or faculty 1 (another home, but
    the better score) can fill it. Student 1 wants an external seat only faculty 1 can fill.
    Solving the faculty seat first gives faculty 1 away and leaves the external seat empty."""
    score = np.array([[1.0, 5.0], [0.0, 2.0]])
    seat = np.array([[0, 0], [-1, 2]])
    wanted = np.array([[True, False, False], [False, False, True]])
    capacity = np.array([1, 1])

    one_by_one = []
    left = capacity.copy()
    for k in range(3):
        mask = (seat == k) & wanted[:, [k]]
        st, me = assign(score, left, mask)
        np.subtract.at(left, me, 1)
        one_by_one.extend(zip(st.tolist(), me.tolist(), strict=True))
    assert one_by_one == [(0, 1)]

    board = assign_board(score, capacity, seat, wanted)
    assert list(zip(board.students.tolist(), board.mentors.tolist(), strict=True)) == [
        (0, 0),
        (1, 1),
    ]
    assert board.seats.tolist() == [0, 2]


@pytest.mark.parametrize("seed", range(15))
def test_every_seat_kind_shares_faculty_places_optimally(seed):
    """Many students wanting both faculty seats from few faculty with shared places: the
    answer is the integer program's, whichever seat kind the places go to."""
    rng = np.random.default_rng(200 + seed)
    n_s, n_m = 18, 5
    home_s, home_m = rng.integers(0, 2, n_s), rng.integers(0, 2, n_m)
    seat = np.where(home_s[:, None] == home_m[None, :], 0, 2)
    wanted = np.zeros((n_s, 3), bool)
    wanted[:, [0, 2]] = rng.random((n_s, 2)) < 0.8
    score = rng.integers(0, 3, (n_s, n_m)).astype(float)
    allowed = np.ones((n_s, n_m), bool)
    capacity = rng.integers(1, 4, n_m)
    board = assign_board(score, capacity, seat, wanted, allowed)
    check_feasible(board, score, capacity, seat, wanted, allowed)
    count, best = board_milp_optimum(score, capacity, seat, wanted, allowed)
    assert board.students.size == count == min(capacity.sum(), wanted.sum())
    assert score[board.students, board.mentors].sum() == pytest.approx(best)


@pytest.mark.parametrize("seed", range(15))
def test_pins_are_placed_first_and_the_rest_is_optimal(seed):
    rng = np.random.default_rng(300 + seed)
    score, capacity, seat, wanted, allowed = random_board(rng, 14, 8)
    capacity = np.maximum(capacity, 1)
    usable = np.argwhere(allowed & (seat >= 0))
    usable = usable[wanted[usable[:, 0], seat[usable[:, 0], usable[:, 1]]]]
    pin = usable[rng.integers(0, len(usable))] if len(usable) else None
    if pin is None:
        pytest.fail("the generator should give at least one usable pair")
    board = assign_board(score, capacity, seat, wanted, allowed, pinned=np.array([pin]))
    assert board.pin_status.tolist() == [PIN_PLACED]
    check_feasible(board, score, capacity, seat, wanted, allowed)
    assert (int(pin[0]), int(pin[1])) in set(
        zip(board.students.tolist(), board.mentors.tolist(), strict=True)
    )
    count, best = board_milp_optimum(
        score, capacity, seat, wanted, allowed, fixed=[(int(pin[0]), int(pin[1]))]
    )
    assert board.students.size == count
    assert score[board.students, board.mentors].sum() == pytest.approx(best)


def test_pin_statuses():
    score = np.ones((2, 2))
    seat = np.array([[0, -1], [0, 1]])
    wanted = np.array([[True, False], [True, True]])
    board = assign_board(
        score, [1, 1], seat, wanted, pinned=np.array([[0, 0], [0, 1], [1, 0], [1, 1]])
    )
    assert board.pin_status.tolist() == [PIN_PLACED, PIN_NOT_ALLOWED, PIN_NO_PLACE, PIN_PLACED]


def test_board_problem_rows_are_student_then_seat():
    wanted = np.array([[True, False, True], [False, True, False]])
    problem = board_problem(np.ones((2, 2)), np.array([[0, 2], [1, -1]]), wanted)
    assert problem.row_student.tolist() == [0, 0, 1]
    assert problem.row_seat.tolist() == [0, 2, 1]
    assert problem.rows([0, 0, 1, 1, 5], [2, 1, 1, 0, 0]).tolist() == [1, -1, 2, -1, -1]
    assert problem.score.toarray().tolist() == [[1.0, 0.0], [0.0, 1.0], [1.0, 0.0]]


def test_same_input_same_answer():
    rng = np.random.default_rng(7)
    args = random_board(rng, 40, 15)
    first, second = assign_board(*args), assign_board(*args)
    assert np.array_equal(first.mentors, second.mentors)
    assert np.array_equal(first.seats, second.seats)


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: assign_board(np.ones(2), [1], np.zeros(2, int), np.ones((2, 1), bool)), "2-D"),
        (
            lambda: assign_board(np.ones((2, 2)), [1, 1], np.zeros((2, 2), int), np.ones((2, 2))),
            "wanted must be a boolean array of shape",
        ),
        (
            lambda: assign_board(
                np.ones((2, 2)), [1, 1], np.zeros((2, 3), int), np.ones((2, 1), bool)
            ),
            r"seat has shape \(2, 3\) but score has shape \(2, 2\)",
        ),
        (
            lambda: assign_board(
                np.ones((2, 2)), [1, 1], np.full((2, 2), 2), np.ones((2, 2), bool)
            ),
            r"seats in range\(2\) or -1; found 2",
        ),
        (
            lambda: assign_board(
                np.ones((2, 2)), [1, 1], np.full((2, 2), 0.5), np.ones((2, 1), bool)
            ),
            "integer seats",
        ),
        (
            lambda: assign_board(
                np.array([[np.nan, 1.0]]), [1, 1], np.zeros((1, 2), int), np.ones((1, 1), bool)
            ),
            "finite",
        ),
        (
            lambda: assign_board(
                np.ones((1, 2)), [1, -1], np.zeros((1, 2), int), np.ones((1, 1), bool)
            ),
            "non-negative",
        ),
        (
            lambda: assign_board(
                sparse.csr_array(np.ones((2, 2))), [1, 1], np.zeros(3, int), np.ones((2, 1), bool)
            ),
            r"one entry per stored pair \(4\)",
        ),
        (
            lambda: assign_board(
                sparse.csr_array(np.ones((1, 1))),
                [1],
                np.zeros(1, int),
                np.ones((1, 1), bool),
                np.ones((1, 1), bool),
            ),
            "allowed cannot be given with a sparse score",
        ),
        (
            lambda: assign_board(
                sparse.coo_array((np.ones(2), (np.zeros(2, int), np.zeros(2, int))), shape=(1, 1)),
                [1],
                np.zeros(2, int),
                np.ones((1, 1), bool),
            ),
            "duplicate entries",
        ),
        (
            lambda: assign_board(
                np.ones((1, 2)),
                [1, 1],
                np.zeros((1, 2), int),
                np.ones((1, 1), bool),
                pinned=np.array([[0, 0], [0, 1]]),
            ),
            "same seat of a student more than once",
        ),
        (
            lambda: assign_board(
                np.ones((1, 2)),
                [1, 1],
                np.zeros((1, 2), int),
                np.ones((1, 1), bool),
                pinned=np.array([[0, 5]]),
            ),
            "does not exist",
        ),
    ],
)
def test_bad_input_raises_a_precise_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_nothing_wanted_gives_an_empty_board():
    board = assign_board(np.ones((2, 2)), [1, 1], np.zeros((2, 2), int), np.zeros((2, 3), bool))
    assert board.students.size == board.mentors.size == board.seats.size == 0
