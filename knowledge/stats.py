"""Usage statistics for admins: questions per day, answer rate, top topics and entries, feedback, unanswered.

`collect_stats` reads the question log and feedback; `stats_csv` and `stats_chart_png` turn the result into a
CSV file and a PNG chart. matplotlib is imported only when a chart is drawn, with the Agg backend through
its object API (no pyplot global state, so it is safe in worker threads and servers without a display).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from datetime import date, datetime, time, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from knowledge.admin_review import review_groups
from knowledge.admin_types import WIB, DayCount, Stats
from knowledge.models import Feedback, Handoff, KbEntry, QuestionLog
from knowledge.types import TOPICS

# Outcomes that are answers from an entry: confident, and given with a small lead over the runner-up.
ANSWERED_OUTCOMES = ("answered", "uncertain")


def _person(sender_id: str) -> str:
    """Return who is behind a conversation id: `tg-<chat>-<user>` in groups is the user, else the chat."""
    parts = sender_id.split("-")
    return parts[-1] if sender_id.startswith("tg-") and len(parts) == 3 else sender_id


def collect_stats(session: Session, *, days: int = 30, today: date | None = None, top: int = 5) -> Stats:
    """Return the statistics of the last `days` days up to and including `today` (days in WIB)."""
    until = today or datetime.now(WIB).date()
    since = until - timedelta(days=max(days, 1) - 1)
    start = datetime.combine(since, time.min, tzinfo=WIB)
    end = datetime.combine(until + timedelta(days=1), time.min, tzinfo=WIB)
    per_day: dict[date, Counter[str]] = {since + timedelta(days=i): Counter() for i in range((until - since).days + 1)}
    senders: dict[date, set[str]] = {day: set() for day in per_day}
    topics: Counter[str] = Counter()
    entries: Counter[str] = Counter()
    stmt = select(
        QuestionLog.at, QuestionLog.outcome, QuestionLog.topic, QuestionLog.entry_id, QuestionLog.sender_id
    ).where(QuestionLog.at >= start, QuestionLog.at < end)
    for at, outcome, topic, entry_id, sender in session.execute(stmt):
        day = at.astimezone(WIB).date()
        counter = per_day[day]
        counter["total"] += 1
        counter[outcome] += 1
        senders[day].add(sender)
        if outcome in ANSWERED_OUTCOMES:
            if topic:
                topics[topic] += 1
            if entry_id:
                entries[entry_id] += 1
    rated: dict[str, Counter[str]] = {}
    feedback = select(Feedback.at, Feedback.rating, Feedback.entry_id).where(Feedback.at >= start, Feedback.at < end)
    for at, rating, entry_id in session.execute(feedback):
        kind = "helpful" if rating > 0 else "unhelpful"
        per_day[at.astimezone(WIB).date()][kind] += 1
        rated.setdefault(entry_id, Counter())[kind] += 1
    top_ids = [entry_id for entry_id, _ in entries.most_common(top)]
    info: dict[str, tuple[str, str]] = {}
    wanted = set(top_ids) | set(rated)
    if wanted:
        rows = session.execute(select(KbEntry.id, KbEntry.title, KbEntry.topic).where(KbEntry.id.in_(wanted)))
        info = {entry_id: (title, topic) for entry_id, title, topic in rows}
    topic_rated: dict[str, Counter[str]] = {}
    for entry_id, counts in rated.items():
        topic_rated.setdefault(info.get(entry_id, ("?", "?"))[1], Counter()).update(counts)
    day_counts = tuple(
        DayCount(
            day=day,
            total=c["total"],
            answered=c["answered"],
            ambiguous=c["ambiguous"],
            declined=c["declined"],
            helpful=c["helpful"],
            unhelpful=c["unhelpful"],
            uncertain=c["uncertain"],
            users=len({_person(sender) for sender in senders[day]}),
            conversations=len(senders[day]),
        )
        for day, c in sorted(per_day.items())
    )
    everyone = set().union(*senders.values())
    handoffs: Counter[str] = Counter()
    for status, claimed_at in session.execute(
        select(Handoff.status, Handoff.claimed_at).where(Handoff.requested_at >= start, Handoff.requested_at < end)
    ):
        handoffs["requested"] += 1
        handoffs["claimed"] += claimed_at is not None
        handoffs["timeout"] += status == "timeout"
        handoffs["open"] += status in ("requested", "claimed")
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
        top_entries=tuple(
            (entry_id, info.get(entry_id, ("?", ""))[0], count) for entry_id, count in entries.most_common(top)
        ),
        top_unanswered=tuple(review_groups(session, since=start, limit=top)),
        uncertain=sum(d.uncertain for d in day_counts),
        users=len({_person(sender) for sender in everyone}),
        conversations=len(everyone),
        entry_feedback=tuple(
            sorted(
                (
                    (entry_id, info.get(entry_id, ("?", ""))[0], c["helpful"], c["unhelpful"])
                    for entry_id, c in rated.items()
                ),
                key=lambda row: (-row[3], -row[2], row[0]),
            )
        ),
        handoffs=tuple((k, handoffs[k]) for k in ("requested", "claimed", "timeout", "open")) if handoffs else (),
        topic_feedback=tuple(
            sorted(((t, c["helpful"], c["unhelpful"]) for t, c in topic_rated.items()), key=lambda r: r[0])
        ),
    )


def _percent(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.0f}%"


def stats_text(stats: Stats, *, top_feedback: int = 10) -> str:
    """Return the statistics as plain text (the `kb stats` output; the bot escapes it for HTML)."""
    lines = [
        f"Periode {stats.since.isoformat()} s.d. {stats.until.isoformat()} ({len(stats.days)} hari, WIB)",
        f"Pengguna: {stats.users}, percakapan: {stats.conversations}",
        f"Pertanyaan: {stats.total} (dijawab yakin {stats.answered}, dijawab ragu {stats.uncertain}, "
        f"belum terjawab/pilihan {stats.ambiguous}, ditolak {stats.declined})",
        f"Tingkat terjawab: {_percent(stats.answer_rate)} (yakin {_percent(stats.confident_rate)})",
        f"Umpan balik: 👍 {stats.helpful} / 👎 {stats.unhelpful} (rasio 👍 {_percent(stats.feedback_ratio)})",
    ]
    if stats.topic_feedback:
        lines.append(
            "👍 per topik: "
            + ", ".join(
                f"{TOPICS.get(t, t)} {_percent(h / (h + u) if h + u else None)}" for t, h, u in stats.topic_feedback
            )
        )
    if stats.handoffs:
        counts = dict(stats.handoffs)
        lines.append(
            f"Alih ke fasilitator: {counts['requested']} diminta, {counts['claimed']} diambil, "
            f"{counts['timeout']} kedaluwarsa, {counts['open']} masih terbuka"
        )
    for flow in stats.flows:
        left = ", ".join(f"{step} ({n})" for step, n in flow.left_at[:3])
        lines.append(
            f"Alur {flow.name}: {flow.starts} dimulai, {flow.completed} selesai ({_percent(flow.completion_rate)}), "
            f"{flow.cancelled} dibatalkan" + (f"; berhenti di: {left}" if left else "")
        )
    if stats.top_topics:
        lines.append("Topik teratas: " + ", ".join(f"{TOPICS.get(t, t)} ({n})" for t, n in stats.top_topics))
    if stats.top_entries:
        lines.append("Entri teratas:")
        lines.extend(f"  {n:>4}  {entry_id}  {title}" for entry_id, title, n in stats.top_entries)
    if stats.entry_feedback:
        lines.append("Umpan balik per entri (👍/👎):")
        lines.extend(
            f"  👍{h:>3} 👎{u:>3}  {entry_id}  {title}" for entry_id, title, h, u in stats.entry_feedback[:top_feedback]
        )
    if stats.top_unanswered:
        lines.append("Antrean tinjauan teratas:")
        lines.extend(f"  {g.count:>4}  [{g.group_id}]  {g.example}" for g in stats.top_unanswered)
    per_day = (f"{d.day.strftime('%d/%m')}:{d.total}/{d.users}org" for d in stats.days if d.total)
    lines.append("Per hari (pertanyaan/pengguna): " + " ".join(per_day))
    return "\n".join(lines)


CSV_COLUMNS = (
    "date",
    "questions",
    "answered",
    "ambiguous",
    "declined",
    "answer_rate",
    "helpful",
    "unhelpful",
    "uncertain",
    "users",
    "conversations",
)


def stats_csv(stats: Stats) -> str:
    """Return one CSV row per day (with a header), the answer rate as a fraction with 3 decimals."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for d in stats.days:
        rate = f"{(d.answered + d.uncertain) / d.total:.3f}" if d.total else ""
        writer.writerow(
            [
                d.day.isoformat(),
                d.total,
                d.answered,
                d.ambiguous,
                d.declined,
                rate,
                d.helpful,
                d.unhelpful,
                d.uncertain,
                d.users,
                d.conversations,
            ]
        )
    return buffer.getvalue()


