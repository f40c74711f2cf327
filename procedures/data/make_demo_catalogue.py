"""Build the demo catalogue (FORMAT.md shape) from the shared sample of real procedures.

    python3 procedures/data/make_demo_catalogue.py > procedures/data/demo_catalogue.json

Codes, names, fields, levels, fees, published times, decisions and sources come from
/work/shared/data/procedures-sample.json (override with SAMPLE=path). Everything the portal does
not publish (online level, cases, workflow, results...) is a demo assumption; see README.md.
Standard library only.
"""

import json
import os
import re
import sys
import unicodedata

SAMPLE = os.environ.get("SAMPLE", "/work/shared/data/procedures-sample.json")
CODE = re.compile(r"^\d\.\d{6}(\.[A-Z0-9]+)?$")
CHANNELS = {"in_person": "direct", "online": "online", "postal": "postal"}
UNITS = {"ngày làm việc": "working_days", "ngày": "days", "giờ": "hours"}
UNIT_ASSUMED = (
    "time_unit_assumed: Thời gian xử lý trên Cổng DVCQG không ghi đơn vị; "
    "tạm hiểu là ngày làm việc."
)
TIME_ASSUMED = (
    "processing_time_assumed: Cổng DVCQG không công bố thời gian xử lý; "
    "tạm đặt 5 ngày làm việc (giả định demo)."
)
SAME_DAY = (
    "Nghị định 23/2015/NĐ-CP (Điều 7): trong ngày, sau 15 giờ trả trong ngày làm việc kế tiếp"
)
# Legal times used only where the portal shows none: code -> (value, unit, basis).
LEGAL_TIMES = {
    **dict.fromkeys(
        ("2.000815", "2.000884", "2.000992", "2.001008"), (0, "working_days", SAME_DAY)
    ),
    **dict.fromkeys(
        ("2.000913", "2.001016", "2.001019", "2.001035", "2.001406"),
        (2, "working_days", "Nghị định 23/2015/NĐ-CP (Điều 37): không quá 02 ngày làm việc"),
    ),
    "2.001263": (30, "days", "Luật Nuôi con nuôi 2010: 30 ngày kể từ ngày nhận đủ hồ sơ hợp lệ"),
}
FEE_NOTES = {
    'portal shows "Miễn phí" but text says the amount is set by the provincial People\'s '
    "Council": "Cổng DVCQG ghi “Miễn phí” nhưng mức thu do HĐND cấp tỉnh quy định.",
    'portal shows "Miễn phí" but description refers to a fee regulation; treat amount as '
    "unknown": "Cổng DVCQG ghi “Miễn phí” nhưng phần mô tả dẫn văn bản quy định phí: chưa rõ.",
    "amount as shown; description says the specific level is decided by the provincial "
    "People's Council": "Mức thu như Cổng DVCQG ghi; mức cụ thể do HĐND cấp tỉnh quyết định.",
    "suspicious amount as shown on portal (likely data-entry error)": (
        "Mức thu như Cổng DVCQG ghi, có thể nhập sai."
    ),
}
RESULTS = [  # (pattern on the lower-cased name, result); first match wins, None = generic
    (r"^liên thông", None),
    (r"bản sao trích lục hộ tịch", "Bản sao trích lục hộ tịch, bản sao Giấy khai sinh"),
    (r"khai sinh kết hợp", "Giấy khai sinh; Trích lục đăng ký nhận cha, mẹ, con"),
    (r"đăng ký nhận cha, mẹ, con", "Trích lục đăng ký nhận cha, mẹ, con"),
    (r"đăng ký (lại )?khai sinh", "Giấy khai sinh"),
    (r"đăng ký (lại )?khai tử", "Trích lục khai tử"),
    (r"đăng ký (lại )?kết hôn", "Giấy chứng nhận kết hôn"),
    (r"giấy xác nhận tình trạng hôn nhân", "Giấy xác nhận tình trạng hôn nhân"),
    (r"đăng ký chấm dứt giám hộ", "Trích lục đăng ký chấm dứt giám hộ"),
    (r"đăng ký giám hộ", "Trích lục đăng ký giám hộ"),
    (r"nuôi con nuôi trong nước", "Giấy chứng nhận nuôi con nuôi"),
    (r"công nhận hòa giải viên", "Quyết định công nhận hòa giải viên"),
    (r"công nhận tổ trưởng tổ hòa giải", "Quyết định công nhận tổ trưởng tổ hòa giải"),
    (r"chứng thực bản sao", "Bản sao được chứng thực từ bản chính"),
    (r"chứng thực chữ ký", "Giấy tờ, văn bản đã được chứng thực chữ ký"),
    (r"chứng thực di chúc", "Di chúc được chứng thực"),
    (r"cấp bản sao từ sổ gốc", "Bản sao từ sổ gốc"),
    (r"phiếu lý lịch tư pháp", "Phiếu lý lịch tư pháp"),
    (r"cấp thẻ công chứng viên", "Thẻ công chứng viên"),
    (r"nhập quốc tịch việt nam", "Quyết định cho nhập quốc tịch Việt Nam"),
    (r"^cấp giấy phép di dời", "Giấy phép di dời công trình"),
    (r"^cấp (lại |điều chỉnh )?giấy phép xây dựng", "Giấy phép xây dựng"),
    (r"giấy phép khai thác (nước dưới đất|khoáng sản)", "Giấy phép khai thác {0}"),
    (
        r"chứng chỉ hành nghề (luật sư|đấu giá|hoạt động xây dựng|kiến trúc"
        r"|môi giới bất động sản|thú y)",
        "Chứng chỉ hành nghề {0}",
    ),
    (
        r"^(đăng ký thành lập|đăng ký thay đổi nội dung đăng ký|cấp lại giấy chứng nhận "
        r"đăng ký) hộ kinh doanh",
        "Giấy chứng nhận đăng ký hộ kinh doanh",
    ),
    (r"^đăng ký thành lập (doanh nghiệp|công ty)", "Giấy chứng nhận đăng ký doanh nghiệp"),
]
GENERIC_RESULT = "Văn bản giải quyết thủ tục hành chính"
STEPS = ["Nộp hồ sơ", "Tiếp nhận và kiểm tra", "Giải quyết", "Trả kết quả"]
FULL_ONLINE = {"commune_civil_status", "commune_certification", "commune_residence"}
BUSINESS = {"household_business", "construction_commune", "land_commune", "province_finance"}
CHANNEL_WORDS = {"direct": "trực tiếp", "online": "trực tuyến", "postal": "bưu chính"}
UNIT_WORDS = {"working_days": "ngày làm việc", "days": "ngày", "hours": "giờ"}


