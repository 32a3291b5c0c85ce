"""Usage statistics for admins: questions per day, answer rate, top topics and entries, feedback, unanswered.

`collect_stats` reads the question log and feedback; `stats_csv` and `stats_chart_png` turn the result into a
CSV file and a PNG chart. matplotlib is imported only when a chart is drawn, with the Agg backend through
its object API (no pyplot global state, so it is safe in worker threads and servers without a display).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.admin_queries import unanswered_groups
from knowledge.admin_types import DayCount, Stats
from knowledge.models import Feedback, KbEntry, QuestionLog
from knowledge.types import TOPICS


def collect_stats(session: Session, *, days: int = 30, today: date | None = None, top: int = 5) -> Stats:
    """Return the statistics of the last `days` days up to and including `today` (UTC)."""
    until = today or datetime.now(timezone.utc).date()
    since = until - timedelta(days=max(days, 1) - 1)
    start = datetime.combine(since, time.min, tzinfo=timezone.utc)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=timezone.utc)
    per_day: dict[date, Counter[str]] = {since + timedelta(days=i): Counter() for i in range((until - since).days + 1)}
    topics: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    stmt = select(QuestionLog.at, QuestionLog.outcome, QuestionLog.topic, QuestionLog.entry_id).where(
        QuestionLog.at >= start, QuestionLog.at < end
    )
    for at, outcome, topic, entry_id in session.execute(stmt):
        counter = per_day[at.date()]
        counter["total"] += 1
        counter[outcome] += 1
        if outcome == "answered":
            if topic:
                topics[topic] += 1
            if entry_id:
                entries[entry_id] += 1
    feedback = select(Feedback.at, Feedback.rating).where(Feedback.at >= start, Feedback.at < end)
    for at, rating in session.execute(feedback):
        per_day[at.date()]["helpful" if rating > 0 else "unhelpful"] += 1
    top_ids = [entry_id for entry_id, _ in entries.most_common(top)]
    titles: dict[str, str] = {}
    if top_ids:
        rows = session.execute(select(KbEntry.id, KbEntry.title).where(KbEntry.id.in_(top_ids)))
        titles = {entry_id: title for entry_id, title in rows}
    day_counts = tuple(
        DayCount(
            day=day,
            total=c["total"],
            answered=c["answered"],
            ambiguous=c["ambiguous"],
            declined=c["declined"],
            helpful=c["helpful"],
            unhelpful=c["unhelpful"],
        )
        for day, c in sorted(per_day.items())
    )
    return Stats(
        since=since,
        until=until,
        days=day_counts,
        total=sum(d.total for d in day_counts),
        answered=sum(d.answered for d in day_counts),
        ambiguous=sum(d.ambiguous for d in day_counts),
        declined=sum(d.declined for d in day_counts),
        helpful=sum(d.helpful for d in day_counts),
        unhelpful=sum(d.unhelpful for d in day_counts),
        top_topics=tuple(topics.most_common(top)),
        top_entries=tuple((entry_id, titles.get(entry_id, "?"), count) for entry_id, count in entries.most_common(top)),
        top_unanswered=tuple(unanswered_groups(session, since=start, limit=top)),
    )


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def stats_text(stats: Stats) -> str:
    """Return the statistics as plain text (the `kb stats` output; the bot escapes it for HTML)."""
    lines = [
        f"Periode {stats.since.isoformat()} s.d. {stats.until.isoformat()} ({len(stats.days)} hari)",
        f"Pertanyaan: {stats.total} (terjawab {stats.answered}, ambigu {stats.ambiguous}, ditolak {stats.declined})",
        f"Tingkat terjawab: {_percent(stats.answer_rate)}",
        f"Umpan balik: 👍 {stats.helpful} / 👎 {stats.unhelpful} (rasio 👍 {_percent(stats.feedback_ratio)})",
    ]
    if stats.top_topics:
        lines.append("Topik teratas: " + ", ".join(f"{TOPICS.get(t, t)} ({n})" for t, n in stats.top_topics))
    if stats.top_entries:
        lines.append("Entri teratas:")
        lines.extend(f"  {n:>4}  {entry_id}  {title}" for entry_id, title, n in stats.top_entries)
    if stats.top_unanswered:
        lines.append("Belum terjawab teratas:")
        lines.extend(f"  {g.count:>4}  [{g.group_id}]  {g.example}" for g in stats.top_unanswered)
    lines.append("Per hari: " + " ".join(f"{d.day.strftime('%d/%m')}:{d.total}" for d in stats.days if d.total))
    return "\n".join(lines)


CSV_COLUMNS = ("date", "questions", "answered", "ambiguous", "declined", "answer_rate", "helpful", "unhelpful")


def stats_csv(stats: Stats) -> str:
    """Return one CSV row per day (with a header), the answer rate as a fraction with 3 decimals."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for d in stats.days:
        rate = f"{d.answered / d.total:.3f}" if d.total else ""
        writer.writerow([d.day.isoformat(), d.total, d.answered, d.ambiguous, d.declined, rate, d.helpful, d.unhelpful])
    return buffer.getvalue()


def stats_chart_png(stats: Stats) -> bytes:
    """Draw questions per day (answered, ambiguous, declined stacked) and the top topics as one PNG."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(9, 6.5), dpi=100)
    FigureCanvasAgg(figure)
    daily, topics = figure.subplots(2, 1, gridspec_kw={"height_ratios": [3, 2]})
    positions = list(range(len(stats.days)))
    answered = [d.answered for d in stats.days]
    ambiguous = [d.ambiguous for d in stats.days]
    declined = [d.declined for d in stats.days]
    stacked = [a + b for a, b in zip(answered, ambiguous, strict=True)]
    daily.bar(positions, answered, color="#2e7d32", label="terjawab")
    daily.bar(positions, ambiguous, bottom=answered, color="#f9a825", label="ambigu")
    daily.bar(positions, declined, bottom=stacked, color="#c62828", label="ditolak")
    step = max(1, len(positions) // 12)  # at most ~12 date labels, whatever the period
    daily.set_xticks(positions[::step])
    daily.set_xticklabels([d.day.strftime("%d/%m") for d in stats.days][::step])
    daily.set_title(
        f"Pertanyaan per hari, {stats.since:%d/%m/%Y}–{stats.until:%d/%m/%Y}\n{stats.total} pertanyaan, "
        f"terjawab {_percent(stats.answer_rate)}, umpan balik positif {_percent(stats.feedback_ratio)}"
    )
    daily.legend(loc="upper left")
    daily.yaxis.get_major_locator().set_params(integer=True)
    if stats.top_topics:
        names = [TOPICS.get(t, t) for t, _ in reversed(stats.top_topics)]
        topics.barh(names, [n for _, n in reversed(stats.top_topics)], color="#1565c0")
        topics.set_title("Topik teratas (pertanyaan terjawab)")
        topics.xaxis.get_major_locator().set_params(integer=True)
    else:
        topics.set_axis_off()
        topics.text(0.5, 0.5, "Belum ada pertanyaan terjawab", ha="center", va="center")
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()
