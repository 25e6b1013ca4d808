"""The sweep gives the same answer serially, on a process pool and on threads."""
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor

from tsnplan.report.heal import heal_to_json
from tsnplan.resilience import analyse_failures


def test_same_result_on_any_executor(ring_plant):
    serial = heal_to_json(analyse_failures(ring_plant, "reroute", k=2, schedule=None, workers=1))
    with ProcessPoolExecutor(2) as pool:
        processes = heal_to_json(analyse_failures(ring_plant, "reroute", k=2, schedule=None, executor=pool))
    with ThreadPoolExecutor(3) as pool:
        threads = heal_to_json(analyse_failures(ring_plant, "reroute", k=2, schedule=None, executor=pool))
    assert serial == processes == threads
    assert len(serial["scenarios"]) > 20


def test_default_pool_reports_progress_to_the_end(body_shop):
    seen = []
    result = analyse_failures(body_shop, "protect", workers=2, progress=lambda done, total: seen.append((done, total)))
    assert seen[-1] == (len(result.scenarios), len(result.scenarios))
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)
