"""`make eval`: score the running assistant, and a plain BM25 baseline, on the officer-style evaluation set.

Protocol (tests/eval/README.md and ../shared/eval/README.md): each case goes to Rasa's REST channel with a
fresh sender (the turns of a conversation share one); the texts of the returned messages joined by newlines
are the reply, and each turn's reply is checked against the case's regexes. In the same run the same cases
go through a BM25 retriever over the same knowledge-base entries (no slang table, no conversation context),
so the gain over the obvious baseline is visible per kind. `../shared/eval/dev.yml` is scored too.

The held-out split is for reporting only: failures of held-out cases are listed only when `--split heldout`
is asked for explicitly, so day-to-day tuning never reads them.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import unicodedata
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml
from rank_bm25 import BM25Okapi

from knowledge import Entry, KnowledgeBase
from knowledge.queries import active_entries
from settings import PROJECT_ROOT, get_settings

OFFICERS_SET = PROJECT_ROOT / "tests" / "eval" / "officers.yml"
DEV_SET = PROJECT_ROOT.parent / "shared" / "eval" / "dev.yml"

KINDS = ("single", "followup", "multipart", "chatty", "yesno", "english", "decline")
DEV_KINDS = ("dev-answer", "dev-decline")
SPLITS = ("tune", "heldout")
DIRECT_KINDS = ("yes", "no", "depends")
# Fewest cases per kind the set must hold (issue 9 asks for at least these; the brief raised some).
MINIMUM_CASES = {
    "single": 100,
    "followup": 45,
    "multipart": 30,
    "chatty": 40,
    "yesno": 30,
    "english": 25,
    "decline": 45,
}

# dev.yml's own decline rule (../shared/eval/README.md); the crash apology is excluded separately.
DEV_DECLINE = (
    r"(?i)maaf|di luar (cakupan|lingkup)|belum (bisa|dapat)|tidak (bisa|dapat) (menjawab|membantu)|"
    r"hanya (bisa|dapat) membantu"
)
# English declines in dev.yml may be answered in English (issue 9), so the English markers count there too.
DEV_DECLINE_EN = DEV_DECLINE + r"|sorry|outside (my|the) scope|out of scope|only (help|answer|assist)"
CRASH = r"(?i)sedang mengalami gangguan"
SOURCE_ID = re.compile(r"^Sumber:", re.MULTILINE)
SOURCE_EN = re.compile(r"^(Sumber|Sources?):", re.MULTILINE)
# Function words decide the language of a reply: content words (KIPP, SINOVIK, names) are shared.
EN_WORDS = frozenset(
    [
        "the",
        "and",
        "is",
        "are",
        "of",
        "to",
        "in",
        "for",
        "with",
        "that",
        "it",
        "by",
        "from",
        "was",
        "were",
        "be",
        "an",
        "on",
        "or",
        "can",
        "has",
        "have",
        "this",
        "which",
    ]
)
ID_WORDS = frozenset(
    [
        "yang",
        "dan",
        "di",
        "ke",
        "dari",
        "untuk",
        "dengan",
        "adalah",
        "ini",
        "itu",
        "atau",
        "pada",
        "dalam",
        "tidak",
        "juga",
        "sudah",
        "bisa",
        "akan",
        "oleh",
        "sebagai",
    ]
)
# What the BM25 baseline says when its best score is under the threshold (the assistant's own wording).
BASELINE_DECLINE_ID = (
    "Maaf, pertanyaan itu di luar cakupan saya. Saya hanya bisa membantu seputar KIPP, replikasi inovasi, "
    "pelembagaan inovasi, MPP dan UNPSA."
)
BASELINE_DECLINE_EN = (
    "Sorry, that question is outside my scope. I can only help with KIPP and public-service innovation."
)


class SetError(ValueError):
    """Raised when an evaluation set is malformed; lists every problem found."""


# ---------------------------------------------------------------------------------------------- the set


@dataclass(frozen=True)
class Turn:
    """One message of a case and what its reply must (and must not) contain."""

    q: str
    must: tuple[str, ...] = ()
    must_not: tuple[str, ...] = ()
    parts: tuple[tuple[str, ...], ...] = ()
    direct: tuple[str, ...] = ()


@dataclass(frozen=True)
class Case:
    """One evaluated case: a single message or a conversation on one sender."""

    id: str
    kind: str
    split: str
    turns: tuple[Turn, ...]
    lang: str = "id"
    facts: tuple[str, ...] = ()

    @property
    def declines(self) -> bool:
        """Whether the right reply is a polite decline rather than an answer."""
        return self.kind in ("decline", "dev-decline")


@dataclass(frozen=True)
class Markers:
    """The regexes that recognise a decline, the crash apology and a direct yes/no/depends line."""

    decline_id: str
    decline_en: str
    crash: str = CRASH
    direct: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EvalSet:
    """A loaded evaluation set."""

    markers: Markers
    cases: tuple[Case, ...]


def _strings(value: Any, where: str, problems: list[str]) -> tuple[str, ...]:
    """Return a list of regexes as a tuple, recording any that is not a string or does not compile."""
    if value is None:
        return ()
    if not isinstance(value, list):
        problems.append(f"{where}: expected a list of regexes")
        return ()
    for pattern in value:
        if not isinstance(pattern, str) or not pattern:
            problems.append(f"{where}: {pattern!r} is not a regex string")
            continue
        try:
            re.compile(pattern)
        except re.error as exc:
            problems.append(f"{where}: bad regex {pattern!r} ({exc})")
    return tuple(p for p in value if isinstance(p, str) and p)


def _turn(raw: Any, where: str, problems: list[str]) -> Turn | None:
    if not isinstance(raw, dict) or not isinstance(raw.get("q"), str) or not raw["q"].strip():
        problems.append(f"{where}: a turn needs a non-empty `q`")
        return None
    parts = tuple(
        _strings(part.get("must") if isinstance(part, dict) else None, f"{where} part {i}", problems)
        for i, part in enumerate(raw.get("parts") or [], 1)
    )
    direct = tuple(raw.get("direct") or ())
    for kind in direct:
        if kind not in DIRECT_KINDS:
            problems.append(f"{where}: direct {kind!r} is not one of {DIRECT_KINDS}")
    return Turn(
        q=raw["q"],
        must=_strings(raw.get("must"), f"{where} must", problems),
        must_not=_strings(raw.get("must_not"), f"{where} must_not", problems),
        parts=parts,
        direct=direct,
    )


def _check_kind(case: Case, where: str, problems: list[str]) -> None:
    """Record what a case of its kind is missing (the rules of tests/eval/README.md)."""
    turn = case.turns[0]
    if case.kind == "followup" and not 2 <= len(case.turns) <= 4:
        problems.append(f"{where}: a followup has 2-4 turns")
    if case.kind != "followup" and len(case.turns) != 1:
        problems.append(f"{where}: only a followup has several turns")
    if case.kind == "multipart" and len(turn.parts) < 2:
        problems.append(f"{where}: a multipart case needs at least two `parts`")
    if case.kind == "yesno" and not turn.direct:
        problems.append(f"{where}: a yesno case needs `direct`")
    if case.kind == "english" and case.lang != "en":
        problems.append(f"{where}: an english case has `lang: en`")
    if case.kind == "decline" and (turn.must or turn.parts or turn.direct):
        problems.append(f"{where}: a decline case has only `must_not`")
    if case.kind != "decline" and not all(t.must or t.parts for t in case.turns):
        problems.append(f"{where}: every turn of an answer case needs `must` or `parts`")


def parse_set(data: Any) -> EvalSet:
    """Validate a parsed officers.yml and return it; raise SetError listing every problem."""
    problems: list[str] = []
    if not isinstance(data, dict) or not isinstance(data.get("cases"), list):
        raise SetError("the set needs a `cases` list")
    raw_markers = data.get("markers") or {}
    direct = raw_markers.get("direct") or {}
    markers = Markers(
        decline_id=raw_markers.get("decline_id", ""),
        decline_en=raw_markers.get("decline_en", ""),
        crash=raw_markers.get("crash", CRASH),
        direct={str(k): v for k, v in direct.items()},
    )
    for name in ("decline_id", "decline_en", "crash"):
        _strings([getattr(markers, name)], f"markers.{name}", problems)
    for kind in DIRECT_KINDS:
        if kind not in markers.direct:
            problems.append(f"markers.direct needs {kind!r}")
    _strings(list(markers.direct.values()), "markers.direct", problems)
    cases: list[Case] = []
    seen: set[str] = set()
    for number, raw in enumerate(data["cases"], 1):
        where = f"case {number} ({raw.get('id') if isinstance(raw, dict) else '?'})"
        if not isinstance(raw, dict):
            problems.append(f"{where}: not a mapping")
            continue
        case_id, kind, split = raw.get("id"), raw.get("kind"), raw.get("split")
        if not isinstance(case_id, str) or not re.fullmatch(r"[a-z]{2}-\d{3}", case_id):
            problems.append(f"{where}: id must look like 'sg-001'")
        elif case_id in seen:
            problems.append(f"{where}: duplicate id")
        seen.add(str(case_id))
        if kind not in KINDS:
            problems.append(f"{where}: kind {kind!r} is not one of {KINDS}")
        if split not in SPLITS:
            problems.append(f"{where}: split {split!r} is not one of {SPLITS}")
        raw_turns = raw.get("turns", [raw])
        turns = [_turn(t, f"{where} turn {i}", problems) for i, t in enumerate(raw_turns or [], 1)]
        if not turns or None in turns:
            continue
        case = Case(
            id=str(case_id),
            kind=str(kind),
            split=str(split),
            turns=tuple(t for t in turns if t is not None),
            lang=raw.get("lang", "id"),
            facts=tuple(raw.get("facts") or ()),
        )
        _check_kind(case, where, problems)
        cases.append(case)
    if problems:
        raise SetError("; ".join(problems))
    return EvalSet(markers=markers, cases=tuple(cases))


def load_set(path: Path = OFFICERS_SET) -> EvalSet:
    """Read and validate an officer-style evaluation set."""
    return parse_set(yaml.safe_load(path.read_text(encoding="utf-8")))


def load_dev(path: Path = DEV_SET) -> tuple[Case, ...]:
    """Read ../shared/eval/dev.yml as cases of kind dev-answer / dev-decline (split `dev`)."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    cases = []
    for number, raw in enumerate(data["cases"], 1):
        decline = raw.get("kind") == "decline"
        turns = tuple(Turn(q=t["q"], must=tuple(t.get("must", ()))) for t in raw.get("conversation") or [raw])
        cases.append(
            Case(
                id=f"dev-{number:03d}",
                kind="dev-decline" if decline else "dev-answer",
                split="dev",
                turns=turns,
                lang="en" if is_english(turns[0].q) else "id",
                facts=tuple(raw.get("facts") or ()),
            )
        )
    return tuple(cases)


