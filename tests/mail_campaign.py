"""A campaign that sends to the test SMTP server."""

from pathlib import Path

from addin.issue.unit_copies import build_templates
from addin.stages import init_campaign
from tests.smtp_server import USER


def make_campaign(root: Path, port: int, security: str = "plain"):
    """A campaign of the shipped config with every template built, sending to `port` without pauses."""
    folder = init_campaign(root)
    text = folder.config_path.read_text(encoding="utf-8")
    start = text.index("  smtp: {")
    end = text.index("\n", start)
    smtp = f"  smtp: {{host: 127.0.0.1, port: {port}, security: {security}, user: {USER}}}"
    text = text[:start] + smtp + text[end:]
    folder.config_path.write_text(text.replace("pause_seconds: 1", "pause_seconds: 0"), encoding="utf-8")
    build_templates(folder)
    return folder, folder.load_config()
