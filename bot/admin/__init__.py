"""Telegram admin commands for the knowledge base, for the users listed in ADMIN_TELEGRAM_IDS.

May import: `settings`, `telegram`, the bot's own `context` and `feedback` modules, and the public API of
`knowledge` (never its models or database modules). `common` holds access control, replies and the help
(`/kb_admin`), `commands` the one-step commands and action buttons, `guided` the add and edit dialogues.
Everything runs in handler group -1, before the bot's own handlers, and stops the updates it takes; an
admin button (`adm:...`) that nothing takes any more is answered "kedaluwarsa" and never reaches the assistant.
"""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackQueryHandler, CommandHandler

from bot.admin.commands import (
    confirm_status,
    decline_button,
    kb_abaikan_command,
    kb_admin_command,
    kb_aktifkan_command,
    kb_audit_command,
    kb_belum_terjawab_command,
    kb_cari_command,
    kb_frasa_command,
    kb_lihat_command,
    kb_masukan_command,
    kb_pensiun_command,
    kb_pulihkan_command,
    kb_riwayat_command,
    kb_statistik_command,
    on_stale_button,
)
from bot.admin.common import (
    BUTTON_PREFIX,
    HANDLER_GROUP,
    HELP_LINES,
    TEXT_CANCELLED,
    TEXT_EXPIRED,
    TEXT_REFUSED,
    Handler,
    help_html,
    is_admin,
)
from bot.admin.guided import (
    ADD_ANSWER,
    ADD_CONFIRM,
    ADD_ID,
    ADD_QUESTIONS,
    ADD_SOURCES,
    ADD_TITLE,
    ADD_TOPIC,
    EDIT_CONFIRM,
    EDIT_FIELD,
    EDIT_VALUE,
    GUIDED_COMMANDS,
    add_answer,
    add_confirm,
    add_id,
    add_questions,
    add_sources,
    add_title,
    add_topic,
    build_conversations,
    cancel_command,
    edit_confirm,
    edit_field,
    edit_value,
    kb_tambah_command,
    kb_ubah_command,
    stopping,
)

__all__ = [
    "ADD_ANSWER",
    "ADD_CONFIRM",
    "ADD_ID",
    "ADD_QUESTIONS",
    "ADD_SOURCES",
    "ADD_TITLE",
    "ADD_TOPIC",
    "EDIT_CONFIRM",
    "EDIT_FIELD",
    "EDIT_VALUE",
    "GUIDED_COMMANDS",
    "HELP_LINES",
    "ONE_STEP_COMMANDS",
    "TEXT_CANCELLED",
    "TEXT_EXPIRED",
    "TEXT_REFUSED",
    "add_answer",
    "add_confirm",
    "add_id",
    "add_questions",
    "add_sources",
    "add_title",
    "add_topic",
    "cancel_command",
    "confirm_status",
    "edit_confirm",
    "edit_field",
    "edit_value",
    "help_html",
    "is_admin",
    "kb_abaikan_command",
    "kb_admin_command",
    "kb_aktifkan_command",
    "kb_audit_command",
    "kb_belum_terjawab_command",
    "kb_cari_command",
    "kb_frasa_command",
    "kb_lihat_command",
    "kb_masukan_command",
    "kb_pensiun_command",
    "kb_pulihkan_command",
    "kb_riwayat_command",
    "kb_statistik_command",
    "kb_tambah_command",
    "kb_ubah_command",
    "on_stale_button",
    "register_admin_handlers",
    "stopping",
]

ONE_STEP_COMMANDS: dict[str, Handler] = {
    "kb_admin": kb_admin_command,
    "kb_cari": kb_cari_command,
    "kb_lihat": kb_lihat_command,
    "kb_pensiun": kb_pensiun_command,
    "kb_aktifkan": kb_aktifkan_command,
    "kb_riwayat": kb_riwayat_command,
    "kb_pulihkan": kb_pulihkan_command,
    "kb_belum_terjawab": kb_belum_terjawab_command,
    "kb_frasa": kb_frasa_command,
    "kb_abaikan": kb_abaikan_command,
    "kb_masukan": kb_masukan_command,
    "kb_audit": kb_audit_command,
    "kb_statistik": kb_statistik_command,
}
# Action buttons (under /kb_lihat and the confirmations) and what they run; `adm:do:edit:` starts the edit
# dialogue, so it is an entry point of that conversation instead.
BUTTON_ACTIONS: dict[str, Handler] = {
    r"^adm:do:history:": kb_riwayat_command,
    r"^adm:do:retire:": kb_pensiun_command,
    r"^adm:do:restore:": kb_aktifkan_command,
    r"^adm:(retire|restore):": confirm_status,
    r"^adm:no$": decline_button,
}


def register_admin_handlers(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Register the admin dialogues, commands and buttons in handler group -1, before the bot's own handlers.

    Within the group the first handler that accepts an update takes it: the dialogues first (their buttons
    count only in the right step), then the commands and action buttons, and last the catch-all for stale
    admin buttons.
    """
    for conversation in build_conversations(persistent=application.persistence is not None):
        application.add_handler(conversation, HANDLER_GROUP)
    for name, callback in ONE_STEP_COMMANDS.items():
        application.add_handler(CommandHandler(name, stopping(callback)), HANDLER_GROUP)
    for pattern, callback in BUTTON_ACTIONS.items():
        application.add_handler(CallbackQueryHandler(stopping(callback), pattern=pattern), HANDLER_GROUP)
    application.add_handler(CallbackQueryHandler(stopping(on_stale_button), pattern=f"^{BUTTON_PREFIX}"), HANDLER_GROUP)