def stats_chart_png(stats: Stats) -> bytes:
    """Draw questions per day by outcome with the people asking, the top topics, and the flows' funnel, as one PNG.

    The funnel panel is added only when a flow was started in the period (the figure is then taller).
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    with_flows = bool(stats.flows)
    figure = Figure(figsize=(9, 9.5 if with_flows else 6.5), dpi=100)
    FigureCanvasAgg(figure)
    ratios = [3, 2, 2] if with_flows else [3, 2]
    panels = figure.subplots(len(ratios), 1, gridspec_kw={"height_ratios": ratios})
    daily, topics = panels[0], panels[1]
    positions = list(range(len(stats.days)))
    answered = [d.answered for d in stats.days]
    uncertain = [d.uncertain for d in stats.days]
    ambiguous = [d.ambiguous for d in stats.days]
    declined = [d.declined for d in stats.days]
    below_ambiguous = [a + b for a, b in zip(answered, uncertain, strict=True)]
    below_declined = [a + b for a, b in zip(below_ambiguous, ambiguous, strict=True)]
    daily.bar(positions, answered, color="#2e7d32", label="dijawab yakin")
    daily.bar(positions, uncertain, bottom=answered, color="#9ccc65", label="dijawab ragu")
    daily.bar(positions, ambiguous, bottom=below_ambiguous, color="#f9a825", label="pilihan/belum terjawab")
    daily.bar(positions, declined, bottom=below_declined, color="#c62828", label="ditolak")
    daily.plot(positions, [d.users for d in stats.days], color="#37474f", marker=".", label="pengguna")
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
    if with_flows:
        _draw_funnel(panels[2], stats)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def _draw_funnel(axes: Any, stats: Stats) -> None:
    """Draw each flow's starts, completions and cancels, with the step most people left at."""
    names = [flow.name.removesuffix("_form") for flow in stats.flows]
    rows = list(range(len(names)))
    height = 0.27
    axes.barh([r - height for r in rows], [f.starts for f in stats.flows], height, color="#1565c0", label="dimulai")
    axes.barh(rows, [f.completed for f in stats.flows], height, color="#2e7d32", label="selesai")
    axes.barh([r + height for r in rows], [f.cancelled for f in stats.flows], height, color="#c62828", label="batal")
    for row, flow in zip(rows, stats.flows, strict=True):
        if flow.left_at:
            step, count = flow.left_at[0]
            axes.text(flow.starts, row - height, f"  berhenti terbanyak: {step} ({count})", va="center", fontsize=8)
    axes.set_yticks(rows)
    axes.set_yticklabels(names)
    axes.invert_yaxis()
    axes.set_title("Alur terpandu: dimulai, selesai, dibatalkan")
    axes.legend(loc="lower right", fontsize=8)
    axes.xaxis.get_major_locator().set_params(integer=True)
