"""Build the replication action plan (rencana aksi replikasi) as a .docx the officer can keep and edit.

The structure follows ATM (Amati, Tiru, Modifikasi; R-2) and the four stages of the self-run replication
model (R-10), with the action plan as the replicating unit's working guide (SD-4). python-docx only; no I/O.
"""

from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from docx import Document

from actions.flows.dates import MONTH_NAMES, Timeline, format_day

TITLE = "Rencana Aksi Replikasi Inovasi"
SECTIONS = (
    "1. Masalah lokal (Amati)",
    "2. Inovasi yang direplikasi (Tiru)",
    "3. Modifikasi dan alasannya (Modifikasi)",
    "4. Tim pelaksana dan penanggung jawab",
    "5. Sumber anggaran",
    "6. Jadwal dan tahapan replikasi",
    "7. Indikator keberhasilan",
    "8. Rencana studi tiru",
    "9. Langkah berikutnya",
    "Sumber",
)
# the self-run (mandiri) model, with the share of the schedule each stage usually takes.
STAGES = (
    ("Persiapan", 0.15, "Identifikasi masalah; pahami inovasi asal (kebaruan, kecocokan); siapkan sumber daya."),
    ("Rencana & pengembangan", 0.25, "Sahkan rencana aksi; tetapkan tim dan penanggung jawab; "
     "tingkatkan kapasitas tim; sesuaikan model."),
    ("Replikasi", 0.45, "Jalankan rencana aksi dan pantau pelaksanaannya."),
    ("Evaluasi", 0.15, "Evaluasi; ukur manfaat dan dampak terhadap indikator; siapkan pelembagaan."),
)  # fmt: skip
SOURCES = (
    "ATM (Amati, Tiru, Modifikasi): Pojok Bebas, «KemenPANRB dorong peningkatan kualitas pelayanan publik» "
    "(https://pojokbebas.com/kemenpanrb-dorong-peningkatan-kualitas-pelayanan-publik/3)",
    "Tahapan replikasi model mandiri: Pustaka Kota Magelang, Pedoman Replikasi Portal Satu Data (Datago) "
    "(https://pustaka.magelangkota.go.id/books/pedoman-replikasi-portal-satu-data-kota-magelang-datago/"
    "page/replikasi-datago/revisions/460/changes)",
    "Studi tiru dan rencana aksi: HUMAS MENPANRB, Rapat Fasilitasi Anggaran Implementasi Replikasi Inovasi "
    "Pelayanan Publik 2022",
    "Replikasi bukan sekadar menyalin: MMC Indonesia, «Hub JIPP Provinsi Kalimantan Barat akan dikawal perguruan "
    "tinggi» (https://mmcindonesia.id/2021/05/21/hub-jipp-provinsi-kalimantan-barat-akan-dikawal-perguruan-tinggi)",
    "Pedoman Replikasi Inovasi Pelayanan Publik masih disusun: Kementerian PANRB "
    "(https://menpan.go.id/site/berita-terkini/perkuat-keberlanjutan-inovasi-kementerian-panrb-susun-pedoman-"
    "replikasi-inovasi-pelayanan-publik)",
    "Pelembagaan (kebijakan, anggaran, perjanjian kinerja): HUMAS MENPANRB, Coaching Clinic Pembinaan Inovasi "
    "Pelayanan Publik Provinsi Sumatra Utara",
)
NEXT_STEPS = (
    "Bahas draf ini dengan pimpinan dan sahkan sebagai rencana aksi unit.",
    "Hubungi instansi asal untuk izin, materi, dan jadwal studi tiru.",
    "Tetapkan tim dan penanggung jawab dengan SK.",
    "Catat data awal (baseline) untuk setiap indikator sebelum replikasi dimulai.",
    "Bila berhasil, lembagakan: kebijakan, dukungan anggaran, dan masukkan ke perjanjian kinerja.",
    "Cek apakah Pedoman Replikasi Inovasi dari KemenPANRB sudah terbit; per sumber kami masih disusun.",
)


@dataclass(frozen=True)
class ReplicationPlan:
    """The officer's answers in the replication flow."""

    problem: str
    innovation: str
    origin: str
    modification: str
    team: str
    lead: str
    budget: str
    timeline: Timeline
    indicators: str
    study_visit: str


