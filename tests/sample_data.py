"""Where the committed test data lives."""

from pathlib import Path

DATA = Path(__file__).parent / "data"
SECOND_CONFIG = DATA / "config_thu_vien.yaml"
