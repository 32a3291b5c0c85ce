"""Actions that answer questions from the knowledge base: free questions, chosen entries, topics, "more".

Triggered by the question intents, follow-ups, nlu_fallback and out_of_scope (see
nlu/data/rules/questions.yml). A message is first read like a person would (`knowledge.read_question`):
greetings and personal context set aside, one question or several, English or Indonesian, yes/no or not.
A message that leaves its subject out is read with the conversation's last answer (its subject, year and
group) until the context expires. Retrieval then decides between answering with a citation, offering
choices, and declining politely; every question and its outcome is logged for the admins.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
import unicodedata
from abc import ABC, abstractmethod
from dataclasses import dataclass, replace
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions._kb import resolve_kb
from actions.direct import (
    direct_line,
    facts_asked,
    names_province,
    verdict_fits,
    without_verdict,
    written_for_the_case,
    written_for_the_province,
)
from actions.replies import (
    answer_body,
    entry_button,
    part_answer,
    send_answer,
    send_excerpt,
    send_rest,
    send_sources,
)
from knowledge import (
    TOPICS,
    Entry,
    Hints,
    Hit,
    KnowledgeBase,
    KnowledgeUnavailable,
    Question,
    QuestionRecord,
    SearchResult,
    asking_core,
    asks_open_question,
    asks_something,
    content_terms,
    excerpt_in_english,
    is_indonesian,
    is_year_only,
    money_unsaid,
    named_subjects,
    only_chatter,
    read_question,
    refers_back_to,
    unrecorded_place,
    unrecorded_year,
    years_in,
)

logger = logging.getLogger(__name__)

_THANKS = re.compile(r"\b(?:terima\s*kasih|makasih?|thanks|thank\s+you)\b", re.IGNORECASE)

# Which knowledge-base topics each question intent points to (a nudge for retrieval, not a filter).
INTENT_TOPICS: dict[str, frozenset[str]] = {
    "ask_kipp": frozenset({"kipp", "sinovik", "unpsa", "klinik", "umum"}),
    "ask_replication": frozenset({"replikasi", "jipp"}),
    "ask_institutionalisation": frozenset({"pelembagaan"}),
    "ask_mpp": frozenset({"mpp"}),
}
# Topics that are part of a larger one: SINOVIK is KIPP's submission system, the JIPP hubs serve replication.
TOPIC_PARENTS = {"sinovik": "kipp", "unpsa": "kipp", "jipp": "replikasi"}
# When the NLU calls a question out of scope, only a clear knowledge-base match overrides it.
OUT_OF_SCOPE_OVERRIDE = 0.3
# A part of a multi-part message may be answered by a candidate of the message's subject this relevant (the
# knowledge base's own answer threshold), ahead of a closer one about another subject.
PART_ON_SUBJECT_MIN = 0.2
# A follow-up the NLU calls out of scope is offered choices about the conversation's subject when an entry of
# that subject matches it this well (the knowledge base's own answer threshold).
CHOICE_MIN_SCORE = 0.2
# Below this score an entry's opening "Ya," / "Tidak," is not shown: "mpp buka hari sabtu?" matched an MPP
# rule at 0.2 and was answered "Ya, ...". The weakest right verdict on the officer set scored 0.28.
VERDICT_MIN_SCORE = 0.25
# Runner-up entries this close to the answer are offered as "related" buttons under it.
RELATED_MARGIN = 0.05
# Retrieval reads the start of very long messages; officers paste whole documents sometimes.
MAX_QUERY_CHARS = 1000
LONG_MESSAGE_CHARS = 1500
# A follow-up is short: "dasar hukumnya apa?", "terus langkah pertamanya?", "kalau kelompok replikasi?".
FOLLOW_UP_MAX_WORDS = 7
# After this long without a question, the last answer no longer explains a message without a subject.
CONTEXT_TTL_SECONDS = 30 * 60
MAX_PARTS = 3
# Replies that are small talk whatever the knowledge base holds.
# Below this the NLU's small-talk reading of a message of three words or more is not trusted.
SMALL_TALK_MIN_CONFIDENCE = 0.5
SMALL_TALK_ONLY = frozenset(
    {"ya", "iya", "ok", "oke", "baik", "siap", "tidak", "nggak", "ga", "gak", "bukan", "makasih", "terima kasih"}
)
# "pinjem duit dong", "tolong beliin pulsa": a request, not a remark; one the knowledge base does not answer is
# declined, not acknowledged like "oke min".
_FAVOUR = re.compile(r"\b(?:dong|donk|tolong|minta|mohon|pinjem|pinjam|beliin|please|pls)\b", re.IGNORECASE)
_FAVOUR_WORDS = frozenset({"dong", "donk", "tolong", "minta", "mohon", "please", "pls", "min", "kak", "pak", "bu"})

# A request for help that names the assistant, or says nothing but how to use it, is about the assistant.
_ADDRESSES_THE_ASSISTANT = re.compile(r"\b(?:bot|kamu|km|anda|kau|lu|you)\b", re.IGNORECASE)
_HELP_TERMS = frozenset(
    {"cara", "bagaimana", "bantu", "butuh", "pakai", "guna", "pandu", "petunjuk", "fitur", "fungsi", "tanya", "aju"}
)

TEXTS = {
    False: {
        "unanswered_part": "Untuk “{part}”, saya belum menemukan jawabannya. Coba tanyakan terpisah dengan kata lain.",
        "about": "Tentang {subject}, maksud Anda:",
        "unrecorded": "Maaf, soal uang seperti itu (gaji, honor, anggaran, biaya, hadiah uang) tidak tercatat dalam "
        "sumber saya, jadi pertanyaan itu di luar cakupan yang bisa saya jawab dengan pasti. Silakan tanyakan ke "
        "Kementerian PANRB atau unit yang berwenang.",
        "unrecorded_part": "Untuk “{part}”, soal uangnya tidak tercatat dalam sumber saya.",
    },
    True: {
        "unanswered_part": "For “{part}”, I could not find an answer. Please ask it on its own, in other words.",
        "about": "About {subject}, do you mean:",
        "unrecorded": "Sorry, money matters like that (pay, fees, budgets, costs, cash prizes) are not recorded in my "
        "sources, so that is outside the scope I can answer reliably. Please ask the Ministry of PANRB or the "
        "responsible unit. (Maaf, soal uang itu tidak tercatat dalam sumber saya.)",
        "unrecorded_part": "For “{part}”, the money asked about is not recorded in my sources.",
    },
}


def _is_readable(text: str) -> bool:
    """Return whether the text is mostly Latin letters or digits (Indonesian or English)."""
    letters = [ch for ch in text if ch.isalpha()]
    if not letters:
        return True
    latin = sum(1 for ch in letters if unicodedata.name(ch, "").startswith("LATIN"))
    return latin / len(letters) >= 0.6


def _entity(tracker: Tracker, name: str) -> str | None:
    value = next(tracker.get_latest_entity_values(name), None)
    return str(value) if value is not None else None


@dataclass(frozen=True)
class _Answered:
    """One part of a message and what retrieval made of it."""

    part: str
    result: SearchResult
    outcome: str  # answered, uncertain, ambiguous or declined
    unrecorded: bool = False  # declined because it asks an amount of money the sources do not give


def _outcome(result: SearchResult, intent: str | None) -> str:
    best = result.best
    if best is None:
        return "declined"
    # The NLU's out_of_scope is a hint: a message read in the conversation's context, or a clear match, is answered.
    if intent == "out_of_scope" and not (
        result.confident and (result.used_context or best.score >= OUT_OF_SCOPE_OVERRIDE)
    ):
        return "declined"
    if result.confident:
        return "uncertain" if result.uncertain else "answered"
    return "ambiguous"


def _context_events(entry: Entry, year: str | None = None, *, english: bool = False) -> list[dict[str, Any]]:
    """Remember what was answered, and what the conversation is about and in.

    The year ("kipp 2020 ..." then "presentasinya?") and the language ("what is an MPP?" then "legal basis?").
    """
    return [
        SlotSet("last_entry_id", entry.id),
        SlotSet("last_topic", entry.topic),
        SlotSet("last_answer_at", time.time()),
        SlotSet("last_year", year or _year(entry.title)),
        SlotSet("last_english", english),
    ]


def _conversation_year(tracker: Tracker, previous: Entry | None) -> str | None:
    """Return the year the conversation was about, while its context holds (a previous answer to build on)."""
    year = tracker.get_slot("last_year") if previous is not None else None
    return year if isinstance(year, str) and year.isdigit() else None


class ActionAnswerQuestion(Action):
    """Answer the latest question from the knowledge base, or offer choices, or decline."""

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self._kb = kb

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_answer_question"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on every question intent, follow-up, nlu_fallback and out_of_scope message."""
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not text or not any(ch.isalnum() for ch in text):
            dispatcher.utter_message(response="utter_not_understood")
            return []
        if not _is_readable(text):
            dispatcher.utter_message(response="utter_other_language")
            return []
        if len(text) > LONG_MESSAGE_CHARS:
            dispatcher.utter_message(response="utter_too_long")
        if only_chatter(text):  # "apa kabar min?" that the NLU did not take for a greeting: no question in it
            dispatcher.utter_message(response="utter_you_are_welcome" if _THANKS.search(text) else "utter_greet")
            return []
        question = read_question(text[:MAX_QUERY_CHARS])
        kb = resolve_kb(self._kb)
        try:
            return await asyncio.to_thread(self._answer, kb, dispatcher, tracker, question, intent)
        except KnowledgeUnavailable:
            logger.exception("knowledge base unavailable")
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []

    def _answer(
        self,
        kb: KnowledgeBase,
        dispatcher: CollectingDispatcher,
        tracker: Tracker,
        question: Question,
        intent: str | None,
    ) -> list[dict[str, Any]]:
        if question.injection:
            dispatcher.utter_message(response="utter_out_of_scope_en" if question.english else "utter_out_of_scope")
            kb.log_question(
                QuestionRecord(sender_id=tracker.sender_id, text=question.text, intent=intent, outcome="declined")
            )
            return []
        previous = self._previous(kb, tracker, question)
        # "legal basis?" after an answer in English: too short to tell, so the conversation's language holds.
        if previous is not None and tracker.get_slot("last_english") is True and not is_indonesian(question.text):
            question = replace(question, english=True)
        if previous is not None and refers_back_to(question, previous):
            question = replace(question, names_subject=False)  # "permennya": the one just spoken of
        if question.asks_more and previous is not None:
            send_rest(dispatcher, previous, english=question.english)
            return _context_events(previous, _conversation_year(tracker, previous), english=question.english)
        if question.asks_source and previous is not None:
            send_sources(dispatcher, previous, english=question.english)
            return _context_events(previous, _conversation_year(tracker, previous), english=question.english)
        if question.asks_again and previous is not None:
            send_answer(dispatcher, previous, english=question.english)
            return _context_events(previous, _conversation_year(tracker, previous), english=question.english)
        parts = self._answer_parts(kb, tracker, question, intent, previous)
        if len(parts) > 1 and sum(p.outcome in {"answered", "uncertain"} for p in parts) >= 1:
            answered = self._send_parts(dispatcher, parts, english=question.english)
        else:
            whole = self._search(kb, tracker, question.text, intent, previous, question)
            whole = _with_province_list(kb, whole, question)
            parts = [whole]
            # The conversation's year picks the answer's lines for it: "tgl brp?" in a talk about KIPP 2025.
            year = None if _year(question.text) else _conversation_year(tracker, previous)
            answered = self._send_single(dispatcher, whole, question, previous, year)
        for part in parts:
            best = part.result.best
            kb.log_question(
                QuestionRecord(
                    sender_id=tracker.sender_id,
                    text=part.part,
                    intent=intent,
                    outcome=part.outcome,
                    entry=best.entry if best and part.outcome in {"answered", "uncertain"} else None,
                    score=best.score if best else None,
                )
            )
            logger.info(
                "question intent=%s outcome=%s entry=%s context=%s",
                intent,
                part.outcome,
                best.entry.id if best else None,
                part.result.used_context,
            )
        # The year stays the conversation's until a question names another.
        year = _year(question.text) or _conversation_year(tracker, previous)
        return _context_events(answered, year, english=question.english) if answered else []

    @staticmethod
    def _previous(kb: KnowledgeBase, tracker: Tracker, question: Question) -> Entry | None:
        """Return the last answer if it still gives context: recent, and the message names no subject of its own."""
        previous_id = tracker.get_slot("last_entry_id")
        answered_at = tracker.get_slot("last_answer_at")
        if not previous_id or (
            isinstance(answered_at, (int, float)) and time.time() - answered_at > CONTEXT_TTL_SECONDS
        ):
            return None
        previous = kb.entry(previous_id)
        # "bedanya sama replikasi apa?" names replication, but asks how it relates to what was just discussed;
        # "tujuan permennya apa?" names the regulation the last answer spoke of.
        if previous is None or not question.names_subject:
            return previous
        follows = question.switches_subject or question.relates or refers_back_to(question, previous)
        # "tahun brp jadi hub?" after the NTT hub: a short question naming only the subject just discussed.
        named = named_subjects(question.text)
        same = len(question.text.split()) <= FOLLOW_UP_MAX_WORDS and named <= named_subjects(previous.title)
        return previous if follows or same else None

    def _answer_parts(
        self,
        kb: KnowledgeBase,
        tracker: Tracker,
        question: Question,
        intent: str | None,
        previous: Entry | None,
    ) -> list[_Answered]:
        """Search each question of a multi-part message; a later part is read with an earlier part's answer."""
        if len(question.parts) < 2:
            return []
        answered: list[_Answered] = []
        context = previous
        subject: Entry | None = None  # the first part's answer: what the message is about
        for part in question.parts[:MAX_PARTS]:
            part_question = read_question(part)
            # A part is first read on its own; only one that cannot stand alone ("kalau 2025", "kalau jipp",
            # "trus dasar hukumnya") is read with the answer to the part before it.
            found = self._search(kb, tracker, part, intent, None, part_question, whole=question)
            needs_context = part_question.switches_subject or part_question.relates or not part_question.names_subject
            leans = part_question.switches_subject or part_question.relates or is_year_only(part)
            # "jipp apa, dasar hukumnya apa?": an aspect that, read alone, lands on another subject's entry
            # (KIPP's legal basis) belongs to the subject of the part before.
            best = found.result.best
            strays = context is not None and best is not None and not _same_subject(best.entry, context)
            leans = leans or (strays and not part_question.names_subject)
            answered_alone = found.outcome in {"answered", "uncertain"}
            # An uncertain reading of its own is still an answer: "kalo menang dapet apa?" is the prizes,
            # not the lines of the part before it that happen to share a word.
            if context is not None and needs_context and (not answered_alone or leans):
                in_context = self._search(kb, tracker, part, intent, context, part_question, whole=question)
                # "pelembagaan itu apa, contohnya apa, dasar hukumnya apa?": read with the part before (the
                # examples) it finds those examples again, or strays, so it is read with the message's first subject.
                reading = in_context.result.best
                astray = reading is not None and (
                    reading.entry.id == context.id or not _same_subject(reading.entry, context)
                )
                if subject is not None and subject.id != context.id and astray:
                    in_context = self._search(kb, tracker, part, intent, subject, part_question, whole=question)
                # "brp MPP sekarang dan dasar hukumnya apa?": a part that names no subject is about the message's
                # subject, so a candidate of that subject beats a closer one of another ("Dasar hukum KIPP").
                if not part_question.names_subject:
                    in_context = _on_subject(in_context, subject or context)
                # ...and the part before's own answer again is no reading of this part when it has one of its own.
                again = in_context.result.best is not None and in_context.result.best.entry.id == context.id
                if in_context.outcome in {"answered", "uncertain"} and not (again and answered_alone):
                    found = in_context
            if found.outcome in {"answered", "uncertain"} and found.result.best:
                context = found.result.best.entry
                subject = subject or context
            answered.append(found)
        # Several parts that all land on one entry were one question after all.
        distinct = {
            p.result.best.entry.id if p.result.best and p.outcome != "declined" else f"unanswered-{i}"
            for i, p in enumerate(answered)
        }
        return answered if len(distinct) > 1 else []

    @staticmethod
    def _search(
        kb: KnowledgeBase,
        tracker: Tracker,
        text: str,
        intent: str | None,
        previous: Entry | None,
        question: Question,
        whole: Question | None = None,
    ) -> _Answered:
        topic = _entity(tracker, "topic")
        topics = set(INTENT_TOPICS.get(intent or "", frozenset()))
        if topic in TOPICS:
            topics.add(topic)
        short = len(text.split()) <= FOLLOW_UP_MAX_WORDS
        hints = Hints(
            topics=frozenset(topics),
            # A part without a year of its own takes the message's ("kipp 2025 temanya apa dan pemenangnya?").
            # The conversation's year carries over: "kategorinya apa aja?" after the KIPP 2025 theme.
            year=(_entity(tracker, "year") or _year(text) if whole is None else _year(text) or _year(whole.text))
            # The year asked ("peserta 2015") before the span of the entry that answered it ("2014–2019").
            or _conversation_year(tracker, previous)
            or (_year(previous.title) if previous is not None and not question.names_subject else None),
            previous=previous,
            follow_up=(intent == "ask_followup" and whole is None)
            or (previous is not None and (question.relates or is_year_only(text))),
            may_follow_up=previous is not None and (short or whole is not None) and not question.names_subject,
            # Parts of one message may share an entry: that only means they were one question.
            switch_subject=question.switches_subject,
            repeat=question.asks_repeat or whole is not None,
            facts=facts_asked(question),
            doubtful=intent == "out_of_scope" and whole is None,
            yes_no=question.yes_no,
            relates=question.relates and previous is not None,
            guess=True,
        )
        result = kb.search(text, hints)
        # Background before the question may blur it ("di kantor kami lagi rame soal kipp, sebenernya kipp itu
        # tujuannya apa ya?"): when that finds nothing clear, the asking clauses alone may, provided they find
        # one of the candidates the whole message found (background that is the point, "inovasi kami baru 8
        # bulan, udah bisa ikut?", points elsewhere than the bare question).
        core = asking_core(text) if whole is None and not result.confident and not result.in_previous else ""
        if core:
            on_its_own = kb.search(core, hints)
            candidates = {hit.entry.id for hit in result.hits}
            if on_its_own.confident and on_its_own.best and on_its_own.best.entry.id in candidates:
                result = on_its_own
        if result.in_previous and result.excerpt:
            if money_unsaid(text, result.excerpt):  # "harga beras brp?" after KIPP, whose "penghargaan" says "harga"
                return _Answered(part=text, result=result, outcome="declined", unrecorded=True)
            return _Answered(part=text, result=result, outcome="answered")
        if result.in_previous and previous is not None:
            result = _topic_choices(kb, f"{text} {TOPICS.get(previous.topic, '')}", previous)
        # Inside a multi-part message the NLU intent describes the whole message, not this part.
        outcome = _outcome(result, intent if whole is None else None)
        # "kpn dikirim?" after the UNPSA 2026 schedule, taken for out of scope: a short question inside a
        # conversation that finds entries of it gets choices about the subject, not a decline.
        best = result.best
        if (
            outcome == "declined"
            and intent == "out_of_scope"
            and whole is None
            and previous is not None
            and short
            and asks_something(text)
            and best is not None
            and best.score >= CHOICE_MIN_SCORE
            and best.entry.topic == previous.topic
        ):
            return _Answered(part=text, result=replace(result, confident=False, used_context=True), outcome="ambiguous")
        if outcome in {"answered", "uncertain"} and result.best and money_unsaid(text, _said_by(result.best.entry)):
            return _Answered(part=text, result=result, outcome="declined", unrecorded=True)
        # Choices none of which speaks of the money asked ("harga beras brp?") would offer what cannot answer it.
        # (A part of a longer message that finds nothing is named as unanswered instead.)
        if (
            outcome == "ambiguous"
            and whole is None
            and result.hits
            and all(money_unsaid(text, _said_by(hit.entry)) for hit in result.hits)
        ):
            return _Answered(part=text, result=result, outcome="declined", unrecorded=True)
        return _Answered(part=text, result=result, outcome=outcome)

    @staticmethod
    def _send_single(
        dispatcher: CollectingDispatcher,
        found: _Answered,
        question: Question,
        previous: Entry | None,
        year: str | None = None,
    ) -> Entry | None:
        english = question.english
        result, best = found.result, found.result.best
        if found.unrecorded:
            dispatcher.utter_message(text=TEXTS[english]["unrecorded"])
            return None
        if found.outcome == "declined" or best is None:
            dispatcher.utter_message(response="utter_out_of_scope_en" if english else "utter_out_of_scope")
            return None
        if result.in_previous and result.excerpt:
            # Only the lines that answer the follow-up, never the whole previous answer again.
            # In English when it can be told which English lines they are; else the English answer itself.
            excerpt = excerpt_in_english(best.entry, result.excerpt, question.text) if english else result.excerpt
            if not excerpt:
                send_answer(dispatcher, best.entry, english=True, question=question.text)
                return best.entry
            send_excerpt(
                dispatcher, best.entry, without_verdict(excerpt) if asks_open_question(question.text) else excerpt
            )
            return best.entry
        if found.outcome == "ambiguous":
            buttons = [entry_button(hit.entry) for hit in result.hits]
            if result.used_context and previous is not None:
                subject = TOPICS.get(previous.topic, previous.topic)
                dispatcher.utter_message(text=TEXTS[english]["about"].format(subject=subject), buttons=buttons)
            else:
                dispatcher.utter_message(
                    response="utter_candidates_en" if english else "utter_candidates", buttons=buttons
                )
            return None
        if question.yes_no:
            candidates = [hit.entry for hit in result.hits]
            case = written_for_the_case(question, candidates) or written_for_the_province(question, candidates)
            best = next((hit for hit in result.hits if hit.entry is case), best)
        # An uncertain answer keeps every other candidate a tap away.
        related = [
            hit.entry
            for hit in result.hits
            if hit is not best and (result.uncertain or best.score - hit.score <= RELATED_MARGIN)
        ]
        if question.yes_no:
            lead = direct_line(question, best.entry)
        else:  # "siapa ketua TPI tahun 2018?", "jumlah mpp di provinsi papua?": what the answer does not say, first
            body = answer_body(best.entry, english=english)
            lead = unrecorded_year(question.text, body, english=english) or unrecorded_place(
                question.text, _said_by(best.entry), english=english
            )
        send_answer(
            dispatcher,
            best.entry,
            english=english,
            lead=lead,
            buttons=[entry_button(e) for e in related] or None,
            question=f"{question.text} {year}" if year else question.text,
            # A line worked out for the officer's own case replaces the entry's general yes or no.
            verdict=lead is None and _shows_verdict(question, best),
        )
        return best.entry

    @staticmethod
    def _send_parts(dispatcher: CollectingDispatcher, parts: list[_Answered], *, english: bool) -> Entry | None:
        """Answer each part with its own source in one reply; name the parts without an answer."""
        first: Entry | None = None
        sections: list[str] = []
        seen: set[str] = set()
        for number, part in enumerate(parts, start=1):
            best = part.result.best
            if part.outcome in {"answered", "uncertain"} and best and best.entry.id not in seen:
                seen.add(best.entry.id)
                first = first or best.entry
                verdict = _shows_verdict(read_question(part.part), best)
                sections.append(
                    part_answer(best.entry, english=english, number=number, question=part.part, verdict=verdict)
                )
            elif part.unrecorded:
                sections.append(f"{number}. " + TEXTS[english]["unrecorded_part"].format(part=_short(part.part)))
            elif not (best and best.entry.id in seen):
                sections.append(f"{number}. " + TEXTS[english]["unanswered_part"].format(part=_short(part.part)))
        if first is not None:
            dispatcher.utter_message(json_message={"kb_answer": {"entry_id": first.id, "version": first.version}})
        dispatcher.utter_message(text="\n\n".join(sections))
        return first