def _month_label(start: str, offset: int) -> str:
    year, month = (int(part) for part in start.split("-"))
    index = year * 12 + month - 1 + offset
    return f"{MONTH_NAMES[index % 12][:3]} {index // 12}"


def stage_schedule(timeline: Timeline) -> list[tuple[str, str, str]]:
    """Return (stage, period, activities) rows that spread the R-10 stages over the schedule."""
    rows = []
    done = 0.0
    for name, share, activities in STAGES:
        first = int(done * timeline.months) + 1
        done += share
        last = max(first, min(timeline.months, round(done * timeline.months)))
        first = min(first, timeline.months)
        if timeline.start:
            period = _month_label(timeline.start, first - 1)
            if last != first:
                period += f" – {_month_label(timeline.start, last - 1)}"
        else:
            period = f"Bulan {first}" if first == last else f"Bulan {first}–{last}"
        rows.append((name, period, activities))
    return rows


def timeline_words(timeline: Timeline) -> str:
    """Return the schedule in words, e.g. "6 bulan, mulai Januari 2027"."""
    if not timeline.start:
        return f"{timeline.months} bulan, mulai setelah rencana aksi disahkan"
    year, month = (int(part) for part in timeline.start.split("-"))
    return f"{timeline.months} bulan, mulai {MONTH_NAMES[month - 1]} {year}"


def document_filename(plan: ReplicationPlan) -> str:
    """Return a safe file name such as "rencana-aksi-replikasi-toss.docx"."""
    ascii_name = unicodedata.normalize("NFKD", plan.innovation).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:40].strip("-") or "inovasi"
    return f"rencana-aksi-replikasi-{slug}.docx"


def build_plan_document(plan: ReplicationPlan, today: date) -> bytes:
    """Return the action plan as .docx bytes, with the sections in SECTIONS."""
    doc = Document()
    doc.core_properties.title = f"{TITLE}: {plan.innovation}"
    doc.core_properties.author = "Klinik Inovasi Bot"
    doc.add_heading(TITLE, level=0)
    doc.add_paragraph(f"{plan.innovation} (dari {plan.origin})")
    doc.add_paragraph(
        f"Draf disusun {format_day(today)} bersama Klinik Inovasi Bot. Ini draf kerja untuk dibahas di unit Anda, "
        "bukan format resmi KemenPANRB."
    )
    atm = doc.add_table(rows=0, cols=2)
    atm.style = "Table Grid"
    for label, value in (
        ("Amati", plan.problem),
        ("Tiru", f"{plan.innovation} ({plan.origin})"),
        ("Modifikasi", plan.modification),
    ):
        cells = atm.add_row().cells
        cells[0].text, cells[1].text = label, value

    bodies = {
        SECTIONS[0]: [plan.problem],
        SECTIONS[1]: [f"Inovasi: {plan.innovation}", f"Instansi asal: {plan.origin}"],
        SECTIONS[2]: [
            plan.modification,
            "Replikasi bukan sekadar menyalin: sesuaikan dengan potensi dan masalah setempat.",
        ],
        SECTIONS[3]: [f"Tim pelaksana: {plan.team}", f"Penanggung jawab: {plan.lead}"],
        SECTIONS[4]: [plan.budget],
        SECTIONS[5]: [f"Jangka waktu: {timeline_words(plan.timeline)}."],
        SECTIONS[6]: [plan.indicators],
        SECTIONS[7]: [plan.study_visit],
    }
    for title in SECTIONS[:8]:
        doc.add_heading(title, level=1)
        for text in bodies[title]:
            doc.add_paragraph(text)
        if title == SECTIONS[5]:
            table = doc.add_table(rows=1, cols=3)
            table.style = "Table Grid"
            for cell, text in zip(table.rows[0].cells, ("Tahap", "Waktu", "Kegiatan"), strict=True):
                cell.text = text
            for row in stage_schedule(plan.timeline):
                for cell, text in zip(table.add_row().cells, row, strict=True):
                    cell.text = text
    doc.add_heading(SECTIONS[8], level=1)
    for step in NEXT_STEPS:
        doc.add_paragraph(step, style="List Number")
    doc.add_heading(SECTIONS[9], level=1)
    for source in SOURCES:
        doc.add_paragraph(source, style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
