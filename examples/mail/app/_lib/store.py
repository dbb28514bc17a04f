"""The mail store: in memory, opened once per worker by ``app/lifespan.py``.

A real app would open a database pool here; the methods are ``async`` as its would be. Two
folders behave as real ones sometimes do: ``archive`` is slow (cold storage), ``outbox`` fails
(its relay is down), to show ``loading.py`` and ``error.py`` in the list slot.
"""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta

FOLDERS = {
    "inbox": "Inbox",
    "starred": "Starred",
    "sent": "Sent",
    "archive": "Archive",
    "outbox": "Outbox",
}

#: The demo account (the login page fills it in).
DEMO_EMAIL = "ada@example.com"
DEMO_PASSWORD = "analytical"


class RelayDown(RuntimeError):
    """The outbox cannot be read: its relay is unreachable."""


@dataclass
class Message:
    id: str
    folder: str
    sender: str
    address: str
    subject: str
    body: str
    at: datetime
    unread: bool = True
    starred: bool = False
    to: str = "Ada Lovelace <ada@example.com>"

    @property
    def preview(self) -> str:
        return " ".join(self.body.split())[:90]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass
class Store:
    messages: dict[str, Message] = field(default_factory=dict)
    sessions: dict[str, str] = field(default_factory=dict)  # session id -> email
    slow: float = 1.2

    @classmethod
    async def open(cls) -> Store:
        store = cls()
        now = datetime(2025, 3, 14, 9, 30)
        for i, (folder, sender, address, subject, body, unread, starred) in enumerate(SEED):
            mid = str(i + 1)
            store.messages[mid] = Message(mid, folder, sender, address, subject, body,
                                          now - timedelta(hours=7 * i + i * i), unread, starred)
        return store

    async def close(self) -> None:
        self.sessions.clear()

    # -- sessions ---------------------------------------------------------------------------

    async def login(self, email: str, password: str) -> str | None:
        if email.strip().lower() != DEMO_EMAIL or password != DEMO_PASSWORD:
            return None
        session = secrets.token_urlsafe(24)
        self.sessions[session] = DEMO_EMAIL
        return session

    def user(self, session: str | None) -> str | None:
        return self.sessions.get(session or "")

    async def logout(self, session: str | None) -> None:
        self.sessions.pop(session or "", None)

    # -- messages ---------------------------------------------------------------------------

    async def folder(self, name: str) -> list[Message]:
        if name == "archive":
            await asyncio.sleep(self.slow)
        if name == "outbox":
            raise RelayDown("the outbox relay smtp.example.com:587 is unreachable")
        if name == "starred":
            found = [m for m in self.messages.values() if m.starred]
        else:
            found = [m for m in self.messages.values() if m.folder == name]
        return sorted(found, key=lambda m: m.at, reverse=True)

    async def get(self, mid: str) -> Message | None:
        return self.messages.get(mid)

    async def read(self, mid: str) -> Message | None:
        message = self.messages.get(mid)
        if message is not None:
            message.unread = False
        return message

    async def mark_unread(self, mid: str) -> None:
        if mid in self.messages:
            self.messages[mid].unread = True

    def unread(self, folder: str) -> int:
        return sum(1 for m in self.messages.values() if m.folder == folder and m.unread)

    async def send(self, to: str, subject: str, body: str) -> Message:
        mid = str(max((int(k) for k in self.messages), default=0) + 1)
        message = Message(mid, "sent", "Ada Lovelace", DEMO_EMAIL, subject or "(no subject)",
                          body, datetime.now(), unread=False, to=to)
        self.messages[mid] = message
        return message

    async def move(self, mid: str, folder: str) -> None:
        if mid in self.messages:
            self.messages[mid].folder = folder

    async def toggle_star(self, mid: str) -> None:
        if mid in self.messages:
            self.messages[mid].starred = not self.messages[mid].starred


SEED = [
    ("inbox", "Charles Babbage", "charles@engine.org", "Difference Engine No. 2: the drawings",
     "Ada, the drawings for the second engine are finished at last. I would value your eye on "
     "the carriage mechanism before Clement starts cutting the brass. Could we meet Thursday "
     "at Dorset Street? Bring the notes on Bernoulli numbers if you have them with you.",
     True, True),
    ("inbox", "Mary Somerville", "mary@somerville.net", "Your translation of Menabrea",
     "My dear Ada, I read your notes on Menabrea's memoir with the greatest pleasure. They are "
     "three times the length of the memoir itself, and worth every line. Note G in particular "
     "will be read long after all of us.", True, False),
    ("inbox", "Royal Society", "events@royalsociety.org", "Invitation: Thursday lecture",
     "You are cordially invited to the lecture on electromagnetism by Mr Faraday, Thursday at "
     "eight o'clock. Members may bring one guest.", False, False),
    ("inbox", "Augustus De Morgan", "adm@ucl.ac.uk", "Re: exercises on functional equations",
     "Your solutions to the last set are correct, though the third takes a longer road than it "
     "needs. I have enclosed the next set; the fifth will amuse you.", False, True),
    ("inbox", "William King", "william@ockham.park", "Ockham Park: the new stables",
     "The builders say the stables will be finished before the summer. The horses are "
     "impatient, and so, I confess, am I.", False, False),
    ("inbox", "Charles Wheatstone", "cw@kings.ac.uk", "Telegraph demonstration",
     "We shall demonstrate the needle telegraph between Euston and Camden Town next week. "
     "I should be glad to have you there.", True, False),
    ("archive", "Lord Byron", "byron@newstead.abbey", "An old letter",
     "Is thy face like thy mother's, my fair child! Ada! sole daughter of my house and heart?",
     False, False),
    ("archive", "Michael Faraday", "faraday@ri.ac.uk", "On the nature of forces",
     "I have been thinking about what you wrote on the unity of the forces of nature. Let us "
     "talk at the Institution.", False, False),
    ("sent", "Ada Lovelace", DEMO_EMAIL, "Note G, final draft",
     "Charles, here is the final draft of Note G, with the table for computing the Bernoulli "
     "numbers. Please check the fourth operation; I believe there is a slip in the indices.",
     False, False),
]