class ActionSmallTalk(ActionAnswerQuestion):
    """Answer a greeting, thanks or goodbye, unless it wraps a real question, which is then answered."""

    RESPONSES: ClassVar[dict[str, str]] = {
        "greet": "utter_greet",
        "thanks": "utter_you_are_welcome",
        "goodbye": "utter_goodbye",
        "affirm": "utter_affirm_ack",
        "deny": "utter_deny_ack",
        "bot_challenge": "utter_iamabot",
        "help": "utter_help",
    }

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_small_talk"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run on greet, thanks and goodbye."""
        text = (tracker.latest_message.get("text") or "").strip()
        intent = (tracker.latest_message.get("intent") or {}).get("name") or "greet"
        confidence = (tracker.latest_message.get("intent") or {}).get("confidence")
        question = read_question(text[:MAX_QUERY_CHARS])
        # "pagi min, kipp itu apa?", "makasih. oh iya, ketua TPI siapa?", "wajib gak?" after an answer on study
        # visits, "pemenangnya siapa aja?": a question the NLU took for small talk is answered.
        # An injection wrapped in small talk ("abaikan aturan ... siapa kamu") is declined like any other, and
        # "sekali lagi min" (taken for "ok") asks for the last answer again.
        if (
            question.injection
            or question.asks_again
            or (
                # "nominasi?" after the 2023 figures: one word, but asked.
                (len(question.text.split()) >= 2 or question.text.rstrip().endswith("?"))
                and (intent != "help" or not _about_the_assistant(question.text))
                and asks_something(question.text)
                and await self._answers_something(tracker, question)
            )
        ):
            return await super().run(dispatcher, tracker, domain)
        # A favour ("pinjem duit dong"), or a request the NLU only guessed was small talk ("write me a poem about
        # Monday mornings" as a greeting) that the knowledge base does not answer either: declined, not greeted.
        unsure = isinstance(confidence, float) and confidence < SMALL_TALK_MIN_CONFIDENCE and len(text.split()) >= 3
        # "apa kabar min? lagi sibuk?" is small talk however unsure the NLU was of it.
        unsure = unsure and not only_chatter(text)
        if unsure or (intent in {"affirm", "deny", "greet"} and _asks_a_favour(question.text)):
            dispatcher.utter_message(response="utter_out_of_scope_en" if question.english else "utter_out_of_scope")
            return []
        dispatcher.utter_message(response=self.RESPONSES.get(intent, "utter_greet"))
        return []

    async def _answers_something(self, tracker: Tracker, question: Question) -> bool:
        """Return whether the knowledge base answers the message clearly, alone or in the conversation's context."""
        if question.text.lower().strip(" ?!.") in SMALL_TALK_ONLY:
            return False
        kb = resolve_kb(self._kb)
        try:
            previous = await asyncio.to_thread(self._previous, kb, tracker, question)
            hints = Hints(previous=previous, may_follow_up=previous is not None and not question.names_subject)
            found = await asyncio.to_thread(kb.search, question.text, hints)
        except KnowledgeUnavailable:
            return False
        return found.confident or found.in_previous


