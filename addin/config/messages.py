"""What staff read when `config.yaml` cannot be read: pydantic's and PyYAML's problems said in Vietnamese.

Neither library's own (English) text ever reaches staff: each kind of problem has its sentence here, saying what is
wrong and what to write instead; an unforeseen kind gets a general Vietnamese sentence, never the English one.
"""

import re

import yaml

DATE_HINT = "viết dạng 2019-12-18 hoặc 18/12/2019"
_TYPE_MESSAGES = {
    "string_type": "phải là chữ.",
    "int_type": "phải là số nguyên.",
    "int_parsing": "phải là số nguyên.",
    "int_from_float": "phải là số nguyên.",
    "float_type": "phải là số.",
    "float_parsing": "phải là số.",
    "bool_type": "phải là true hoặc false.",
    "bool_parsing": "phải là true hoặc false.",
    "date_type": f"phải là ngày, {DATE_HINT}.",
    "date_parsing": f"phải là ngày, {DATE_HINT}.",
    "date_from_datetime_parsing": f"phải là ngày, {DATE_HINT}.",
    "date_from_datetime_inexact": f"phải là ngày (không kèm giờ), {DATE_HINT}.",
    "list_type": "phải là một danh sách (mỗi mục bắt đầu bằng dấu -).",
    "dict_type": "phải là một nhóm mục con (dạng tên: giá trị).",
    "model_type": "phải là một nhóm mục con (dạng tên: giá trị).",
    "model_attributes_type": "phải là một nhóm mục con (dạng tên: giá trị).",
}
_OTHER_MESSAGES = {
    "missing": "thiếu mục bắt buộc này.",
    "extra_forbidden": "mục này không được hỗ trợ (có thể viết sai tên?). Hãy xoá hoặc sửa tên.",
    "finite_number": "phải là một số thật (không phải .inf hay .nan).",
}
# what each name pattern of the model asks for, by the pattern itself (pydantic reports the pattern)
_PATTERN_MESSAGES = {
    r"^[a-z][a-z0-9_]{0,39}$": (
        "tên chỉ gồm chữ thường không dấu, số và dấu gạch dưới, bắt đầu bằng chữ, tối đa 40 ký tự (ví dụ: so_ban_doc)."
    ),
    r"^[A-Z0-9][A-Z0-9_-]{0,19}$": (
        "mã đơn vị chỉ gồm chữ in hoa không dấu, số, dấu - hoặc _, bắt đầu bằng chữ hoặc số, tối đa 20 ký tự "
        "(ví dụ: PGD080, THPT-LC1)."
    ),
    r"^[a-z0-9][a-z0-9_-]{0,39}$": (
        "mã đợt chỉ gồm chữ thường không dấu, số, dấu - hoặc _, bắt đầu bằng chữ hoặc số, tối đa 40 ký tự "
        "(ví dụ: bdg-2019)."
    ),
    r"^[a-z][a-z0-9_]*\.[a-z][a-z0-9_]*$": (
        "phải viết dạng phần.trường: tên một phần của biểu mẫu (form.sections), dấu chấm, tên một trường của "
        "phần đó (ví dụ: hoat_dong.tong)."
    ),
    r"^[A-Za-z_][A-Za-z0-9_]{0,63}$": (
        "tên biến môi trường chỉ gồm chữ không dấu, số và dấu gạch dưới, bắt đầu bằng chữ "
        "(ví dụ: BAOCAO_SMTP_PASSWORD)."
    ),
}
_SIGNS = {"greater_than": ">", "greater_than_equal": "≥", "less_than": "<", "less_than_equal": "≤"}
_DATE_LIKE = re.compile(r"\s*(\d{4}-\d{1,2}-\d{1,2}|\d{1,2}[/.-]\d{1,2}[/.-]\d{4})\s*")


def pydantic_message(item: dict) -> str:
    """One pydantic error (an item of `ValidationError.errors()`) as a Vietnamese sentence."""
    kind, value = item["type"], item.get("input")
    context = item.get("ctx", {})
    date_like = isinstance(value, str) and _DATE_LIKE.fullmatch(value)
    if date_like and (kind.startswith("date") or kind == "value_error"):
        return f"«{value.strip()}» không phải một ngày có thật; hãy kiểm tra ngày và tháng ({DATE_HINT})."
    if kind in _TYPE_MESSAGES:
        if value is None:
            return f"mục này đang để trống; {_TYPE_MESSAGES[kind]}"
        return _TYPE_MESSAGES[kind]
    if kind in _OTHER_MESSAGES:
        return _OTHER_MESSAGES[kind]
    if kind == "literal_error":
        choices = _choices(context.get("expected", ""))
        allowed = f"chỉ được là {choices[0]}" if len(choices) == 1 else f"chỉ được là một trong: {_listed(choices)}"
        return f"giá trị «{value}» không hợp lệ; {allowed}."
    if kind == "string_pattern_mismatch":
        return f"«{value}» không đúng dạng: " + _PATTERN_MESSAGES.get(
            context.get("pattern", ""), "chỉ dùng chữ không dấu, số và dấu gạch dưới."
        )
    if kind in ("too_short", "string_too_short"):
        return "không được để trống."
    if kind in _SIGNS:
        bound = next(iter(context.values()), "")
        shown = f"{bound:g}" if isinstance(bound, int | float) else bound
        return f"phải {_SIGNS[kind]} {shown}."
    return (
        f"giá trị «{value}» không dùng được ở đây. Hãy xem mục này trong bảng «Cấu hình config.yaml» của README "
        "(mỗi mục nhận loại giá trị nào)."
    )


