"""AGE columns read like apimachinery's duration.HumanDuration."""
from datetime import datetime, timedelta, timezone

import pytest

from kubelab.kubectl.age import human_duration, rfc1123, since

S = timedelta(seconds=1)
M = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)

# Expected values follow k8s.io/apimachinery/pkg/util/duration/duration_test.go
# (TestHumanDuration) and the branches of HumanDuration itself.
CASES = [
    (-2 * S, "<invalid>"),       # more than a second in the future
    (-1 * S, "0s"),              # clock skew of one second is "now"
    (0 * S, "0s"),
    (59 * S, "59s"),
    (119 * S, "119s"),           # seconds up to two minutes
    (2 * M, "2m"),
    (2 * M + 1 * S, "2m1s"),
    (9 * M + 59 * S, "9m59s"),
    (10 * M, "10m"),
    (10 * M + 59 * S, "10m"),    # seconds dropped from ten minutes on
    (179 * M, "179m"),           # minutes up to three hours
    (3 * H, "3h"),
    (3 * H + 30 * M, "3h30m"),
    (7 * H + 59 * M, "7h59m"),
    (8 * H, "8h"),
    (47 * H + 59 * M, "47h"),    # hours up to two days
    (2 * D, "2d"),
    (2 * D + 1 * H, "2d1h"),
    (7 * D + 23 * H, "7d23h"),
    (8 * D, "8d"),
    (364 * D, "364d"),
    (2 * 365 * D - H, "729d"),
    (2 * 365 * D, "2y"),
    (2 * 365 * D + 1 * D, "2y1d"),
    (8 * 365 * D, "8y"),
]


@pytest.mark.parametrize("delta, expected", CASES)
def test_human_duration_matches_apimachinery(delta, expected):
    assert human_duration(delta) == expected


def test_a_missing_timestamp_is_unknown_as_translateTimestampSince_says():
    assert since(None, datetime(2026, 1, 1, tzinfo=timezone.utc)) == "<unknown>"


def test_describe_times_use_rfc1123z():
    # time.RFC1123Z = "Mon, 02 Jan 2006 15:04:05 -0700", as describe prints Start Time.
    assert rfc1123("2026-11-24T16:22:28Z") == "Tue, 24 Nov 2026 16:22:28 +0000"