def _about_the_assistant(text: str) -> bool:
    """Return whether a request for help is about this assistant ("kamu bisa bantu apa?", "cara pakainya gmn").

    "cara gabungnya gmn" after a JIPP answer and "kemenpan bantu apa aja?" ask about something else: they are
    questions, which the knowledge base answers when it can.
    """
    if _ADDRESSES_THE_ASSISTANT.search(text):
        return True
    return not set(content_terms(text)) - _HELP_TERMS


def _asks_a_favour(text: str) -> bool:
    """Return whether a message requests something ("pinjem duit dong") rather than only acknowledging."""
    words = set(re.findall(r"\w+", text.lower())) - _FAVOUR_WORDS
    return bool(_FAVOUR.search(text)) and bool(words - SMALL_TALK_ONLY)


def _with_province_list(kb: KnowledgeBase, found: _Answered, question: Question) -> _Answered:
    """Lead with the entry that lists provinces, for "is province X ...?" that the best answer never speaks of.

    "papua hub jipp bukan?" finds "Ya, pemda kabupaten/kota ikut JIPP ..."; the entry that opens "Tergantung
    provinsinya: ..." on the same topic is the one to look Papua up in, whether or not it was a candidate.
    """
    best = found.result.best
    if not question.yes_no or best is None or found.outcome not in {"answered", "uncertain"}:
        return found
    if found.result.in_previous or not names_province(question.text):  # most yes/no questions name none
        return found
    asked = set(content_terms(question.text))
    others = sorted(
        (entry for entry in kb.topic_entries(best.entry.topic) if entry.id != best.entry.id),
        key=lambda entry: -len(asked & set(content_terms(" ".join((entry.title, *entry.questions))))),
    )
    listed = written_for_the_province(question, [best.entry, *others])
    if listed is None:
        return found
    hits = (Hit(entry=listed, score=best.score), *(hit for hit in found.result.hits if hit.entry.id != listed.id))
    return replace(found, result=replace(found.result, hits=hits))


