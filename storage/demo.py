"""The fictional demo county 青禾县: areas, groups, departments, ~400 invented delegates, staff."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlmodel import Session, select

from storage.invites import issue
from storage.models import (
    Area,
    Department,
    Group,
    GroupKind,
    Level,
    Liaison,
    Membership,
    Person,
    Role,
    RoleGrant,
)
from storage.roster_rules import department_short_name

DEMO_COUNTY = "青禾县"
DEMO_STAFF_PHONE = "13800000001"  # the console starts acting as this staff member
DEMO_STAFF_NAME = "林晓岚"
SEED = 2026
DELEGATE_PHONE, LIAISON_PHONE = "1370000{:04d}", "1390000{:04d}"
STAFF_PHONES = (DEMO_STAFF_PHONE, "13800000002", "13800000003")
LEADERSHIP_PHONES = ("13800000011", "13800000012", "13800000013")

AREAS = (  # code, name_zh, name_en, deadline in working days
    ("energy", "清理规范资源能源项目", "Energy and resource projects", 15),
    ("realestate", "房地产开发项目", "Real-estate development projects", 20),
    ("health", "公共卫生", "Public health", 10),
    ("environment", "生态环境保护", "Environmental protection", 15),
    ("business", "优化营商环境", "Business environment", 10),
    ("elderly", "养老服务", "Elderly care", 15),
    ("livelihood", "民生实事", "Livelihood projects", 10),
)
INSPECTION_GROUPS = ("第一执法检查组", "第二执法检查组", "第三执法检查组", "第四执法检查组")
TOWNSHIPS = ("禾丰镇", "青石镇", "柳溪乡", "南岭镇", "北塘乡", "云台镇", "杏花乡",
             "松岗镇", "白鹭乡", "东篱镇", "西坪乡", "梨园镇", "清泉乡", "望川镇")
DEPARTMENTS = ("县住房和城乡建设局", "县商务局", "县工业和信息化局", "县人力资源和社会保障局",
               "县卫生健康局", "县自然资源局", "市生态环境局青禾分局", "县发展和改革局",
               "县民政局", "县市场监督管理局")
LEVEL_COUNTS = ((Level.NATIONAL, 2), (Level.PROVINCIAL, 8), (Level.MUNICIPAL, 40),
                (Level.COUNTY, 150), (Level.TOWNSHIP, 200))
SQUAD_SHARE, INSPECTORS_PER_GROUP = 0.5, 12

SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余"
            "杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦方白邹孟熊秦邱江尹薛段雷侯龙史陶")
GIVEN = ("明华建国志伟秀英丽芳军平海燕红霞敏静杰涛波斌浩宇欣怡佳琪晓婷文博立新雅思雨子涵"
         "萱俊凯磊鹏飞玉兰桂春梅永强德成世荣振兴家庆清远嘉慧云霞宏亮光辉嫣瑶晨阳安宁蕾")


class NameMaker:
    """Invented, unique Chinese names: a common surname plus one or two given-name characters."""

    def __init__(self, rng: random.Random, taken: Sequence[str] = ()) -> None:
        self.rng, self.used = rng, set(taken)

    def __call__(self) -> str:
        """A name not handed out before."""
        while True:
            given = "".join(self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2, 2))))
            name = self.rng.choice(SURNAMES) + given
            if name not in self.used:
                self.used.add(name)
                return name


@dataclass
class DemoGroups:
    """The demo county's groups by role in the campaign."""

    squads: list[Group]
    inspections: list[Group]
    townships: dict[str, Group]
    members: dict[int, list[Person]] = field(default_factory=dict)  # group id → members


def _person(name: str, phone: str, now: datetime, level: Level | None = None,
            township: str | None = None) -> Person:
    return Person(name=name, phone=phone, level=level.value if level else None,
                  township=township, created_at=now)


def _add_areas(session: Session) -> list[Area]:
    """The "6+1" areas, reusing any already configured with the same code."""
    existing = {a.code: a for a in session.exec(select(Area)).all()}
    areas = []
    for position, (code, name_zh, name_en, days) in enumerate(AREAS, start=1):
        area = existing.get(code) or Area(code=code, name_zh=name_zh, name_en=name_en,
                                          deadline_working_days=days, position=position)
        session.add(area)
        areas.append(area)
    session.flush()
    return areas


def _group(existing: dict[str, Group], name: str, kind: GroupKind, **extra: object) -> Group:
    return existing.get(name) or Group(name=name, kind=kind.value, **extra)


def _add_groups(session: Session, areas: list[Area]) -> DemoGroups:
    """Seven task squads (one per area), four inspection groups, one group per township."""
    existing = {g.name: g for g in session.exec(select(Group)).all()}
    squads = [_group(existing, f"{a.name_zh}工作专班", GroupKind.TASK_SQUAD, area_id=a.id)
              for a in areas]
    inspections = [_group(existing, name, GroupKind.INSPECTION) for name in INSPECTION_GROUPS]
    townships = {t: _group(existing, f"{t}代表小组", GroupKind.TOWNSHIP, township=t)
                 for t in TOWNSHIPS}
    session.add_all([*squads, *inspections, *townships.values()])
    session.flush()
    return DemoGroups(squads, inspections, townships)


