"""config.yaml as a new office user writes it: every mistake reported in Vietnamese, with its line and key path,
saying what to do — never an English text from pydantic, PyYAML or Python."""

from pathlib import Path

import pytest

from addin.config import ConfigError, load_config
from tests.test_config import SHIPPED_TEXT, problems_of, variant


def test_duplicate_task_code_is_an_error_like_a_duplicate_unit_code(tmp_path):
    path, line = variant(tmp_path, '  - code: "2"\n', '  - code: "1"\n')
    assert problems_of(path) == [
        f"dòng {line} (tasks[1].code): mã nhiệm vụ «1» bị trùng với nhiệm vụ tasks[0]; "
        "mỗi nhiệm vụ cần mã nhiệm vụ riêng."
    ]
