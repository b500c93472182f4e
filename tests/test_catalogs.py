"""The zh_CN and en catalogs agree with each other and hold every key the code uses."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot import users_table
from bot.config import SUPPORTED_LOCALES, Settings
from bot.core.router import Router
from bot.core.types import Event
from bot.flows.adduser import ADD_PERSON
from bot.i18n import LOCALES_DIR, PLACEHOLDER, Catalogs
from bot.routes import register_routes
from handlers.activities import compose as event_compose
from handlers.activities import duty_export
from handlers.activities import render as event_render
from handlers.activities import roster as event_roster
from handlers.activities import series as event_series
from handlers.cases import action_flows, actions, case_export, extensions, photos, render
from handlers.notices import compose as notice_compose
from storage import roster_read
from storage.activity_models import ActivityKind, Answer
from storage.case_models import CaseStatus, Satisfaction
from storage.invites import InviteProblem
from storage.models import GroupKind, Level, Role
from tests.support import Dialog

ROOT = Path(__file__).resolve().parent.parent
SOURCE_DIRS = ("bot", "handlers", "storage", "schedules")
KEY_SHAPE = re.compile(r"^[a-z_]+(\.[a-z0-9_]+)+$")
TRANSLATORS = {"t", "_t"}


# --- reading the catalogs -------------------------------------------------------------------

def _po_files(locale: str) -> dict[str, Path]:
    return {p.name: p for p in sorted((LOCALES_DIR / locale / "LC_MESSAGES").glob("*.po"))}


def _read(path: Path) -> dict[str, str]:
    """Key → text; a message with plural forms is read as its forms, one per line."""
    with path.open("rb") as handle:
        return {_key(m.id): "\n".join(m.string) if isinstance(m.string, tuple) else m.string
                for m in read_po(handle) if m.id}


def _key(msgid: str | tuple[str, ...]) -> str:
    return msgid[0] if isinstance(msgid, tuple) else msgid


def _catalog(locale: str) -> dict[str, str]:
    merged: dict[str, str] = {}
    for path in _po_files(locale).values():
        merged.update(_read(path))
    return merged


def test_both_locales_have_the_same_files() -> None:
    assert set(SUPPORTED_LOCALES) == {"zh_CN", "en"}
    assert "messages.po" in _po_files("zh_CN")
    assert set(_po_files("zh_CN")) == set(_po_files("en"))


@pytest.mark.parametrize("name", sorted(_po_files("zh_CN")))
def test_both_locales_have_the_same_keys(name: str) -> None:
    zh, en = _read(LOCALES_DIR / "zh_CN" / "LC_MESSAGES" / name), \
        _read(LOCALES_DIR / "en" / "LC_MESSAGES" / name)
    assert sorted(set(zh) - set(en)) == [], "keys missing from en"
    assert sorted(set(en) - set(zh)) == [], "keys missing from zh_CN"
    assert len(zh) > 0


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_no_key_is_defined_in_two_files(locale: str) -> None:
    seen: dict[str, str] = {}
    clashes = []
    for name, path in _po_files(locale).items():
        for key in _read(path):
            if key in seen:
                clashes.append((key, seen[key], name))
            seen[key] = name
    assert clashes == []


def test_placeholders_agree_per_key() -> None:
    zh, en = _catalog("zh_CN"), _catalog("en")
    differ = {key: (sorted(set(PLACEHOLDER.findall(zh[key]))),
                    sorted(set(PLACEHOLDER.findall(en[key]))))
              for key in zh.keys() & en.keys()
              if set(PLACEHOLDER.findall(zh[key])) != set(PLACEHOLDER.findall(en[key]))}
    assert differ == {}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_message_is_translated_and_formats(locale: str) -> None:
    for key, text in _catalog(locale).items():
        assert text.strip(), f"{locale}: {key} is empty"
        values = dict.fromkeys(PLACEHOLDER.findall(text), "x")
        text.format(**values)  # raises on a stray brace or a positional {}


def test_english_counts_one_and_many_and_chinese_keeps_one_form() -> None:
    catalogs = Catalogs()
    en, zh = catalogs.translator("en"), catalogs.translator("zh_CN")
    assert en("assign.days", days=1, date="2026-11-24") == "1 working day (2026-11-24)"
    assert en("assign.days", days=3, date="2026-11-26") == "3 working days (2026-11-26)"
    assert en("case.done.nudged", count=1, number="2026-0001") == \
        "Asked 1 delegate to verify case 2026-0001."
    assert en("case.done.nudged", count=0, number="2026-0001").startswith("Asked 0 delegates")
    assert zh("assign.days", days=1, date="2026-11-24") == "1个工作日（2026-11-24）"


def test_plural_messages_have_a_form_for_each_english_count() -> None:
    for path in _po_files("en").values():
        with path.open("rb") as handle:
            for message in read_po(handle):
                if isinstance(message.id, tuple):
                    assert message.id[0] == message.id[1], message.id
                    assert len(message.string) == 2 and all(message.string), message.id


def test_default_locale_is_chinese(monkeypatch) -> None:
    monkeypatch.delenv("LIANDONG_LOCALE", raising=False)
    assert Settings(_env_file=None).locale == "zh_CN"
    catalogs = Catalogs()
    assert catalogs.default_locale == "zh_CN"
    assert catalogs.translator(None).locale == "zh_CN"
    assert catalogs.translator("fr").locale == "zh_CN"
    assert catalogs.translator("en").locale == "en"


async def test_unknown_people_are_answered_in_chinese_unless_their_app_says_otherwise(app) -> None:
    chinese = await Dialog(app, user_id="x1").send("hello")
    assert chinese[0].text == _catalog("zh_CN")["onboarding.not_bound"]
    english = await app.dispatcher.handle(
        Event.from_text("test", "x2", "hello", language_hint="en"))
    assert english[0].text == _catalog("en")["onboarding.not_bound"]


# --- finding the keys the code uses ---------------------------------------------------------

def _source_files() -> Iterator[Path]:
    for folder in SOURCE_DIRS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            if "migrations" not in path.parts:
                yield path


def _callee(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _assigns(node: ast.AST, name: str) -> bool:
    """True when `node` assigns a value to the local `name`."""
    if isinstance(node, ast.Assign):
        return any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    if isinstance(node, ast.AnnAssign | ast.NamedExpr):
        return isinstance(node.target, ast.Name) and node.target.id == name and bool(node.value)
    return False


def _template(node: ast.JoinedStr) -> str:
    return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)


class KeyScanner:
    """Finds catalog keys in the code: literals given to a translator, directly or through
    a local variable, a parameter, a return value or a field, and f-string key families.
    """

    def __init__(self, paths: list[Path]) -> None:
        self.trees = {p: ast.parse(p.read_text(encoding="utf-8")) for p in paths}
        self.enclosing: dict[ast.AST, ast.FunctionDef | ast.AsyncFunctionDef | None] = {}
        self.functions: dict[str, list] = {}
        self.fields: dict[str, list[str]] = {}
        for tree in self.trees.values():
            self._index(tree, None)
        self.key_params: set[tuple[str, str]] = set()
        self.key_fields: set[str] = set()
        self.keys: dict[str, str] = {}
        self.families: dict[str, str] = {}

    def _index(self, node: ast.AST, function) -> None:
        for child in ast.iter_child_nodes(node):
            self.enclosing[child] = function
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                self.functions.setdefault(child.name, []).append(child)
                self._index(child, child)
                continue
            if isinstance(child, ast.ClassDef):
                self.fields[child.name] = [s.target.id for s in child.body if isinstance(
                    s, ast.AnnAssign) and isinstance(s.target, ast.Name)] or next(
                    ([a.arg for a in s.args.args[1:]] for s in child.body
                     if isinstance(s, ast.FunctionDef) and s.name == "__init__"), [])
            self._index(child, function)

    def scan(self) -> None:
        """Walk every call until no new key-carrying parameter or field turns up."""
        for _ in range(10):
            before = (len(self.key_params), len(self.key_fields))
            for path, tree in self.trees.items():
                for node in ast.walk(tree):
                    if isinstance(node, ast.Call):
                        self._call(node, f"{path.relative_to(ROOT)}:{node.lineno}")
            if (len(self.key_params), len(self.key_fields)) == before:
                return

    def _call(self, node: ast.Call, where: str) -> None:
        name = _callee(node)
        scope = self.enclosing.get(node)
        if node.args and (name in TRANSLATORS or name == "Refusal" or isinstance(
                node.func, ast.Call)):
            self._eval(node.args[0], scope, where, shaped=False)
        for keyword in node.keywords:
            if keyword.arg == "help_key":
                self._eval(keyword.value, scope, where, shaped=False)
        for function, param in sorted(self.key_params):
            if name == function:
                self._argument(node, self._params(function, node), param, scope, where)
        if name in self.fields:
            for field in sorted(self.key_fields & set(self.fields[name])):
                self._argument(node, self.fields[name], field, scope, where)

    def _params(self, function: str, call: ast.Call) -> list[str]:
        params = [a.arg for a in self.functions[function][0].args.args]
        if params[:1] in (["self"], ["cls"]) and isinstance(call.func, ast.Attribute):
            params = params[1:]
        return params

    def _argument(self, call: ast.Call, params: list[str], param: str, scope, where) -> None:
        if param in params and params.index(param) < len(call.args):
            self._eval(call.args[params.index(param)], scope, where, shaped=True)
        for keyword in call.keywords:
            if keyword.arg == param:
                self._eval(keyword.value, scope, where, shaped=True)

    def _eval(self, expr, scope, where: str, shaped: bool, depth: int = 0) -> None:
        if depth > 6:
            return
        deeper = depth + 1
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            if not shaped or KEY_SHAPE.match(expr.value):
                self.keys.setdefault(expr.value, where)
        elif isinstance(expr, ast.JoinedStr):
            template = _template(expr)
            if not shaped or KEY_SHAPE.match(template.replace("{}", "x")):
                self.families.setdefault(template, where)
        elif isinstance(expr, ast.IfExp):
            self._eval(expr.body, scope, where, shaped, deeper)
            self._eval(expr.orelse, scope, where, shaped, deeper)
        elif isinstance(expr, ast.BoolOp):
            for value in expr.values:
                self._eval(value, scope, where, shaped, deeper)
        elif isinstance(expr, ast.Attribute):
            self.key_fields.add(expr.attr)
        elif isinstance(expr, ast.Call) and _callee(expr) in self.functions:
            for function in self.functions[_callee(expr)]:
                for node in ast.walk(function):
                    if isinstance(node, ast.Return) and node.value is not None:
                        self._eval(node.value, function, where, True, deeper)
        elif isinstance(expr, ast.Name) and scope is not None:
            if expr.id in {a.arg for a in scope.args.args + scope.args.kwonlyargs}:
                self.key_params.add((scope.name, expr.id))
            for node in ast.walk(scope):
                if _assigns(node, expr.id):
                    self._eval(node.value, scope, where, shaped, deeper)


@pytest.fixture(scope="module")
def scanned() -> KeyScanner:
    scanner = KeyScanner(list(_source_files()))
    scanner.scan()
    return scanner


def _help_keys() -> list[str]:
    router = Router()
    register_routes(router)
    return [route.help_key for route in router.commands.values() if route.help_key]


def _routes() -> Router:
    router = Router()
    register_routes(router)
    return router


def _known_families() -> dict[str, list[str]]:
    """Every f-string key family in the code, with every key it can produce.

    A family the code builds but this map does not list fails the test: add its enumeration
    (taken from the code, not typed here) so no raw key can reach a person.
    """
    prompted = [s for s in ADD_PERSON.states if s not in ("confirm", "done")]
    outcomes = list(extensions.OUTCOMES.values())
    return {
        "level.{}": [f"level.{v.value}" for v in Level],
        "group_kind.{}": [f"group_kind.{v.value}" for v in GroupKind],
        "role.{}": [f"role.{v.value}" for v in Role],
        "onboarding.invite_{}": [f"onboarding.invite_{v.value}" for v in InviteProblem],
        "adduser.ask_{}": [f"adduser.ask_{s}" for s in prompted],
        "{}.button": [f"{key}.button" for key in _help_keys()],
        "case.action.{}": [f"case.action.{a}" for a in render.TIMELINE_ACTIONS],
        "case.button.{}": [f"case.button.{c}" for c in actions.HANDLERS if c != "mrgto"],
        "case.status.{}": [f"case.status.{s.value}" for s in CaseStatus],
        "case.verdict.{}": [f"case.verdict.{v.value}" for v in Satisfaction],
        "case.push.extension_{}": [f"case.push.extension_{o}" for o in outcomes],
        "extension.{}": [f"extension.{o}" for o in outcomes],
        "casenote.ask_text.{}": [f"casenote.ask_text.{a}" for a in action_flows.NOTE_ACTIONS],
        "drafts.flow.{}": [f"drafts.flow.{name}" for name in _routes().flows],
        "photos.{}": [f"photos.{r}" for r in photos.REFUSALS],
        "notices.file.{}": [f"notices.file.{r}" for r in notice_compose.FILE_REFUSALS],
        "roster.source.{}": [f"roster.source.{s}" for s in roster_read.SOURCES],
        "users.header.{}": [f"users.header.{c}" for c in users_table.COLUMNS],
        "views.export.col.{}": [f"views.export.col.{c}" for c in case_export.COLUMN_NAMES],
        "views.export.summary.{}": [f"views.export.summary.{k}"
                                    for k in case_export.SUMMARY_KEYS],
        "events.answer.{}": [f"events.answer.{a}" for a in event_render.ANSWER_LINES],
        "events.ask_{}": [f"events.ask_{s}" for s in event_compose.ASKED],
        "events.kind.{}": [f"events.kind.{k.value}" for k in ActivityKind],
        "events.month.{}": [f"events.month.{m}" for m in range(1, 13)],
        "events.weekday.{}": [f"events.weekday.{d}" for d in range(7)],
        "events.roster.{}": [f"events.roster.{a}" for a in event_roster.ORDER],
        "events.short.{}": [f"events.short.{a.value}" for a in Answer],
        "events.every.{}": [f"events.every.{e}" for e in event_series.EVERY],
        "events.duty.col.{}": [f"events.duty.col.{c}" for c in duty_export.COLUMN_NAMES],
    }


def test_the_scanner_finds_the_keys_it_should(scanned: KeyScanner) -> None:
    for key in ("common.error", "common.too_long", "onboarding.welcome", "help.adduser",
                "console.as_none", "console.as_many", "console.bye", "whoami.group_leader"):
        assert key in scanned.keys, key
    for family in ("level.{}", "group_kind.{}", "role.{}", "onboarding.invite_{}",
                   "adduser.ask_{}", "{}.button"):
        assert family in scanned.families, family
    assert len(scanned.keys) > 50


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_literal_key_exists(scanned: KeyScanner, locale: str) -> None:
    catalog = _catalog(locale)
    missing = {key: where for key, where in scanned.keys.items() if key not in catalog}
    assert missing == {}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_help_key_and_its_button_exist(locale: str) -> None:
    catalog = _catalog(locale)
    keys = _help_keys()
    assert "help.adduser" in keys
    missing = [k for key in keys for k in (key, f"{key}.button") if k not in catalog]
    assert missing == []


def test_every_key_family_the_code_builds_is_enumerated(scanned: KeyScanner) -> None:
    unknown = {family: where for family, where in scanned.families.items()
               if family not in _known_families()}
    assert unknown == {}


@pytest.mark.parametrize("locale", SUPPORTED_LOCALES)
def test_every_key_of_every_family_exists(scanned: KeyScanner, locale: str) -> None:
    catalog = _catalog(locale)
    known = _known_families()
    missing = [key for family in scanned.families if family in known
               for key in known[family] if key not in catalog]
    assert missing == []


def test_a_missing_key_never_reaches_a_person(caplog) -> None:
    translate = Catalogs().translator("zh_CN")
    text = translate("case.action.denied")
    assert "case.action" not in text and text == _catalog("zh_CN")["common.text_missing"]
    assert "missing catalog key case.action.denied" in caplog.text


# --- one word per thing (docs/terms.md), and English that reads as English ------------------

TERMS_DOC = ROOT / "docs" / "terms.md"

# (zh term, English stem, keys): every key of a family names the thing with the same words,
# so a status label, its button, its timeline line, its pushes and its export column agree.
FAMILIES = [
    ("不予受理", "declin", [
        "case.status.rejected", "case.button.rej", "case.action.reject", "case.done.rejected",
        "case.push.rejected", "case.push.submitted", "casenote.ask_text.reject",
        "views.case.rejected", "views.inbox.triage", "views.export.summary.rejected",
        "views.export.summary_note"]),
    ("不予受理理由", "reason for declining", [
        "views.case.rejected", "case.push.rejected", "casenote.ask_text.reject"]),
    ("退回重新整改", "sent back for rework", [
        "case.action.reopen", "case.done.reopened", "case.push.reopened"]),
    ("核实", "verif", [
        "case.status.rectified", "case.action.confirm", "case.done.rectified", "case.done.closed",
        "case.push.rectified", "case.push.verify_nudge", "case.button.rmd",
        "case.action.verify_nudged", "case.done.nudged", "escalation.verify_fallback",
        "views.inbox.unverified", "views.export.summary_note"]),
    ("批准延期", "approve", ["case.button.xok", "case.action.extension_approved"]),
    ("不批准延期", "refuse", ["case.button.xno", "case.action.extension_refused"]),
    ("改派", "reassign", ["case.button.rsg", "case.action.reassign", "case.push.reassigned_away"]),
    ("销号", "closed out", [
        "case.status.closed", "case.done.closed", "case.push.closed", "views.export.col.closed",
        "views.export.summary.closed", "supervise.figures"]),
    ("联络员", "liaison", ["role.liaison", "console.intro", "adduser.ask_level"]),
    ("问题线索", "report", ["case.push.submitted", "views.inbox.triage", "help.inbox"]),
    ("代表小组", "group", [
        "views.export.col.group", "whoami.group_member", "whoami.group_leader",
        "whoami.no_groups", "adduser.summary", "adduser.ask_group", "report.no_group"]),
    ("整改时限", "deadline", [
        "assign.ask_deadline", "assign.confirm", "case.done.assigned",
        "case.push.assigned_reporter", "case.push.extension_approved",
        "case.push.extension_refused", "case.push.reopened", "views.export.col.deadline",
        "escalation.ack_reminder"]),
]

# Words docs/terms.md replaced: none may come back (退回 only as 退回重新整改 / 退回整改).
REPLACED_ZH = ("未予受理", "未受理", "退回理由", "部门联络员", "领导小组成员", "验收", "待确认",
               "代表确认", "感谢确认", "确认整改", "评价", "重新交办", "同意延期", "待审核",
               "所属小组", "提交问题")
REPLACED_EN = re.compile(r"\breject|not accepted|department liaison|\brectified\b|"
                         r"sent back(?! for rework)", re.IGNORECASE)

FULL_WIDTH = re.compile(r"[\u3000-\u303f\uff00-\uffef“”]")
CJK = re.compile(r"[\u3400-\u9fff]+")
# Chinese an English message may quote: what a file must contain, and the language chooser.
LITERALS = {"中文", "语言", "请选择语言", "日期", "类型", "休", "假", "班",
            "全国", "省", "市", "县", "乡", "代表", "组长", "工作人员", "领导", "联络员",
            "县商务局", "小组", "小组类别"}
BUTTONS = re.compile(r"^(case\.button\.\w+|help\.\w+\.button|report\.edit\.\w+|role\.\w+|"
                     r"level\.\w+|adduser\.(no_level|start_over)|assign\.change|"
                     r"common\.(cancel|confirm|skip)|deactivate\.yes|"
                     r"drafts\.(discard|discard_and_go|keep)|"
                     r"report\.(back|join|keep_township|photos_done|submit|submit_new))$")


def _outside_placeholders(text: str) -> str:
    return PLACEHOLDER.sub("", text)


@pytest.mark.parametrize(("term", "stem", "keys"), FAMILIES, ids=[f[1] for f in FAMILIES])
def test_one_thing_has_one_word_in_every_message_that_names_it(term, stem, keys) -> None:
    zh, en = _catalog("zh_CN"), _catalog("en")
    assert [k for k in keys if term not in zh[k]] == [], f"zh messages without {term}"
    assert [k for k in keys if stem not in en[k].lower()] == [], f"en messages without {stem}"
    table = TERMS_DOC.read_text(encoding="utf-8")
    assert term in table and stem in table.lower(), f"{term} is not in docs/terms.md"


def test_statuses_buttons_and_timeline_lines_of_one_move_read_the_same() -> None:
    for locale in SUPPORTED_LOCALES:
        t = _catalog(locale)
        assert t["case.status.rejected"].lower() == t["case.action.reject"].lower() \
            == t["views.export.summary.rejected"].lower()
        assert t["case.button.xok"] == t["case.action.extension_approved"] or locale == "en"
        assert t["case.button.rsg"].lower() == t["case.action.reassign"].lower() \
            or locale == "en"
    zh = _catalog("zh_CN")
    assert zh["case.button.rej"] == zh["case.status.rejected"] == "不予受理"
    assert zh["case.button.xno"] == zh["case.action.extension_refused"] == "不批准延期"


def test_the_words_the_table_replaced_are_gone() -> None:
    zh = {k: v for k, v in _catalog("zh_CN").items() if any(w in v for w in REPLACED_ZH)}
    assert zh == {}
    bare_return = {k: v for k, v in _catalog("zh_CN").items()
                   if "退回" in v.replace("退回重新整改", "").replace("退回整改", "")}
    assert bare_return == {}
    en = {k: v for k, v in _catalog("en").items() if REPLACED_EN.search(_outside_placeholders(v))}
    assert en == {}


def test_english_has_no_full_width_punctuation() -> None:
    found = {key: FULL_WIDTH.findall(text) for key, text in _catalog("en").items()
             if FULL_WIDTH.search(_outside_placeholders(text))}
    assert found == {}


def test_english_has_no_chinese_but_the_literals_a_file_must_contain() -> None:
    found = {key: runs for key, text in _catalog("en").items()
             if (runs := set(CJK.findall(_outside_placeholders(text))) - LITERALS)}
    assert found == {}


def test_english_buttons_start_with_a_capital_letter() -> None:
    en = _catalog("en")
    buttons = {key: text for key, text in en.items() if BUTTONS.match(key)}
    assert len(buttons) > 40
    assert {k: v for k, v in buttons.items() if not v[0].isupper()} == {}


def test_the_full_width_check_catches_what_it_should() -> None:
    assert FULL_WIDTH.search("Case 1：closed") and FULL_WIDTH.search("“quoted”")
    assert FULL_WIDTH.search("（note）") and not FULL_WIDTH.search('Case 1: "closed" (note)…')
    assert CJK.findall(_outside_placeholders("Role: 联络员 ({department})")) == ["联络员"]
