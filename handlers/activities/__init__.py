"""Activities: inspections, meetings and trainings; invitations, answers, reminders, check-in."""
