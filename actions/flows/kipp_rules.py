"""The KIPP readiness rules: groups, minimum implementation age, past awards, documents, and the summary.

Each rule is taken from /work/shared/domain/facts.md (ids in comments). The summary applies the latest KIPP
year we hold (2025). Where that year's rule is unknown (its minimum age), it applies the newest year that
does state one and says so, because the result is guidance, not the ministry's administrative decision.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from actions.flows.answers import AGENCY_LABELS, DOCUMENT_LABELS, KIPP_HISTORY_LABELS
from actions.flows.dates import StartDate, add_months, format_day


@dataclass(frozen=True)
class Edition:
    """One KIPP year as far as the facts tell: its closing date, groups and stated minimum ages."""

    year: int
    registration_close: date
    groups: tuple[str, ...]
    min_age_years: dict[str, int] = field(default_factory=dict)


# K-45, K-17, §1.4 (2021) · K-46, K-17 (2022) · K-48, §1.4 (2025; minimum age not in the facts).
EDITIONS: tuple[Edition, ...] = (
    Edition(2021, date(2021, 5, 11), ("umum", "replikasi", "khusus"), {"umum": 2, "khusus": 2, "replikasi": 1}),
    Edition(2022, date(2022, 4, 16), ("umum", "khusus"), {"umum": 2, "khusus": 2}),
    Edition(2025, date(2025, 6, 3), ("umum", "replikasi")),
)
LATEST = max(EDITIONS, key=lambda edition: edition.year)
GROUP_LABELS = {"umum": "Kelompok umum", "replikasi": "Kelompok replikasi", "khusus": "Kelompok khusus"}
GUIDELINE = (
    "Pedoman Menteri PANRB tentang KIPP 2025 (nomornya disebut 4/2025 oleh sebagian media dan 5/2025 oleh yang "
    "lain; cek di jdih.menpan.go.id) dengan PermenPANRB 7/2021 sebagai payungnya"
)
SOURCES = (
    "Kementerian PANRB, «Cermati Persyaratan dan Kriteria Inovasi KIPP 2021» "
    "(https://menpan.go.id/site/berita-terkini/cermati-persyaratan-dan-kriteria-inovasi-kipp-2021)",
    "Metro News TV, sosialisasi KIPP 2025 (https://metronewstv.co.id/2025/04/pemkab-oku-selatan-ikuti-sosialisasi.html)",
    "Kementerian PANRB, «Menuju Tahap Akhir KIPP 2025» (https://menpan.go.id/site/berita-terkini/"
    "menuju-tahap-akhir-kipp-2025-tim-panel-independen-dan-tim-evaluasi-lakukan-sidang-pleno)",
    "G Priority, «KIPP 2021 Hadir dengan Format yang Berbeda» (https://gpriority.co.id/kipp-2021-hadir-dengan-format-yang-berbeda/)",
    "Nusakini, «KIPP Tahun 2022 Dimulai, Pahami Persyaratannya» (alamat tidak tercatat)",
    "Materi Penulisan Proposal KIPP 2023 (https://123dok.com/id/docs/"
    "penulisan-proposal-kompetisi-inovasi-pelayanan-publik-tahun-2023.11917199)",
    "Suara Borneo, «2.116 Inovasi Lolos Seleksi KIPP 2025» (https://www.suaraborneo.id/2025/07/2116-inovasi-lolos-seleksi-kipp-2025.html)",
    "Semarak, «Menteri PANRB Rini dan TPI Bahas Penguatan KIPP 2025» "
    "(https://semarak.co/menteri-panrb-rini-dan-tim-panel-independen-bahas-penguatan-kipp-2025)",
)
OK, UNSURE, NO = "✅", "⚠️", "⛔"


@dataclass(frozen=True)
class AgeRule:
    """A minimum implementation age and the KIPP year that stated it."""

    years: int
    from_year: int


def known_min_age(group: str, edition: Edition = LATEST) -> AgeRule | None:
    """Return the minimum age for `group` in `edition`, or the newest earlier year's rule if it states none."""
    for candidate in sorted(EDITIONS, key=lambda e: e.year, reverse=True):
        if candidate.year <= edition.year and group in candidate.min_age_years:
            return AgeRule(candidate.min_age_years[group], candidate.year)
    return None


