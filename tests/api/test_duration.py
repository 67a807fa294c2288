"""Go's time.Duration: Duration.String as components print it, time.ParseDuration as flags
and fields read it (src/time/time.go, format.go)."""
import pytest

from kubelab.api.duration import format_duration, parse_duration


@pytest.mark.parametrize("seconds, text", [
    (0, "0s"), (0.486, "486ms"), (3.284, "3.284s"), (10, "10s"), (45, "45s"), (62.5, "1m2.5s"), (90, "1m30s"),
    (300, "5m0s"), (3600, "1h0m0s"), (5430, "1h30m30s"),
])
def test_durations_print_as_go_prints_them(seconds, text):
    assert format_duration(seconds) == text


@pytest.mark.parametrize("text, seconds", [
    ("0", 0), ("45s", 45), ("5m", 300), ("1m30s", 90), ("1h", 3600), ("1.5h", 5400), ("300ms", 0.3),
    ("-2s", -2), ("1h30m", 5400),
])
def test_durations_parse_as_go_parses_them(text, seconds):
    assert parse_duration(text) == pytest.approx(seconds)


@pytest.mark.parametrize("text, message", [
    ("5x", 'time: invalid duration "5x"'), ("", 'time: invalid duration ""'),
    ("90", 'time: missing unit in duration "90"'), ("1m30", 'time: missing unit in duration "1m30"'),
])
def test_a_bad_duration_is_refused_with_gos_message(text, message):
    with pytest.raises(ValueError) as e:
        parse_duration(text)
    assert str(e.value) == message
