"""Map former districts (pre-1 July 2025) of a new province to their successor communes.

Usage: python units/data/make_former_districts.py 68 > units/data/former_districts_68.csv

Old wards, their districts and the old->new ward converter come from vietnamadminunits
(dataset.db table ``admin_units_legacy`` and data/converter_2025.json); new commune codes
and names are checked against vietnam_provinces (code first, then exact name). A former
district's successors are the new communes that took in at least one of its old wards.
Writes CSV to stdout; warnings and a summary go to stderr.
"""

import csv
import json
import sqlite3
import sys
from collections import defaultdict
from importlib.resources import files

import vietnam_provinces

DATA = files("vietnamadminunits") / "data"

HEADER = [
    "province_code",
    "district_code",
    "district_name",
    "successor_code",
    "successor_name",
    "note",
]


def query(sql: str, params: tuple = ()) -> list[sqlite3.Row]:
    with sqlite3.connect(str(DATA / "dataset.db")) as conn:
        conn.row_factory = sqlite3.Row
        return conn.execute(sql, params).fetchall()


def warn(msg: str) -> None:
    print(msg, file=sys.stderr)


def main(province_code: int) -> None:
    with open(vietnam_provinces.NESTED_DIVISIONS_JSON_PATH, encoding="utf-8") as f:
        provinces = json.load(f)
    vp_wards = next(p["wards"] for p in provinces if p["code"] == province_code)
    vp_by_code = {w["code"]: w["name"] for w in vp_wards}
    vp_by_name = {w["name"]: w["code"] for w in vp_wards}

    # New wards as vietnamadminunits knows them, resolved to vietnam_provinces entries.
    new_rows = query(
        "SELECT DISTINCT provinceKey, wardKey, wardCode, ward FROM admin_units "
        "WHERE provinceCode = ?",
        (f"{province_code:02d}",),
    )
    province_key = new_rows[0]["provinceKey"]
    successors = {}  # new ward key -> (code, exact vietnam_provinces name)
    for r in new_rows:
        code, name = int(r["wardCode"]), r["ward"]
        if code not in vp_by_code:
            if name not in vp_by_name:
                warn(f"UNRESOLVED new ward {code} {name}")
                continue
            warn(
                f"code mismatch: {name} is {code} in vietnamadminunits, "
                f"{vp_by_name[name]} in vietnam_provinces"
            )
            code = vp_by_name[name]
        elif vp_by_code[code] != name:
            warn(
                f"name mismatch {code}: {name!r} (vietnamadminunits) "
                f"vs {vp_by_code[code]!r} (vietnam_provinces)"
            )
        successors[r["wardKey"]] = (code, vp_by_code[code])

    # Old ward key -> new ward keys (several when the old ward was split).
    conv = json.loads((DATA / "converter_2025.json").read_text(encoding="utf-8"))
    old_to_new = defaultdict(list)
    for new_key, old_keys in conv["DICT_PROVINCE_WARD_NO_DIVIDED"][province_key].items():
        for old_key in old_keys:
            old_to_new[old_key].append(new_key)
    for old_key, parts in conv["DICT_PROVINCE_WARD_DIVIDED"].get(province_key, {}).items():
        old_to_new[old_key].extend(p["newWardKey"] for p in parts)

    old_provinces = set(conv["DICT_PROVINCE"][province_key])
    legacy = query(
        "SELECT DISTINCT provinceKey, districtKey, wardKey, districtCode, district, wardCode, "
        "ward FROM admin_units_legacy ORDER BY districtCode, wardCode"
    )
    legacy = [r for r in legacy if r["provinceKey"] in old_provinces]

    districts, notes = {}, defaultdict(list)
    for r in legacy:
        districts[r["districtCode"]] = r["district"]
        new_keys = old_to_new.get(f"{r['provinceKey']}_{r['districtKey']}_{r['wardKey']}", [])
        if not new_keys:
            warn(f"UNRESOLVED old ward {r['wardCode']} {r['ward']} ({r['district']})")
        for new_key in new_keys:
            if new_key in successors:
                part = " (part)" if len(new_keys) > 1 else ""
                notes[r["districtCode"], successors[new_key][0]].append(r["ward"] + part)

    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(HEADER)
    for (district_code, code), wards in sorted(notes.items()):
        out.writerow(
            [
                f"{province_code:02d}",
                district_code,
                districts[district_code],
                f"{code:05d}",
                vp_by_code[code],
                "; ".join(wards),
            ]
        )

    covered = {code for _, code in notes}
    warn(
        f"{len(districts)} former districts, {len(notes)} rows, {len(covered)} of "
        f"{len(vp_wards)} new communes covered; missing: "
        f"{sorted(set(vp_by_code) - covered) or 'none'}"
    )


if __name__ == "__main__":
    sys.stdout.reconfigure(encoding="utf-8")
    main(int(sys.argv[1]))