def full_months(start: date, end: date) -> int:
    """Return the whole months from `start` to `end` (negative if `end` is earlier)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    if end.day < start.day:
        months -= 1
    return months


def age_words(months: int) -> str:
    """Return an age such as "2 tahun 2 bulan" or "8 bulan"."""
    years, rest = divmod(max(months, 0), 12)
    parts = [f"{years} tahun"] if years else []
    if rest or not years:
        parts.append(f"{rest} bulan")
    return " ".join(parts)


@dataclass(frozen=True)
class AgeCheck:
    """Whether an innovation is old enough for one group at the closing date: True, False or None (unsure)."""

    meets: bool | None
    rule: AgeRule
    threshold: date  # the latest start date that still meets the rule
    ready_from: date  # the first closing date that the whole start range meets


def check_age(start: StartDate, rule: AgeRule, close: date) -> AgeCheck:
    """Check the implementation age, counted back from the registration closing date (K-17)."""
    threshold = add_months(close, -12 * rule.years)
    if start.latest <= threshold:
        meets: bool | None = True
    elif start.earliest > threshold:
        meets = False
    else:
        meets = None
    return AgeCheck(meets, rule, threshold, add_months(start.latest, 12 * rule.years))


@dataclass(frozen=True)
class GroupVerdict:
    """Whether the innovation fits one group, and each finding behind that (True, False or None: unsure)."""

    group: str
    fits: bool | None
    findings: tuple[tuple[bool | None, str], ...]

    @property
    def problems(self) -> list[str]:
        """Return the findings that stop or put in doubt this group."""
        return [text for ok, text in self.findings if ok is not True]


@dataclass(frozen=True)
class Answers:
    """The officer's answers in the readiness check."""

    agency_type: str
    start: StartDate
    kipp_history: str
    adapts_top: bool
    documents: tuple[str, ...]


def _age_finding(check: AgeCheck, start: StartDate, close: date) -> tuple[bool | None, str]:
    need = f"minimal {check.rule.years} tahun (aturan KIPP {check.rule.from_year})"
    if start.earliest > close:
        return False, f"belum berjalan saat pendaftaran ditutup; butuh {need}"
    if check.meets:
        return True, f"usia penerapan memenuhi {need}"
    if check.meets is None:
        return (
            None,
            f"usia penerapan belum pasti memenuhi {need}: harus sudah berjalan sejak {format_day(check.threshold)}",
        )
    age = age_words(full_months(start.earliest, close))
    return False, f"usia penerapan baru sekitar {age} saat pendaftaran ditutup, kurang dari {need}"


def _history_finding(group: str, answers: Answers) -> tuple[bool | None, str] | None:
    if group == "replikasi":
        # The facts give no rule on past awards for the replication group.
        if answers.kipp_history in {"top99_twice", "top_tier"}:
            return None, "ketentuan riwayat penghargaan untuk kelompok replikasi tidak tercatat di sumber kami"
        return None
    # K-12, K-15 (2021 and 2023 wording): not Top 99 twice, never a top-tier winner.
    if answers.kipp_history == "top99_twice":
        return False, "sudah dua kali masuk Top 99 (ketentuan 2021 dan 2023)"
    if answers.kipp_history == "top_tier":
        return False, "sudah pernah meraih tingkat teratas, yang tidak boleh masuk kelompok umum"
    return True, f"riwayat KIPP ({KIPP_HISTORY_LABELS[answers.kipp_history]}) tidak menghalangi"


def _combine(findings: list[tuple[bool | None, str]]) -> bool | None:
    flags = [ok for ok, _ in findings]
    if any(flag is False for flag in flags):
        return False
    return None if any(flag is None for flag in flags) else True


def assess_groups(answers: Answers, edition: Edition = LATEST) -> list[GroupVerdict]:
    """Return a verdict for each group of `edition`."""
    verdicts = []
    close = edition.registration_close
    for group in edition.groups:
        findings: list[tuple[bool | None, str]] = []
        if group == "replikasi":
            # K-13: adapts or modifies one or more Top 99 innovations of earlier years.
            findings.append(
                (True, "mengadaptasi inovasi Top KIPP sebelumnya")
                if answers.adapts_top
                else (False, "kelompok ini untuk inovasi yang mengadaptasi inovasi Top 99/Top KIPP sebelumnya")
            )
        history = _history_finding(group, answers)
        if history is not None:
            findings.append(history)
        rule = known_min_age(group, edition)
        if rule is not None:
            findings.append(_age_finding(check_age(answers.start, rule, close), answers.start, close))
        verdicts.append(GroupVerdict(group, _combine(findings), tuple(findings)))
    return verdicts


