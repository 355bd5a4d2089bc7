"""Action ids of the buttons one stage of the programme shows and another stage handles.

Defined here, with the buttons shared that way, so neither stage folder imports the other.
An action id used within one stage lives next to the flow that handles it instead.
Never change a value: cards and messages already sent carry them.
"""

from __future__ import annotations

from bot.core.outbound import Button

# Handled by flows/signup/enrol.py; the home view and the welcome carry it too.
SIGNUP_ACTION = "signup_edit"
# Handled by flows/account/pause.py and flows/account/leave.py; the sign-up confirmation
# carries them too.
PAUSE_ACTION = "pause"
LEAVE_ACTION = "leave"
# Handled by flows/account/support.py; every session DM can carry the button.
SUPPORT_ACTION = "support"
# Handled by flows/chemistry/rematch.py; offered when a partner leaves (flows/account).
REMATCH_ACTION = "rematch_me"
# The first booking step of each kind of meeting: `BookingSpec.action("book")` of the
# chemistry spec (flows/chemistry/meeting.py) and of the session spec (flows/sessions/cadence.py).
CHEMISTRY_BOOK_ACTION = "chem_book"
SESSION_BOOK_ACTION = "sess_book"

REMATCH_BUTTON = Button("Find me a new partner", REMATCH_ACTION)


def support_button(programme_id: int) -> Button:
    """The neutral "Need support?" button every session DM can carry."""
    return Button("Need support?", SUPPORT_ACTION, str(programme_id))
