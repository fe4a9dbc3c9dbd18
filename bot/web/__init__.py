"""Everything HTTP in one aiohttp server: the office console, the Telegram webhook, and the
routes later channels add (web chat at /chat/, WeCom at /wecom/callback).

A part that serves HTTP is a *route provider*: a function that adds its routes (and its
startup/shutdown hooks) to the one root application. `WebServer.mount(name, provider)`
is the only call a channel needs; see bot/web/server.py.
"""
