import pytest
from hypothesis import given, strategies as st

from tsnplan.units import (format_rate_bps, format_time_ns, parse_length_m, parse_rate_bps,
                           parse_size_bytes, parse_time_ns)


@pytest.mark.parametrize("text, ns", [("500us", 500_000), ("1.5ms", 1_500_000), ("250ns", 250),
                                      ("1s", 10**9), (125, 125), ("2e3us", 2_000_000), ("4µs", 4000)])
def test_time(text, ns):
    assert parse_time_ns(text) == ns


@pytest.mark.parametrize("text, bps", [("100M", 10**8), ("1G", 10**9), ("10G", 10**10), ("2.5G", 2_500_000_000)])
def test_rate(text, bps):
    assert parse_rate_bps(text) == bps


def test_size_and_length():
    assert parse_size_bytes("64B") == 64 and parse_size_bytes(1500) == 1500
    assert parse_length_m("40m") == 40 and parse_length_m("1km") == 1000


@pytest.mark.parametrize("bad", ["5xs", "-1ms", "0.5ns", "abc", "", True, None, [1], "1e999s", "nan"])
def test_bad_time_is_a_value_error(bad):
    with pytest.raises(ValueError):
        parse_time_ns(bad)


@given(st.integers(min_value=0, max_value=10**15))
def test_time_round_trip(ns):
    assert parse_time_ns(format_time_ns(ns)) == ns


@given(st.integers(min_value=1, max_value=10**12))
def test_rate_round_trip(bps):
    assert parse_rate_bps(format_rate_bps(bps)) == bps


@given(st.text(max_size=20))
def test_time_parser_never_crashes(text):
    try:
        parse_time_ns(text)
    except ValueError:
        pass
