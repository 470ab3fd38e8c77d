"""The báo cáo as a Word document: the campaign's template (docxtpl, Jinja tags in Word) filled and saved."""

import io
import zipfile
from datetime import date
from pathlib import Path

from docxtpl import DocxTemplate
from jinja2 import TemplateError

from addin.config import CampaignConfig
from addin.errors import BaocaoError
from addin.outputs.report.content import report_context
from addin.outputs.summary.facts import MergedCampaign
from addin.shipped import SHIPPED_LAYOUTS
from addin.xlsx.atomic import write_bytes_atomically

REPORT_TEMPLATE = "bao_cao.docx"


def report_file_name(config: CampaignConfig) -> str:
    return f"bao_cao_{config.campaign.id}.docx"


def report_template(layouts_dir: Path) -> Path:
    """The campaign's báo cáo template: the shipped one copied in if there is none yet; staff's own kept as it is."""
    path = Path(layouts_dir) / REPORT_TEMPLATE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomically(path, (SHIPPED_LAYOUTS / REPORT_TEMPLATE).read_bytes())
    return path


def build_report(
    config: CampaignConfig, merged: MergedCampaign, layouts_dir: Path, out_path: Path, today: date | None = None
) -> Path:
    """Fill the campaign's template with the báo cáo's variables; write `out_path` (.docx)."""
    template_path = report_template(layouts_dir)
    context = report_context(config, merged, today)
    try:
        document = DocxTemplate(template_path)
        document.render(context, autoescape=True)
    except TemplateError as error:
        line = f" (dòng {error.lineno} của mã mẫu)" if getattr(error, "lineno", None) else ""
        raise BaocaoError(
            f"Mẫu báo cáo {template_path} có thẻ {{{{ … }}}} hoặc {{% … %}} viết sai{line}: {error.message}. "
            "Hãy sửa thẻ đó trong Word (mở, sửa, lưu dạng .docx), hoặc đổi tên tệp mẫu để lần chạy sau dùng lại mẫu "
            "gốc. Các tệp kết quả khác đã lập xong."
        ) from error
    except (zipfile.BadZipFile, KeyError, ValueError) as error:
        raise BaocaoError(
            f"Không đọc được mẫu báo cáo {template_path} (không phải tệp Word .docx hợp lệ: {error}). Hãy lưu lại mẫu "
            "bằng Word dạng «Word Document (.docx)», hoặc đổi tên tệp để lần chạy sau dùng lại mẫu gốc. "
            "Các tệp kết quả khác đã lập xong."
        ) from error
    properties = document.docx.core_properties
    properties.title = " ".join(part for part in (context["title"], context["subtitle"]) if part)
    properties.author = config.issuer.name
    buffer = io.BytesIO()
    document.save(buffer)
    out_path = Path(out_path)
    write_bytes_atomically(out_path, buffer.getvalue())
    return out_path