def _add_departments(session: Session) -> list[Department]:
    """The ten departments, reusing any that already exist by name."""
    existing = {d.name: d for d in session.exec(select(Department)).all()}
    departments = [existing.get(name) or Department(name=name, short_name=department_short_name(
        name)) for name in DEPARTMENTS]
    session.add_all(departments)
    session.flush()
    return departments


def _make_delegates(rng: random.Random, names: NameMaker, now: datetime) -> list[Person]:
    """About 400 delegates over the five levels, spread evenly over the townships."""
    levels = [level for level, count in LEVEL_COUNTS for _ in range(count)]
    rng.shuffle(levels)
    return [_person(names(), DELEGATE_PHONE.format(n), now, level, TOWNSHIPS[n % len(TOWNSHIPS)])
            for n, level in enumerate(levels, start=1)]


def _make_officials(rng: random.Random, names: NameMaker, now: datetime,
                    departments: list[Department]) -> tuple[list, list, list]:
    """Staff, leadership and one or two liaisons per department (none has a level)."""
    staff = [_person(DEMO_STAFF_NAME if phone == DEMO_STAFF_PHONE else names(), phone, now)
             for phone in STAFF_PHONES]
    leadership = [_person(names(), phone, now) for phone in LEADERSHIP_PHONES]
    liaisons = []
    for department in departments:
        for _ in range(rng.randint(1, 2)):
            phone = LIAISON_PHONE.format(len(liaisons) + 1)
            liaisons.append((_person(names(), phone, now), department))
    return staff, leadership, liaisons


def _fill_groups(rng: random.Random, delegates: list[Person], groups: DemoGroups) -> None:
    """Everyone in their township's group, half in a task squad, some in an inspection group."""
    for person in delegates:
        groups.members.setdefault(groups.townships[person.township].id, []).append(person)
    for n, person in enumerate(rng.sample(delegates, int(len(delegates) * SQUAD_SHARE))):
        groups.members.setdefault(groups.squads[n % len(groups.squads)].id, []).append(person)
    upper = [p for p in delegates if p.level in (Level.PROVINCIAL, Level.MUNICIPAL, Level.COUNTY)]
    chosen = rng.sample(upper, INSPECTORS_PER_GROUP * len(groups.inspections))
    for n, person in enumerate(chosen):
        groups.members.setdefault(groups.inspections[n % len(groups.inspections)].id,
                                  []).append(person)


def _memberships(rng: random.Random, groups: DemoGroups) -> list[Membership]:
    """One membership per (person, group); each group's leader is a member who leads no other."""
    leading: set[int] = set()
    rows = []
    for group_id, members in groups.members.items():
        free = [p for p in members if p.id not in leading] or members
        leader = rng.choice(free)
        leading.add(leader.id)
        rows += [Membership(person_id=p.id, group_id=group_id, is_leader=p is leader)
                 for p in members]
    return rows


def _link_officials(staff: list[Person], leadership: list[Person],
                    liaisons: list[tuple[Person, Department]]) -> list:
    grants = [RoleGrant(person_id=p.id, role=Role.STAFF.value) for p in staff]
    grants += [RoleGrant(person_id=p.id, role=Role.LEADERSHIP.value) for p in leadership]
    return grants + [Liaison(person_id=p.id, department_id=d.id) for p, d in liaisons]


def load_demo(session: Session, now: datetime, invite_days: int) -> bool:
    """Load the demo county; False (and nothing done) when it is already loaded."""
    if session.exec(select(Person.id).where(Person.phone == DEMO_STAFF_PHONE)).first():
        return False
    rng = random.Random(SEED)
    names = NameMaker(rng, taken=(DEMO_STAFF_NAME,))
    groups = _add_groups(session, _add_areas(session))
    departments = _add_departments(session)
    delegates = _make_delegates(rng, names, now)
    staff, leadership, liaisons = _make_officials(rng, names, now, departments)
    everyone = [*delegates, *staff, *leadership, *(p for p, _ in liaisons)]
    session.add_all(everyone)
    session.flush()
    _fill_groups(rng, delegates, groups)
    session.add_all(_memberships(rng, groups))
    session.add_all(_link_officials(staff, leadership, liaisons))
    with session.no_autoflush:
        for person in everyone:
            issue(session, person.id, now, invite_days)
    session.flush()
    return True


def demo_delegate_example(session: Session) -> Person:
    """An ordinary demo delegate (leads nothing) who is also in a task squad."""
    in_squad = select(Membership.person_id).join(Group, Group.id == Membership.group_id).where(
        Group.kind == GroupKind.TASK_SQUAD.value)
    leaders = select(Membership.person_id).where(Membership.is_leader)
    person = session.exec(select(Person).where(
        Person.phone.like(DELEGATE_PHONE.format(0)[:7] + "%"), Person.level.is_not(None),
        Person.id.in_(in_squad), Person.id.not_in(leaders)).order_by(Person.id)).first()
    if person is None:
        raise LookupError("the demo county is not loaded")
    return person
