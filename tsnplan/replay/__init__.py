"""Trace replay: read pcap/pcapng captures into flows (kernel ext/framefields.pyx), characterise their
cycles, infer the streams they demand, judge them against a schedule and replay them through the
emulator (``tsnplan.replay.run.run_replay``); ``testing/`` holds the pytest plugin. docs/replay.md."""