def nfc(text):
    return unicodedata.normalize("NFC", text or "").strip()


def parse_raw(raw):
    """'5 Ngày làm việc' -> (5, 'working_days', False); bare '5' -> (5, 'working_days', True)."""
    match = re.fullmatch(r"(\d+)\s*(.*)", nfc(raw))
    if not match or (match[2] and match[2].lower() not in UNITS):
        return None
    return int(match[1]), UNITS.get(match[2].lower(), "working_days"), not match[2]


def channel_times(proc, notes):
    """{channel: (value, unit)}: the channel's own published time, else the sample's
    processing_time, else a bare number read as working days, else a known legal time,
    else 5 working days."""
    parsed, kinds = {}, set()
    for item in proc["processing_time_raw_by_channel"]:
        kind = CHANNELS[item["channel"]]
        kinds.add(kind)
        if value := parse_raw(item["raw"] or ""):
            parsed.setdefault(kind, []).append(value)
    kinds |= {CHANNELS[c] for fee in proc["fees"] or [] for c in fee["channels"]}
    kinds = [k for k in CHANNELS.values() if k in kinds] or ["direct", "online"]
    published, legal = proc["processing_time"], LEGAL_TIMES.get(proc["code"])
    times, tags = {}, set()
    for kind in kinds:
        exact = [p[:2] for p in parsed.get(kind, []) if not p[2]]
        bare = [p[:2] for p in parsed.get(kind, []) if p[2]]
        if exact:
            times[kind] = exact[0]
            others = sorted({f"{v} {UNIT_WORDS[u]}" for v, u in exact[1:] if (v, u) != exact[0]})
            if others:
                notes.append(
                    f"Kênh {CHANNEL_WORDS[kind]}: Cổng DVCQG còn ghi thời hạn {', '.join(others)} "
                    "(trường hợp khác); danh mục demo dùng thời hạn ghi đầu tiên."
                )
        elif published:
            times[kind] = published["value"], published["unit"]
            notes.append(
                f"Kênh {CHANNEL_WORDS[kind]}: Cổng DVCQG không ghi thời hạn riêng; "
                "dùng thời hạn công bố của thủ tục."
            )
        elif bare:
            times[kind] = bare[0]
            tags.add(UNIT_ASSUMED)
        elif legal:
            times[kind] = legal[:2]
            tags.add(f"processing_time_from_law: {legal[2]}.")
        else:
            times[kind] = 5, "working_days"
            tags.add(TIME_ASSUMED)
    notes.extend(sorted(tags))
    return times


