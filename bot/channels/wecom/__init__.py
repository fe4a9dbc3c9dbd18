"""WeCom (企业微信) and 政务微信 self-built app channel.

crypto: the callback encryption; events: callback XML -> Incoming; markup: HTML -> WeCom
text and cards; api: gettoken, message/send, update_template_card; limits: 30/min and
1,000/h per member; channel: the inbox worker and the Channel the outbox sender uses;
routes: /wecom/callback for an aiohttp app. Import the submodules you need: this package
imports nothing at load time.
"""
