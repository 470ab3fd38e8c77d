"""Shared fixtures: campaign folders built by the real code."""

import os

import pytest

from addin.config import load_config
from addin.issue.unit_copies import build_templates
from addin.stages import init_campaign
from tests.imap_server import dovecot  # noqa: F401 -- the dovecot fixture, for every test module
from tests.sample_data import SECOND_CONFIG
from tests.smtp_server import server  # noqa: F401 -- the aiosmtpd fixture, for every test module

# `summary` prints PDFs with LibreOffice (seconds each run); only the tests about them ask for it (BAOCAO_PDF unset).
os.environ.setdefault("BAOCAO_PDF", "0")


@pytest.fixture(scope="session")
def shipped_config():
    return load_config()


@pytest.fixture(scope="session")
def campaign(tmp_path_factory):
    """A campaign folder from the shipped config with every unit's template built."""
    folder = init_campaign(tmp_path_factory.mktemp("campaign") / "dot_2019")
    result = build_templates(folder)
    return folder, result


@pytest.fixture(scope="session")
def second_campaign(tmp_path_factory):
    folder = init_campaign(tmp_path_factory.mktemp("campaign2") / "thu_vien", SECOND_CONFIG)
    result = build_templates(folder)
    return folder, result