def fees_by_channel(proc, notes):
    """VND fee lines per channel; other currencies are only mentioned in the note."""
    by_channel = {}
    for fee in proc["fees"] or []:
        shown = " ".join(filter(None, [nfc(fee["as_shown"]), nfc(fee["per"])]))
        if fee["currency"] != "VND":
            notes.append(
                f"Cổng DVCQG còn ghi mức thu {shown}; không đưa vào vì không tính bằng VND."
            )
            continue
        note = nfc(fee["note"])
        line = {
            "name": "Phí" if shown.lower().startswith("phí") else "Lệ phí",
            "amount": int(fee["amount"]),
            "note": " — ".join(filter(None, [shown, FEE_NOTES.get(note, note)])),
        }
        for kind in dict.fromkeys(CHANNELS[c] for c in fee["channels"]):
            by_channel.setdefault(kind, []).append(line)
    return by_channel


def result_of(name):
    lower = name.lower()
    for pattern, result in RESULTS:
        if match := re.search(pattern, lower):
            return result.format(*match.groups()) if result else GENERIC_RESULT
    return GENERIC_RESULT


def part(name, originals=1):
    return {"name": name, "originals": originals, "copies": 0, "form": ""}


# Papers the law asks for beyond the generic ones: code -> extra components (1 original each).
EXTRA_PARTS = {
    # Luật Hộ tịch 2014, Điều 16: the declaration and the birth certificate (giấy chứng sinh).
    "1.001193": ["Giấy chứng sinh"],
}


def components_of(proc):
    """One generic case: the form or request, supporting papers, and ID papers (shown only)."""
    core = re.sub(r"^Thủ tục ", "", proc["name"])
    if proc["category"] == "commune_civil_status":
        liaison = core.startswith("Liên thông")
        first = [
            part("Tờ khai theo mẫu" if liaison else f"Tờ khai {core[0].lower()}{core[1:]} theo mẫu")
        ]
    elif proc["category"] == "commune_certification":
        first = [part("Giấy tờ, văn bản đề nghị chứng thực")]
    else:
        first = [
            part("Đơn hoặc tờ khai đề nghị theo mẫu"),
            part("Giấy tờ, tài liệu kèm theo theo quy định"),
        ]
    extra = [part(name) for name in EXTRA_PARTS.get(proc["code"], [])]
    return [*first, *extra, part("Giấy tờ tùy thân", originals=0)]


