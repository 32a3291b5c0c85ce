"""Unanswered-question groups and their promotion, feedback, statistics (numbers, CSV, PNG)."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest

from knowledge import FeedbackVote, QuestionRecord, admin_feedback
from knowledge import queries as q
from knowledge.stats import stats_chart_png, stats_csv, stats_text
from tests.factories import entry_data

TODAY = date(2025, 3, 10)


def at(days_ago: int, hour: int = 9) -> datetime:
    return datetime.combine(TODAY - timedelta(days=days_ago), datetime.min.time(), tzinfo=timezone.utc).replace(
        hour=hour
    )


def log(session, text: str, outcome: str, *, sender: str = "tg-1", entry=None, when: datetime | None = None) -> None:
    q.log_question(
        session,
        QuestionRecord(
            sender_id=sender, text=text, intent="ask_kipp", outcome=outcome, entry=entry, score=0.3, at=when
        ),
    )


@pytest.fixture
def entries(sessions):
    with sessions.begin() as session:
        a, _ = q.save_entry(session, data=entry_data("kipp-apa", title="Apa itu KIPP"), actor="seed")
        b, _ = q.save_entry(session, data=entry_data("mpp-apa", topic="mpp", title="Apa itu MPP"), actor="seed")
    return a, b


def test_a_logged_question_keeps_its_text_and_stores_its_normalised_form(sessions) -> None:
    with sessions.begin() as session:
        q.log_question(
            session, QuestionRecord(sender_id="tg-1", text="KIPP buat apa?", intent=None, outcome="declined")
        )
    with sessions() as session:
        [logged] = q.logged_questions(session)
    assert (logged.text, logged.normalized, logged.entry_id) == ("KIPP buat apa?", "kipp untuk apa", None)


def test_unanswered_groups_count_repeats_and_near_duplicates(sessions, admin, entries) -> None:
    with sessions.begin() as session:
        log(session, "gmn cara daftar kipp?", "declined", when=at(2))
        log(session, "gmn cara daftar kipp?", "ambiguous", sender="tg-2", when=at(1))
        log(session, "Bagaimana cara mendaftar KIPP", "declined", sender="tg-3", when=at(0))
        log(session, "kapan pengumuman unpsa", "declined", when=at(0))
        log(session, "apa itu kipp", "answered", entry=entries[0], when=at(0))
    groups = admin.unanswered()
    assert [(g.count, g.declined, g.ambiguous) for g in groups] == [(3, 2, 1), (1, 1, 0)]
    assert groups[0].texts == ("gmn cara daftar kipp?", "Bagaimana cara mendaftar KIPP")
    assert groups[0].last_at == at(0) and len(groups[0].group_id) == 8
    assert groups[1].example == "kapan pengumuman unpsa"


def test_promote_to_phrasing_adds_the_question_and_resolves_the_group(sessions, admin, entries, kb) -> None:
    with sessions.begin() as session:
        log(session, "syarat ikut kipp apa aja", "declined")
        log(session, "syarat ikut kipp apa aja", "declined")
    group = admin.unanswered()[0]
    result = kb("unanswered", "promote", group.group_id[:5], "--add-phrasing", "kipp-apa", actor="ani")
    assert result.exit_code == 0, result.output
    entry = admin.require("kipp-apa")
    assert entry.questions[-1] == "syarat ikut kipp apa aja" and entry.version == 2
    assert admin.history("kipp-apa")[-1].action == "add-phrasing"
    assert admin.unanswered() == []
    with sessions.begin() as session:
        log(session, "syarat ikut kipp apa aja", "declined", when=datetime.now(timezone.utc) + timedelta(seconds=1))
    assert admin.unanswered()[0].count == 1  # asked again after the fix: shown again, counted afresh


def test_promote_to_new_entry_from_file(sessions, admin, kb, tmp_path) -> None:
    from tests.factories import record

    from .conftest import write_records

    with sessions.begin() as session:
        log(session, "berapa hadiah juara sinovik", "declined")
    group = admin.unanswered()[0]
    path = write_records(tmp_path / "new.yml", [record("sinovik-hadiah", topic="sinovik")])
    result = kb("unanswered", "promote", group.group_id, "--new-entry", path)
    assert result.exit_code == 0, result.output
    assert admin.require("sinovik-hadiah").questions == ("apa contoh entri ini", "berapa hadiah juara sinovik")
    assert admin.unanswered() == []
    assert kb("unanswered", "promote", group.group_id, "--add-phrasing", "sinovik-hadiah").exit_code == 4


def test_unanswered_command_lists_most_frequent_first(sessions, kb) -> None:
    with sessions.begin() as session:
        for _ in range(3):
            log(session, "jam buka mpp", "declined")
        log(session, "siapa juri kipp", "ambiguous")
    lines = kb("unanswered").stdout.splitlines()
    assert "3x" in lines[0] and lines[0].endswith("jam buka mpp")
    assert lines[1].strip() == "ditolak 3"
    assert lines[2].endswith("siapa juri kipp") and lines[3].strip() == "pilihan 1"


def test_feedback_is_stored_with_the_question_entry_version_and_time(sessions, admin, entries) -> None:
    with sessions.begin() as session:
        log(session, "kipp itu apa sih", "answered", sender="tg-9", entry=entries[0])
    feedback_id = admin.add_feedback(
        FeedbackVote(sender_id="tg-9", entry_id="kipp-apa", entry_version=1, helpful=False)
    )
    assert admin.comment_feedback(feedback_id, "kurang lengkap")
    with sessions() as session:
        stored = admin_feedback.feedback_records(session)[0]
    assert (stored.sender_id, stored.entry_id, stored.entry_version, stored.helpful) == ("tg-9", "kipp-apa", 1, False)
    assert stored.question == "kipp itu apa sih" and stored.comment == "kurang lengkap"
    assert abs((datetime.now(timezone.utc) - stored.at).total_seconds()) < 60


def seed_logs(sessions, entries) -> None:
    kipp, mpp = entries
    with sessions.begin() as session:
        for _ in range(3):
            log(session, "apa itu kipp", "answered", entry=kipp, when=at(0))
        log(session, "apa itu mpp", "answered", entry=mpp, when=at(1))
        log(session, "jam buka mpp", "declined", when=at(1))
        log(session, "jam buka mpp", "declined", when=at(0))
        log(session, "siapa juri", "ambiguous", when=at(0))
        log(session, "lama sekali", "answered", entry=kipp, when=at(40))  # outside the period
        for helpful in (True, True, True, False):
            admin_feedback.add_feedback(
                session, FeedbackVote(sender_id="tg-1", entry_id="kipp-apa", entry_version=1, helpful=helpful, at=at(0))
            )


def test_stats_numbers_on_seeded_logs(sessions, admin, entries) -> None:
    seed_logs(sessions, entries)
    stats = admin.stats(days=7, today=TODAY)
    assert (stats.since, stats.until, len(stats.days)) == (TODAY - timedelta(days=6), TODAY, 7)
    assert (stats.total, stats.answered, stats.ambiguous, stats.declined) == (7, 4, 1, 2)
    assert stats.answer_rate == pytest.approx(4 / 7)
    assert [(d.total, d.answered) for d in stats.days[-2:]] == [(2, 1), (5, 3)]
    assert stats.top_topics == (("kipp", 3), ("mpp", 1))
    assert stats.top_entries == (("kipp-apa", "Apa itu KIPP", 3), ("mpp-apa", "Apa itu MPP", 1))
    assert (stats.helpful, stats.unhelpful, stats.feedback_ratio) == (3, 1, 0.75)
    # The 👎 is on the sender's latest question answered by kipp-apa, which joins the review queue.
    assert [(g.example, g.count) for g in stats.top_unanswered] == [
        ("jam buka mpp", 2),
        ("siapa juri", 1),
        ("lama sekali", 1),
    ]
    text = stats_text(stats)
    assert "Pertanyaan: 7 (dijawab yakin 4, dijawab ragu 0, belum terjawab/pilihan 1, ditolak 2)" in text
    assert "Tingkat terjawab: 57%" in text


def test_stats_csv_and_png(sessions, admin, entries, kb, tmp_path) -> None:
    seed_logs(sessions, entries)
    stats = admin.stats(days=7, today=TODAY)
    rows = list(csv.DictReader(io.StringIO(stats_csv(stats))))
    assert len(rows) == 7
    assert rows[-1] == {
        "date": "2025-03-10",
        "questions": "5",
        "answered": "3",
        "ambiguous": "1",
        "declined": "1",
        "answer_rate": "0.600",
        "helpful": "3",
        "unhelpful": "1",
        "uncertain": "0",
        "users": "1",
        "conversations": "1",
    }
    png = stats_chart_png(stats)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    width, height = int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")
    assert (width, height) == (900, 650)
    result = kb("stats", "--days", "3", "--csv", tmp_path / "s.csv", "--chart", tmp_path / "s.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "s.png").read_bytes().startswith(b"\x89PNG") and (tmp_path / "s.csv").read_text().count(
        "\n"
    ) == 4
