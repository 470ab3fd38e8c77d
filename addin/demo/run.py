"""The whole pipeline on the shipped campaign with realistic returns: what `baocao demo` runs."""

import random
from dataclasses import dataclass
from pathlib import Path

from addin import stages
from addin.campaign import CampaignFolder
from addin.demo.samples import MISTAKES, SampleMaker, write_samples
from addin.issue.master import MASTER_NAME
from addin.progress import NullReporter, Reporter
from addin.standing import ACCEPT, State

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
        folder = stages.init_campaign(directory)
    config = folder.load_config()
    stages.make_templates(folder, reporter=reporter)
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
    stages.collect(folder, reporter=reporter)
    with_errors = stages.check(folder, reporter).standing.in_state(State.HAS_ERRORS)
    if with_errors and made:
        stages.decide(folder, with_errors[0].unit.code, ACCEPT, "Chạy thử: chấp nhận dù còn lỗi để minh hoạ.")
    return DemoRun(folder, made, stages.workbook(folder).path)
