"""Find the knowledge-base entries that answer a question.

Two TF-IDF views are combined: stemmed content words (with bigrams) for meaning, and character
n-grams for typos and informal spellings. Each entry is matched through its phrasings (best one wins),
its title and its answer. The caller's hints (the NLU intent's topics, a topic or year entity, the
previous entry for follow-ups) nudge the scores; they never filter, so a misread intent can't hide
the right answer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise

import numpy as np
from scipy.sparse import csr_matrix
from sklearn.feature_extraction.text import TfidfVectorizer

from knowledge.text import STOP_WORDS, content_terms, fold, tokens
from knowledge.types import Entry, Hit, SearchResult

logger = logging.getLogger(__name__)

# Weights of the evidence for one entry. Phrasings carry the most: they are written to be asked.
QUESTION_WEIGHT = 0.6
POOLED_WEIGHT = 0.2  # all phrasings of an entry together
ANSWER_WEIGHT = 0.2
WORD_SHARE = 0.65  # word view vs character view

# Calibrated with `make retrieval-report` (held-out phrasings, off-topic examples) and `make eval`.
ANSWER_THRESHOLD = 0.20  # below this the best entry is only offered as a choice
OFFER_THRESHOLD = 0.17  # below this nothing is relevant enough to offer
CLEAR_MARGIN = 0.0  # how far the best entry must lead the runner-up to be answered outright
TOPIC_BOOST = 1.15
YEAR_BOOST = 1.10
PREVIOUS_ENTRY_PENALTY = 0.8  # a follow-up asks something new about the same subject
COVERAGE_POWER = 0.5


@dataclass(frozen=True)
class Hints:
    """What the rest of the conversation tells retrieval about a question."""

    topics: frozenset[str] = frozenset()
    year: str | None = None
    previous: Entry | None = None
    # follow_up: the NLU read the message as a follow-up, so read it with the previous subject.
    # may_follow_up: short and subject-less; use the previous subject only if that makes it clear.
    follow_up: bool = False
    may_follow_up: bool = False


# Analysis results are cached: after an edit only the changed texts are analysed again, so the
# index rebuild that makes the edit live stays fast.
@lru_cache(maxsize=50_000)
def _word_analyzer(text: str) -> tuple[str, ...]:
    terms = content_terms(text)
    return (*terms, *(f"{a}_{b}" for a, b in pairwise(terms)))


@lru_cache(maxsize=50_000)
def _char_text(text: str) -> str:
    return " ".join(token for token in tokens(text) if token not in STOP_WORDS)


def subject_terms(entry: Entry) -> str:
    """Return the words that name what an entry is about (its title without question words)."""
    question_words = {"apa", "siapa", "bagaimana", "kapan", "berapa", "mengapa", "kenapa", "mana", "itu"}
    return " ".join(t for t in tokens(entry.title) if t not in question_words and t not in STOP_WORDS)


class KnowledgeIndex:
    """An immutable search index over a set of entries (rebuild it when the knowledge base changes)."""

    def __init__(self, entries: Sequence[Entry], revision: int = 0) -> None:
        self.entries = list(entries)
        self.revision = revision
        self._by_id = {entry.id: entry for entry in self.entries}
        self._question_owner: list[int] = []
        questions: list[str] = []
        for index, entry in enumerate(self.entries):
            for question in (*entry.questions, entry.title):
                questions.append(question)
                self._question_owner.append(index)
        # All phrasings of an entry pooled: evidence spread over several phrasings still counts.
        titles = [" ".join((entry.title, *entry.questions)) for entry in self.entries]
        answers = [f"{entry.title}. {entry.answer}" for entry in self.entries]
        corpus = questions + answers
        self._words = TfidfVectorizer(analyzer=_word_analyzer, sublinear_tf=True, norm="l2")
        self._chars = TfidfVectorizer(
            analyzer="char_wb", ngram_range=(3, 5), preprocessor=_char_text, sublinear_tf=True, norm="l2"
        )
        if not self.entries:
            return
        self._words.fit(corpus)
        self._chars.fit(corpus)
        # One matrix per view holding every document (phrasings, pooled phrasings, answers), so a
        # question is scored with two sparse-matrix-times-dense-vector products.
        words, chars = self._embed([*questions, *titles, *answers])
        self._doc_words, self._doc_chars = words.tocsr(), chars.tocsr()
        self._spans = np.cumsum([0, len(questions), len(titles), len(answers)])
        self._owner = np.asarray(self._question_owner)
        self._year_text = [fold(" ".join((*e.questions, e.title, e.answer))) for e in self.entries]
        self._vocab = [set(content_terms(text)) for text in self._year_text]
        self._idf = dict(zip(self._words.get_feature_names_out(), self._words.idf_, strict=True))
        self._unknown_idf = float(self._words.idf_.max()) + 1.0

    def _embed(self, texts: Iterable[str]) -> tuple[csr_matrix, csr_matrix]:
        texts = list(texts)
        return self._words.transform(texts), self._chars.transform(texts)

    def get(self, entry_id: str) -> Entry | None:
        """Return an indexed (active) entry by id."""
        return self._by_id.get(entry_id)

    def scores(self, text: str) -> np.ndarray:
        """Return the raw relevance of every entry to `text` (0..1)."""
        if not self.entries or not content_terms(text):
            return np.zeros(len(self.entries))
        words, chars = self._embed([text])
        similarity_to_docs = WORD_SHARE * (self._doc_words @ words.toarray().ravel()) + (1 - WORD_SHARE) * (
            self._doc_chars @ chars.toarray().ravel()
        )
        questions, pooled, answers = np.split(similarity_to_docs, self._spans[1:3])
        best_question = np.zeros(len(self.entries))
        np.maximum.at(best_question, self._owner, questions)
        similarity = QUESTION_WEIGHT * best_question + POOLED_WEIGHT * pooled + ANSWER_WEIGHT * answers
        return similarity * self._coverage(text) ** COVERAGE_POWER

    def _coverage(self, text: str) -> np.ndarray:
        """Return, per entry, the IDF-weighted share of the question's words that the entry knows.

        Cosine similarity alone rewards one rare shared word ("uji" in "kode uji zebra"); a question
        is only well answered by an entry that accounts for most of what was asked.
        """
        terms = set(content_terms(text))
        weights = {term: self._idf.get(term, self._unknown_idf) for term in terms}
        total = sum(weights.values())
        return np.array([sum(w for t, w in weights.items() if t in vocab) / total for vocab in self._vocab])

    def _apply_hints(self, scores: np.ndarray, topics: frozenset[str], year: str | None) -> np.ndarray:
        scores = scores.copy()
        for index, entry in enumerate(self.entries):
            if entry.topic in topics:
                scores[index] *= TOPIC_BOOST
            if year and year in self._year_text[index]:
                scores[index] *= YEAR_BOOST
        return scores

    def search(self, text: str, hints: Hints | None = None, limit: int = 3) -> SearchResult:
        """Rank entries for `text`; say whether the best one is safe to answer with."""
        if not self.entries:
            return SearchResult()
        hints = hints or Hints()
        result = self._rank(self._apply_hints(self.scores(text), hints.topics, hints.year), limit)
        previous = hints.previous
        if previous is None or previous.id not in self._by_id or not (hints.follow_up or hints.may_follow_up):
            return result
        # A follow-up ("dasar hukumnya apa?") is read together with the subject of the last answer,
        # favouring its topic and something other than the answer already given.
        contextual = self.scores(f"{text} {subject_terms(previous)}")
        contextual[self.entries.index(self._by_id[previous.id])] *= PREVIOUS_ENTRY_PENALTY
        contextual = self._apply_hints(contextual, hints.topics | {previous.topic}, hints.year)
        in_context = self._rank(contextual, limit, used_context=True)
        if hints.follow_up or (in_context.confident and not result.confident):
            return in_context
        return result

    def _rank(self, scores: np.ndarray, limit: int, *, used_context: bool = False) -> SearchResult:
        order = np.argsort(-scores)[:limit]
        hits = tuple(Hit(entry=self.entries[i], score=float(scores[i])) for i in order if scores[i] >= OFFER_THRESHOLD)
        confident = False
        if hits and hits[0].score >= ANSWER_THRESHOLD:
            runner_up = hits[1].score if len(hits) > 1 else 0.0
            confident = hits[0].score - runner_up >= CLEAR_MARGIN or hits[0].score >= 2 * ANSWER_THRESHOLD
        return SearchResult(hits=hits, confident=confident, used_context=used_context)
