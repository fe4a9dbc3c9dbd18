// Start telegram-test-api 4.2.1 with the patches Muster's end-to-end tests need.
//
// Usage: node emulator.js [PORT]   (or EMULATOR_PORT=PORT; 0 or nothing picks a free port)
// Prints "READY http://127.0.0.1:PORT" once it accepts connections; stops on SIGTERM/SIGINT.
//
// The package is unmaintained since 2020 and aiogram cannot run against it as shipped
// (see ../shared/E2E.md). Everything Muster's bot calls is served here in front of the
// emulator's own express app; the simulated user's endpoints stay the package's own.
'use strict';

const express = require('express');
const TelegramServer = require('telegram-test-api');

const HOST = '127.0.0.1';
const USER_EVENTS = ['AddedUserMessage', 'AddedUserCommand', 'AddedUserCallbackQuery'];
const MAX_POLL_SECONDS = 50;
// Bot API methods the package itself answers well enough; all others are served below
// or answered 404 like Telegram answers a method it does not know.
const PASS_THROUGH = new Set(['deleteMessage']);

// Patch 4: a rejected promise (webhook target down, a client body without botToken)
// must not kill the process that every test of the session talks to.
process.on('unhandledRejection', (reason) => {
  console.error('emulator: unhandled rejection:', reason && reason.stack ? reason.stack : reason);
});

// Patch 2: aiogram rejects a callback query without chat_instance, and the update is
// already marked read by then, so the button press would be lost.
const formatUpdate = TelegramServer.formatUpdate;
TelegramServer.formatUpdate = (update) => {
  const out = formatUpdate(update);
  if (out.callback_query && out.callback_query.chat_instance === undefined) {
    const { message, from } = out.callback_query;
    const chatId = message && message.chat ? message.chat.id : from && from.id;
    out.callback_query.chat_instance = String(chatId);
  }
  return out;
};

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

function botIdOf(token) {
  return Number(String(token).split(':')[0]) || 1;
}

function botUser(token) {
  return {
    id: botIdOf(token),
    is_bot: true,
    first_name: 'Muster Test',
    username: 'MusterTestBot',
    can_join_groups: false,
    can_read_all_group_messages: false,
    supports_inline_queries: false,
  };
}

function fail(res, code, description) {
  res.status(code).json({ ok: false, error_code: code, description });
}

// Telegram accepts parameters in the query string, urlencoded or JSON bodies and
// multipart forms; JSON-typed fields arrive as strings in the form encodings.
function paramsOf(req) {
  const params = { ...req.query, ...(Buffer.isBuffer(req.body) ? {} : req.body) };
  for (const key of ['reply_markup', 'entities', 'allowed_updates']) {
    if (typeof params[key] === 'string' && params[key] !== '') {
      try {
        params[key] = JSON.parse(params[key]);
      } catch (_err) {
        // Telegram would answer 400; keep the raw string so the mismatch is visible.
      }
    }
  }
  return params;
}

function inlineMarkup(markup) {
  return markup && Array.isArray(markup.inline_keyboard) ? markup : undefined;
}

function findBotMessage(server, token, chatId, messageId) {
  return server.storage.botMessages.find((u) => u.botToken === token
    && String(u.messageId) === String(messageId)
    && String(u.message.chat_id) === String(chatId));
}

// The Message object Telegram returns for a stored bot message.
function asMessage(stored) {
  const m = stored.message;
  const out = {
    message_id: stored.messageId,
    from: botUser(stored.botToken),
    date: Math.floor(stored.time / 1000),
    chat: { id: Number(m.chat_id), type: 'private' },
  };
  for (const key of ['text', 'caption', 'document', 'reply_markup', 'edit_date']) {
    if (m[key] !== undefined) {
      out[key] = m[key];
    }
  }
  return out;
}

// A small multipart/form-data reader: sendDocument is the only multipart call Muster makes.
function parseMultipart(body, contentType) {
  const match = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType || '');
  const fields = {};
  const files = {};
  if (!match) {
    return { fields, files };
  }
  const delimiter = Buffer.from(`--${match[1] || match[2]}`);
  let pos = body.indexOf(delimiter);
  while (pos !== -1) {
    pos += delimiter.length;
    if (body.slice(pos, pos + 2).toString() === '--') {
      break;
    }
    pos += 2; // CRLF after the delimiter
    const headerEnd = body.indexOf('\r\n\r\n', pos);
    if (headerEnd === -1) {
      break;
    }
    const headers = body.slice(pos, headerEnd).toString('utf8');
    const next = body.indexOf(delimiter, headerEnd + 4);
    if (next === -1) {
      break;
    }
    const content = body.slice(headerEnd + 4, next - 2); // drop the CRLF before the delimiter
    const name = (/\bname="([^"]*)"/i.exec(headers) || [])[1];
    const plain = /\bfilename="([^"]*)"/i.exec(headers);
    const star = /\bfilename\*=(?:utf-8|UTF-8)''([^;\r\n]+)/.exec(headers);
    if (plain || star) {
      const filename = star ? decodeURIComponent(star[1]) : plain[1];
      files[name] = { filename, data: content };
    } else if (name !== undefined) {
      fields[name] = content.toString('utf8');
    }
    pos = next;
  }
  return { fields, files };
}

