import textwrap

import pytest

from tsnplan.io.plant import load_plant


@pytest.fixture
def plant_from_yaml(tmp_path):
    """Compile a plant written inline: (network YAML, streams YAML) -> CompiledProblem."""
    def build(network: str, streams: str, percentile: float = 99.999):
        net = tmp_path / "network.yaml"
        st = tmp_path / "streams.yaml"
        net.write_text(textwrap.dedent(network))
        st.write_text(textwrap.dedent(streams))
        return load_plant(net, st).compile(percentile=percentile)
    return build
