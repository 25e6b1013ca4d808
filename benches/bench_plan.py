"""Upgrade planner at plant scale: a generated brownfield plant, timed per phase, serial and on Dask.

    python benches/bench_plan.py [--lines 5] [--per-line 20] [--streams 2000] [--dask] [--out DIR]

The plant: a core switch with ``lines`` daisy chains of ``per-line`` 100 Mb/s bridges without
802.1Qbv (10 us store and forward), two end stations per bridge, one PLC per line at the core.
Streams: cyclic I/O from each line's PLC to its stations and back (1-8 ms, 64-256 B; one in ten
scheduled, a third of those with 250-400 us deadlines deep in the line; the rest by priority with
100 ms deadlines, monitoring traffic whose network-calculus bound over 20 hops is tens of ms), and
802.1CB safety streams (scheduled) that need a ring closure. The
catalogue: two bridge models for every bridge, 1G on every link, one ring-closure cable per line
(>= 300 candidate actions). Prints the planner's figures as JSON (seconds per phase, rounds,
candidates, cost) and, with --dask, the same run verified on a 2-worker distributed.LocalCluster.
"""
from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

import yaml


def generate(lines: int, per_line: int, n_streams: int, seed: int = 1) -> tuple[dict, dict, dict]:
    rng = random.Random(seed)
    nodes = {"core": {"kind": "bridge", "processing": "4us", "features": ["qbv", "frer"], "queues": 8}}
    links = []
    for l in range(lines):
        nodes[f"plc-{l}"] = {"kind": "end-station"}
        links.append({"ends": [f"plc-{l}", "core"], "length": "3m"})
        prev = "core"
        for i in range(per_line):
            bridge = f"sw-{l}-{i}"
            nodes[bridge] = {"kind": "bridge"}
            links.append({"ends": [prev, bridge], "length": f"{rng.randint(5, 25)}m"})
            for k in range(2):
                nodes[f"dev-{l}-{i}-{k}"] = {"kind": "end-station"}
                links.append({"ends": [f"dev-{l}-{i}-{k}", bridge], "length": "1m"})
            prev = bridge
    network = {"network": f"brownfield-{lines}x{per_line}",
               "defaults": {"bridge": {"processing": "10us", "queues": 4, "gcl_max_entries": 256, "features": []},
                            "link": {"rate": "100M"}},
               "nodes": nodes, "links": links}
    streams = []
    for s in range(n_streams):
        l, i, k = rng.randrange(lines), rng.randrange(per_line), rng.randrange(2)
        device = f"dev-{l}-{i}-{k}"
        scheduled = s % 10 == 0
        period = rng.choice(["2ms", "4ms", "8ms"] if scheduled else ["1ms", "2ms", "4ms", "8ms"])
        tight = scheduled and i >= per_line // 2 and rng.random() < 0.3
        talker, listener = (f"plc-{l}", device) if s % 2 == 0 else (device, f"plc-{l}")
        entry = {"id": f"s{s:04d}", "talker": talker, "listeners": [listener],
                 "type": "cyclic-synchronous" if scheduled else "cyclic-asynchronous", "scheduled": scheduled,
                 "period": period, "payload": f"{rng.choice([64, 128, 256])}B",
                 "deadline": rng.choice(["250us", "400us"]) if tight else period if scheduled else "100ms"}
        if s % 200 == 0:
            entry["redundancy"] = "frer"
            entry["deadline"] = period
        streams.append(entry)
    catalogue = {
        "catalogue": "generated brownfield", "constraints": {"max_utilisation": "60%", "max_phase_downtime": "4h"},
        "labour": {"replace-bridge": {"cost": 180, "downtime": "20min"}, "upgrade-link": {"cost": 90, "downtime": "10min"},
                   "new-cable": {"cost": 400, "downtime": "30min"}},
        "models": {"io-qbv": {"ports": 4, "rates": ["100M"], "features": ["qbv", "frer"], "processing": "5us", "price": 420},
                   "tsn-8g": {"ports": 8, "rates": ["100M", "1G"], "features": ["qbv", "qbu", "frer"], "processing": "2us",
                              "price": 1900},
                   "core-24g": {"ports": 24, "rates": ["100M", "1G", "10G"], "features": ["qbv", "qbu", "frer"],
                                "processing": "2us", "price": 6500}},
        "replace": [{"bridges": [f"sw-{l}-{i}" for l in range(lines) for i in range(per_line)],
                     "models": ["io-qbv", "tsn-8g"]},
                    {"bridges": ["core"], "models": ["core-24g"]}],
        "spare_ports": {"core": 2 * lines},
        "link_upgrades": [{"links": "all", "rate": "1G", "per_metre": 2, "per_port": 30}],
        "cables": [{"ends": [f"sw-{l}-{per_line - 1}", "core"], "length": "120m", "medium": "fibre", "rate": "1G",
                    "per_metre": 3, "per_port": 60}
                   for l in range(lines)],
    }
    return network, {"streams": streams}, catalogue


def run(folder: Path, executor=None, batch: int = 1) -> dict:
    from tsnplan.plan import PlanSettings, plan_upgrade
    from tsnplan.plan.inputs import read_plan_inputs

    inputs = read_plan_inputs(folder / "network.yaml", folder / "streams.yaml", folder / "upgrade.yaml")
    t0 = time.perf_counter()
    result = plan_upgrade(inputs.network_doc, inputs.streams_doc, inputs.streams_file, inputs.catalogue,
                          PlanSettings(batch=batch), executor,
                          progress=lambda phase, n, best: print(f"  {phase}: {n} verified, best {best}", file=sys.stderr))
    return {"status": result.status, "method": result.method, "proven_cheapest": result.exact,
            "candidates": result.candidates, "rounds": result.rounds, "verified": result.verified,
            "rejected": len(result.rejected), "cost": result.best.cost if result.best else None,
            "actions": len(result.best.actions) if result.best else None,
            "seconds": {k: round(v, 1) for k, v in result.seconds.items()},
            "total_s": round(time.perf_counter() - t0, 1), "unmet": result.impossible[:3], "notes": result.notes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=5)
    parser.add_argument("--per-line", type=int, default=20)
    parser.add_argument("--streams", type=int, default=2000)
    parser.add_argument("--dask", action="store_true", help="also run on a 2-worker distributed.LocalCluster")
    parser.add_argument("--out", help="keep the generated plant here")
    args = parser.parse_args()
    folder = Path(args.out or tempfile.mkdtemp(prefix="bench-plan-"))
    folder.mkdir(parents=True, exist_ok=True)
    for name, doc in zip(("network.yaml", "streams.yaml", "upgrade.yaml"), generate(args.lines, args.per_line, args.streams)):
        (folder / name).write_text(yaml.safe_dump(doc, sort_keys=False))
    print(json.dumps({"plant": str(folder), "serial": run(folder)}, indent=2))
    if args.dask:
        from distributed import Client, LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=None) as cluster, Client(cluster) as client:
            print(json.dumps({"dask_2_workers": run(folder, client.get_executor(pure=False), batch=2)}, indent=2))


if __name__ == "__main__":
    main()
