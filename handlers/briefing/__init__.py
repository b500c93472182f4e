"""The daily briefing (每日调度通报): figures, the squads' ranking, charts, `/briefing`."""