# ---------------------------------------------------------------------------------------------- scoring


def words(text: str) -> list[str]:
    """Lower-case word tokens with accents removed: the plain tokenizer (no slang table, no stemming)."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    return re.findall(r"[a-z0-9]+", text)


def is_english(text: str) -> bool:
    """Whether a text is English rather than Indonesian, by counting function words (source lines ignored)."""
    body = [line for line in text.splitlines() if not SOURCE_EN.match(line)]
    tokens = words("\n".join(body))
    return sum(t in EN_WORDS for t in tokens) > sum(t in ID_WORDS for t in tokens)


def first_line(reply: str) -> str:
    """Return the reply's first non-empty line without leading bullets, emoji or markup."""
    for line in reply.splitlines():
        line = re.sub(r"^[\W_]+", "", line.strip())
        if line:
            return line
    return ""


def _missing(patterns: Iterable[str], reply: str) -> list[str]:
    return [p for p in patterns if not re.search(p, reply, re.IGNORECASE)]


def score_turn(case: Case, turn: Turn, reply: str, markers: Markers) -> list[str]:
    """Return why a reply fails its turn (an empty list when it passes)."""
    reasons: list[str] = []
    if re.search(markers.crash, reply):
        return ["crash apology"]
    reasons += [f"must_not /{p}/ matched" for p in turn.must_not if re.search(p, reply, re.IGNORECASE)]
    english = case.lang == "en"
    if case.declines:
        if not re.search(markers.decline_en if english else markers.decline_id, reply):
            in_indonesian = english and re.search(markers.decline_id, reply)
            reasons.append("declined, but not in English" if in_indonesian else "no polite decline")
        if SOURCE_EN.search(reply):
            reasons.append("decline carries a source line")
        return reasons
    reasons += [f"must /{p}/ missing" for p in _missing(turn.must, reply)]
    for number, part in enumerate(turn.parts, 1):
        reasons += [f"part {number} /{p}/ missing" for p in _missing(part, reply)]
    if turn.direct:
        opening = first_line(reply)
        if not any(re.match(markers.direct[kind], opening) for kind in turn.direct):
            reasons.append(f"first line is not a direct {'/'.join(turn.direct)}")
    if not (SOURCE_EN if english else SOURCE_ID).search(reply):
        reasons.append("no source line")
    if english and case.kind == "english" and not is_english(reply):
        reasons.append("reply not in English")
    return reasons


