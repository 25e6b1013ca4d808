import os

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("ci", derandomize=True, database=None, deadline=None, max_examples=60,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, max_examples=300)
settings.load_profile(os.environ.get("TSNPLAN_HYPOTHESIS_PROFILE", "ci"))


def pytest_addoption(parser):
    parser.addoption("--runslow", action="store_true", help="run tests marked slow")


def pytest_collection_modifyitems(config, items):
    if config.getoption("--runslow"):
        return
    skip = pytest.mark.skip(reason="slow: run with --runslow")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


@pytest.fixture
def cli(capsys):
    """``cli(*argv)`` runs tsnplan in-process without colour: (exit status, stdout, stderr).

    Whatever the input, the user never sees a Python traceback.
    """
    from tsnplan.cli import main

    def run(*argv):
        status = main([str(a) for a in argv], env={"NO_COLOR": "1"})
        out, err = capsys.readouterr()
        assert "Traceback" not in out + err
        return status, out, err
    return run
