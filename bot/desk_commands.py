"""Reading a slash command written in the agents' group: whose it is, which one, and what the
agent probably meant when it is none of the desk's."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from kb.latin import layout_to_latin

# What works in a ticket's topic, and what works anywhere in the group.
TICKET_COMMANDS = ("claim", "take", "wait", "close", "escalate", "note", "article", "tier")
GROUP_COMMANDS = ("tickets", "report")
HELP_COMMANDS = ("help", "start")
KNOWN = (*TICKET_COMMANDS, *GROUP_COMMANDS, *HELP_COMMANDS)

# "/name", "/name@bot", then the argument after any whitespace (a newline too).
_SLASH = re.compile(r"/(?P<name>[^\s@]*)(?:@(?P<bot>\S*))?(?:\s+(?P<arg>.*))?", re.DOTALL)
_GUESS_CUTOFF = 60  # rapidfuzz ratio: "clsoe" → close scores 80, "tickt" → tickets 83


@dataclass(frozen=True, slots=True)
class SlashCommand:
    """A message that starts with "/": the command's name as typed (lower case), the text after
    it, and whether it names another bot ("/help@other_bot")."""

    typed: str
    name: str
    arg: str
    for_another_bot: bool

    @property
    def known(self) -> bool:
        return self.name in KNOWN

    def meant(self) -> str | None:
        """The desk command an unknown one was probably meant to be: the same keys typed on the
        Persian layout ("/زمخسث"), or a close spelling ("/clsoe")."""
        keys = layout_to_latin(self.name)
        if keys in KNOWN:
            return keys
        guess = process.extractOne(
            keys or self.name, KNOWN, scorer=fuzz.ratio, score_cutoff=_GUESS_CUTOFF
        )
        return None if guess is None else str(guess[0])


def read_slash(text: str | None, bot_username: str | None) -> SlashCommand | None:
    """Read `text` as a slash command, or return None when it does not start with "/"."""
    if not text or not text.startswith("/"):
        return None
    found = _SLASH.match(text)
    assert found is not None  # every part of the pattern after "/" is optional
    addressee = found["bot"] or ""
    return SlashCommand(
        typed=text.split(maxsplit=1)[0],
        name=found["name"].lower(),
        arg=(found["arg"] or "").strip(),
        for_another_bot=bool(addressee) and addressee.lower() != (bot_username or "").lower(),
    )
