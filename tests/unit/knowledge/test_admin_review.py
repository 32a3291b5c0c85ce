"""The review queue (unanswered, uncertain, 👎), `kb feedback`, `kb audit`, and stats by outcome and entry."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from knowledge import FeedbackVote, admin_feedback
from knowledge.stats import stats_text
from tests.factories import record

from .conftest import write_records
from .test_admin_insights import TODAY, at, log


@pytest.fixture
def entries(sessions):
    from knowledge import queries as q
    from tests.factories import entry_data

    with sessions.begin() as session:
        a, _ = q.save_entry(session, data=entry_data("kipp-apa", title="Apa itu KIPP"), actor="seed")
        b, _ = q.save_entry(session, data=entry_data("mpp-apa", topic="mpp", title="Apa itu MPP"), actor="seed")
    return a, b


def thumbs_down(sessions, admin, *, sender: str, question: str, entry, comment: str | None = None) -> int:
    with sessions.begin() as session:
        log(session, question, "answered", sender=sender, entry=entry)
    feedback_id = admin.add_feedback(
        FeedbackVote(sender_id=sender, entry_id=entry.id, entry_version=entry.version, helpful=False)
    )
    if comment:
        admin.comment_feedback(feedback_id, comment)
    return feedback_id


def test_queue_holds_unanswered_uncertain_and_unhelpful_answers(sessions, admin, entries) -> None:
    kipp, mpp = entries
    with sessions.begin() as session:
        log(session, "jam buka mpp kapan", "declined")
        log(session, "jam buka mpp kapan", "uncertain", sender="tg-2", entry=mpp)
        log(session, "kipp itu apa", "answered", entry=kipp)  # a confident answer nobody complained about
    thumbs_down(sessions, admin, sender="tg-3", question="jam buka mpp kapan", entry=mpp, comment="tidak ada jamnya")
    groups = admin.review()
    assert len(groups) == 1
    group = groups[0]
    assert (group.count, group.declined, group.uncertain, group.unhelpful) == (3, 1, 1, 1)
    assert group.comments == ("tidak ada jamnya",) and group.entry_ids == ("mpp-apa",)


def test_uncertain_answers_alone_are_reviewed(sessions, admin, entries) -> None:
    with sessions.begin() as session:
        log(session, "apakah pemda boleh ikut sinovik", "uncertain", entry=entries[0])
    assert [(g.example, g.uncertain) for g in admin.review()] == [("apakah pemda boleh ikut sinovik", 1)]


def test_near_duplicate_groups_are_merged(sessions, admin) -> None:
    with sessions.begin() as session:
        log(session, "syarat umur inovasi kipp", "declined")
        log(session, "syarat umur inovasi kipp", "declined")
        log(session, "syarat umur minimal inovasi kipp 2025", "declined")
        log(session, "lokasi mal pelayanan publik", "declined")
    groups = admin.review()
    assert [g.count for g in groups] == [3, 1]
    assert set(groups[0].texts) == {"syarat umur inovasi kipp", "syarat umur minimal inovasi kipp 2025"}
    assert len(groups[0].keys) == 2


def test_dismissed_groups_stay_dismissed_and_are_audited(sessions, admin, kb) -> None:
    with sessions.begin() as session:
        log(session, "siapa presiden pertama", "declined")
    group = admin.review()[0]
    result = kb("review", "dismiss", group.group_id, "--reason", "di luar cakupan", actor="ani")
    assert result.exit_code == 0, result.output
    assert admin.review() == []
    with sessions.begin() as session:
        log(session, "siapa presiden pertama", "declined", when=datetime.now(timezone.utc) + timedelta(seconds=5))
    assert admin.review() == []
    assert "di luar cakupan" in kb("review", "dismissed").stdout
    audit = kb("audit", "--actor", "ANI").stdout.splitlines()
    assert "dismiss" in audit[0] and "di luar cakupan" in audit[0]


def test_dismiss_needs_a_reason_and_an_open_group(sessions, kb) -> None:
    with sessions.begin() as session:
        log(session, "siapa presiden pertama", "declined")
    assert kb("review", "dismiss", "ffffffff", "--reason", "x").exit_code == 4
    assert kb("review", "dismiss", "ffffffff").exit_code == 2


def test_promoting_a_thumbs_down_group_resolves_it(sessions, admin, entries, kb, tmp_path) -> None:
    thumbs_down(sessions, admin, sender="tg-4", question="hadiah juara sinovik berapa", entry=entries[0])
    group = admin.review()[0]
    path = write_records(tmp_path / "n.yml", [record("sinovik-hadiah", topic="sinovik")])
    assert kb("review", "promote", group.group_id, "--new-entry", path).exit_code == 0
    assert admin.review() == []


def test_feedback_command_lists_comments_with_question_entry_and_version(sessions, admin, entries, kb) -> None:
    mpp = entries[1]
    thumbs_down(sessions, admin, sender="tg-5", question="mpp buka jam berapa", entry=mpp, comment="jamnya tidak ada")
    admin.add_feedback(FeedbackVote(sender_id="tg-6", entry_id="kipp-apa", entry_version=1, helpful=True))
    out = kb("feedback").stdout
    assert "👎  mpp-apa v1" in out and "question: mpp buka jam berapa" in out and "comment:  jamnya tidak ada" in out
    assert "kipp-apa" not in out and "WIB" in out
    assert "kipp-apa v1" in kb("feedback", "--all").stdout
    assert kb("feedback", "--entry", "kipp-apa").stdout.strip() == "no feedback in this period"


def test_audit_lists_every_change_newest_first_in_wib(kb, admin, tmp_path) -> None:
    path = write_records(tmp_path / "a.yml", [record("kipp-audit")])
    kb("import", path, actor="ani")
    admin.add_phrasing("kipp-audit", "frasa lain", actor="telegram:42")
    admin.retire("kipp-audit", actor="budi")
    lines = kb("audit").stdout.splitlines()
    assert [line.split()[3:5] for line in lines] == [
        ["budi", "retire"],
        ["telegram:42", "add-phrasing"],
        ["ani", "import"],
    ]
    assert "kipp-audit v2" in lines[1] and "changed: questions" in lines[1]
    assert all(" WIB " in line for line in lines)
    assert len(kb("audit", "--entry", "kipp-audit", "--actor", "budi").stdout.splitlines()) == 1
    assert kb("audit", "--since", "2999-01-01").stdout.strip() == "no changes found"


def test_audit_times_are_wib(sessions, kb, admin, tmp_path) -> None:
    kb("import", write_records(tmp_path / "a.yml", [record("kipp-waktu")]))
    with sessions.begin() as session:
        from sqlalchemy import update

        from knowledge.models import KbAudit

        session.execute(update(KbAudit).values(at=datetime(2025, 3, 5, 20, 30, tzinfo=timezone.utc)))
    assert kb("audit").stdout.startswith("2025-03-06 03:30 WIB")


def test_stats_split_confident_uncertain_unanswered_declined(sessions, admin, entries) -> None:
    kipp = entries[0]
    with sessions.begin() as session:
        log(session, "apa itu kipp", "answered", sender="tg-1", entry=kipp, when=at(0))
        log(session, "apa itu kipp ya", "uncertain", sender="tg-2", entry=kipp, when=at(0))
        log(session, "juri", "ambiguous", sender="tg-100-2", when=at(0))
        log(session, "cuaca", "declined", sender="tg-100-3", when=at(1))
        for sender, entry_id, helpful in (
            ("tg-1", "kipp-apa", True),
            ("tg-2", "kipp-apa", False),
            ("tg-2", "mpp-apa", False),
        ):
            vote = FeedbackVote(sender_id=sender, entry_id=entry_id, entry_version=1, helpful=helpful, at=at(0))
            admin_feedback.add_feedback(session, vote)
    stats = admin.stats(days=7, today=TODAY)
    assert (stats.total, stats.answered, stats.uncertain, stats.ambiguous, stats.declined) == (4, 1, 1, 1, 1)
    assert stats.answer_rate == pytest.approx(0.5) and stats.confident_rate == pytest.approx(0.25)
    assert (stats.users, stats.conversations) == (4, 4)
    assert (stats.days[-1].users, stats.days[-1].conversations) == (3, 3)
    assert stats.entry_feedback == (("kipp-apa", "Apa itu KIPP", 1, 1), ("mpp-apa", "Apa itu MPP", 0, 1))
    assert stats.topic_feedback == (("kipp", 1, 1), ("mpp", 0, 1))
    assert stats.top_topics == (("kipp", 2),)
    text = stats_text(stats)
    assert "dijawab yakin 1, dijawab ragu 1, belum terjawab/pilihan 1, ditolak 1" in text
    assert "👍  1 👎  1  kipp-apa  Apa itu KIPP" in text


def test_kb_stats_shows_per_entry_feedback(sessions, admin, entries, kb) -> None:
    admin.add_feedback(FeedbackVote(sender_id="tg-1", entry_id="mpp-apa", entry_version=1, helpful=False))
    assert "👍  0 👎  1  mpp-apa  Apa itu MPP" in kb("stats").stdout


def test_stats_text_shows_questions_and_people_per_day(sessions, admin, entries) -> None:
    with sessions.begin() as session:
        for sender in ("tg-1", "tg-1", "tg-2"):
            log(session, "apa itu kipp", "answered", sender=sender, entry=entries[0], when=at(0))
    assert "Per hari (pertanyaan/pengguna): 10/03:3/2org" in stats_text(admin.stats(days=3, today=TODAY))
