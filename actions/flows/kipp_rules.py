"""The KIPP readiness rules: which edition to judge against, groups, minimum age, past awards, and the summary.

The editions (dates, groups, the rules each year's sources state) come from the knowledge base
(`knowledge.kipp_editions`, seeded from knowledge/content/editions/kipp.yml, written from facts.md), so a new
edition needs no release. Where the judged edition states no rule of its own (KIPP 2025 states no minimum age
and no past-award rule), the newest earlier year's rule is borrowed and said so; a borrowed rule can put a group
in doubt (⚠️) but never rule it out (⛔), because the result is guidance, not the ministry's decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from actions.flows.answers import AGENCY_LABELS, DOCUMENT_LABELS, KIPP_HISTORY_LABELS
from actions.flows.dates import StartDate, add_months, format_day
from knowledge import KippEdition

GROUP_LABELS = {"umum": "Kelompok umum", "replikasi": "Kelompok replikasi", "khusus": "Kelompok khusus"}
# Where the requirements on documents and the submission chain come from (K-9, K-19, K-20).
GENERAL_SOURCES = (
    "Kementerian PANRB, «Cermati Persyaratan dan Kriteria Inovasi KIPP 2021» "
    "(https://menpan.go.id/site/berita-terkini/cermati-persyaratan-dan-kriteria-inovasi-kipp-2021)",
    "Paparan praktik SINOVIK 2021 (https://id.scribd.com/presentation/521425726/R1-Paparan-Praktik-Sinovik-2021)",
)
OK, UNSURE, NO = "✅", "⚠️", "⛔"
Finding = tuple[bool | None, str]


class NoEdition(LookupError):
    """The knowledge base holds no KIPP edition with a registration closing date to judge against."""


@dataclass(frozen=True)
class Reference:
    """The edition a check judges against and the day ages are counted to."""

    edition: KippEdition
    as_of: date
    closed: bool  # registration for `edition` has closed: the next edition's rules are not in the knowledge base
    announced: tuple[KippEdition, ...] = ()  # newer editions known without a closing date yet


def choose_reference(editions: Sequence[KippEdition], today: date) -> Reference:
    """Return the edition to judge against: the first one still open, else the newest one that has closed.

    An open edition counts ages back from its closing date (K-17). A closed one is only the newest rules we
    hold, so ages are counted to today: the next edition will count back from its own closing date.
    """
    dated = sorted((e for e in editions if e.registration_closes), key=lambda e: e.year)
    if not dated:
        raise NoEdition("no KIPP edition with a registration closing date in the knowledge base")
    upcoming = [e for e in dated if e.registration_closes and e.registration_closes >= today]
    edition = upcoming[0] if upcoming else dated[-1]
    announced = tuple(e for e in editions if e.year > edition.year and not e.registration_closes)
    if upcoming:
        return Reference(edition, edition.registration_closes or today, False, announced)
    return Reference(edition, today, True, announced)


@dataclass(frozen=True)
class AgeRule:
    """A minimum implementation age, the KIPP year that stated it, and that year's pandemic exception."""

    years: int
    from_year: int
    pandemic_years: int | None = None


def known_min_age(group: str, edition: KippEdition, editions: Sequence[KippEdition]) -> AgeRule | None:
    """Return the minimum age for `group` in `edition`, or the newest earlier year's rule if it states none."""
    for candidate in sorted(editions, key=lambda e: e.year, reverse=True):
        if candidate.year <= edition.year and group in candidate.min_age_years:
            return AgeRule(candidate.min_age_years[group], candidate.year, candidate.pandemic_min_age_years)
    return None


def group_rule_year(group: str, edition: KippEdition, editions: Sequence[KippEdition]) -> int | None:
    """Return the newest year, up to `edition`, whose sources state the eligibility rules of `group`."""
    years = [e.year for e in editions if e.year <= edition.year and group in e.group_rules]
    return max(years) if years else None


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
    """Whether an innovation is old enough on a day: True, False or None (its start range straddles the line)."""

    meets: bool | None
    years: int
    threshold: date  # the latest start date that still meets the rule
    ready_from: date  # the first day on which the whole start range meets the rule


def check_age(start: StartDate, years: int, as_of: date) -> AgeCheck:
    """Check the implementation age on `as_of` (the closing date of an open edition, K-17)."""
    threshold = add_months(as_of, -12 * years)
    if start.latest <= threshold:
        meets: bool | None = True
    elif start.earliest > threshold:
        meets = False
    else:
        meets = None
    return AgeCheck(meets, years, threshold, add_months(start.latest, 12 * years))


