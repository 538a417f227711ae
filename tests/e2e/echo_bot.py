"""A trivial Bot Framework bot for the Playground smoke test: no auth, no SDK, no project code.

Every message is answered in its conversation with the same text plus an Adaptive Card (carrying that text
and one Action.Execute button, verb ECHO_VERB); an `adaptiveCard/action` invoke replaces the clicked card (a PUT
to the connector, like update_activity) with a card naming the verb, the data and who clicked, and returns
that card in the invoke response; everything else gets 201. Each incoming activity is appended to
--record (JSON lines) so a failing run can show what the Playground sent.

Run: python tests/e2e/echo_bot.py --port 3978 [--record activities.jsonl]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web

ECHO_VERB = "echo.click"
RECORD = web.AppKey("record", Path)
CLIENT = web.AppKey("client", aiohttp.ClientSession)


def card(text: str, *, button: bool) -> dict[str, Any]:
    body: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "version": "1.5",
        "body": [{"type": "TextBlock", "text": text, "wrap": True}],
    }
    if button:
        body["actions"] = [{"type": "Action.Execute", "title": "Klicka", "verb": ECHO_VERB, "data": {"n": 1}}]
    return body


async def messages(request: web.Request) -> web.Response:
    activity: dict[str, Any] = await request.json()
    with request.app[RECORD].open("a", encoding="utf-8") as record:
        record.write(json.dumps(activity, ensure_ascii=False) + "\n")
    kind = activity.get("type")
    if kind == "message":
        text = activity.get("text") or ""
        conversation = activity["conversation"]
        reply = {
            "type": "message",
            "from": activity["recipient"],
            "recipient": activity["from"],
            "conversation": conversation,
            "replyToId": activity.get("id"),
            "text": text,
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "content": card(text, button=True)}
            ],
        }
        url = (
            f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{conversation['id']}"
            f"/activities/{activity.get('id', '')}"
        )
        async with request.app[CLIENT].post(url, json=reply) as sent:
            sent.raise_for_status()
        return web.Response(status=201)
    if kind == "invoke" and activity.get("name") == "adaptiveCard/action":
        action = (activity.get("value") or {}).get("action") or {}
        who = (activity.get("from") or {}).get("name") or (activity.get("from") or {}).get("id")
        text = f"{action.get('verb')} {json.dumps(action.get('data'), sort_keys=True)} av {who}"
        answer = card(text, button=False)
        clicked = activity.get("replyToId")
        if clicked:  # replace the clicked card for everyone, as Teams bots do with update_activity
            conversation = activity["conversation"]
            update = {
                "type": "message",
                "id": clicked,
                "from": activity["recipient"],
                "conversation": conversation,
                "attachments": [
                    {"contentType": "application/vnd.microsoft.card.adaptive", "content": answer}
                ],
            }
            url = f"{activity['serviceUrl'].rstrip('/')}/v3/conversations/{conversation['id']}/activities/{clicked}"
            async with request.app[CLIENT].put(url, json=update) as updated:
                updated.raise_for_status()
        body = {"statusCode": 200, "type": "application/vnd.microsoft.card.adaptive", "value": answer}
        return web.json_response(body)
    return web.Response(status=201)


def make_app(record: Path) -> web.Application:
    app = web.Application()
    app[RECORD] = record

    async def client(app: web.Application):  # type: ignore[no-untyped-def]
        async with aiohttp.ClientSession() as session:
            app[CLIENT] = session
            yield

    app.cleanup_ctx.append(client)
    app.router.add_post("/api/messages", messages)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--record", type=Path, default=Path("/dev/null"))
    args = parser.parse_args()
    web.run_app(make_app(args.record), host=args.host, port=args.port, print=None)


if __name__ == "__main__":
    main()
