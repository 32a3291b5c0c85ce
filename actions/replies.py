"""How knowledge-base entries are turned into messages: answer text, sources, metadata and buttons.

Kept apart from the actions so every action phrases answers, citations and choices the same way. Replies are
sized for a phone: the direct answer (the entry's first paragraphs, up to `SHORT_ANSWER_CHARS`) and at most
two sources, official ones (go.id) first; the rest of the answer and the other sources sit behind a
"Selengkapnya" button.
"""

from __future__ import annotations

import json
from urllib.parse import urlparse

from rasa_sdk.executor import CollectingDispatcher

from actions.direct import without_verdict
from knowledge import Entry, Source, asked_year_first, focused_lines, for_the_asked_year, not_about_other_years

# Titles show on Telegram buttons; long ones are cut so a phone shows them whole.
MAX_BUTTON_TITLE = 60
# The direct answer shown first; a first paragraph longer than this is still shown whole.
SHORT_ANSWER_CHARS = 400
LONG_FIRST_PARAGRAPH_FACTOR = 1.5
MAX_SOURCES_SHOWN = 2
# Full addresses are long on a phone (Telegram shows linked titles instead): a second source is cited under a
# short answer only when both fit in this many characters; the rest are listed behind "Selengkapnya".
CITATION_BUDGET_CHARS = 220
# Each part of a multi-part reply shows less, so the whole reply still fits a phone screen.
PART_ANSWER_CHARS = 300
# Room for the lines that say what the question asked when the direct part does not ("kipp 2021 ditutup kapan").
FOCUSED_ANSWER_CHARS = 700
FOCUSED_PART_CHARS = 450
MORE_LABEL = {False: "Selengkapnya", True: "More"}
# Every channel and reader expects the citation line to begin with "Sumber:", English answers included.
SOURCES_LABEL = {False: "Sumber", True: "Sumber"}


def entry_button(entry: Entry) -> dict[str, str]:
    """Return a button that asks for one entry by id (deterministic, no NLU involved)."""
    title = entry.title if len(entry.title) <= MAX_BUTTON_TITLE else entry.title[: MAX_BUTTON_TITLE - 1] + "…"
    return {"title": title, "payload": "/choose_entry" + _entities(entry_id=entry.id)}


def more_button(entry: Entry, *, english: bool = False) -> dict[str, str]:
    """Return the "Selengkapnya" button that shows the rest of an entry's answer and all its sources."""
    return {"title": MORE_LABEL[english], "payload": "/show_more" + _entities(entry_id=entry.id, en=int(english))}


def _entities(**values: str | int) -> str:
    return json.dumps(values, separators=(",", ":"))


def _is_official(source: Source) -> bool:
    host = urlparse(source.url or "").hostname or ""
    return host.endswith(".go.id") or host == "go.id"


def ordered_sources(entry: Entry) -> list[Source]:
    """Return an entry's sources, official (go.id) ones first, otherwise in the order written."""
    return sorted(entry.sources, key=lambda source: not _is_official(source))


def _sources_that_fit(sources: list[Source]) -> list[Source]:
    """Return the sources cited under a short answer: the first, and a second if both fit the budget."""
    shown = sources[:1]
    for source in sources[1:MAX_SOURCES_SHOWN]:
        if sum(len(s.cite()) for s in (*shown, source)) > CITATION_BUDGET_CHARS:
            break
        shown.append(source)
    return shown


def citation(sources: list[Source], *, english: bool = False, more: int = 0) -> str:
    """Return the plain `Sumber:` line (the Telegram front end turns each `Title (url)` into a link)."""
    line = f"{SOURCES_LABEL[english]}: " + "; ".join(source.cite() for source in sources)
    if more:
        line += f" (+{more} more)" if english else f" (+{more} lainnya di Selengkapnya)"
    return line


def split_answer(body: str, limit: int = SHORT_ANSWER_CHARS) -> tuple[str, str]:
    """Split an answer into the direct part shown first and the rest.

    The cut falls at the end of a paragraph, or of a line in a long paragraph (a list), never mid-sentence.
    The first paragraph is shown whole when it is only a little over the limit, and a line that announces a
    list ("... empat tahap:") is shown with the list, within a larger budget: half a list answers nothing.
    """
    body = body.strip()
    first = body.split("\n\n")[0]
    cut = len(first) if len(first) <= limit * LONG_FIRST_PARAGRAPH_FACTOR else len(body.split("\n")[0])
    budget: float = limit
    while cut < len(body):
        if body[:cut].rstrip().endswith(":"):
            budget = limit * LONG_FIRST_PARAGRAPH_FACTOR
        following = body.find("\n", cut + 1)
        following = len(body) if following == -1 else following
        paragraph_end = body.find("\n\n", cut + 2)
        paragraph_end = len(body) if paragraph_end == -1 else paragraph_end
        # Whole paragraphs while they fit, else line by line inside a list.
        step = paragraph_end if paragraph_end <= budget else following
        if step > budget:
            break
        cut = step
    return body[:cut].strip(), body[cut:].strip()