@dataclass(frozen=True)
class GroupVerdict:
    """Whether the innovation fits one group, and each finding behind that (True, False or None: unsure)."""

    group: str
    fits: bool | None
    findings: tuple[Finding, ...]

    @property
    def problems(self) -> list[str]:
        """Return the findings that stop or put in doubt this group."""
        return [text for ok, text in self.findings if ok is not True]

    @property
    def reasons(self) -> list[str]:
        """Return the findings that agree with the verdict, then any other doubts: what the summary shows."""
        same = [text for ok, text in self.findings if ok is self.fits]
        return same + [text for ok, text in self.findings if ok is None and self.fits is False]


@dataclass(frozen=True)
class Answers:
    """The officer's answers in the readiness check."""

    agency_type: str
    start: StartDate
    kipp_history: str
    adapts_top: bool
    documents: tuple[str, ...]


def _when(ref: Reference) -> str:
    return f"pada {format_day(ref.as_of)}" if ref.closed else "saat pendaftaran ditutup"


def _age_finding(start: StartDate, rule: AgeRule, ref: Reference) -> Finding:
    need = f"minimal {rule.years} tahun (aturan KIPP {rule.from_year})"
    check = check_age(start, rule.years, ref.as_of)
    if check.meets:
        return True, f"usia penerapan memenuhi {need}"
    if check.meets is None:
        return (
            None,
            f"usia penerapan belum pasti memenuhi {need}: harus sudah berjalan sejak {format_day(check.threshold)}",
        )
    # K-17: in 2022 an innovation handling the pandemic needed 1 year; applied only to the year that states it.
    pandemic = rule.pandemic_years
    stated_here = rule.from_year == ref.edition.year
    if pandemic is not None and stated_here and check_age(start, pandemic, ref.as_of).meets is not False:
        return None, (
            f"usia penerapan kurang dari {need}, tetapi cukup bila inovasi ini menangani pandemi "
            f"(KIPP {rule.from_year}: cukup {pandemic} tahun untuk inovasi itu)"
        )
    if start.earliest > ref.as_of:
        return False, f"belum berjalan {_when(ref)}; butuh {need}"
    age = age_words(full_months(start.earliest, ref.as_of))
    return False, f"usia penerapan baru sekitar {age} {_when(ref)}, kurang dari {need}"


def _umum_history(kind: str) -> Finding:
    # K-12 (2021), K-15 (2023), K-18 (2020): not Top 99 twice, never a top-tier winner.
    if kind == "top99_twice":
        return False, "sudah dua kali masuk Top 99, yang tidak boleh masuk kelompok umum"
    if kind == "top_tier":
        return False, "sudah pernah meraih tingkat teratas (Top Terpuji), yang tidak boleh masuk kelompok umum"
    if kind == "finalist":
        return None, "ketentuan kelompok umum untuk finalis Top 15 replikasi/khusus tidak tercatat di sumber kami"
    return True, f"riwayat KIPP «{KIPP_HISTORY_LABELS[kind]}» tidak menghalangi"


def _khusus_history(kind: str, rule_year: int) -> Finding:
    # K-14 (2020–2021), K-15 (2023): only past Top Terpuji innovations, to see whether they are still alive.
    if kind == "top_tier":
        extra = "; pastikan belum dua kali masuk Top 15 kelompok khusus" if rule_year >= 2023 else ""
        return True, f"pernah meraih Top Terpuji, syarat kelompok khusus{extra}"
    return False, (
        f"kelompok khusus hanya untuk inovasi yang pernah meraih Top Terpuji; riwayat Anda: {KIPP_HISTORY_LABELS[kind]}"
    )


def _replikasi_findings(answers: Answers) -> list[Finding]:
    # K-13: adapts or modifies one or more Top 99 innovations of earlier years.
    findings: list[Finding] = [
        (True, "mengadaptasi inovasi Top KIPP sebelumnya")
        if answers.adapts_top
        else (False, "kelompok ini untuk inovasi yang mengadaptasi inovasi Top 99 tahun-tahun sebelumnya")
    ]
    return findings


