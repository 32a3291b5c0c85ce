"""The guided flows end to end: the real Rasa server and action server, driven over the REST channel."""

from __future__ import annotations

import base64
import io

import pytest
from docx import Document

from actions.flows.plan_document import SECTIONS

pytestmark = pytest.mark.e2e


def texts(messages: list[dict]) -> str:
    return "\n".join(m["text"] for m in messages if m.get("text"))


def say(rasa_stack, sender: str, message: str) -> str:
    return texts(rasa_stack.send(sender, message))


def test_readiness_check_from_plain_request_to_summary(rasa_stack) -> None:
    sender = rasa_stack.new_sender("readiness")
    assert "(1/5)" in say(rasa_stack, sender, "saya mau cek kesiapan kipp")
    assert "(2/5)" in say(rasa_stack, sender, "pemkab")
    digression = say(rasa_stack, sender, "apa itu JIPP?")
    assert "Jaringan Inovasi Pelayanan Publik" in digression and "(2/5)" in digression
    invalid = say(rasa_stack, sender, "belum tahu pastinya")
    assert "belum saya tangkap" in invalid and "(2/5)" in invalid
    assert "(3/5)" in say(rasa_stack, sender, "Maret 2023")
    back = say(rasa_stack, sender, "kembali")
    assert "sebelumnya" in back and "(2/5)" in back
    assert "Tercatat: mulai diterapkan Maret 2023" in say(rasa_stack, sender, "03/2023")
    assert "(4/5)" in say(rasa_stack, sender, '/inform{"kipp_history":"never"}')
    documents = rasa_stack.send(sender, "tidak")
    assert "(5/5)" in texts(documents) and any(b["title"].startswith("☐") for b in documents[-1]["buttons"])
    ticked = rasa_stack.send(sender, '/inform{"documents":"sk_inisiator"}')
    assert ticked[-1]["buttons"][0]["title"].startswith("☑")
    summary = say(rasa_stack, sender, '/inform{"documents":"selesai"}')
    assert "Ringkasan cek kesiapan KIPP" in summary and "✅ Kelompok umum" in summary
    assert "bukan keputusan resmi" in summary and summary.splitlines()[-1].startswith("Sumber:")


def test_readiness_check_flags_an_innovation_too_young_for_kipp(rasa_stack) -> None:
    sender = rasa_stack.new_sender("young")
    rasa_stack.send(sender, "/start_readiness_check")
    for answer in ("BUMD", "Oktober 2024", "belum pernah ikut", "tidak"):
        rasa_stack.send(sender, answer)
    summary = say(rasa_stack, sender, "tidak ada")
    assert "⛔ Kelompok umum" in summary and "kurang dari minimal 2 tahun" in summary


def test_replication_plan_reaches_summary_and_sends_the_document(rasa_stack) -> None:
    sender = rasa_stack.new_sender("replication")
    assert "(1/10)" in say(rasa_stack, sender, "/start_replication_plan")
    short = say(rasa_stack, sender, "antrean")
    assert "lebih rinci" in short and "(1/10)" in short
    assert "(2/10)" in say(rasa_stack, sender, "Antrean akta kelahiran bisa dua minggu karena berkas dibawa manual")
    assert "(3/10)" in say(rasa_stack, sender, "TOSS (Tempat Olah Sampah Setempat)")
    digression = say(rasa_stack, sender, "apa itu studi tiru?")
    assert "Sumber:" in digression and "(3/10)" in digression
    answers = [
        ("Pemkab Klungkung", "(4/10)"),
        ("kembali", "(3/10)"),
        ("Pemkab Klungkung", "(4/10)"),
        ("Skala diperkecil per kelurahan karena lahan terbatas", "(5/10)"),
        ("Dinas Lingkungan Hidup dan lurah", "(6/10)"),
        ("Kepala Bidang Pengelolaan Sampah", "(7/10)"),
        ('/inform{"rep_budget":"apbd"}', "(8/10)"),
        ("6 bulan mulai Januari 2027", "(9/10)"),
        ("Sampah terangkut naik dari 60% menjadi 90%", "(10/10)"),
    ]
    for message, expected in answers:
        reply = say(rasa_stack, sender, message)
        assert expected in reply, (message, reply)
    final = rasa_stack.send(sender, '/inform{"rep_study_visit":"langsung"}')
    assert "Draf rencana aksi replikasi «TOSS (Tempat Olah Sampah Setempat)»" in texts(final)
    document = next(m["custom"]["document"] for m in final if "document" in (m.get("custom") or {}))
    assert document["filename"] == "rencana-aksi-replikasi-toss-tempat-olah-sampah-setempat.docx"
    doc = Document(io.BytesIO(base64.b64decode(document["content_b64"])))
    headings = [p.text for p in doc.paragraphs if p.style.name.startswith("Heading")]
    assert headings == list(SECTIONS)
    assert "Pemkab Klungkung" in "\n".join(p.text for p in doc.paragraphs)


def test_institutionalisation_check_reaches_its_score(rasa_stack) -> None:
    sender = rasa_stack.new_sender("institutionalisation")
    assert "(1/7)" in say(rasa_stack, sender, "saya mau cek pelembagaan inovasi")
    invalid = say(rasa_stack, sender, "qwerty")
    assert "Perda" in invalid and "(1/7)" in invalid
    for answer, expected in (("perbup", "(2/7)"), ("ya", "(3/7)"), ("belum", "(4/7)"), ("ya", "(5/7)")):
        assert expected in say(rasa_stack, sender, answer)
    assert "(6/7)" in say(rasa_stack, sender, '/inform{"inst_team_sk":"yes"}')
    assert "(7/7)" in say(rasa_stack, sender, "sebagian")
    summary = say(rasa_stack, sender, "belum")
    assert "skor" in summary and "perjanjian kinerja" in summary and summary.splitlines()[-1].startswith("Sumber:")


def test_batal_cancels_and_the_next_question_is_answered_normally(rasa_stack) -> None:
    sender = rasa_stack.new_sender("cancel")
    rasa_stack.send(sender, "/start_institutionalisation_check")
    assert "dibatalkan" in say(rasa_stack, sender, "batal")
    assert "Sumber:" in say(rasa_stack, sender, "apa itu jipp")
    assert "Tidak ada alur" in say(rasa_stack, sender, "batal")


def test_flow_survives_a_rasa_restart(rasa_stack) -> None:
    sender = rasa_stack.new_sender("restart")
    rasa_stack.send(sender, "/start_readiness_check")
    rasa_stack.send(sender, "pemda")
    rasa_stack.restart_service("rasa")
    assert "(3/5)" in say(rasa_stack, sender, "2 tahun lalu")


def test_demo_plays_one_step_per_tap_and_a_typed_message_leaves_it(rasa_stack) -> None:
    sender = rasa_stack.new_sender("demo")
    menu = rasa_stack.send(sender, "/start_demo")
    assert len(menu[-1]["buttons"]) == 3
    assert "Lanjut" in rasa_stack.send(sender, '/start_demo{"demo_flow":"pelembagaan"}')[-1]["buttons"][0]["title"]
    steps = [say(rasa_stack, sender, "/demo_next") for _ in range(8)]
    assert "langkah 1/8" in steps[0] and "Peserta: «SK pimpinan»" in steps[0]
    assert "skor" in steps[-1] and "Demo selesai." in steps[-1]
    rasa_stack.send(sender, '/start_demo{"demo_flow":"kesiapan"}')
    say(rasa_stack, sender, "apa itu kipp?")
    assert "Mode demo sudah berakhir" in say(rasa_stack, sender, "/demo_next")