def workflow_of(hours, province):
    """Internal steps whose budgets add up to at most the shortest channel's time."""
    if hours == 0:  # same working day: half of it
        budgets = [("receiver", 0.5), ("specialist", 2), ("leader", 1), ("receiver", 0.5)]
    else:
        lead = max(1, hours // 10)
        head = lead if province else 0
        budgets = [("receiver", 1), ("specialist", hours - 2 - lead - head)]
        budgets += [("department_head", head)] if province else []
        budgets += [("leader", lead), ("receiver", 1)]
    names = {
        "specialist": "Thẩm định, xử lý hồ sơ",
        "department_head": "Xem xét, trình ký",
        "leader": "Phê duyệt, ký kết quả",
    }
    steps = []
    for i, (role, budget) in enumerate(budgets):
        name = names.get(role) or ("Tiếp nhận hồ sơ" if i == 0 else "Trả kết quả")
        steps.append({"name": name, "role": role, "budget_hours": budget})
    return steps


def convert(proc):
    notes = []
    times = channel_times(proc, notes)
    fees = fees_by_channel(proc, notes)
    channels = [
        {
            "channel": kind,
            "processing_time": value,
            "time_unit": unit,
            "description": "",
            "fees": fees.get(kind, []),
        }
        for kind, (value, unit) in times.items()
    ]
    same_day = all(value == 0 for value, _ in times.values())
    hours = 0 if same_day else min(v if u == "hours" else v * 8 for v, u in times.values())
    levels, category = proc["levels"], proc["category"]
    province_led = category.startswith("province") or "commune" not in levels
    competent = [
        *(["Ủy ban nhân dân cấp xã"] if not province_led else []),
        *(["Sở/ngành cấp tỉnh"] if "province" in levels or province_led else []),
    ]
    online = "online" in times
    business = category in BUSINESS or (
        category in {"province_construction", "province_agri_env"}
        and "chứng chỉ" not in proc["name"].lower()
    )
    decision = nfc(proc["publishing_decision"])
    basis = f"Quyết định công bố {'số ' if decision[:1].isdigit() else ''}{decision}"
    legal = LEGAL_TIMES.get(proc["code"])
    checks = sorted({c["source"] for c in proc["cross_check"]})
    source = nfc(proc["source"]) + (f"; đối chiếu: {', '.join(checks)}" if checks else "")
    source += f" ({proc['confidence']})"
    if proc["former_level"]:
        source += f"; former_level: {proc['former_level_source']}"
        notes.append(f"former_level ({proc['former_level_source']}): {proc['former_level_note']}")
    notes += [
        f"Ghi chú nguồn mẫu: {n}"
        for n in proc["notes"]
        if not n.startswith(("DVCQG page shows a bare number", "no processing time published"))
    ]
    return {
        "code": proc["code"],
        "name": nfc(proc["name"]),
        "field": nfc(proc["field"]),
        "subject_types": ["citizen", "business"] if business else ["citizen"],
        "levels": levels,
        "online_level": ("full" if category in FULL_ONLINE else "partial") if online else "none",
        "written_result_required": True,
        "same_day_cutoff": same_day,
        "requirements": "",
        "results": result_of(nfc(proc["name"])),
        "legal_basis": f"{legal[2]}; {basis}" if legal else basis,
        "publishing_decision": decision,
        "agencies": {"competent": "; ".join(competent), "executing": "", "coordinating": ""},
        "channels": channels,
        "steps": STEPS,
        "cases": [{"name": "Trường hợp chung", "components": components_of(proc)}],
        "workflow": workflow_of(hours, province_led),
        "former_level": proc["former_level"],
        "source": source,
        "note": "\n".join(notes),
    }


def main():
    with open(SAMPLE, encoding="utf-8") as fh:
        sample = json.load(fh)
    procedures = [convert(p) for p in sample["procedures"] if CODE.match(p["code"])]
    conversion = {
        "id": "DEMO",
        "type": "conversion",
        "script": "procedures/data/make_demo_catalogue.py",
        "description": (
            f"Converted from procedures-sample.json (generated {sample['generated']}) to the "
            "FORMAT.md shape. Codes, names, fields, levels, published times, VND fees, "
            "publishing decisions and former levels are as in the sample; online level, "
            "subject types, results, cases, steps, workflow budgets and the times marked "
            "time_unit_assumed / processing_time_assumed / processing_time_from_law in a "
            "procedure's note are demo assumptions (see procedures/data/README.md)."
        ),
    }
    catalogue = {
        "format": "tthc-catalogue",
        "version": 1,
        "sources": [*sample["sources"], conversion],
        "procedures": procedures,
    }
    json.dump(catalogue, sys.stdout, ensure_ascii=False, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
