"""A campaign's `config.yaml`: the models (`model`), reading it (`loading`), checks across keys (`problems`)."""

from addin.config.loading import ConfigError, load_config
from addin.config.model import (
    MAIL_PLACEHOLDERS,
    NUMBER_LIMIT,
    NUMERIC_TYPES,
    Annex,
    CampaignConfig,
    FormField,
    ImapServer,
    Rule,
    Section,
    SmtpServer,
    SummaryColumn,
    UnitEntry,
    compile_pattern,
)

__all__ = [
    "MAIL_PLACEHOLDERS",
    "NUMBER_LIMIT",
    "NUMERIC_TYPES",
    "Annex",
    "CampaignConfig",
    "ConfigError",
    "FormField",
    "ImapServer",
    "Rule",
    "Section",
    "SmtpServer",
    "SummaryColumn",
    "UnitEntry",
    "compile_pattern",
    "load_config",
]
