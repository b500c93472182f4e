"""The office's bulk view of people agrees with the per-person queries the bot uses."""

from __future__ import annotations

from sqlmodel import select

from bot.directory import load_directory
from storage.db import unit_of_work
from storage.models import Person
from storage.people import departments_of, effective_roles, groups_of


def test_directory_matches_the_per_person_queries(engine, demo) -> None:
    with unit_of_work(engine) as session:
        entries = load_directory(session)
        people = session.exec(select(Person)).all()
        assert len(entries) == len(people) > 400
        for person in people:
            entry = entries[person.id]
            assert entry.roles == effective_roles(session, person), person.name
            assert [(g.name, leads) for g, leads in groups_of(session, person.id)] == [
                (name, leads) for name, leads, _ in entry.groups]
            assert sorted(d.name for d in departments_of(session, person.id)) == \
                entry.departments
