"""The grading framework: how checks pass and fail, and how a Result reads."""
import pytest

from kubelab.grading.framework import CheckTimeout, Exercise, Fail, grade, time_limit
from kubelab.grading.result import CheckResult, Result


def make_exercise():
    ex = Exercise("ex99.demo", "a demo", prepare=lambda answer: answer if answer is not None else
                  (_ for _ in ()).throw(Fail("`answer` is still the stub", "Fill it in.")))

    @ex.check("positive", "the number is positive", hint="Use a number above 0.")
    def positive(n):
        if n <= 0:
            raise Fail(f"{n} is not above 0")

    @ex.check("even", "the number is even", hint="Use an even number.", hidden=True)
    def even(n):
        if n % 2:
            raise Fail(f"{n} is odd", "Add one.")

    @ex.check("calls", "calling the answer's method works", hint="-")
    def calls(n):
        n.bit_length()
    return ex


def test_a_right_answer_passes_every_check_public_and_hidden():
    result = grade(make_exercise(), 4)
    assert result.passed and (result.score, result.max, result.hidden) == (3, 3, 1)
    assert repr(result) == "<Result ex99.demo: 3/3, all checks pass>"
    assert str(result).startswith("✔ ex99.demo (a demo): all 3 checks pass (2 public, 1 hidden).")


def test_a_failing_hidden_check_keeps_the_verdict_from_going_green():
    result = grade(make_exercise(), 3)
    assert not result.passed and result.score == 2
    assert str(result).startswith("✘ ex99.demo (a demo): not yet, 2 of 3 checks pass")
    even = next(c for c in result.checks if c.id == "even")
    assert (even.reason, even.hint) == ("3 is odd", "Add one.")          # the failure's own hint wins
    assert "  ✘ even: hidden: the number is even\n      reason: 3 is odd\n      hint: Add one." in str(result)


def test_a_stub_fails_every_check_with_one_reason_said_once():
    result = grade(make_exercise(), None)
    assert result.score == 0 and all(c.reason == "`answer` is still the stub" for c in result.checks)
    text = str(result)
    assert text.count("reason: `answer` is still the stub") == 1
    assert text.count("(the same reason as positive)") == 2


def test_an_exception_in_the_learners_code_becomes_the_reason_with_where_it_happened():
    ex = Exercise("ex99.raise", "raises", prepare=lambda a: a)

    @ex.check("runs", "the function runs", hint="h")
    def runs(fn):
        fn()

    def reconcile():
        return {}["status"]
    line = reconcile.__code__.co_firstlineno + 1
    result = grade(ex, reconcile)
    assert result.checks[0].reason == f"your code raised KeyError: 'status' (in reconcile(), line {line})"


def test_an_error_inside_kubelab_is_reported_as_a_kubelab_bug_not_as_the_learners_fault():
    from kubelab.api.quantity import parse_quantity

    ex = Exercise("ex99.bug", "bug", prepare=lambda a: a)
    ex.check("runs", "the check runs", hint="h")(parse_quantity)      # a check that is all kubelab code
    check = grade(ex, "not a quantity").checks[0]
    assert check.reason.startswith("the check itself failed (a kubelab bug: please report it): QuantityError")
    assert check.hint == "This is not about your answer."


def test_an_endless_loop_in_a_check_fails_that_check_after_the_time_limit():
    ex = Exercise("ex99.loop", "loops", prepare=lambda a: a)

    @ex.check("loops", "never ends", hint="h")
    def loops(fn):
        fn()

    def spin():
        while True:
            try:
                pass
            except Exception:       # the limit is a BaseException: this does not swallow it
                pass
    check = grade(ex, spin, seconds=0.2).checks[0]
    assert not check.passed and check.reason.startswith("did not finish within 0.2 s")


def test_time_limit_raises_in_the_main_thread_and_restores_the_previous_handler():
    import signal
    before = signal.getsignal(signal.SIGALRM)
    with pytest.raises(CheckTimeout):
        with time_limit(0.05):
            while True:
                pass
    assert signal.getsignal(signal.SIGALRM) is before


def test_duplicate_check_ids_are_refused():
    ex = Exercise("ex99.dup", "dup", prepare=lambda a: a)
    ex.check("a", "t", hint="h")(lambda a: None)
    with pytest.raises(ValueError, match="duplicate check id 'a'"):
        ex.check("a", "t", hint="h")(lambda a: None)


def test_a_result_round_trips_through_json_and_shows_as_an_html_table():
    result = Result("ex99.demo", "a <demo>", (CheckResult("a", "first", True),
                                              CheckResult("b", "second", False, True, "r & r", "h")), ("note",))
    assert Result.from_dict(result.to_dict()) == result
    html = result._repr_html_()
    assert "a &lt;demo&gt;" in html and "<i>hidden:</i> second" in html and "r &amp; r" in html
    assert "note: note" in str(result)
