"""A generated county roster shaped like 井陉县 in the seeds: 418 delegates in 35 groups."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl import Workbook

from storage.models import GroupKind

HEADER = ["姓名", "手机", "代表层级", "乡镇", "小组", "角色", "企业微信账号"]
TOWNSHIPS = ("石门镇", "柳林镇", "清河镇", "桃园镇", "枣庄镇", "龙泉镇", "双井镇", "白石镇",
             "高庄镇", "望川镇", "东岭乡", "西沟乡", "南坪乡", "北台乡", "杏坡乡", "梨川乡",
             "松峪乡")
SQUADS = tuple(f"{area}工作专班" for area in (
    "清理规范资源能源项目", "房地产开发项目", "公共卫生", "生态环境保护", "优化营商环境",
    "养老服务", "民生实事"))
THEMATIC = ("城乡建设代表小组", "财政经济代表小组", "法制代表小组", "教科文卫代表小组",
            "社会建设代表小组", "农业农村代表小组", "民族宗教代表小组")
INSPECTIONS = ("第一执法检查组", "第二执法检查组", "第三执法检查组", "第四执法检查组")
LEVELS = (("全国", 1), ("省", 5), ("市", 30), ("县", 150), ("乡", 232))  # 418 delegates
DEPARTMENTS = ("县住房和城乡建设局", "县商务局", "县工业和信息化局", "县人力资源和社会保障局",
               "县卫生健康局", "县自然资源局", "县生态环境分局")
SURNAMES = ("王", "李", "张", "刘", "陈", "杨", "赵", "黄", "周", "吴", "徐", "孙", "胡", "朱",
            "高", "林", "何", "郭", "马", "罗", "欧阳", "司马", "诸葛", "上官", "东方", "皇甫")
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华慧巧美淑惠珠翠雅芝玉萍红娥玲芬燕彩春菊兰凤洁"


@dataclass
class County:
    """The rows written, and what the import should make of them."""

    rows: list[list[str]] = field(default_factory=list)
    kinds: dict[str, tuple[GroupKind, str | None]] = field(default_factory=dict)
    delegates: int = 0


def _phone(n: int, rng: random.Random) -> str:
    digits = f"1{rng.choice('3456789')}{n:09d}"
    shapes = (digits, f"{digits[:3]} {digits[3:7]} {digits[7:]}",
              f"{digits[:3]}-{digits[3:7]}-{digits[7:]}", f"+86 {digits}", f"+86-{digits}",
              f"+86 {digits[:3]} {digits[3:7]} {digits[7:]}")
    return rng.choice(shapes)


def _name(rng: random.Random) -> str:
    length = rng.choice((1, 1, 2, 2, 2))  # two- and three-character names, compound surnames
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(length))


def _groups_of(n: int, township: str, level: str, rng: random.Random) -> list[str]:
    groups = [f"{township}代表小组"]
    if n % 2 == 0:
        groups.append(SQUADS[n % len(SQUADS)])
    if n % 3 == 0:
        groups.append(THEMATIC[n % len(THEMATIC)])
    if level in ("省", "市", "县") and n % 4 == 1:
        groups.append(INSPECTIONS[(n // 4) % len(INSPECTIONS)])
    return groups


def make_county(seed: int = 418) -> County:
    """418 delegates, then staff, leadership and liaisons; one leader per group."""
    rng, county = random.Random(seed), County()
    levels = [level for level, count in LEVELS for _ in range(count)]
    rng.shuffle(levels)
    led: set[str] = set()
    for n, level in enumerate(levels):
        township = TOWNSHIPS[n % len(TOWNSHIPS)]
        groups = _groups_of(n, township, level, rng)
        leads = [g for g in groups if g not in led][:1]
        led.update(leads)
        roles = "、".join(f"组长:{g}" for g in leads) or rng.choice(("", "代表"))
        county.rows.append([_name(rng), _phone(n, rng), level, township, "、".join(groups),
                            roles, ""])
    county.delegates = len(levels)
    officials = ["工作人员"] * 3 + ["领导"] * 2 + [f"联络员:{d}" for d in DEPARTMENTS]
    for n, role in enumerate(officials, start=len(levels)):
        county.rows.append([_name(rng), _phone(n, rng), "", "", "", role, f"official{n}"])
    county.kinds = {f"{t}代表小组": (GroupKind.TOWNSHIP, t) for t in TOWNSHIPS}
    county.kinds |= {g: (GroupKind.TASK_SQUAD, None) for g in SQUADS}
    county.kinds |= {g: (GroupKind.THEMATIC, None) for g in THEMATIC}
    county.kinds |= {g: (GroupKind.INSPECTION, None) for g in INSPECTIONS}
    return county


def write_csv(county: County, path: Path, encoding: str = "gb18030") -> Path:
    """The roster as Chinese Excel saves a CSV: GB18030 (GBK) with CRLF line ends."""
    buffer = io.StringIO(newline="")
    csv.writer(buffer).writerows([HEADER, *county.rows])
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(county: County, path: Path) -> Path:
    """The roster as one worksheet."""
    workbook = Workbook()
    for row in [HEADER, *county.rows]:
        workbook.active.append(row)
    workbook.save(path)
    return path