def _on_subject(found: _Answered, subject: Entry) -> _Answered:
    """Return `found` led by its best candidate about `subject`'s subject, when its best is about another."""
    best = found.result.best
    if best is None or _same_subject(best.entry, subject) or found.result.in_previous:
        return found
    # Only a candidate titled with another subject ("Dasar hukum KIPP ...") is passed over.
    if not named_subjects(best.entry.title) - named_subjects(subject.title):
        return found
    hit = next((h for h in found.result.hits if _same_subject(h.entry, subject) and h.entry.id != subject.id), None)
    if hit is None or hit.score < PART_ON_SUBJECT_MIN:
        return found
    others = tuple(h for h in found.result.hits if h is not hit)
    result = replace(found.result, hits=(hit, *others), confident=True, uncertain=True)
    return replace(found, result=result, outcome="uncertain")


def _said_by(entry: Entry) -> str:
    """Return everything an entry says: its title and its answer in both languages."""
    return " ".join((entry.title, entry.answer, entry.answer_en or ""))


def _same_subject(entry: Entry, other: Entry) -> bool:
    """Whether two entries are about one subject: the same topic, or one a part of the other (SINOVIK of KIPP)."""
    topics = {entry.topic, other.topic}
    return len(topics) == 1 or any(TOPIC_PARENTS.get(topic) in topics for topic in topics)


