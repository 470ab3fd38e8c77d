"""The whole pipeline on the shipped campaign with realistic returns: what `baocao demo` runs."""

import random
from dataclasses import dataclass
from pathlib import Path

from addin.campaign import CampaignFolder
from addin.demo.samples import MISTAKES, SampleMaker, write_samples
from addin.intake.collect import collect
from addin.issue.master import MASTER_NAME
from addin.issue.unit_copies import build_templates
from addin.outputs.control_workbook import build_control_workbook
from addin.outputs.findings_workbook import write_feedback_copies, write_findings_workbook
from addin.outputs.merge import decide
from addin.progress import NullReporter, Reporter
from addin.rules.checking import HAS_ERRORS, campaign_status, check_campaign
from addin.stages import init_campaign

MISSING_SHARE, LATE_SHARE, MISTAKE_SHARE = 0.08, 0.12, 0.2


@dataclass
class DemoRun:
    folder: CampaignFolder
    returns_made: int
    control_workbook: Path


def run_demo(directory: Path, reporter: Reporter | None = None, seed: int = 2019) -> DemoRun:
    """Campaign folder, templates, returns from most units (some late, some wrong, a few missing), checked;
    then the control workbook, whose panel shows the result."""
    reporter = reporter or NullReporter()
    folder = CampaignFolder(directory.resolve())
    if not folder.config_path.exists():
        folder = init_campaign(directory)
    config = folder.load_config()
    build_templates(folder, config, reporter=reporter)
    made = 0
    if not any(folder.inbox.iterdir()):
        chooser, maker = random.Random(seed), SampleMaker(config, seed)
        samples = []
        for unit in config.units:
            if chooser.random() < MISSING_SHARE:
                continue
            mistakes = [chooser.choice(MISTAKES)] if chooser.random() < MISTAKE_SHARE else []
            samples.append(maker.make(unit, mistakes, late=chooser.random() < LATE_SHARE))
        made = len(write_samples(config, (folder.layouts / MASTER_NAME).read_bytes(), samples, folder.inbox))
    collect(folder, reporter=reporter)
    check_campaign(folder, config, reporter)
    status = campaign_status(folder, config)
    with_errors = [s for s in status.units if s.state == HAS_ERRORS]
    if with_errors and made:
        decide(folder, with_errors[0].unit.code, "accept", "Chạy thử: chấp nhận dù còn lỗi để minh hoạ.")
        status = campaign_status(folder, config)
    write_findings_workbook(folder, status)
    write_feedback_copies(folder, status)
    return DemoRun(folder, made, build_control_workbook(folder, config).path)