function mountBotApi(app, server) {
  // Patch 1: getMe without is_bot fails aiogram's validation at startup.
  app.all('/bot:token/getMe', (req, res) => {
    res.json({ ok: true, result: botUser(req.params.token) });
  });

  // Patch 3: real long polling. As shipped, getUpdates answers at once and the bot
  // busy-loops; wait for a user update or the requested timeout instead.
  app.all('/bot:token/getUpdates', (req, res) => {
    const { token } = req.params;
    const params = paramsOf(req);
    const timeout = Math.min(Math.max(Number(params.timeout) || 0, 0), MAX_POLL_SECONDS);
    const pending = () => server.storage.userMessages.some(
      (u) => u.botToken === token && !u.isRead,
    );
    const answer = () => res.json({ ok: true, result: server.getUpdates(token) });
    if (timeout === 0 || pending()) {
      answer();
      return;
    }
    let done = false;
    let timer = null;
    const cleanUp = () => {
      done = true;
      clearTimeout(timer);
      USER_EVENTS.forEach((name) => server.off(name, onEvent));
    };
    const finish = () => {
      if (done) {
        return;
      }
      cleanUp();
      // A bot that went away must not mark updates read: the next poller gets them.
      if (!res.destroyed && !res.writableEnded) {
        answer();
      }
    };
    function onEvent() {
      if (pending()) {
        finish();
      }
    }
    USER_EVENTS.forEach((name) => server.on(name, onEvent));
    timer = setTimeout(finish, timeout * 1000);
    res.on('close', () => {
      if (!done) {
        cleanUp();
      }
    });
  });

  // The package answers sendMessage with `date` in milliseconds: aiogram happens to read
  // that as a date, python-telegram-bot (rightly) fails on the year 58865. Store it as the
  // package does and answer the Message as Telegram does.
  app.all('/bot:token/sendMessage', (req, res) => {
    server.addBotMessage(paramsOf(req), req.params.token);
    const stored = server.storage.botMessages[server.storage.botMessages.length - 1];
    res.json({ ok: true, result: asMessage(stored) });
  });

  // Edits return the edited Message (the package answers null), and an edit without
  // reply_markup removes the inline keyboard, as Telegram does.
  const edit = (changeText) => (req, res) => {
    const { token } = req.params;
    const params = paramsOf(req);
    if (params.inline_message_id) {
      fail(res, 400, 'Bad Request: inline messages are not emulated');
      return;
    }
    const stored = findBotMessage(server, token, params.chat_id, params.message_id);
    if (!stored) {
      fail(res, 400, 'Bad Request: message to edit not found');
      return;
    }
    const markup = inlineMarkup(params.reply_markup);
    const text = changeText ? params.text : stored.message.text;
    if (changeText && !text) {
      fail(res, 400, 'Bad Request: message text is empty');
      return;
    }
    const same = text === stored.message.text
      && JSON.stringify(markup) === JSON.stringify(inlineMarkup(stored.message.reply_markup));
    if (same) {
      fail(res, 400, 'Bad Request: message is not modified: specified new message content '
        + 'and reply markup are exactly the same as a current content and reply markup '
        + 'of the message');
      return;
    }
    const message = { ...stored.message, text, edit_date: nowSeconds() };
    if (changeText) {
      message.parse_mode = params.parse_mode;
    }
    if (markup) {
      message.reply_markup = markup;
    } else {
      delete message.reply_markup;
    }
    stored.message = message;
    server.emit(changeText ? 'EditedMessageText' : 'EditedMessageReplyMarkup');
    res.json({ ok: true, result: asMessage(stored) });
  };
  app.all('/bot:token/editMessageText', edit(true));
  app.all('/bot:token/editMessageReplyMarkup', edit(false));

  // The package's answerCallbackQuery is a no-op; keep the answers so a test can see
  // the toast the user got.
  app.all('/bot:token/answerCallbackQuery', (req, res) => {
    const params = paramsOf(req);
    const update = server.storage.userMessages.find(
      (u) => u.callbackQuery && String(u.callbackId) === String(params.callback_query_id),
    );
    if (!update) {
      fail(res, 400, 'Bad Request: query is too old and response timeout expired or query ID '
        + 'is invalid');
      return;
    }
    server.callbackAnswers.push({
      botToken: req.params.token,
      callbackQueryId: String(params.callback_query_id),
      userId: update.callbackQuery.from && update.callbackQuery.from.id,
      text: params.text,
      showAlert: params.show_alert === true || params.show_alert === 'true',
      time: Date.now(),
    });
    res.json({ ok: true, result: true });
  });

  // sendDocument answers HTTP 500 as shipped: store it like a message and answer with a
  // Message carrying a Document.
  app.post(
    '/bot:token/sendDocument',
    express.raw({ type: 'multipart/form-data', limit: '50mb' }),
    (req, res) => {
      const { token } = req.params;
      let params = paramsOf(req);
      let file = null;
      if (Buffer.isBuffer(req.body)) {
        const form = parseMultipart(req.body, req.headers['content-type']);
        params = { ...params, ...form.fields };
        params.reply_markup = inlineMarkup(
          typeof params.reply_markup === 'string' && params.reply_markup
            ? JSON.parse(params.reply_markup) : params.reply_markup,
        );
        // aiogram names the upload "attach://<field>" in the document parameter.
        const ref = String(params.document || '');
        file = form.files[ref.startsWith('attach://') ? ref.slice(9) : 'document'] || null;
      }
      if (!params.chat_id || (!file && !params.document)) {
        fail(res, 400, 'Bad Request: there is no document in the request');
        return;
      }
      const fileId = `doc-${server.messageId}`;
      const document = file
        ? { file_id: fileId, file_unique_id: fileId, file_name: file.filename,
          file_size: file.data.length }
        : { file_id: String(params.document), file_unique_id: String(params.document) };
      const message = { chat_id: params.chat_id, document };
      if (params.caption) {
        message.caption = params.caption;
        message.parse_mode = params.parse_mode;
      }
      if (params.reply_markup) {
        message.reply_markup = params.reply_markup;
      }
      server.addBotMessage(message, token);
      const stored = server.storage.botMessages[server.storage.botMessages.length - 1];
      if (file) {
        stored.fileContent = file.data.toString('base64');
      }
      res.json({ ok: true, result: asMessage(stored) });
    },
  );

  // The package stores a webhook but answers setWebhook with result null, which aiogram
  // cannot read as the documented `true`.
  app.all('/bot:token/setWebhook', (req, res) => {
    const params = paramsOf(req);
    if (!params.url) {
      fail(res, 400, 'Bad Request: bad webhook: an HTTPS URL must be provided for webhook');
      return;
    }
    server.setWebhook(params, req.params.token);
    res.json({ ok: true, result: true, description: 'Webhook was set' });
  });
  app.all('/bot:token/deleteWebhook', (req, res) => {
    server.deleteWebhook(req.params.token);
    res.json({ ok: true, result: true, description: 'Webhook was deleted' });
  });

  // Everything else: the package answers HTTP 500 without `ok`; Telegram answers 404.
  app.all('/bot:token/:method', (req, res, next) => {
    if (PASS_THROUGH.has(req.params.method)) {
      next();
      return;
    }
    fail(res, 404, 'Not Found: method not found');
  });

  // For tests: the answers given to the simulated users' button presses.
  app.post('/getCallbackAnswers', (req, res) => {
    const token = (req.body || {}).token;
    res.json({ ok: true, result: server.callbackAnswers.filter((a) => a.botToken === token) });
  });
}

