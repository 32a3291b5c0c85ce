"""Read an officer's message the way a person would before searching: what is asked, in which language.

Officers wrap a question in greetings, apologies, thanks and personal context ("selamat pagi min, sy staf
baru di bagian organisasi, mau tanya kipp itu apa ya? makasih"), ask two things in one message ("syarat kipp
apa aja, trus daftarnya lewat mana?"), leave the subject out of a follow-up ("yg 2025?"), and sometimes ask
yes/no questions about their own case or write in English. These pure functions find those shapes; the
retrieval (`knowledge.retrieval`) and the answering action decide what to do with them.

May import: the standard library and `knowledge.text`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from knowledge.text import STOP_WORDS, content_terms, fold, tokens
from knowledge.types import Entry

_POLITE = r"(?:min|mimin|admin|kak|kakak|pak|bu|bapak|ibu|mas|mbak|gan|sob|bang|tim|semua|all|rekan2|rekan)"
# Greetings, apologies and "may I ask" lead-ins at the start of a message, repeated in any order.
_LEAD_IN = re.compile(
    r"^(?:\s*(?:"
    r"assalamu'?\s?alaikum(?:\s*(?:wr\.?|warahmatullahi)\s*(?:wb\.?|wabarakatuh)?)?"
    r"|(?:selamat|met|slmt)\s+(?:pagi|siang|sore|malam)"
    r"|pagi|siang|sore|malam|halo+|hallo+|hai+|hi|hello|hey|permisi|punten|salam"
    # "apa kabar min?" asks after the bot, not for KIPP news ("kabar" is also "news").
    r"|(?:apa|gimana|gmn|bagaimana)\s+kabar(?:nya)?(?:\s+(?:hari\s+ini|nih|ya))?|how\s+are\s+you(?:\s+doing)?"
    r"|(?:lagi|lg|sedang)\s+sibuk(?:\s+(?:gak|ga|nggak|tidak|ya|nih|kah))?"
    r"|(?:mohon\s+)?maaf(?:\s+(?:mengganggu|ganggu|sebelumnya|ya|nih))*|sori|sorry|excuse me|dear"
    r"|(?:nanya|tanya|bertanya)\s+(?:mulu|terus|lagi)|(?:semoga|smoga)\s+sehat(?:\s+selalu)?"
    r"|mohon\s+(?:pencerahan|bantuan|info|arahan)(?:nya)?|nyuwun\s+sewu|hoyong\s+naros|bade\s+naros"
    r"|(?:mohon\s+)?(?:mau|ingin|pengen|pingin|izin|ijin|numpang|boleh|mo|(?:saya|sy|aku|kami)\s+mau)\s+"
    r"(?:tanya|bertanya|nanya|menanyakan|konsul(?:tasi)?)(?:\s+(?:dong|nih|ya|sedikit|dikit|lagi))*"
    r"(?:\s+(?:\d+|dua|tiga|empat|beberapa)\s+(?:hal|pertanyaan|poin))?"
    r"|(?:terima\s*kasih|makasih|makasi|thanks|thank\s+you)(?:\s+(?:banyak|ya|infonya|atas\s+\w+|kemarin))*"
    r"|(?:oh|eh|ah)(?:\s+(?:iya|ya|ini))?|iya|btw|satu\s+lagi|lupa\s+nanya|lupa\s+tanya|sekadar\s+konfirmasi"
    r"|(?:izin|ijin)(?=\s+(?:pak|bu|min|kak|bapak|ibu)\b|\s*,)"
    r"|(?:can|may)\s+i\s+ask(?:\s+(?:something|a question))?|quick question|i\s+have\s+a\s+question"
    rf"|{_POLITE}(?:\s*/\s*{_POLITE})*(?=\s*[,:])"  # "mas/mbak, ...", "min: ..."
    rf"|{_POLITE}(?=\s+(?:saya|sy|aku|kami|kmi|gue|gw)\b)"  # "min sy newbie nih, ...", "kak aku bingung ..."
    rf")\b(?:\s*/?\s*{_POLITE}\b)*\s*[,.!?:;\-]*)+",
    re.IGNORECASE,
)
# Thanks and sign-offs at the end of a message.
_TRAILER = re.compile(
    r"[\s,.!;:]*(?:(?:terima\s*kasih|trima\s*kasih|makasih|makasi|mksh|trims|thx|thanks|thank\s+you|tks|tq|ty"
    rf"|(?:tolong|mohon|bisa|minta)\s+dibantu|mohon\s+(?:bantuannya|pencerahannya|infonya|penjelasannya)|please|pls)"
    rf"(?:\s+(?:banyak|ya|yaa|sebelumnya|much|a\s+lot|{_POLITE}))*[\s,.!?🙏]*)+$",
    re.IGNORECASE,
)
# A clause that only describes who is asking ("sy staf baru di bagian organisasi", "kami dari dinas kesehatan").
_PERSONAL = re.compile(
    r"^\s*(?:perkenalkan,?\s+(?:nama\s+)?(?:saya|sy)\b.*|(?:nama\s+)?(?:saya|sy)\s+\w+\s+dari\b.*"
    r"|(?:saya|sy|aku|kami|kmi|abdi|i|i'm|we|we're)\s+(?:ini\s+)?(?:adalah\s+|am\s+|are\s+)?"
    r"(?:staf|staff|pegawai|asn|pns|petugas|operator|admin|analis|kasubag|kasubbag|kabag|kasi|kepala|sekretaris"
    r"|baru|orang|bertugas|kerja|bekerja|dari|dr|di|ti|ditugaskan|ditugasi|disuruh|diminta|lagi|sedang|new|work|from"
    r"|newbie|pemula|awam|bingung|penasaran|ragu)\b)",
    re.IGNORECASE,
)
# Who said or asked it, before what was heard: "td pimpinan nanya soal ...", "narasumber bilang ada istilah ...".
_HEARD = re.compile(
    r"^.*?\b(?:nanya|nanyain|tanya|menanyakan|nyebut|menyebut|bilang|ngomongin|bahas|membahas|cerita|sebut"
    r"|share|ngeshare|sharing|posting|kirim|nulis|menulis)\w*"
    r"(?:\s+(?:soal|tentang|ttg|masalah|mengenai|ada|istilah|kata))*\s+",
    re.IGNORECASE,
)
_QUESTION_WORD = re.compile(
    r"\b(?:apa|apakah|apa2|apaan|siapa|siapakah|bagaimana|gimana|gmn|gmana|bgmn|kapan|kpn|berapa|brp|dimana|di\s?mana"
    r"|mana|kenapa|mengapa|knp|boleh|bisa|bisakah|harus|wajib|perlu|ga|gak|nggak|tidak|what|who|how|when|where"
    r"|which|why|can|could|should|must|is|are|does|do)\b",
    re.IGNORECASE,
)
# Where one question ends and the next begins inside a message.
_WH_WORDS = (
    r"apa|apakah|siapa|bagaimana|gimana|gmn|kapan|kpn|berapa|brp|dimana|di\s?mana|mana|kenapa|mengapa|knp"
    r"|what|who|how|when|where|which|why"
)
_PART_BOUNDARY = re.compile(
    r"\?+\s*(?=\S)|[;\n]+"
    # "1) kategori kipp 2021 ada brp 2) presentasinya brp menit": a numbered list of questions.
    r"|(?:^|\s+)\(?[1-9]\)\s+"
    # "..., trus ...", "... lalu ...": words that start a next question ("sama", "juga" only after a comma).
    r"|,\s*(?:lalu|kemudian|terus|trus|trs|sama|serta|plus|dan\s+juga|juga|also|and\s+also|and|dan)\s+"
    r"|\s+(?:lalu|kemudian|terus|trus|trs|plus|dan\s+juga|and\s+also)\s+"
    # "..., kalau 2025?" / "..., kalo jipp?": the word stays, it marks the part as "the same, about ...".
    r"|,\s*(?=(?:kalau|kalo|klo|how\s+about|what\s+about)\s)"
    rf"|\s+(?:dan|and)\s+(?=(?:{_WH_WORDS})\b)",
    re.IGNORECASE,
)
_WH_WORD = re.compile(rf"\b(?:{_WH_WORDS})\b", re.IGNORECASE)
_YEAR_ONLY = re.compile(
    r"^\s*(?:kalau|kalo|klo|yang|yg|how about|what about)?\s*(?:tahun|thn|taun)?\s*(?:19|20)\d\d\s*$", re.I
)
_YES_NO = re.compile(
    r"^\s*(?:apakah|apa\s+(?:boleh|bisa|harus|wajib|perlu|masih|sudah|udah)|boleh(?:kah)?|bisa(?:kah)?|dapatkah"
    r"|harus(?:kah)?|wajib(?:kah)?|perlu(?:kah)?|is|are|can|could|does|do|should|must|may)\b"
    r"|\b(?:boleh|bisa|bs|dapat|harus|wajib|perlu|masih|sudah|udah|udh|sah|berlaku|termasuk|eligible)\b[^?]*"
    r"\b(?:ga|gak|nggak|ngga|engga|enggak|tidak|gk|g|ya|kah|nggk|gak\?|kan|belum|blm)\s*\??\s*$"
    r"|\b(?:boleh|bisa|bs|dapat|harus|wajib|perlu|masih|sudah|udah|udh)\s+(?:ikut|daftar|mendaftar|ikutan)\b",
    re.IGNORECASE,
)
# Words that name what a question is about. A message that names one is a new question, not a follow-up.
SUBJECT_WORDS = frozenset(
    {
        "kipp",
        "kompetisi",
        "jipp",
        "jaringan",
        "hub",
        "mpp",
        "mal",
        "sinovik",
        "unpsa",
        "oaoi",
        "pelembagaan",
        "melembagakan",
        "permenpanrb",
        "atm",
        "studi",
        "opsi",
        "spbe",
        "coaching",
        "klinik",
        "clinic",
        "jippnas",
        "replikasi",
        "replication",
    }
)
# Subjects that are part of a larger one: after an answer on OPSI, an entry titled "KIPP" is the same subject.
SUBJECT_PARENTS = {
    "opsi": "kipp",
    "sinovik": "kipp",
    "spbe": "kipp",
    "kompetisi": "kipp",
    "atm": "replikasi",
    "studi": "replikasi",
    "hub": "jipp",
    "jippnas": "jipp",
    "jaringan": "jipp",
    "mal": "mpp",
}
# "kelompok replikasi" names a KIPP group, not the replication topic: a follow-up about KIPP may say it.
GROUP_PHRASE = re.compile(
    r"\b(?:kelompok|kategori|group|kel\.?)\s+(?:umum|khusus|replikasi)\b"
    r"|\b(?:general|special|replication)\s+(?:group|category)\b",
    re.IGNORECASE,
)
_REPEAT = re.compile(
    r"\b(?:ulang(?:i|in)?|sekali lagi|jawaban (?:tadi|sebelumnya)|yang tadi lagi|repeat|say (?:it )?again)\b",
    re.IGNORECASE,
)
_MORE = re.compile(
    r"\b(?:selengkapnya|lebih (?:lengkap|detail|detil|rinci|jelas)|(?:jelasin|jelaskan|terangkan) (?:lagi|lebih)"
    r"|detailnya|rinciannya|lanjutannya|tell me more|more details?|in more detail)\b",
    re.IGNORECASE,
)
# Words that only point back at the last answer ("yang tadi", "soal itu") or ask for more of it ("jelasin lagi").
_POINTING_WORDS = frozenset(
    {
        "tadi",
        "td",
        "lagi",
        "soal",
        "tentang",
        "jawab",
        "tsb",
        "sebut",
        "atas",
        "jelas",
        "terang",
        "detail",
        "rinci",
        "lengkap",
    }
)
# "rinciannya gmn?", "detailnya kayak apa?": asking how the rest goes is still asking for the rest.
_ASKING_HOW = frozenset({"bagaimana", "apa", "seperti", "kayak", "dong"})
# Attempts to make the assistant say something else than its knowledge base: declined, never obeyed.
_INJECTION = re.compile(
    r"\b(?:abaikan|lupakan|hiraukan|ignore|disregard|forget)\b.{0,40}\b(?:instruksi|perintah|aturan|prompt|instructions?"
    r"|rules|sebelumnya|previous|above)\b|\b(?:system\s+prompt|jailbreak|developer\s+mode|pretend\s+(?:to\s+be|you)"
    r"|kamu\s+sekarang\s+(?:adalah|jadi)|anggap\s+(?:kamu|dirimu)|berperanlah|act\s+as|you\s+are\s+now)\b"
    r"|\b(?:katakan|bilang|tulis|jawab)(?:lah)?\s+(?:saja\s+)?(?:bahwa|kalau)\b|\b(?:reply\s+only\s+with|respond\s+only|just\s+say)\b",
    re.IGNORECASE | re.DOTALL,
)
# "bikinin pantun ttg inovasi dong": a piece to write, not a question the knowledge base answers.
_COMPOSE = re.compile(
    r"\b(?:bikin\w*|buat\w*|tulis\w*|karang\w*|write|compose|make)\s+(?:(?:sebuah|satu|a|an|me|us)\s+)?"
    r"(?:pantun|puisi|syair|sajak|lagu|lirik|cerpen|dongeng|lelucon|lawakan|jokes?|poem|song|lyrics|rap|haiku)\b",
    re.IGNORECASE,
)
# "kalau jipp?", "how about MPP?": the same question as before, about another subject.
_SWITCH = re.compile(
    r"^\s*(?:(?:terus|trus|lalu|nah|and|trs)\s+)?(?:kalau|kalo|klo|kl|gimana|bagaimana|gmn|how|what)"
    r"(?:\s+(?:dengan|dgn|kalau|kalo|untuk|utk|about|buat))?\b",
    re.IGNORECASE,
)
SWITCH_MAX_WORDS = 5
# "kaitannya sama kipp apa?", "bedanya dengan replikasi?": about the previous subject and the one named.
_RELATION = re.compile(r"\b(?:kait\w*|hubungan\w*|bed[ae]\w*|perbedaan\w*|banding\w*|relation\w*|differen\w*)\b", re.I)
# "alasan kipp 2024 ditiadakan": the reason is asked, not whether it happened.
_REASON = re.compile(r"\b(?:alasan\w*|penyebab\w*|sebabnya|latar\s+belakang\w*|reasons?)\b", re.I)
_ENGLISH_WORDS = frozenset(
    {
        "what",
        "how",
        "who",
        "when",
        "where",
        "which",
        "why",
        "does",
        "is",
        "are",
        "the",
        "can",
        "could",
        "should",
        "do",
        "we",
        "our",
        "my",
        "i",
        "you",
        "your",
        "there",
        "about",
        "of",
        "to",
        "for",
        "and",
        "in",
        "it",
        "be",
        "an",
        "a",
        "with",
        "have",
        "has",
        "need",
        "tell",
        "me",
        "please",
        "thanks",
        "hello",
        "hi",
        "innovation",
        "public",
        "service",
        "competition",
        "many",
        "much",
        "long",
        "if",
        "still",
        "allowed",
        "join",
        "apply",
        "did",
        "was",
        "were",
        "will",
        "would",
        "get",
        "gets",
        "got",
        "take",
        "part",
        "register",
        "registration",
        "close",
        "closed",
        "open",
        "opened",
        "judge",
        "judges",
        "judged",
        "winner",
        "winners",
        "win",
        "won",
        "after",
        "before",
        "next",
        "last",
        "year",
        "years",
        "this",
        "that",
        "these",
        "those",
        "they",
        "their",
        "them",
        "from",
        "by",
        "on",
        "at",
        "any",
        "all",
        "more",
        "most",
        "not",
        "must",
        "may",
        "been",
        "am",
        "its",
        "what's",
        "who's",
        "how's",
        "it's",
        "say",
        "says",
        "mean",
        "means",
        "happen",
        "happens",
        "happened",
        "required",
        "requirement",
        "requirements",
        "mandatory",
        "same",
        "other",
        "than",
        "only",
        "also",
        "new",
        "old",
        "now",
        "today",
        "currently",
    }
)
_INDONESIAN_WORDS = frozenset(
    {
        "apa",
        "yang",
        "yg",
        "itu",
        "ini",
        "dan",
        "di",
        "ke",
        "dari",
        "untuk",
        "bagaimana",
        "gimana",
        "gmn",
        "siapa",
        "kapan",
        "berapa",
        "bisa",
        "boleh",
        "sudah",
        "udah",
        "belum",
        "tidak",
        "ga",
        "gak",
        "saya",
        "kami",
        "kita",
        "dengan",
        "ada",
        "aja",
        "saja",
        "ya",
        "min",
        "kak",
        "nya",
        "mau",
        "tanya",
        "cara",
        "syarat",
        "tahun",
        "inovasi",
    }
)


@dataclass(frozen=True)
class Question:
    """What a message asks, once the wrapping is removed."""

    text: str  # the question(s) without greetings, thanks and personal context
    parts: tuple[str, ...]  # one item per question asked
    english: bool
    yes_no: bool
    names_subject: bool
    asks_repeat: bool
    asks_more: bool  # "selengkapnya", "jelasin lebih detail": the rest of the last answer
    asks_again: bool  # "ulangi dong": the last answer again, nothing else
    asks_source: bool  # "sumbernya?": where the last answer comes from
    switches_subject: bool  # "kalau jipp?": the previous question's aspect, about a subject this names
    injection: bool  # "abaikan instruksi sebelumnya dan ...", "bikinin pantun ...": declined
    relates: bool  # "kaitannya sama kipp apa?": read together with the previous subject
    # "tujuan permennya apa?": every subject it names carries "-nya", which points back at one just discussed.
    referred: frozenset[str] = frozenset()


# Words that say how or what is asked, not about what: "caranya gimana?" alone says nothing.
_VAGUE_WORDS = frozenset({"cara", "bagaimana", "apa", "mana", "siapa", "kapan", "berapa", "bisa", "boleh", "gitu"})


# Where a clause ends: after a comma, full stop or "!", but not the full stop of "Kab." or "Kec.".
_CLAUSE_END = re.compile(r"(?<!\bkab\.)(?<!\bkec\.)(?<!\bprov\.)(?<!\bkel\.)(?<!\bdes\.)(?<=[,.!?])\s+", re.IGNORECASE)


# "itu apa?", "maksudnya apa ya?", "what is that?": a question about the clause just before it.
_BARE_DEFINITION = re.compile(
    r"^\W*(?:itu|tuh|ini)?\s*(?:(?:sebenernya|sebenarnya|sbnrnya|tu)\s+)?(?:apa|apaan|apa\s+itu|maksudnya\s+apa|artinya\s+apa|apa\s+maksudnya|apa\s+artinya"
    r"|what\s+is\s+(?:that|it)|what\s+does\s+it\s+mean)(?:\s+(?:ya|sih|tuh|kak|min|pak|bu))*\W*$",
    re.IGNORECASE,
)


def _asks(clause: str) -> bool:
    return "?" in clause or bool(_QUESTION_WORD.search(clause))


def _question_clauses(clauses: list[str]) -> list[str]:
    """Keep the clauses that ask, with the background before them, but not what follows the last question.

    "..., isinya apa aja ya? biar sy bs jelasin": the reason after the question goes. Background before a
    question stays ("inovasi kami baru 8 bulan, udah bisa ikut kipp?": the age is the point), except before a
    bare "itu apa?", which asks about the clause just before it ("barusan ikut bimtek, narasumber bilang ada
    istilah ATM, itu apa?").
    """
    asking = [index for index, clause in enumerate(clauses) if _asks(clause)]
    if not asking:
        return clauses
    first, last = asking[0], asking[-1]
    if first > 0 and _BARE_DEFINITION.match(clauses[first]):
        # Of the clause before, only what was heard: "td pimpinan nanya soal replikasi inovasi" -> "replikasi inovasi".
        heard = _HEARD.sub("", clauses[first - 1]).strip()
        return [heard or clauses[first - 1], *clauses[first : last + 1]]
    return clauses[: last + 1]


def asking_core(text: str) -> str:
    """Return the clauses of a question from the first that asks, when background comes before them, else "".

    "di kantor kami lagi rame soal kipp, sebenernya kipp itu tujuannya apa ya?" -> "sebenernya kipp itu
    tujuannya apa ya?": what to try when the background's words blur the question. Only when the asking part
    says enough on its own (two content words).
    """
    clauses = [clause for clause in _CLAUSE_END.split(text.strip()) if clause.strip()]
    asking = [index for index, clause in enumerate(clauses) if _asks(clause)]
    if not asking or asking[0] == 0:
        return ""
    core = " ".join(clauses[asking[0] :])
    return core if len(set(_content_words(core)) - _VAGUE_WORDS) >= 2 else ""


# Kinds of money a question may ask about: pay, funds, amounts, prices. "gaji juri TPI brp?" finds the entry on the
# judges, which says nothing of their pay; shown, it reads as an answer to a question the sources cannot answer.
# Words, not stems: "penghargaan" (an award) is not "harga" (a price), nor "keuangan" (finance) "uang" (money).
_MONEY_KINDS = tuple(
    frozenset(words.split())
    for words in (
        "gaji honor honorarium tunjangan upah insentif salary salaries fee fees pay paid wage wages",
        "anggaran biaya pembiayaan dana pendanaan duit uang budget budgets cost costs fund funds funding money",
        "rupiah rp miliar milyar juta triliun billion million",
        "harga tarif price prices",
    )
)


def _money_words(text: str) -> set[str]:
    return {token.removesuffix("nya") for token in tokens(text)}


def money_unsaid(question: str, answer: str) -> bool:
    """Return whether `question` asks about a kind of money that `answer` never speaks of.

    Only the asking part counts: "dulu di keuangan" in "sy baru mutasi, dulu di keuangan. admin lokal itu
    tugasnya apa?" is who is asking.
    """
    asked = _money_words(asking_part(question))
    kinds = [kind for kind in _MONEY_KINDS if asked & kind]
    if not kinds:
        return False
    said = _money_words(answer)
    return any(not said & kind for kind in kinds)


def asking_part(text: str) -> str:
    """Return what a message asks, without the background or chatter around it ("sy dari kab. sleman, ...")."""
    return asking_core(text) or strip_chatter(text)


def only_chatter(text: str) -> bool:
    """Return whether a message is nothing but greetings, thanks or "may I ask" ("apa kabar min?")."""
    return not _TRAILER.sub("", _LEAD_IN.sub("", text.strip())).strip(" ,.;:-?!")


def strip_chatter(text: str) -> str:
    """Return `text` without greetings, apologies, "may I ask", thanks and clauses about who is asking.

    Falls back to the original text when nothing would be left, so a bare "terima kasih" is still seen
    (and answered) as thanks by the caller.
    """
    original = text.strip()
    text = _LEAD_IN.sub("", original)
    text = _TRAILER.sub("", text).strip()
    clauses = [clause for clause in _CLAUSE_END.split(text) if clause.strip()]
    kept = [clause for clause in clauses if not (_PERSONAL.match(clause) and not _QUESTION_WORD.search(clause))]
    # "perkenalkan saya Rina dari Bappeda. Mau tanya, syarat ...": a lead-in can start any clause.
    kept = [stripped for clause in kept if (stripped := _LEAD_IN.sub("", clause).strip())]
    # "kami di kecamatan pengen inovasinya awet walau camatnya ganti. caranya gimana?", "kami di bappeda lagi
    # nyusun rencana aksi replikasi. formatnya gimana?": when what is left says next to nothing and names no
    # subject, the context is the question.
    left = " ".join(kept)
    if len(set(_content_words(left)) - _VAGUE_WORDS) < 2 and not names_subject(left):
        kept = clauses
    kept = _question_clauses(kept)
    text = _LEAD_IN.sub("", " ".join(kept)).strip(" ,.;:-")
    return text if any(ch.isalnum() for ch in text) else original


_DOT_NUMBERED = re.compile(r"^\s*1\.\s+\D")
_DOT_NUMBER = re.compile(r"(?:^|\s+)([1-9])\.\s+(?=[^\W\d])")


def split_parts(text: str) -> list[str]:
    """Split a message into the questions it asks; pieces that ask nothing join their neighbour."""
    # "1. apa itu sinovik 2. siapa admin lokal": a list numbered "1." from its start is numbered "1)".
    if _DOT_NUMBERED.match(text):
        text = _DOT_NUMBER.sub(r" \1) ", text)
    pieces = [piece.strip(" ,.;:-?") for piece in _PART_BOUNDARY.split(text)]
    parts: list[str] = []
    for piece in pieces:
        if not piece:
            continue
        own_question = _WH_WORD.search(piece) or switches_subject(piece) or _YEAR_ONLY.match(piece)
        asks = own_question or is_yes_no(piece) or f"{piece}?" in text
        # "ga plagiat?", "bener ga?": a short tag on the previous question; "mau daftarin inovasi": context.
        if parts and ((len(_content_words(piece)) < 2 and not own_question) or not asks):
            parts[-1] = f"{parts[-1]} {piece}"
        else:
            parts.append(piece)
    parts = [piece for part in parts for piece in _split_on_and(part)]
    # A first piece with no content word ("apa itu", "gimana") belongs with what follows, and so does one that
    # asks nothing: "udh identifikasi, trus berikutnya ngapain?" is one question with its context.
    while len(parts) > 1 and (not _content_words(parts[0]) or not asks_something(parts[0])):
        parts[1] = f"{parts[0]} {parts[1]}"
        parts.pop(0)
    return parts or [text.strip()]


def _split_on_and(text: str) -> list[str]:
    """Split "apa itu JIPP dan dasar hukumnya apa" or "sinovik itu apa, akun UPP dibuat siapa" in two.

    Only when each side asks something on its own: a question word and a content word on both sides.
    """
    for separator in (", ", " dan ", " and "):
        pieces = [piece.strip() for piece in text.split(separator)]
        if len(pieces) > 1 and all((_WH_WORD.search(p) or is_yes_no(p)) and _content_words(p) for p in pieces):
            return pieces
    return [text]


def _content_words(text: str) -> list[str]:
    return [token for token in tokens(text) if token not in STOP_WORDS and not token.isdigit()]


# Beyond the function words: the particles and abbreviations of a short informal follow-up ("kalau jipp?").
_INDONESIAN_MARKERS = _INDONESIAN_WORDS | frozenset(
    [
        "kalau",
        "kalo",
        "klo",
        "trus",
        "terus",
        "lalu",
        "brp",
        "kpn",
        "mana",
        "dong",
        "sih",
        "nggak",
        "apakah",
        "kah",
        "tuh",
        "nih",
        "juga",
        "atau",
        "dgn",
        "sama",
        "buat",
        "utk",
    ]
)


def is_indonesian(text: str) -> bool:
    """Return whether a message shows any sign of Indonesian: a function word, a particle or a "-nya"."""
    words = re.findall(r"[a-z']+", text.lower())
    return any(word in _INDONESIAN_MARKERS or (word.endswith("nya") and len(word) > 4) for word in words)


def is_english(text: str) -> bool:
    """Return whether the message is (mostly) English rather than Indonesian."""
    words = re.findall(r"[a-z']+", text.lower())
    if len(words) < 2:
        return False
    english = sum(word in _ENGLISH_WORDS for word in words)
    indonesian = sum(word in _INDONESIAN_WORDS for word in words)
    return english >= 2 and english > indonesian


# "can you summarise ...", "bisa tolong jelaskan ...", "bisa dijelaskan ...": a request, not a yes/no question.
_REQUEST = re.compile(
    r"^\s*(?:(?:can|could|would|will)\s+you|please|tolong|mohon|bisa\s+(?:tolong|minta|di(?:jelas|terang|sebut|ringkas)\w*)"
    r"|(?:bisa|boleh)\s+(?:jelas|terang|sebut|ringkas|rangkum|kasih|minta)\w*)\b",
    re.IGNORECASE,
)


def is_yes_no(text: str) -> bool:
    """Return whether the message asks for a yes or a no ("boleh gak ...?", "udah bisa ikut?", "can we ...")."""
    text = text.strip()
    # A request ("can you summarise ...") or the last question about something else ("kalau jipp?").
    if (
        _REQUEST.search(text)
        or (_SWITCH.match(text) and len(text.split()) <= SWITCH_MAX_WORDS)
        or _RELATION.search(text)  # "kaitannya sama kipp?" asks how, not whether
    ):
        return False
    # Indonesian often asks yes/no as a statement with a question mark: "DID masih dikasih ke pemenang?".
    statement_question = text.endswith("?") and not _WH_WORD.search(text) and len(text.split()) >= 3
    return bool(_YES_NO.search(text)) or statement_question


# Words that make a question ask whether, wherever they stand: "inovasi kami apa harus dibikinin perbup?",
# "apa bener di kipp 2025 ...?", "bisa didaftarin sama siapa aja?".
_WHETHER = re.compile(
    r"\b(?:bisa|bs|boleh|harus|hrs|wajib|perlu|bener|benar|betul|masih|sudah|udah|udh|kah|can|could|should|must)\b"
    r"|\w+kah\b",
    re.IGNORECASE,
)


def asks_open_question(text: str) -> bool:
    """Return whether a message asks only what, who, how, when... and not whether ("syaratnya apa?", "bedanya?")."""
    if is_yes_no(text) or _WHETHER.search(text):
        return False
    # "kelompoknya?", "dasar hukumnya?": the thing itself, asked for.
    words = re.findall(r"\w+", text)
    asks_for_it = 0 < len(words) <= 2 and words[-1].lower().endswith("nya")
    return bool(_WH_WORD.search(text) or _RELATION.search(text) or _REASON.search(text)) or asks_for_it


def asks_something(text: str) -> bool:
    """Return whether the message reads as a question at all: a "?", a question word or a yes/no form.

    "pinjem duit dong" names money, which the knowledge base knows, but asks it nothing.
    """
    return _asks(text) or is_yes_no(text)


def asks_wh(text: str) -> bool:
    """Return whether a message has a question word ("kpn keluar?": when is it out), not just a "?"."""
    return bool(_WH_WORD.search(text))


def names_subject(text: str) -> bool:
    """Return whether the message names what it is about (so it is a new question, not a follow-up)."""
    without_groups = GROUP_PHRASE.sub(" ", fold(text))
    # "pelembagaannya", "replikasinya", "kippnya": the subject with a possessive ending still names it.
    return any(token in SUBJECT_WORDS or token.removesuffix("nya") in SUBJECT_WORDS for token in tokens(without_groups))


def referred_subjects(text: str) -> frozenset[str]:
    """Return the subjects a message names only with "-nya" ("tujuan permennya?" -> permenpanrb), else nothing.

    "-nya" points back: in a conversation it means the regulation (or programme) just spoken of, so such
    a message is a follow-up when the last answer spoke of it, and a new question otherwise.
    """
    words = re.findall(r"\w+", GROUP_PHRASE.sub(" ", fold(text)))
    named = {word: set(tokens(word)) & SUBJECT_WORDS for word in words}
    named = {word: subjects for word, subjects in named.items() if subjects}
    if not named or not all(word.endswith("nya") for word in named):
        return frozenset()
    return frozenset().union(*named.values())


def refers_back_to(question: Question, entry: Entry) -> bool:
    """Return whether the subjects a message names with "-nya" ("permennya") are ones the entry speaks of."""
    said = fold(f"{entry.title} {entry.answer}")
    return bool(question.referred) and all(subject in said for subject in question.referred)


# A year on its own, not the year of a regulation number ("89/2020").
_STANDALONE_YEAR = re.compile(r"(?<![/\d])\b(?:19|20)\d\d\b")


def years_in(text: str) -> list[str]:
    """Return the years a text names on their own, in order ("PermenPANRB 89/2020" names none)."""
    return _STANDALONE_YEAR.findall(text)


def is_year_only(text: str) -> bool:
    """Return whether a message is little more than a year ("kalau 2025?", "yg thn 2023"): the last question, then."""
    years = years_in(text)
    # Words only: the "?" of "yg nyusul 2021?" is not a word.
    return bool(years) and len(re.findall(r"\w+", text.replace(years[0], " "))) <= 2


def _only_asks(asking: re.Pattern[str], text: str, allowed: frozenset[str] = frozenset()) -> bool:
    """Whether a short message says `asking` and otherwise only points back or asks how ("rinciannya dong")."""
    if not asking.search(text) or len(text.split()) > 6:
        return False
    return set(content_terms(asking.sub(" ", text))) <= _POINTING_WORDS | _ASKING_HOW | allowed


def asks_more(text: str) -> bool:
    """Return whether a message asks for the rest of the last answer ("rinciannya dong", "jelasin lebih detail").

    "rinciannya per jenis instansi?" asks for one detail, not the rest: a follow-up question, then.
    """
    return _only_asks(_MORE, text)


def asks_again(text: str) -> bool:
    """Return whether a message only asks to hear the last answer again ("ulangi dong", "sekali lagi min").

    "ulangi jawaban soal dasar hukumnya" names what to repeat: a question, read with the repeat allowed.
    """
    return _only_asks(_REPEAT, text)


# "sumbernya?", "sumber infonya dari mana?", "referensinya apa?", "what's the source?": the last answer's sources.
_SOURCE = re.compile(r"\b(?:sumber\w*|referensi\w*|rujukan\w*|sources?|references?)\b", re.IGNORECASE)
_SOURCE_WORDS = frozenset(content_terms("data itu ini tadi tersebut what is are the for of where from")) | {"info"}


# "kata siapa?", "siapa yg bilang?", "tau dari mana?", "says who?": who says so is where it comes from.
_ATTRIBUTION = re.compile(
    r"\b(?:kata|menurut)\s+(?:siapa|sapa)\b|\b(?:siapa|sapa)\s+(?:yg\s+|yang\s+)?(?:bilang|ngomong|nyebut|menyebut"
    r"|mengatakan)\w*|\btau\s+(?:dari|dr)\s+mana\b"
    r"|\bwho\s+says\b|\bsays\s+who\b|\bwho\s+said\b|\baccording\s+to\s+whom\b",
    re.IGNORECASE,
)


def asks_source(text: str) -> bool:
    """Return whether a message only asks where the last answer comes from ("sumbernya apa?", "kata siapa?").

    "sumber inovasi untuk direplikasi dari mana?" names what it asks about: a question, then; so does
    "menurut siapa inovasi harus berkelanjutan?".
    """
    return _only_asks(_SOURCE, text, _SOURCE_WORDS) or _only_asks(_ATTRIBUTION, text, _SOURCE_WORDS)


def switches_subject(text: str) -> bool:
    """Return whether a short message asks the previous question about another subject ("kalau jipp?")."""
    short_switch = bool(_SWITCH.match(text)) and len(text.split()) <= SWITCH_MAX_WORDS
    # "kalau kelompok replikasi?": another KIPP group is another subject for the same question too.
    return short_switch and (names_subject(text) or bool(GROUP_PHRASE.search(text)))


def read_question(text: str) -> Question:
    """Return what `text` asks: the cleaned question, its parts, language and shape."""
    cleaned = strip_chatter(text)
    return Question(
        text=cleaned,
        parts=tuple(split_parts(cleaned)),
        english=is_english(cleaned),
        yes_no=is_yes_no(cleaned),
        names_subject=names_subject(cleaned),
        asks_repeat=bool(_REPEAT.search(cleaned)),
        asks_more=asks_more(cleaned),
        asks_again=asks_again(cleaned),
        asks_source=asks_source(cleaned),
        switches_subject=switches_subject(cleaned),
        injection=bool(_INJECTION.search(text) or _COMPOSE.search(text)),
        relates=bool(_RELATION.search(cleaned)) and len(cleaned.split()) <= SWITCH_MAX_WORDS + 1,
        referred=referred_subjects(cleaned),
    )