@dataclass(frozen=True)
class TurnResult:
    """One turn's reply and why it failed (empty when it passed)."""

    number: int
    question: str
    reply: str
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class CaseResult:
    """A case and the result of each of its turns; it passes when every turn passes."""

    case: Case
    turns: tuple[TurnResult, ...]

    @property
    def passed(self) -> bool:
        """Whether every turn passed."""
        return all(not t.reasons for t in self.turns)


Ask = Callable[[str, str], str]


def run_cases(cases: Sequence[Case], ask: Ask, markers_for: Callable[[Case], Markers]) -> list[CaseResult]:
    """Send every case through `ask(sender, text)` (one fresh sender per case) and score each turn."""
    results = []
    for case in cases:
        sender = f"eval-{uuid.uuid4().hex[:12]}"
        turns = []
        for number, turn in enumerate(case.turns, 1):
            reply = ask(sender, turn.q)
            reasons = score_turn(case, turn, reply, markers_for(case))
            turns.append(TurnResult(number, turn.q, reply, tuple(reasons)))
        results.append(CaseResult(case, tuple(turns)))
    return results


# ---------------------------------------------------------------------------------------------- assistant


class RestAssistant:
    """The running assistant, spoken to over Rasa's REST channel."""

    def __init__(self, url: str, *, token: str = "", timeout: float = 30.0) -> None:
        """Talk to the Rasa server at `url`; send `token` as a bearer token when one is configured."""
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self._url = f"{url.rstrip('/')}/webhooks/rest/webhook"
        self._client = httpx.Client(timeout=timeout, headers=headers)

    def ask(self, sender: str, text: str) -> str:
        """Send one message and return the texts of every reply message joined by newlines."""
        response = self._client.post(self._url, json={"sender": sender, "message": text})
        if response.is_server_error:
            # One failing turn is scored as a failure and the run goes on; an unreachable server stops it.
            return f"(HTTP {response.status_code} from the assistant)"
        response.raise_for_status()
        messages: list[dict[str, Any]] = response.json()
        return "\n".join(m["text"] for m in messages if m.get("text"))

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()