def _borrowed(finding: Finding, rule_year: int, edition: KippEdition) -> Finding:
    """Soften a finding from an earlier year's rule: it may raise a doubt, never rule a group out."""
    ok, text = finding
    if rule_year == edition.year or ok is not False:
        return finding
    return None, f"{text}; aturan KIPP {edition.year} untuk hal ini tidak tercatat di sumber kami"


def assess_groups(answers: Answers, ref: Reference, editions: Sequence[KippEdition]) -> list[GroupVerdict]:
    """Return a verdict for each group of the reference edition."""
    verdicts = []
    edition = ref.edition
    for group in edition.groups:
        findings: list[Finding] = []
        rule_year = group_rule_year(group, edition, editions)
        if rule_year is not None:
            if group == "umum":
                findings.append(_borrowed(_umum_history(answers.kipp_history), rule_year, edition))
            elif group == "khusus":
                findings.append(_borrowed(_khusus_history(answers.kipp_history, rule_year), rule_year, edition))
            else:
                findings += [_borrowed(f, rule_year, edition) for f in _replikasi_findings(answers)]
        if group == "replikasi" and answers.kipp_history in {"top99_twice", "top_tier"}:
            findings.append(
                (None, "ketentuan riwayat penghargaan untuk kelompok replikasi tidak tercatat di sumber kami")
            )
        rule = known_min_age(group, edition, editions)
        if rule is not None:
            findings.append(_borrowed(_age_finding(answers.start, rule, ref), rule.from_year, edition))
        verdicts.append(GroupVerdict(group, _combine(findings), tuple(findings)))
    return verdicts


def _combine(findings: list[Finding]) -> bool | None:
    flags = [ok for ok, _ in findings]
    if any(flag is False for flag in flags):
        return False
    return None if any(flag is None for flag in flags) or not flags else True


def missing_documents(documents: tuple[str, ...]) -> list[str]:
    """Return what the officer should still prepare, most important first (K-19, K-20, K-24, P-9)."""
    have = set(documents)
    missing = []
    if "surat_pernyataan" not in have:
        missing.append("Surat pernyataan: disebut sebagai lampiran pada sosialisasi KIPP 2025.")
    if "sk_inisiator" not in have:
        missing.append("SK inisiator/tim inovasi: wajib pada KIPP 2022; cek apakah pedoman terbaru masih memintanya.")
    if "data_manfaat" not in have:
        missing.append("Data bukti manfaat (sebelum–sesudah): KIPP 2025 menekankan manfaat yang terukur.")
    others = [DOCUMENT_LABELS[key] for key in ("dasar_hukum", "anggaran", "foto_video") if key not in have]
    if others:
        missing.append("Bukti dukung yang lazim dipakai dalam penilaian: " + ", ".join(others).lower() + ".")
    return missing


def reference_line(ref: Reference) -> str:
    """Return which edition is judged, whether it is still open, and what is known of the next one."""
    edition = ref.edition
    close = format_day(edition.registration_closes) if edition.registration_closes else "?"
    if not ref.closed:
        return f"Acuan: KIPP {edition.year}, pendaftaran ditutup {close}; usia dihitung mundur dari tanggal itu."
    line = (
        f"Acuan: aturan KIPP {edition.year}, edisi terakhir di basis pengetahuan kami (pendaftarannya sudah "
        f"ditutup {close}). Aturan edisi berikutnya belum terbit"
    )
    if ref.announced:
        line += f" (KIPP {ref.announced[0].year} sudah tercatat, tetapi tanggal dan aturannya belum)"
    return line + (
        f", jadi usia dihitung sampai hari ini ({format_day(ref.as_of)}); pada edisi berikutnya usia dihitung "
        "mundur dari tanggal penutupan pendaftarannya."
    )


def _borrowed_rules(ref: Reference, editions: Sequence[KippEdition]) -> list[str]:
    edition = ref.edition
    notes = []
    for group in edition.groups:
        rule = known_min_age(group, edition, editions)
        if rule is not None and rule.from_year != edition.year:
            notes.append(
                f"usia minimal {GROUP_LABELS[group].lower()} {rule.years} tahun dari aturan KIPP {rule.from_year}"
            )
        year = group_rule_year(group, edition, editions)
        if year is not None and year != edition.year:
            what = "definisi" if group == "replikasi" else "syarat riwayat"
            notes.append(f"{what} {GROUP_LABELS[group].lower()} dari aturan KIPP {year}")
    return notes


