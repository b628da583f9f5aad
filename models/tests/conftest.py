import sys
from pathlib import Path

import pytest

MODELS_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(MODELS_DIR))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from flowml.data import default_data_root  # noqa: E402
from flowml.spec import build_spec  # noqa: E402


@pytest.fixture(scope="session")
def spec() -> dict:
    return build_spec()


@pytest.fixture(scope="session")
def data_root() -> Path:
    root = default_data_root()
    if not root.is_dir():
        pytest.fail(f"shared data not found at {root}: the models tests need ../shared/data beside the repository")
    return root
