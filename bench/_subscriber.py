"""A loopback subscriber for the delivery benchmark, in a process of its own (aiohttp, one event loop).

``python -m bench._subscriber PORT`` serves:
- ``POST /instant`` answers at once, ``POST /slow`` after 200 ms, ``POST /hang`` never (the client
  times out); each notes when the body's ``seq`` first arrived;
- ``GET /arrivals?path=/slow`` the arrival times (``time.time()``) by ``seq``, ``GET /count?path=…``
  how many requests arrived.
It holds thousands of connections at once.
"""

import asyncio
import json
import sys
import time
from collections import defaultdict

from aiohttp import web

DELAYS = {"/instant": 0.0, "/slow": 0.2, "/hang": 3600.0}


def app() -> web.Application:
    arrivals: dict[str, dict[int, float]] = defaultdict(dict)
    counts: dict[str, int] = defaultdict(int)

    async def deliver(request: web.Request) -> web.Response:
        body = await request.read()
        counts[request.path] += 1
        seq = json.loads(body).get("seq", -1) if body else -1
        arrivals[request.path].setdefault(seq, time.time())
        if delay := DELAYS[request.path]:
            await asyncio.sleep(delay)
        return web.Response(body=b"{}", content_type="application/json")

    async def arrived(request: web.Request) -> web.Response:
        return web.json_response(arrivals[request.query["path"]])

    async def count(request: web.Request) -> web.Response:
        return web.json_response(counts[request.query["path"]])

    application = web.Application()
    application.add_routes([web.post(path, deliver) for path in DELAYS])
    application.add_routes([web.get("/arrivals", arrived), web.get("/count", count)])
    return application


if __name__ == "__main__":
    web.run_app(app(), host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None, backlog=2048)
