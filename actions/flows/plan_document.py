"""Build the replication action plan (rencana aksi replikasi) as a .docx the officer can keep and edit.

The structure follows ATM (Amati, Tiru, Modifikasi; R-2) and the four stages of the self-run replication
model (R-10), with the action plan as the replicating unit's working guide (SD-4). python-docx only; no I/O.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from docx import Document
from docx.document import Document as DocxDocument
from docx.enum.table import WD_ROW_HEIGHT_RULE
from docx.shared import Cm

from actions.flows.dates import MONTH_NAMES, Timeline, format_day
from actions.flows.documents import heading, keep_with_next

TITLE = "Rencana Aksi Replikasi Inovasi"
SECTIONS = (
    "1. Instansi dan unit pelaksana",
    "2. Masalah lokal (Amati)",
    "3. Inovasi yang direplikasi (Tiru)",
    "4. Modifikasi dan alasannya (Modifikasi)",
    "5. Tim pelaksana dan penanggung jawab",
    "6. Sumber anggaran",
    "7. Jadwal dan tahapan replikasi",
    "8. Indikator keberhasilan",
    "9. Rencana studi tiru",
    "10. Risiko dan mitigasi",
    "11. Langkah berikutnya",
    "12. Persetujuan",
    "Sumber",
)
SUGGESTION = "Saran, bukan ketentuan resmi"
# Risks every replication meets in practice; offered as suggestions to adapt, not as an official list.
RISKS = (
    ("Anggaran tidak tersedia tepat waktu",
     "Masukkan kegiatan ke dokumen anggaran (DPA/RKA) sejak awal; siapkan tahap yang bisa berjalan dengan "
     "anggaran rutin."),
    ("Pimpinan atau pejabat kunci berganti",
     "Sahkan rencana aksi oleh pimpinan dan tetapkan tim dengan SK; lembagakan lewat kebijakan, anggaran dan "
     "perjanjian kinerja."),
    ("Inovasi asal kurang cocok dengan kondisi setempat",
     "Uji coba di skala kecil lebih dulu dan sesuaikan (Modifikasi) sebelum diperluas."),
    ("Data awal tidak tercatat, sehingga manfaat tidak bisa dibuktikan",
     "Catat kondisi awal setiap indikator sebelum replikasi dimulai."),
)  # fmt: skip
APPROVAL_ROWS = ("Nama", "Jabatan", "Tanggal", "Tanda tangan")
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

    agency: str
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


_CHANGE = re.compile(
    r"^(?P<what>.*?)\s*(?:turun|naik|berkurang|meningkat|bertambah|menurun)?\s*\bdari\s+(?P<base>.+?)\s+"
    r"(?:menjadi|jadi|ke|hingga|sampai)\s+(?P<target>.+)$",
    re.IGNORECASE,
)


def indicator_rows(indicators: str) -> list[tuple[str, str, str]]:
    """Split the indicators answer into (indicator, baseline, target) rows.

    "waktu layanan turun dari 14 menjadi 3 hari; 80% warga puas" gives a row with baseline "14" and target
    "3 hari", and a row whose baseline is still to be recorded.
    """
    rows = []
    for part in (p.strip(" .") for p in re.split(r"[;\n]", indicators)):
        if not part:
            continue
        match = _CHANGE.match(part)
        if match and match["what"].strip():
            rows.append((match["what"].strip(), match["base"].strip(), match["target"].strip()))
        else:
            rows.append((part, "dicatat sebelum replikasi dimulai", part))
    return rows


def _table(doc: DocxDocument, header: tuple[str, ...], rows: Sequence[tuple[str, ...]]) -> None:
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
        for run in (run for paragraph in cell.paragraphs for run in paragraph.runs):
            run.bold = True
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    # Keep each row with the next so a short table is not split from its header row across pages.
    for row in table.rows[:-1]:
        for cell in row.cells:
            for paragraph in cell.paragraphs:
                keep_with_next(paragraph)


def build_plan_document(plan: ReplicationPlan, today: date) -> bytes:
    """Return the action plan as .docx bytes, with the sections in SECTIONS."""
    doc = Document()
    doc.core_properties.title = f"{TITLE}: {plan.innovation}"
    doc.core_properties.author = "Klinik Inovasi Bot"
    doc.add_heading(TITLE, level=0)
    doc.add_paragraph(f"{plan.innovation} (dari {plan.origin}), oleh {plan.agency}")
    keep_with_next(
        doc.add_paragraph(
            f"Draf disusun {format_day(today)} bersama Klinik Inovasi Bot. Ini draf kerja untuk dibahas di unit "
            "Anda, bukan format resmi KemenPANRB; pedoman replikasi KemenPANRB masih disusun."
        )
    )
    _table(
        doc,
        ("ATM", "Isi"),
        [("Amati", plan.problem), ("Tiru", f"{plan.innovation} ({plan.origin})"), ("Modifikasi", plan.modification)],
    )

    texts = {
        SECTIONS[0]: [f"Instansi dan unit kerja: {plan.agency}"],
        SECTIONS[1]: [plan.problem],
        SECTIONS[2]: [f"Inovasi: {plan.innovation}", f"Instansi asal: {plan.origin}"],
        SECTIONS[3]: [
            plan.modification,
            "Replikasi bukan sekadar menyalin: sesuaikan dengan potensi dan masalah setempat.",
        ],
        SECTIONS[4]: [f"Tim pelaksana: {plan.team}", f"Penanggung jawab: {plan.lead}"],
        SECTIONS[5]: [plan.budget],
        SECTIONS[8]: [plan.study_visit],
    }
    for title in SECTIONS[:6]:
        heading(doc, title)
        for text in texts[title]:
            doc.add_paragraph(text)

    heading(doc, SECTIONS[6])
    keep_with_next(doc.add_paragraph(f"Jangka waktu: {timeline_words(plan.timeline)}."))
    keep_with_next(
        doc.add_paragraph(
            f"{SUGGESTION}: pembagian waktu tiap tahap di bawah ini hanya usulan awal (tahapan model mandiri); "
            "sesuaikan dengan rencana unit Anda."
        )
    )
    _table(doc, ("Tahap", "Waktu (saran)", "Kegiatan"), stage_schedule(plan.timeline))

    heading(doc, SECTIONS[7])
    keep_with_next(doc.add_paragraph("Kondisi awal dicatat sebelum mulai, agar manfaatnya bisa dibuktikan."))
    _table(doc, ("Indikator", "Kondisi awal (baseline)", "Target"), indicator_rows(plan.indicators))

    heading(doc, SECTIONS[8])
    for text in texts[SECTIONS[8]]:
        doc.add_paragraph(text)

    heading(doc, SECTIONS[9])
    keep_with_next(doc.add_paragraph(f"{SUGGESTION}: risiko yang lazim ditemui; tambah atau hapus sesuai kondisi."))
    _table(doc, ("Risiko", "Mitigasi"), list(RISKS))

    heading(doc, SECTIONS[10])
    for step in NEXT_STEPS:
        doc.add_paragraph(step, style="List Number")

    heading(doc, SECTIONS[11])
    keep_with_next(doc.add_paragraph("Rencana aksi ini disusun dan disetujui oleh:"))
    _table(doc, ("", "Disusun oleh", "Disetujui oleh"), [(row, "", "") for row in APPROVAL_ROWS])
    approval = doc.tables[-1]
    for row in approval.rows[1:]:  # room to write by hand; the signature needs the most
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        row.height = Cm(2.0) if row.cells[0].text == APPROVAL_ROWS[-1] else Cm(0.9)

    heading(doc, SECTIONS[12])
    for source in SOURCES:
        doc.add_paragraph(source, style="List Bullet")
    buffer = io.BytesIO()
    doc.save(buffer)
    return buffer.getvalue()