def focused_answer(body: str, question: str = "", limit: int = SHORT_ANSWER_CHARS) -> tuple[str, str]:
    """Split like `split_answer`, then bring forward the lines of the rest that say what `question` asked.

    Of a year-by-year list, the lines of the year asked take the place of the other years' lines.
    """
    short, rest = split_answer(body, limit)
    short, asked_year = for_the_asked_year(question, short, rest)
    short = "\n".join([short, *asked_year])
    extra = focused_lines(question, short, rest, FOCUSED_ANSWER_CHARS - len(short)) if question else []
    extra = not_about_other_years(question, [line for line in extra if line not in short])
    return asked_year_first(question, "\n".join([short, *extra])), rest


def answer_body(entry: Entry, *, english: bool = False) -> str:
    """Return the entry's answer in the asked language (Indonesian when no translation exists)."""
    return (entry.answer_en if english and entry.answer_en else entry.answer).strip()


def send_answer(
    dispatcher: CollectingDispatcher,
    entry: Entry,
    *,
    english: bool = False,
    lead: str | None = None,
    buttons: list[dict[str, str]] | None = None,
    question: str = "",
    verdict: bool = True,
) -> None:
    """Send the direct answer of an entry with its sources, tagged with the entry id and version.

    `lead` is a line put before the answer (a direct yes/no for a yes/no question). `buttons` go under
    the answer, after "Selengkapnya" when the answer has more to show. `question`, when given, brings forward
    the lines of the rest of the answer that say what it asked. Without `verdict`, an opening "Ya," or
    "Tidak," is left out (the question asked what, not whether).
    """
    # The marker comes first so the Telegram front end knows, while it builds the bubble, that this is an answer.
    dispatcher.utter_message(json_message={"kb_answer": {"entry_id": entry.id, "version": entry.version}})
    body = answer_body(entry, english=english)
    short, rest = focused_answer(body if verdict else without_verdict(body), question)
    sources = ordered_sources(entry)
    shown_sources = _sources_that_fit(sources)
    hidden_sources = len(sources) - len(shown_sources)
    text = f"{lead}\n\n{short}" if lead else short
    more = [more_button(entry, english=english)] if rest or hidden_sources else []
    all_buttons = more + (buttons or [])
    line = citation(shown_sources, english=english, more=hidden_sources)
    dispatcher.utter_message(text=f"{text}\n\n{line}", buttons=all_buttons or None)


def send_rest(dispatcher: CollectingDispatcher, entry: Entry, *, english: bool = False) -> None:
    """Send what "Selengkapnya" promised: the rest of the answer and every source."""
    short, rest = split_answer(answer_body(entry, english=english))
    body = rest or short
    dispatcher.utter_message(text=f"{body}\n\n{citation(ordered_sources(entry), english=english)}")


def send_sources(dispatcher: CollectingDispatcher, entry: Entry, *, english: bool = False) -> None:
    """Send every source of the last answer, official ones first, for "sumbernya?"."""
    dispatcher.utter_message(json_message={"kb_answer": {"entry_id": entry.id, "version": entry.version}})
    intro = f"Sources for “{entry.title}”:" if english else f"Sumber untuk “{entry.title}”:"
    dispatcher.utter_message(text=f"{intro}\n\n{citation(ordered_sources(entry), english=english)}")


def part_answer(
    entry: Entry, *, english: bool = False, number: int | None = None, question: str = "", verdict: bool = True
) -> str:
    """Return one part of a multi-part reply: the direct answer and its own (first) source.

    Without `verdict`, an opening "Ya," or "Tidak," is left out, as in `send_answer`.
    """
    body = answer_body(entry, english=english)
    short, rest = split_answer(body if verdict else without_verdict(body), limit=PART_ANSWER_CHARS)
    if question:
        short = "\n".join([short, *focused_lines(question, short, rest, FOCUSED_PART_CHARS - len(short))])
    heading = f"{number}. {entry.title}\n" if number is not None else ""
    return f"{heading}{short}\n{citation(ordered_sources(entry)[:1], english=english)}"


def send_excerpt(dispatcher: CollectingDispatcher, entry: Entry, excerpt: str, *, english: bool = False) -> None:
    """Send the lines of an earlier answer that answer a follow-up, with that answer's source."""
    dispatcher.utter_message(json_message={"kb_answer": {"entry_id": entry.id, "version": entry.version}})
    line = citation(_sources_that_fit(ordered_sources(entry)), english=english)
    dispatcher.utter_message(text=f"{excerpt}\n\n{line}")
