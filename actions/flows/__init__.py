"""Guided clinic flows: KIPP readiness check, replication action plan, institutionalisation checklist, demo.

One module per flow (validation action, summary action), plus the pure parts they share: answer parsing
(`dates`, `answers`), the rules behind each summary (`kipp_rules`, `institutionalisation_rules`, whose levers are
data in `institutionalisation_levers.yml`) and the action-plan document (`plan_document`). Imports only `rasa_sdk`,
`docx`, `yaml` and the standard library.
"""
