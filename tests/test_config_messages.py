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


def test_a_folder_given_as_the_config_is_a_clear_message(tmp_path):
    from addin.errors import BaocaoError

    with pytest.raises(BaocaoError) as caught:
        load_config(tmp_path)
    assert caught.value.message == f"{tmp_path} là một thư mục, không phải tệp cấu hình. Hãy chỉ tới tệp config.yaml."


def test_an_empty_choice_list_is_an_error(tmp_path):
    path, line = variant(tmp_path, "    tinh_trang:\n", "    rong: []\n    tinh_trang:\n")
    assert problems_of(path) == [
        f"dòng {line} (form.choices.rong): danh sách lựa chọn «rong» chưa có lựa chọn nào; hãy thêm các dòng "
        "- {name: ..., label: ...} hoặc xoá danh sách."
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


# ---------------------------------------------------------------- the per-unit annex's columns

PL1_COLUMN = "        - {label: Số văn bản chỉ đạo, count_rows: van_ban}"


@pytest.mark.parametrize(
    ("new", "key", "message"),
    [
        (
            "        - {label: Ngày báo cáo, sum: don_vi.ngay_bao_cao}",
            ".sum",
            "trường «don_vi.ngay_bao_cao» không phải số nên không cộng được; để hiện giá trị của từng đơn vị, hãy "
            "ghi value: don_vi.ngay_bao_cao thay cho sum.",
        ),
        (
            "        - {label: Tổng số, value: hoat_dong.tong}",
            ".value",
            "«hoat_dong.tong» là cột của bảng «hoat_dong» (mỗi đơn vị nhiều dòng) nên không có một giá trị cho mỗi "
            "đơn vị; hãy ghi sum: hoat_dong.tong (cộng cột) hoặc count_rows: hoat_dong (đếm dòng).",
        ),
        (
            "        - {label: Số kiểm tra, count_rows: chi_so}",
            ".count_rows",
            "«chi_so» là phần trường đơn (kind: fields), không phải bảng: không có dòng để đếm hay liệt kê; các "
            "bảng có: van_ban, hoat_dong, nhiem_vu. Để hiện giá trị một trường của phần này theo đơn vị, hãy dùng "
            "phụ lục by_unit với cột value: chi_so.<tên trường>.",
        ),
        (
            "        - {label: Người báo cáo, value: don_vi.nguoi_lap}",
            ".value",
            "«don_vi.nguoi_lap»: phần «don_vi» không có trường «nguoi_lap»; các trường có: ten_don_vi, "
            "nguoi_bao_cao, chuc_vu, dien_thoai, email, ngay_bao_cao.",
        ),
        (
            "        - {label: Người báo cáo, value: thong_tin.nguoi_bao_cao}",
            ".value",
            "«thong_tin.nguoi_bao_cao»: không có phần «thong_tin» trong form; các phần có: don_vi, van_ban, "
            "hoat_dong, nhiem_vu, chi_so, de_xuat.",
        ),
        (
            "        - {label: Số văn bản chỉ đạo}",
            "",
            "cột «Số văn bản chỉ đạo» cần đúng một nguồn số liệu: count_rows (đếm số dòng của một bảng), sum (cộng "
            "một cột số hay một trường số) hoặc value (giá trị một trường đơn của từng đơn vị); chưa ghi mục nào.",
        ),
        (
            "        - {label: Số văn bản chỉ đạo, count_rows: van_ban, sum: hoat_dong.tong}",
            "",
            "cột «Số văn bản chỉ đạo» cần đúng một nguồn số liệu: count_rows (đếm số dòng của một bảng), sum (cộng "
            "một cột số hay một trường số) hoặc value (giá trị một trường đơn của từng đơn vị); đang ghi cả "
            "count_rows và sum.",
        ),
    ],
)
def test_a_per_unit_column_says_what_to_write(tmp_path, new, key, message):
    path, line = variant(tmp_path, PL1_COLUMN, new)
    assert problems_of(path) == [f"dòng {line} (summary.annexes[0].columns[0]{key}): {message}"]


def test_single_fields_are_columns_of_the_per_unit_annex(tmp_path):
    path, _ = variant(
        tmp_path,
        PL1_COLUMN,
        PL1_COLUMN + "\n        - {label: Ngày báo cáo, value: don_vi.ngay_bao_cao}"
        "\n        - {label: Số cuộc kiểm tra, sum: chi_so.so_cuoc_kiem_tra}"
        "\n        - {label: Số tập thể được biểu dương, value: chi_so.so_tap_the_bieu_duong}",
    )
    columns = load_config(path).summary.annexes[0].columns
    assert [(c.value, c.sum) for c in columns[1:4]] == [
        ("don_vi.ngay_bao_cao", None),
        (None, "chi_so.so_cuoc_kiem_tra"),
        ("chi_so.so_tap_the_bieu_duong", None),
    ]


def test_a_key_the_annex_kind_does_not_read_is_named(tmp_path):
    path, line = variant(
        tmp_path,
        "      title: TÌNH HÌNH NỘP BÁO CÁO CỦA CÁC ĐƠN VỊ\n",
        "      title: TÌNH HÌNH NỘP BÁO CÁO CỦA CÁC ĐƠN VỊ\n      table: hoat_dong\n",
    )
    assert problems_of(path) == [
        f"dòng {line + 1} (summary.annexes[3].table): mục «table» không dùng cho phụ lục dạng submission (chỉ dùng "
        "kind, sheet, title); hãy xoá mục này."
    ]


def test_a_per_unit_annex_without_columns(tmp_path):
    text = SHIPPED_TEXT.replace(
        "      title: KẾT QUẢ CHỈ ĐẠO VÀ TỔ CHỨC HOẠT ĐỘNG THEO ĐƠN VỊ\n      columns:\n", "      title: X\n      x:\n"
    )
    start = text.index("      x:\n")
    end = text.index("    - kind: listing")
    text = text[:start] + text[end:]
    path = tmp_path / "config.yaml"
    path.write_text(text, encoding="utf-8")
    line = text[: text.index("    - kind: by_unit")].count("\n") + 1
    assert problems_of(path) == [
        f"dòng {line} (summary.annexes[0]): phụ lục dạng by_unit cần ít nhất một cột (columns), ví dụ: "
        "columns: [{label: Số bản sách, value: so_lieu.so_ban_sach}]."
    ]


# ---------------------------------------------------------------- which keys are required, documented


def required_paths(model, prefix: tuple = ()) -> list[tuple[str, ...]]:
    """Every key the model requires, as a path of names ("form", "sections", "fields", "name"), at any depth."""
    import typing

    from pydantic import BaseModel

    found = []
    for name, info in model.model_fields.items():
        path = (*prefix, name)
        if info.is_required():
            found.append(path)
        for outer in typing.get_args(info.annotation) or (info.annotation,):
            for inner in (*typing.get_args(outer), outer):
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    found += required_paths(inner, path)
    return found


def test_readme_lists_every_required_key_in_its_row():
    from addin.config import CampaignConfig
    from addin.shipped import SHIPPED_CONFIG

    readme = (SHIPPED_CONFIG.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Mục bắt buộc và mục không bắt buộc", 1)[1].split("\n## ", 1)[0]
    rows = {}
    for line in section.splitlines():
        cells = [cell.strip() for cell in line.strip("|").split(" | ")]
        if line.startswith("| `") and len(cells) == 3:
            rows[cells[0].strip("`")] = cells[1]
    assert set(rows) == set(CampaignConfig.model_fields), "a row for every top-level key"
    for path in required_paths(CampaignConfig):
        if len(path) == 1:
            continue
        leaf, required = path[-1], rows[path[0]]
        shown = (f"`{leaf}`", f".{leaf}`", f"`{leaf}.", f"`{leaf}[]`")
        assert any(each in required for each in shown), f"{'.'.join(path)} is required: README must say so"


def test_config_yaml_comments_say_which_keys_are_required():
    top_level = [line for line in SHIPPED_TEXT.splitlines() if line and line[0].isalpha()]
    lines = SHIPPED_TEXT.splitlines()
    for key_line in top_level:
        index = lines.index(key_line)
        comment = lines[index - 1]
        assert comment.startswith("# ") and ("(bắt buộc" in comment or "(không bắt buộc" in comment), key_line
    assert "# Mục bắt buộc" in SHIPPED_TEXT
