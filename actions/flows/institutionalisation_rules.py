"""The institutionalisation checklist: levers, score, gaps and recommendations.

The three levers a KemenPANRB assistant deputy named (SD-6: policy, budget, perjanjian kinerja) weigh double;
a regional regulation (perda) is the minister's example of making an innovation outlive its leader (SD-1).
The other levers are common practice (facts §4, P-9, P-12), not an official instrument list, and the score
is a coaching aid, not an official assessment; the summary says so. The levers (slot, label, weight, advice) are
data in `institutionalisation_levers.yml`, beside this module, for facilitators and content people to review.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from actions.flows.answers import REGULATION_LABELS


@dataclass(frozen=True)
class Lever:
    """One institutionalisation lever: its slot, name, weight and the advice when it is missing."""

    slot: str
    label: str
    weight: int
    advice: str


def _load_levers(path: Path) -> tuple[Lever, ...]:
    """Read the levers facilitators keep in the data file; a malformed file stops the start with its name."""
    try:
        rows = yaml.safe_load(path.read_text(encoding="utf-8"))["levers"]
        return tuple(Lever(str(row["slot"]), str(row["label"]), int(row["weight"]), str(row["advice"])) for row in rows)
    except (yaml.YAMLError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: needs a list 'levers' of slot, label, weight and advice ({exc!r})") from exc


LEVERS_FILE = Path(__file__).with_name("institutionalisation_levers.yml")
# In the order the form asks them.
LEVERS = _load_levers(LEVERS_FILE)
STATE_FACTOR = {"yes": 1.0, "partial": 0.5, "no": 0.0, "unknown": 0.0}
REGULATION_FACTOR = {"perda": 1.0, "perkada": 1.0, "sk": 1.0, "draft": 0.5, "none": 0.0, "unknown": 0.0}
# Answers that say "I don't know" (or a skipped step): scored 0 but reported apart from the gaps.
UNKNOWN = "unknown"
MAX_POINTS = sum(lever.weight for lever in LEVERS)
SOURCES = (
    "HUMAS MENPANRB, Coaching Clinic Pembinaan Inovasi Pelayanan Publik Provinsi Sumatra Utara (kebijakan, "
    "anggaran, perjanjian kinerja)",
    "Gesuri.id, pengarahan MenPANRB Abdullah Azwar Anas di Kupang, Oktober 2022 (perda)",
    "PermenPANRB 91/2021 tentang Pembinaan Inovasi Pelayanan Publik "
    "(https://jdih.maritim.go.id/id/pembinaan-inovasi-pelayanan-publik)",
    "Nusakini, «Coaching clinic K/L dan TNI/Polri», 2017 (inovasi tenggelam saat pimpinan berganti)",
    "Perda Kabupaten Pangkep 3/2020 (https://www.scribd.com/document/717188539/PERDA-NOMOR-3-TAHUN-202028082020-compressed)",
    "Suara Borneo, «2.116 Inovasi Lolos Seleksi KIPP 2025» "
    "(https://www.suaraborneo.id/2025/07/2116-inovasi-lolos-seleksi-kipp-2025.html)",
)
STATE_WORDS = {"yes": "ada", "partial": "sebagian/dalam proses", "no": "belum", "unknown": "belum diketahui"}


@dataclass(frozen=True)
class Checklist:
    """The score and findings of one institutionalisation check."""

    score: int  # 0..100
    level: str
    in_place: tuple[str, ...]
    gaps: tuple[Lever, ...]
    partial: tuple[Lever, ...]
    regulation: str
    unknown: tuple[Lever, ...] = ()


def factor(lever: Lever, state: str) -> float:
    """Return how far one lever is in place (0, 0.5 or 1)."""
    table = REGULATION_FACTOR if lever.slot == "inst_regulation" else STATE_FACTOR
    return table.get(state, 0.0)


def level_for(score: int) -> str:
    """Return the words for a score band."""
    if score >= 80:
        return "kuat"
    if score >= 50:
        return "cukup, masih perlu penguatan"
    return "rentan: inovasi berisiko berhenti bila pimpinan atau anggaran berubah"


def assess(states: dict[str, str]) -> Checklist:
    """Score the levers (core levers weigh double) and sort them into in place, partial and gaps."""

    def state(lever: Lever) -> str:
        return states.get(lever.slot) or UNKNOWN

    points = sum(lever.weight * factor(lever, state(lever)) for lever in LEVERS)
    score = round(100 * points / MAX_POINTS)
    in_place = tuple(lever.label for lever in LEVERS if factor(lever, state(lever)) == 1.0)
    partial = tuple(lever for lever in LEVERS if factor(lever, state(lever)) == 0.5)
    unknown = tuple(lever for lever in LEVERS if state(lever) == UNKNOWN)
    gaps = tuple(lever for lever in LEVERS if factor(lever, state(lever)) == 0.0 and state(lever) != UNKNOWN)
    regulation = states.get("inst_regulation") or UNKNOWN
    return Checklist(score, level_for(score), in_place, gaps, partial, regulation, unknown)


def render_checklist(checklist: Checklist) -> str:
    """Return the checklist summary: score, what is in place, gaps, recommendations, caveat and sources."""
    lines = [f"🏛 Hasil cek pelembagaan: skor {checklist.score}/100, {checklist.level}."]
    if checklist.unknown:
        lines.append(
            f"{len(checklist.unknown)} pengungkit belum diketahui dan dihitung 0, jadi skor sebenarnya bisa lebih "
            "tinggi."
        )
    lines += [
        "",
        "Sudah ada: "
        + (", ".join(checklist.in_place) if checklist.in_place else "belum ada pengungkit yang lengkap")
        + ".",
    ]
    if checklist.partial:
        lines.append("Sedang berjalan: " + ", ".join(lever.label for lever in checklist.partial) + ".")
    lines += ["", "Celah:" if checklist.gaps else "Celah: tidak ada pengungkit yang kosong."]
    lines += [f"• {lever.label}" for lever in checklist.gaps]
    if checklist.unknown:
        lines += ["", "Belum diketahui (cek ke unit pengelola, lalu ulangi cek ini):"]
        lines += [f"• {lever.label}" for lever in checklist.unknown]
    lines += ["", "Rekomendasi:"]
    todo = sorted((*checklist.gaps, *checklist.partial), key=lambda lever: -lever.weight)
    lines += [f"• {lever.advice}" for lever in todo]
    if checklist.regulation in {"sk", "perkada"}:
        lines.append(
            f"• Dasar hukum Anda berupa {REGULATION_LABELS[checklist.regulation]}. Pertimbangkan menaikkannya ke "
            "Perda bila inovasi menyangkut layanan jangka panjang, agar tidak hilang saat pimpinan berganti."
        )
    if not todo and checklist.regulation == "perda":
        lines.append("• Pertahankan: pantau indikator, perbarui SOP, dan dokumentasikan praktik baiknya di JIPPNas.")
    lines += [
        "",
        "Catatan: skor ini alat bantu diskusi klinik, bukan penilaian resmi. Kebijakan, anggaran dan perjanjian "
        "kinerja dihitung dua kali lipat karena itulah tiga pengungkit yang disebut KemenPANRB; daftar instrumen "
        "pelembagaan yang resmi tidak kami temukan, jadi pengungkit lain di sini adalah contoh praktik.",
        "",
        "Sumber: " + "; ".join(SOURCES),
    ]
    return "\n".join(lines)