def missing_documents(documents: tuple[str, ...]) -> list[str]:
    """Return what the officer should still prepare, most important first (K-19, K-20, K-24, P-9)."""
    have = set(documents)
    missing = []
    if "surat_pernyataan" not in have:
        missing.append("Surat pernyataan: disebut sebagai lampiran pada sosialisasi KIPP 2025.")
    if "sk_inisiator" not in have:
        missing.append("SK inisiator/tim inovasi: wajib pada KIPP 2022; cek apakah pedoman 2025 masih memintanya.")
    if "data_manfaat" not in have:
        missing.append("Data bukti manfaat (sebelum–sesudah): KIPP 2025 menekankan manfaat yang terukur.")
    others = [DOCUMENT_LABELS[key] for key in ("dasar_hukum", "anggaran", "foto_video") if key not in have]
    if others:
        missing.append("Bukti dukung yang lazim dipakai dalam penilaian: " + ", ".join(others).lower() + ".")
    return missing


def render_summary(answers: Answers, today: date, edition: Edition = LATEST) -> str:
    """Return the readiness summary: groups, gaps, next steps, the caveat and the `Sumber:` line."""
    close = edition.registration_close
    verdicts = assess_groups(answers, edition)
    mark = {True: OK, None: UNSURE, False: NO}
    docs = ", ".join(DOCUMENT_LABELS[key] for key in answers.documents) or "belum ada"
    lines = [
        "📋 Ringkasan cek kesiapan KIPP (panduan, bukan keputusan resmi)",
        "",
        f"Jawaban Anda: {AGENCY_LABELS[answers.agency_type]} · mulai {answers.start.label()} · "
        f"{KIPP_HISTORY_LABELS[answers.kipp_history]} · "
        f"{'mengadaptasi inovasi Top' if answers.adapts_top else 'bukan replikasi'} · dokumen: {docs}",
        f"Acuan: KIPP {edition.year}, pendaftaran ditutup {format_day(close)}; usia dihitung mundur dari tanggal itu.",
        "",
        f"Kelompok KIPP {edition.year}:",
    ]
    word = {True: "cocok", None: "belum pasti", False: "tidak cocok"}
    for verdict in verdicts:
        good = "; ".join(text for ok, text in verdict.findings if ok is True)
        lines.append(
            f"{mark[verdict.fits]} {GROUP_LABELS[verdict.group]}: {word[verdict.fits]}"
            + (f" ({good})." if good else ".")
        )
    lines += ["", "Yang kurang atau menggugurkan:"]
    if all(v.fits is False for v in verdicts):
        lines.append(f"• Belum ada kelompok KIPP {edition.year} yang cocok dengan jawaban Anda.")
    lines += [f"• {GROUP_LABELS[v.group]}: " + "; ".join(v.problems) + "." for v in verdicts if v.problems]
    lines += [f"• {m}" for m in missing_documents(answers.documents)]
    if answers.agency_type in {"bumn", "bumd"}:
        lines.append("• BUMN/BUMD ikut bila mengemban PSO atau usaha lain untuk pelayanan publik (PermenPANRB 5/2019).")
    lines += ["", "Langkah berikutnya:"]
    age_checks = [check_age(answers.start, r, close) for g in edition.groups if (r := known_min_age(g, edition))]
    if any(check.meets is False for check in age_checks):
        umum = known_min_age("umum", edition)
        if umum is not None:
            ready = check_age(answers.start, umum, close).ready_from
            lines.append(
                f"• Lanjutkan penerapan dan kumpulkan data manfaat. Dengan batas {umum.years} tahun, inovasi ini "
                f"cukup umur untuk pendaftaran yang ditutup pada atau setelah {format_day(ready)}."
            )
    lines.append(
        "• Susun proposal di SINOVIK lewat Admin Lokal (Biro/Bagian Organisasi) dan pastikan statusnya "
        "«diajukan ke KemenPANRB»; proposal yang tertahan tidak ikut dinilai."
    )
    lines.append(
        "• KIPP 2025 memprioritaskan inovasi yang sudah direplikasi, dengan nilai minimal 85 dari Tim Evaluasi."
    )
    if today > close:
        lines.append(
            f"• Pendaftaran KIPP {edition.year} sudah ditutup. Jadwal KIPP berikutnya belum ada di basis pengetahuan "
            "kami; pantau sinovik.menpan.go.id, karena usia akan dihitung dari tanggal penutupan tahun itu."
        )
    rules = [
        f"{GROUP_LABELS[g].lower()} {r.years} tahun (aturan KIPP {r.from_year})"
        for g in edition.groups
        if (r := known_min_age(g, edition))
    ]
    lines += [
        "",
        f"Catatan: batas usia minimal KIPP {edition.year} tidak tercantum dalam sumber kami. Yang saya pakai: "
        + ", ".join(rules)
        + ". Ini panduan, bukan keputusan resmi; keputusan ada pada seleksi administrasi "
        f"KemenPANRB. Cek {GUIDELINE}.",
        "",
        "Sumber: " + "; ".join(SOURCES),
    ]
    return "\n".join(lines)