def _shows_verdict(question: Question, hit: Hit) -> bool:
    """Whether an answer may open with its entry's yes or no for this question.

    A verdict about another regulation or programme than the one asked of, or found by a weak match, may say
    the opposite of the facts; a question that asks what rather than whether ("syaratnya apa?") asked none,
    and neither did a few words typed as a search ("kipp 2020 jadwalnya" is no "was it held?").
    """
    asked_whether = question.yes_no or "?" in question.text
    return (
        hit.score >= VERDICT_MIN_SCORE
        and verdict_fits(question, hit.entry)
        and not asks_open_question(question.text)
        and asked_whether
    )


def _year(text: str) -> str | None:
    years = years_in(text)
    return years[0] if years else None


def _topic_choices(kb: KnowledgeBase, text: str, previous: Entry) -> SearchResult:
    """Return up to three other entries of the previous answer's topic, as choices."""
    found = kb.search(text, Hints(topics=frozenset({previous.topic})))
    hits = tuple(h for h in found.hits if h.entry.topic == previous.topic and h.entry.id != previous.id)
    if not hits:
        hits = tuple(Hit(entry=e, score=0.0) for e in kb.topic_entries(previous.topic) if e.id != previous.id)[:3]
    return SearchResult(hits=hits, confident=False, used_context=True)