# ---------------------------------------------------------------------------------------------- baseline


class Bm25Baseline:
    """Plain BM25 over the active entries (title + questions + answer): the obvious baseline.

    No slang table, no stemming, no conversation context. The reply is the top entry's rendered answer
    (English when the question is English), or a decline when the best score is under `threshold`.
    """

    def __init__(self, entries: Sequence[Entry], threshold: float = 0.0) -> None:
        """Index `entries`; `threshold` is the score under which the baseline declines."""
        if not entries:
            raise ValueError("the BM25 baseline needs at least one knowledge-base entry")
        self.entries = tuple(entries)
        self.threshold = threshold
        corpus = [words(" ".join([e.title, *e.questions, e.answer])) for e in self.entries]
        self._bm25 = BM25Okapi(corpus)
        self._cache: dict[str, tuple[float, Entry]] = {}

    def top(self, text: str) -> tuple[float, Entry]:
        """Return the best score and entry for a message."""
        if text not in self._cache:
            scores = self._bm25.get_scores(words(text))
            best = max(range(len(scores)), key=lambda i: scores[i])
            self._cache[text] = (float(scores[best]), self.entries[best])
        return self._cache[text]

    def reply(self, text: str, threshold: float | None = None) -> str:
        """Return the baseline's reply to one message (context is ignored on purpose)."""
        score, entry = self.top(text)
        english = is_english(text)
        if score < (self.threshold if threshold is None else threshold):
            return BASELINE_DECLINE_EN if english else BASELINE_DECLINE_ID
        return entry.render(english=english)

    def ask(self, sender: str, text: str) -> str:
        """Answer like `RestAssistant.ask`; the sender is ignored (no context)."""
        return self.reply(text)

    def calibrate(self, cases: Sequence[Case], markers_for: Callable[[Case], Markers]) -> float:
        """Set and return the decline threshold that passes the most of `cases` (give it tune cases only)."""
        # Each turn passes or fails in just two ways (answered or declined), so score both once per turn.
        turns = []
        for case in cases:
            outcomes = []
            for turn in case.turns:
                answered = not score_turn(case, turn, self.reply(turn.q, threshold=float("-inf")), markers_for(case))
                declined = not score_turn(case, turn, self.reply(turn.q, threshold=float("inf")), markers_for(case))
                outcomes.append((self.top(turn.q)[0], answered, declined))
            turns.append(outcomes)
        best, best_passed = 0.0, -1
        for threshold in sorted({0.0} | {score for outcomes in turns for score, _, _ in outcomes}):
            passed = sum(
                all(answered if score >= threshold else declined for score, answered, declined in outcomes)
                for outcomes in turns
            )
            if passed > best_passed:
                best, best_passed = threshold, passed
        self.threshold = best
        return best


