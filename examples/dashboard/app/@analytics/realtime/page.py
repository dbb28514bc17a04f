import asyncio

from htpy import li, span, ul

from app._ui.components import badge, card

EVENTS = [("Signed up", "Berlin", "2s ago"), ("Upgraded to Pro", "Austin", "9s ago"),
          ("Viewed /pricing", "Osaka", "14s ago"), ("Invited a teammate", "Lyon", "31s ago")]


metadata = {"title": "Realtime"}


async def page():
    await asyncio.sleep(1.5)  # a slow analytics backend: loading.py is shown meanwhile
    return card(
        "Live events",
        ul(".people")[
            (li[span(".who")[what, span(".muted")[where]], span(".muted")[when]] for what, where, when in EVENTS)
        ],
        aside=badge("42 online now", "green"),
    )
