"""A campaign's `config.yaml`: the models (`model`), reading it (`loading`), checks across keys (`problems`)."""

from addin.config.loading import ConfigError, load_config
from addin.config.model import (
    MAIL_PLACEHOLDERS,
    NUMERIC_TYPES,
    Annex,
    CampaignConfig,
    FormField,
    ImapServer,
    Rule,
    Section,
    SmtpServer,
    UnitEntry,
)

__all__ = [
    "MAIL_PLACEHOLDERS",
    "NUMERIC_TYPES",
    "Annex",
    "CampaignConfig",
    "ConfigError",
    "FormField",
    "ImapServer",
    "Rule",
    "Section",
    "SmtpServer",
    "UnitEntry",
    "load_config",
]