def kb_entries(database_url: str) -> list[Entry]:
    """Return the active entries of the knowledge-base database the assistant uses."""
    return KnowledgeBase(database_url).run(active_entries)


# ---------------------------------------------------------------------------------------------- report


def rate(results: Sequence[CaseResult]) -> str:
    """Format a pass rate as 'passed/total pct'."""
    if not results:
        return "-"
    passed = sum(r.passed for r in results)
    return f"{passed}/{len(results)} {passed / len(results):.0%}"


def median_length(results: Sequence[CaseResult]) -> int:
    """Return the median reply length in characters over every turn."""
    lengths = [len(t.reply) for r in results for t in r.turns]
    return int(statistics.median(lengths)) if lengths else 0


def report_table(assistant: Sequence[CaseResult], baseline: Sequence[CaseResult] | None) -> list[str]:
    """Return the table of pass rates per kind and split, assistant beside BM25."""
    splits = sorted({r.case.split for r in assistant}, key=lambda s: (s == "dev", s != "tune"))
    header = f"{'kind':12s}" + "".join(f"{'assistant ' + s:>19s}" for s in splits)
    if baseline is not None:
        header += "".join(f"{'bm25 ' + s:>19s}" for s in splits)
    lines = [header]
    kinds = [k for k in (*KINDS, *DEV_KINDS) if any(r.case.kind == k for r in assistant)]
    for kind in [*kinds, "all"]:
        row = f"{kind:12s}"
        for results in (assistant, baseline) if baseline is not None else (assistant,):
            for split in splits:
                group = [r for r in results if r.case.split == split and kind in ("all", r.case.kind)]
                row += f"{rate(group):>19s}"
        lines.append(row)
    return lines


