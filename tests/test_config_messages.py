"""config.yaml as a new office user writes it: every mistake reported in Vietnamese, with its line and key path,
saying what to do — never an English text from pydantic, PyYAML or Python."""

import re

import pytest

from addin.config import ConfigError, load_config
from tests.test_config import SHIPPED_TEXT, problems_of, variant


def test_duplicate_task_code_is_an_error_like_a_duplicate_unit_code(tmp_path):
    path, line = variant(tmp_path, '  - code: "2"\n', '  - code: "1"\n')
    assert problems_of(path) == [
        f"dòng {line} (tasks[1].code): mã nhiệm vụ «1» bị trùng với nhiệm vụ tasks[0]; "
        "mỗi nhiệm vụ cần mã nhiệm vụ riêng."
    ]


QUOTE_IT = 'hãy đặt cả giá trị trong dấu nháy kép, ví dụ: subject: "V/v: …"'


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "label: Ngày báo cáo, type: date",
            "label: Ngày báo cáo, type: ngay",
            "(form.sections[0].fields[5].type): giá trị «ngay» không hợp lệ; chỉ được là một trong: «text», "
            "«integer», «decimal», «date», «select_one», «email» hoặc «phone».",
        ),
        (
            "rows_from: tasks",
            "rows_from: nhiem_vu",
            "(form.sections[3].rows_from): giá trị «nhiem_vu» không hợp lệ; chỉ được là «tasks».",
        ),
        (
            "deadline: 2019-12-18",
            "deadline: 2019-02-30",
            "(campaign.deadline): «2019-02-30» không phải một ngày có thật; hãy kiểm tra ngày và tháng "
            "(viết dạng 2019-12-18 hoặc 18/12/2019).",
        ),
        (
            "deadline: 2019-12-18",
            "deadline: 31/11/2019",
            "(campaign.deadline): «31/11/2019» không phải một ngày có thật; hãy kiểm tra ngày và tháng "
            "(viết dạng 2019-12-18 hoặc 18/12/2019).",
        ),
        ('  version: "1"\n', "  version:\n", "(form.version): mục này đang để trống; phải là chữ."),
        (
            "{code: PGD082,",
            "{code: pgd082,",
            "(unit_groups[0].units[1].code): «pgd082» không đúng dạng: mã đơn vị chỉ gồm chữ in hoa không dấu, số, "
            "dấu - hoặc _, bắt đầu bằng chữ hoặc số, tối đa 20 ký tự (ví dụ: PGD080, THPT-LC1).",
        ),
        (
            "  id: bdg-2019",
            "  id: BĐG 2019",
            "(campaign.id): «BĐG 2019» không đúng dạng: mã đợt chỉ gồm chữ thường không dấu, số, dấu - hoặc _, "
            "bắt đầu bằng chữ hoặc số, tối đa 40 ký tự (ví dụ: bdg-2019).",
        ),
        (
            "  form_id: bdg_2019",
            "  form_id: Bình đẳng giới",
            "(form.form_id): «Bình đẳng giới» không đúng dạng: tên chỉ gồm chữ thường không dấu, số và dấu gạch "
            "dưới, bắt đầu bằng chữ, tối đa 40 ký tự (ví dụ: so_ban_doc).",
        ),
        (
            "sum: hoat_dong.tong}",
            "sum: tong}",
            "(summary.annexes[0].columns[2].sum): «tong» không đúng dạng: phải viết dạng phần.trường: tên một phần "
            "của biểu mẫu (form.sections), dấu chấm, tên một trường của phần đó (ví dụ: hoat_dong.tong).",
        ),
        (
            "password_env: BAOCAO_SMTP_PASSWORD}",
            "password_env: MẬT KHẨU}",
            "(mail.smtp.password_env): «MẬT KHẨU» không đúng dạng: tên biến môi trường chỉ gồm chữ không dấu, số "
            "và dấu gạch dưới, bắt đầu bằng chữ (ví dụ: BAOCAO_SMTP_PASSWORD).",
        ),
        (
            'label: "Số trẻ em được thăm hỏi, hỗ trợ", task: "8"',
            'label: "Số trẻ em được thăm hỏi, hỗ trợ", width: 300, task: "8"',
            "(form.sections[4].fields[4].width): phải ≤ 255.",
        ),
        ("pause_seconds: 1", "pause_seconds: .inf", "(mail.pause_seconds): phải ≤ 600."),
    ],
)
def test_model_problems_are_vietnamese_with_what_to_write(tmp_path, old, new, message):
    path, line = variant(tmp_path, old, new)
    assert problems_of(path) == [f"dòng {line} {message}"]


