"""What a survey looks like in chat: the opening push, ballot pages, the summary."""

from __future__ import annotations

from datetime import datetime

from bot.core.types import Button, Reply, button_rows
from bot.i18n import Translator
from storage.survey_models import Survey, SurveyItem, SurveyKind

PICK = "pick"  # the page of a vote where the options are chosen


def local(moment: datetime | None, tz, fmt: str = "%Y-%m-%d %H:%M") -> str:
    """A stored time in the deployment's zone."""
    return moment.astimezone(tz).strftime(fmt) if moment else "—"


def kind_word(t: Translator, survey: Survey) -> str:
    """测评 or 票决."""
    return t("surveys.kind.vote") if survey.kind == SurveyKind.VOTE.value \
        else t("surveys.kind.evaluation")


def start_payload(survey_id: int, person_id: int) -> str:
    """The button on a person's own copy of the survey (a forwarded copy names someone else)."""
    return f"sv:go:{survey_id}:{person_id}"


def open_push(t: Translator, survey: Survey, items: int, tz, person_id: int) -> Reply:
    """The survey as it reaches an eligible delegate."""
    return Reply(t("surveys.push.open", kind=kind_word(t, survey), title=survey.title,
                   items=items, closes=local(survey.closes_at, tz)),
                 button_rows([Button(t("surveys.button.start"),
                                     start_payload(survey.id, person_id))]))


def reminder_push(t: Translator, survey: Survey, tz, person_id: int) -> Reply:
    """A reminder to someone who has not voted."""
    return Reply(t("surveys.push.reminder", kind=kind_word(t, survey), title=survey.title,
                   closes=local(survey.closes_at, tz)),
                 button_rows([Button(t("surveys.button.start"),
                                     start_payload(survey.id, person_id))]))


def extended_push(t: Translator, survey: Survey, tz, person_id: int) -> Reply:
    """The close moved later: told to those who have not voted."""
    return Reply(t("surveys.push.extended", kind=kind_word(t, survey), title=survey.title,
                   closes=local(survey.closes_at, tz)),
                 button_rows([Button(t("surveys.button.start"),
                                     start_payload(survey.id, person_id))]))


def pages(survey: Survey, items: list[SurveyItem]) -> list[str | SurveyItem]:
    """One page per department or question; a vote's options share one page."""
    if survey.kind == SurveyKind.VOTE.value:
        return [PICK, *[i for i in items if i.kind == "question"]]
    return list(items)


def choices_of(survey: Survey, item: SurveyItem) -> list[str]:
    """The answers an item offers: its own (a question) or the survey's ratings."""
    return list(item.choices) if item.choices else list(survey.options)


def answer_label(t: Translator, data: dict, item: SurveyItem) -> str:
    """The chosen answer of an item, or a dash."""
    return data.get("answers", {}).get(str(item.id)) or t("surveys.unanswered")


def summary(t: Translator, survey: Survey, items: list[SurveyItem], data: dict) -> Reply:
    """Every answer, then 提交 (and 修改 when the survey allows changing)."""
    lines = []
    if survey.kind == SurveyKind.VOTE.value:
        picked = [i.label for i in items if i.id in data.get("picked", [])]
        lines.append(t("surveys.summary.picked", count=len(picked),
                       picked=t("common.list_sep").join(picked)))
    for item in items:
        if item.kind != "option":
            lines.append(t("surveys.summary.line", label=item.label,
                           answer=answer_label(t, data, item)))
    buttons = [Button(t("surveys.button.submit"), f"sv:ok:{survey.id}")]
    if survey.allow_change:
        buttons.append(Button(t("surveys.button.change"), f"sv:chg:{survey.id}"))
    return Reply(t("surveys.summary", title=survey.title, lines="\n".join(lines)),
                 button_rows(buttons), edit=True)