def _choices(expected: str) -> list[str]:
    """pydantic's "'a', 'b' or 'c'" as ["«a»", "«b»", "«c»"]."""
    return [f"«{text.strip(chr(39))}»" for text in re.split(r", | or ", expected) if text]


def _listed(shown: list[str]) -> str:
    return f"{', '.join(shown[:-1])} hoặc {shown[-1]}"


_QUOTE_IT = 'hãy đặt cả giá trị trong dấu nháy kép, ví dụ: subject: "V/v: …"'
_YAML_PROBLEMS = [  # (how PyYAML / libyaml's problem starts, what it means to staff)
    (
        "mapping values are not allowed",
        "có dấu hai chấm ở chỗ không được. Kiểm tra thụt lề và dấu hai chấm: mỗi tầng thụt vào 2 dấu cách, "
        f"sau tên mục là «: »; nếu giá trị chữ có dấu hai chấm thì {_QUOTE_IT}.",
    ),
    (
        "found unexpected end of stream",
        "dấu nháy mở mà không đóng: thêm dấu nháy đóng (\" hoặc ') ở cuối giá trị.",
    ),
    ("did not find expected ',' or '}'", "nhóm {…} mở mà không đóng: thiếu dấu } hoặc dấu phẩy giữa hai mục."),
    ("did not find expected ',' or ']'", "danh sách […] mở mà không đóng: thiếu dấu ] hoặc dấu phẩy giữa hai mục."),
    (
        "did not find expected key",
        "dòng này không khớp với các dòng trên. Kiểm tra thụt lề và dấu hai chấm (mỗi tầng 2 dấu cách, các mục "
        "cùng tầng thẳng hàng); giá trị chữ có dấu { } [ ] hoặc dấu nháy ở giữa thì " + _QUOTE_IT + ".",
    ),
    ("did not find expected '-' indicator", "các mục của một danh sách (dòng bắt đầu bằng -) phải thẳng hàng nhau."),
    ("could not find expected ':'", "thiếu dấu hai chấm sau tên mục (viết «tên: giá trị»)."),
    (
        "found undefined alias",
        "tham chiếu *tên trỏ tới một tên chưa khai bằng &tên ở phía trên; hãy khai &tên trước hoặc viết thẳng giá trị.",
    ),
    ("second occurrence", "tên &tên này đã được khai ở trên; mỗi tên &… chỉ khai một lần."),
    ("found unhashable key", "tên mục phải là chữ, không phải danh sách hay nhóm mục."),
    (
        "could not determine a constructor",
        "có nhãn YAML «!…» không được hỗ trợ; hãy bỏ nhãn đó (cấu hình chỉ gồm chữ, số, ngày, danh sách, nhóm mục).",
    ),
    (
        "but found another document",
        "tệp có hơn một phần YAML (dòng ---); một tệp cấu hình chỉ có một: hãy bỏ dòng --- và phần thừa sau nó.",
    ),
    ("found unknown directive name", f"dòng bắt đầu bằng dấu %; {_QUOTE_IT}."),
    (
        "found unknown escape character",
        "trong dấu nháy kép, dấu \\ phải đi cùng một ký tự hợp lệ; giá trị có dấu \\ (như mẫu kiểm tra pattern) "
        "hãy đặt trong dấu nháy đơn '…'.",
    ),
]


def yaml_message(error: yaml.YAMLError, text: str) -> str:
    """A YAML syntax problem with its line and column, what it means and what to do, in Vietnamese."""
    if isinstance(error, yaml.reader.ReaderError):
        code = error.character if isinstance(error.character, int) else ord(str(error.character)[:1] or "?")
        at = text.find(chr(code))  # libyaml counts bytes, PyYAML characters: find the character itself
        where = f"dòng {text[:at].count(chr(10)) + 1}" if at >= 0 else "không rõ dòng"
        return f"{where}: tệp có ký tự điều khiển không in được (mã {code:#04x}); hãy xoá ký tự đó."
    mark = getattr(error, "problem_mark", None)
    where = f"dòng {mark.line + 1}, cột {mark.column + 1}" if mark else "không rõ dòng"
    problem = getattr(error, "problem", None) or ""
    if problem.startswith(("found character that cannot start any token", "found a tab character")):
        character = "\t" if "tab" in problem else _character_at(text, mark)
        if character == "\t":
            tab = "có ký tự Tab; YAML chỉ thụt lề bằng dấu cách (mỗi tầng 2 dấu cách)."
            return f"{where}: viết sai cú pháp YAML: {tab}"
        return f"{where}: viết sai cú pháp YAML: giá trị không được bắt đầu bằng «{character}»; {_QUOTE_IT}."
    for start, meaning in _YAML_PROBLEMS:
        if problem.startswith(start):
            return f"{where}: viết sai cú pháp YAML: {meaning}"
    return (
        f"{where}: viết sai cú pháp YAML. Kiểm tra thụt lề và dấu hai chấm (mỗi tầng 2 dấu cách, không dùng Tab, "
        "sau tên mục là «: »); giá trị có ký tự đặc biệt (: { } [ ] # @ `) thì đặt trong dấu nháy kép."
    )


def _character_at(text: str, mark) -> str:
    if mark is None:
        return "?"
    lines = text.split("\n")
    line = lines[mark.line] if mark.line < len(lines) else ""
    return line[mark.column] if mark.column < len(line) else "?"