def _sources(ref: Reference, editions: Sequence[KippEdition]) -> list[str]:
    years = {ref.edition.year}
    for group in ref.edition.groups:
        rule = known_min_age(group, ref.edition, editions)
        years |= {rule.from_year} if rule else set()
        years |= {y} if (y := group_rule_year(group, ref.edition, editions)) else set()
    sources = [s for e in sorted(editions, key=lambda e: -e.year) if e.year in years for s in e.sources]
    return list(dict.fromkeys([*sources, *GENERAL_SOURCES]))


def render_summary(answers: Answers, today: date, editions: Sequence[KippEdition]) -> str:
    """Return the readiness summary: groups, gaps, next steps, the caveat and the `Sumber:` line."""
    ref = choose_reference(editions, today)
    edition = ref.edition
    verdicts = assess_groups(answers, ref, editions)
    mark = {True: OK, None: UNSURE, False: NO}
    word = {True: "cocok", None: "belum pasti", False: "tidak cocok"}
    docs = ", ".join(DOCUMENT_LABELS[key] for key in answers.documents) or "belum ada"
    lines = [
        "📋 Ringkasan cek kesiapan KIPP (panduan, bukan keputusan resmi)",
        "",
        f"Jawaban Anda: {AGENCY_LABELS.get(answers.agency_type, 'instansi belum diisi')} · "
        f"mulai {answers.start.label()} · {KIPP_HISTORY_LABELS[answers.kipp_history]} · "
        f"{'mengadaptasi inovasi Top' if answers.adapts_top else 'bukan replikasi'} · dokumen: {docs}",
        reference_line(ref),
        "",
        f"Kelompok KIPP {edition.year}:",
    ]
    for verdict in verdicts:
        reasons = verdict.reasons
        lines.append(
            f"{mark[verdict.fits]} {GROUP_LABELS[verdict.group]}: {word[verdict.fits]}"
            + (f" ({'; '.join(reasons)})." if reasons else ".")
        )
    if all(v.fits is False for v in verdicts):
        lines.append(f"Belum ada kelompok KIPP {edition.year} yang cocok dengan jawaban Anda.")
    lines += ["", "Yang masih kurang:"]
    lines += [f"• {m}" for m in missing_documents(answers.documents)] or ["• Dokumen pendukung sudah lengkap."]
    if answers.agency_type in {"bumn", "bumd"}:
        lines.append("• BUMN/BUMD ikut bila mengemban PSO atau usaha lain untuk pelayanan publik (PermenPANRB 5/2019).")
    lines += ["", "Langkah berikutnya:"]
    umum = known_min_age("umum", edition, editions)
    if umum is not None and check_age(answers.start, umum.years, ref.as_of).meets is False:
        ready = check_age(answers.start, umum.years, ref.as_of).ready_from
        lines.append(
            f"• Lanjutkan penerapan dan kumpulkan data manfaat. Dengan batas {umum.years} tahun, inovasi ini "
            f"cukup umur untuk pendaftaran yang ditutup pada atau setelah {format_day(ready)}."
        )
    lines.append(
        "• Susun proposal di SINOVIK lewat Admin Lokal (Biro/Bagian Organisasi) dan pastikan statusnya "
        "«diajukan ke KemenPANRB»; proposal yang tertahan tidak ikut dinilai."
    )
    if edition.note:
        lines.append(f"• Catatan KIPP {edition.year}: {edition.note}")
    if ref.closed:
        lines.append(
            f"• Pendaftaran KIPP {edition.year} sudah ditutup. Jadwal KIPP berikutnya belum ada di basis pengetahuan "
            "kami; pantau sinovik.menpan.go.id."
        )
    borrowed = _borrowed_rules(ref, editions)
    caveat = "Catatan: "
    if borrowed:
        caveat += (
            f"sumber kami tidak mencantumkan semua aturan KIPP {edition.year}, jadi sebagian dipinjam dari tahun "
            f"sebelumnya ({'; '.join(borrowed)}) dan paling jauh membuat hasilnya «belum pasti», bukan «tidak cocok». "
        )
    caveat += "Ini panduan, bukan keputusan resmi; keputusan ada pada seleksi administrasi KemenPANRB."
    if edition.guideline:
        caveat += f" Cek {edition.guideline}."
    lines += ["", caveat, "", "Sumber: " + "; ".join(_sources(ref, editions))]
    return "\n".join(lines)