def _short(text: str, limit: int = 60) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _EntryButtonAction(Action, ABC):
    """An action on the entry a button names (`{"entry_id": ...}`): send it, then keep it as the context."""

    action_name: ClassVar[str]

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self._kb = kb

    def name(self) -> str:
        """Return the action name used in the domain."""
        return self.action_name

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when the button is tapped."""
        entry = await _chosen_entry(self._kb, dispatcher, tracker)
        if entry is None:
            return []
        self._send(dispatcher, tracker, entry)
        return _context_events(entry, english=_entity(tracker, "en") == "1")

    @abstractmethod
    def _send(self, dispatcher: CollectingDispatcher, tracker: Tracker, entry: Entry) -> None:
        """Send what the button asked for about `entry`."""


class ActionAnswerEntry(_EntryButtonAction):
    """Answer the entry the user picked from candidate or topic buttons (`/choose_entry{"entry_id": ...}`)."""

    action_name = "action_answer_entry"

    def _send(self, dispatcher: CollectingDispatcher, tracker: Tracker, entry: Entry) -> None:
        send_answer(dispatcher, entry)


class ActionShowMore(_EntryButtonAction):
    """Show the rest of an answer and all its sources ("Selengkapnya", `/show_more{"entry_id": ...}`)."""

    action_name = "action_show_more"

    def _send(self, dispatcher: CollectingDispatcher, tracker: Tracker, entry: Entry) -> None:
        send_rest(dispatcher, entry, english=_entity(tracker, "en") == "1")


async def _chosen_entry(kb: KnowledgeBase | None, dispatcher: CollectingDispatcher, tracker: Tracker) -> Entry | None:
    """Return the entry a button named, or tell the user why there is none."""
    entry_id = _entity(tracker, "entry_id")
    try:
        entry = await asyncio.to_thread(resolve_kb(kb).entry, entry_id) if entry_id else None
    except KnowledgeUnavailable:
        logger.exception("knowledge base unavailable")
        dispatcher.utter_message(response="utter_kb_unavailable")
        return None
    if entry is None:
        # The entry was retired after the buttons were sent, or the payload was forged.
        dispatcher.utter_message(response="utter_not_understood")
    return entry


class ActionShowTopic(Action):
    """List the questions of one topic as buttons."""

    MAX_BUTTONS = 8

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        self._kb = kb

    def name(self) -> str:
        """Return the action name used in the domain."""
        return "action_show_topic"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[dict[str, Any]]:
        """Run when a topic button (`/choose_topic{"topic": ...}`) is tapped."""
        topic = _entity(tracker, "topic")
        if topic not in TOPICS:
            dispatcher.utter_message(response="utter_menu")
            return []
        kb = resolve_kb(self._kb)
        try:
            entries = await asyncio.to_thread(kb.topic_entries, topic)
        except KnowledgeUnavailable:
            logger.exception("knowledge base unavailable")
            dispatcher.utter_message(response="utter_kb_unavailable")
            return []
        buttons = [entry_button(entry) for entry in entries[: self.MAX_BUTTONS]]
        dispatcher.utter_message(response="utter_topic_intro", topic_label=TOPICS[topic], buttons=buttons)
        return [SlotSet("last_topic", topic)]