def failure_lines(results: Sequence[CaseResult], *, show_heldout: bool) -> list[str]:
    """List each failed turn: id, turn, question, the reply's first 150 characters and what failed."""
    lines = []
    hidden = 0
    for result in results:
        if result.passed:
            continue
        if result.case.split == "heldout" and not show_heldout:
            hidden += 1
            continue
        for turn in result.turns:
            if turn.reasons:
                reply = " ".join(turn.reply.split())[:150] or "(no reply)"
                lines.append(f"FAIL {result.case.id} turn {turn.number} [{result.case.kind}] {turn.question!r}")
                lines.append(f"     reply: {reply}")
                lines.append(f"     why:   {'; '.join(turn.reasons)}")
    if hidden:
        lines.append(f"({hidden} held-out failures not listed: they are for reporting; use --split heldout)")
    return lines


# ---------------------------------------------------------------------------------------------- main


def select(cases: Iterable[Case], split: str, kinds: Sequence[str]) -> list[Case]:
    """Keep the cases of the chosen split (dev.yml cases belong to every split) and of the chosen kinds."""
    return [c for c in cases if (split == "all" or c.split in (split, "dev")) and (not kinds or c.kind in kinds)]


def main(argv: list[str] | None = None) -> int:
    """Score the assistant and the BM25 baseline; exit 2 when the assistant cannot be reached."""
    settings = get_settings()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("tune", "heldout", "all"), default="all")
    parser.add_argument("--kind", action="append", choices=KINDS + DEV_KINDS, help="only this kind (repeatable)")
    parser.add_argument("--url", default=settings.rasa_url, help="Rasa server URL (default: RASA_URL)")
    parser.add_argument("--set", type=Path, default=OFFICERS_SET, help="officer-style set")
    parser.add_argument("--dev", type=Path, default=DEV_SET, help="../shared/eval/dev.yml ('' to skip)")
    parser.add_argument("--database-url", default=settings.database_url, help="knowledge base for BM25")
    parser.add_argument("--no-baseline", action="store_true", help="skip the BM25 baseline")
    args = parser.parse_args(argv)
    try:
        officers = load_set(args.set)
    except (OSError, SetError) as exc:
        print(f"cannot load {args.set}: {exc}", file=sys.stderr)
        return 2
    dev_markers = Markers(decline_id=DEV_DECLINE, decline_en=DEV_DECLINE_EN, direct=officers.markers.direct)

    def markers_for(case: Case) -> Markers:
        return dev_markers if case.kind in DEV_KINDS else officers.markers

    dev = load_dev(args.dev) if str(args.dev) and args.dev.is_file() else ()
    cases = select([*officers.cases, *dev], args.split, args.kind or ())
    assistant = RestAssistant(args.url, token=getattr(settings, "rasa_token", ""), timeout=settings.rasa_timeout * 2)
    try:
        results = run_cases(cases, assistant.ask, markers_for)
    except httpx.HTTPError as exc:
        print(f"cannot reach the assistant at {args.url} ({exc}); start it with 'make run'", file=sys.stderr)
        return 2
    finally:
        assistant.close()
    baseline_results = None
    if not args.no_baseline:
        baseline = Bm25Baseline(kb_entries(args.database_url))
        # A set with no tune part of its own (unseen.yml) borrows the threshold fitted on the officer set's tune part.
        tune = [c for c in officers.cases if c.split == "tune"] or [
            c for c in load_set(OFFICERS_SET).cases if c.split == "tune"
        ]
        threshold = baseline.calibrate(tune, markers_for)
        baseline_results = run_cases(cases, baseline.ask, markers_for)
        print(f"BM25 baseline: {len(baseline.entries)} active entries, decline under score {threshold:.2f} (tune)")
    print("\n".join(report_table(results, baseline_results)))
    line = f"median reply length: assistant {median_length(results)} chars"
    if baseline_results is not None:
        line += f", bm25 {median_length(baseline_results)} chars"
    print(line)
    print("\n".join(failure_lines(results, show_heldout=args.split == "heldout")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