async function main() {
  const port = Number(process.argv[2] || process.env.EMULATOR_PORT || 0);
  // storeTimeout: unread messages are silently dropped after this many seconds.
  const server = new TelegramServer({ host: HOST, port, storeTimeout: 3600 });
  server.config.port = port; // 0 lets the OS pick; the package turns 0 into 9000
  server.setMaxListeners(0); // one listener set per waiting getUpdates
  server.callbackAnswers = [];

  const front = express();
  front.use(express.json({ limit: '50mb' }));
  front.use(express.urlencoded({ extended: true, limit: '50mb' }));
  mountBotApi(front, server);
  front.use(server.webServer); // the package's own routes, including the client ones
  server.webServer = front;

  await server.start();
  // Patch 5: Node closes idle keep-alive sockets after 5 s, aiohttp reuses them for 15 s.
  server.server.keepAliveTimeout = 75 * 1000;
  server.server.headersTimeout = 76 * 1000;

  // Exit at once: server.stop() would wait for open long polls, and nothing needs saving.
  process.on('SIGTERM', () => process.exit(0));
  process.on('SIGINT', () => process.exit(0));
  console.log(`READY http://${HOST}:${server.server.address().port}`);
}

main().catch((err) => {
  console.error('emulator: failed to start:', err);
  process.exit(1);
});