@pytest.mark.parametrize(
    ("old", "new", "column", "message"),
    [
        (
            "  theme: Chấm dứt",
            "\ttheme: Chấm dứt",
            1,
            "có ký tự Tab; YAML chỉ thụt lề bằng dấu cách (mỗi tầng 2 dấu cách).",
        ),
        (
            "  report_title: BÁO CÁO",
            "  report_title: BÁO CÁO: KẾT QUẢ",
            24,
            "có dấu hai chấm ở chỗ không được. Kiểm tra thụt lề và dấu hai chấm: mỗi tầng thụt vào 2 dấu cách, "
            f"sau tên mục là «: »; nếu giá trị chữ có dấu hai chấm thì {QUOTE_IT}.",
        ),
        (
            "  report_title: BÁO CÁO",
            "  report_title: @BÁO CÁO",
            17,
            f"giá trị không được bắt đầu bằng «@»; {QUOTE_IT}.",
        ),
        (
            "  report_title: BÁO CÁO",
            "  report_title: {campaign_name} năm 2019",
            33,
            "dòng này không khớp với các dòng trên. Kiểm tra thụt lề và dấu hai chấm (mỗi tầng 2 dấu cách, các mục "
            f"cùng tầng thẳng hàng); giá trị chữ có dấu {{ }} [ ] hoặc dấu nháy ở giữa thì {QUOTE_IT}.",
        ),
        (
            "  report_title: BÁO CÁO",
            "  report_title: *tieu_de",
            17,
            "tham chiếu *tên trỏ tới một tên chưa khai bằng &tên ở phía trên; hãy khai &tên trước hoặc viết thẳng "
            "giá trị.",
        ),
        (
            "  report_title: BÁO CÁO",
            "  report_title: !!python/object:os.system BÁO CÁO",
            17,
            "có nhãn YAML «!…» không được hỗ trợ; hãy bỏ nhãn đó (cấu hình chỉ gồm chữ, số, ngày, danh sách, "
            "nhóm mục).",
        ),
    ],
)
def test_yaml_syntax_problems_are_vietnamese_with_line_and_column(tmp_path, old, new, column, message):
    path, line = variant(tmp_path, old, new)
    assert problems_of(path) == [f"dòng {line}, cột {column}: viết sai cú pháp YAML: {message}"]


def test_an_unclosed_quote_and_a_second_document_are_explained(tmp_path):
    path = tmp_path / "nhay.yaml"
    path.write_text(SHIPPED_TEXT + '  sender_name: "Sở GD&ĐT\n', encoding="utf-8")
    line = SHIPPED_TEXT.count("\n") + 2
    assert problems_of(path) == [
        f"dòng {line}, cột 1: viết sai cú pháp YAML: dấu nháy mở mà không đóng: thêm dấu nháy đóng (\" hoặc ') ở "
        "cuối giá trị."
    ]
    path = tmp_path / "hai_phan.yaml"
    path.write_text(SHIPPED_TEXT + "---\ncampaign: {}\n", encoding="utf-8")
    line = SHIPPED_TEXT.count("\n") + 1
    assert problems_of(path) == [
        f"dòng {line}, cột 1: viết sai cú pháp YAML: tệp có hơn một phần YAML (dòng ---); một tệp cấu hình chỉ "
        "có một: hãy bỏ dòng --- và phần thừa sau nó."
    ]


def test_a_control_character_is_named_with_its_line(tmp_path):
    path, line = variant(tmp_path, "  theme: Chấm dứt", "  theme: Chấm\x07 dứt")
    assert problems_of(path) == [f"dòng {line}: tệp có ký tự điều khiển không in được (mã 0x07); hãy xoá ký tự đó."]


ENGLISH = re.compile(
    r"\b(should|must|required|invalid|found|expected|allowed|while|error|Input|Field|value|"
    r"mapping|scanning|parsing|token|could not|Traceback)\b"
)
MISTAKES = [  # (old, new): what a new user writes wrong, each somewhere else in the file
    ("deadline: 2019-12-18", "deadline: 2019-13-01"),
    ("deadline: 2019-12-18", "deadline: ngày 18"),
    ('  version: "1"\n', "  version: [1]\n"),
    ("kind: table\n      rows: 50", "kind: bang\n      rows: 50"),
    ("rows: 50", "rows: năm mươi"),
    ("rows: 50", "rows: -5"),
    ("severity: warning", "severity: canh_bao"),
    ("    operator: equal_to", "    operator: =="),
    ("required: true, hint:", "required: có, hint:"),
    ("  standalone_annexes: false", "  standalone_annexes: khong"),
    ('recipients: [UBND tỉnh (b/c), Lãnh đạo Sở, "Lưu: VT, TCCB"]', "recipients: UBND tỉnh"),
    ("  - name: tong_bang_nam_cong_nu\n", "  - name: Tổng bằng nam cộng nữ\n"),
    ("issuer:\n", "issuer: Sở GD&ĐT\nkhong_dung:\n"),
    ("  theme: Chấm dứt", "  theme: 'Chấm dứt"),
    ("  theme: Chấm dứt", "  theme: [Chấm dứt"),
    ("  theme: Chấm dứt", '  theme: "Chấm \\q dứt"'),
    ("  theme: Chấm dứt", "  theme: `Chấm dứt"),
    ("  theme: Chấm dứt", " theme: Chấm dứt"),
    ("units:\n      - {code: PGD080", "units:\n       - {code: PGD080"),
]


@pytest.mark.parametrize(("old", "new"), MISTAKES)
def test_no_english_reaches_staff(tmp_path, old, new):
    text = SHIPPED_TEXT.replace(old, new, 1)
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    if text == SHIPPED_TEXT:
        pytest.skip("no edit")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    for problem in caught.value.problems:
        assert problem.startswith("dòng "), problem
        assert not ENGLISH.search(problem.split(": ", 1)[1].split("«")[0]), problem
