"""GET /api/messages?folder=inbox: the folder as JSON; POST sends a message."""

from app._lib.store import FOLDERS
from starlette.responses import JSONResponse


async def get(search_params, state):
    folder = search_params.get("folder", "inbox")
    if folder not in FOLDERS:
        return JSONResponse({"error": f"no folder {folder!r}"}, 404)
    messages = await state["store"].folder(folder)
    return [{"id": m.id, "from": m.sender, "subject": m.subject, "unread": m.unread,
             "at": m.at} for m in messages]


async def post(request, state):
    data = await request.json()  # not JSON: 400; not sent as application/json: 415
    if not isinstance(data, dict) or not data.get("to"):
        return JSONResponse({"error": "give at least 'to'"}, 422)
    message = await state["store"].send(str(data["to"]), str(data.get("subject", "")),
                                        str(data.get("body", "")))
    return JSONResponse({"id": message.id}, 201, headers={"location": f"/api/messages/{message.id}"})
