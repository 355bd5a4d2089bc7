"""Every flow the bot runs, wired to the events that start it. The one place to look."""

from __future__ import annotations

from bot.router import Router
from flows import account, signup, welcome


def build_router() -> Router:
    router = Router()
    router.command("signup", signup.start, "join a programme, or edit your answers")
    router.command("join", signup.start)
    router.command("status", account.status, "your programme, match and next session")
    router.command("help", account.show_help, "what I can do")
    router.command("leave", account.leave, "withdraw from a programme")
    router.command("withdraw", account.leave)
    router.command("pause", account.pause, "take a break")
    router.command("resume", account.resume, "come back after a break")
    router.command("forget-me", account.forget_me, "erase everything Tandem holds about you")
    router.command("forget", account.forget_me)
    router.fallback_command = account.unknown

    router.form(signup.FORM_ID, signup.validate, signup.submit)
    router.action("signup_edit", signup.edit)
    router.action("pause", account.pause_clicked)
    router.action("resume", account.resume_clicked)
    router.action("leave", account.leave_clicked)
    router.action("leave_confirm", account.leave_confirmed)
    router.action("leave_cancel", account.leave_cancelled)
    router.action("forget_confirm", account.forget_confirmed)
    router.action("forget_cancel", account.forget_cancelled)
    router.on_join = welcome.welcome
    return router
