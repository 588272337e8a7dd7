/* The widget page's script: gets a chat token, resumes this tab's conversation after a reload,
   and renders Web Chat (served from this server, no CDN). Plain ES2017, no build step. */
(function () {
  'use strict';

  var config = JSON.parse(document.getElementById('chat-config').textContent);
  var text = config.text;
  var STORAGE_KEY = 'iess-chat-session';
  var statusEl = document.getElementById('chat-status');
  var errorEl = document.getElementById('chat-error');
  var errorTextEl = document.getElementById('chat-error-text');
  var chatEl = document.getElementById('webchat');
  var directLine;
  var session;
  var saveTimer;

  // ConnectionStatus values of botframework-directlinejs.
  var ONLINE = 2;
  var EXPIRED_TOKEN = 3;
  var FAILED_TO_CONNECT = 4;
  var ENDED = 5;

  function setStatus(message) {
    statusEl.textContent = message || '';
  }

  function showError(message) {
    setStatus('');
    errorTextEl.textContent = message;
    errorEl.hidden = false;
  }

  // sessionStorage: the conversation survives a reload but not the closing of the tab,
  // so nothing stays behind on a shared computer.
  function load() {
    try {
      var saved = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || 'null');
      return saved && saved.token && saved.conversationId && saved.domain ? saved : null;
    } catch (e) {
      return null;
    }
  }

  function save() {
    if (!session) return;
    if (directLine && directLine.token) session.token = directLine.token;
    try {
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(session));
    } catch (e) {
      /* private mode: the chat still works, it just won't survive a reload */
    }
  }

  function forget() {
    session = null;
    try {
      sessionStorage.removeItem(STORAGE_KEY);
    } catch (e) {
      /* nothing saved */
    }
  }

  function refresh(saved) {
    return fetch(saved.domain + '/tokens/refresh', {
      method: 'POST',
      headers: { Authorization: 'Bearer ' + saved.token },
    }).then(function (res) {
      if (!res.ok) return null;
      return res.json().then(function (body) {
        return Object.assign({}, saved, { token: body.token });
      });
    });
  }

  function newSession() {
    return fetch(config.tokenUrl, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ locale: config.locale }),
    }).then(function (res) {
      if (res.status === 429) throw new Error(text.tooMany);
      if (!res.ok) throw new Error(text.connectError);
      return res.json();
    });
  }

  function render(resumed) {
    directLine = window.WebChat.createDirectLine({
      domain: session.domain,
      token: session.token,
      // With a conversation id the client reconnects (and gets the history) instead of starting anew.
      conversationId: resumed ? session.conversationId : undefined,
      webSocket: session.webSocket !== false,
    });
    directLine.connectionStatus$.subscribe(function (status) {
      if (status === ONLINE) {
        setStatus(resumed ? text.resumed : '');
        save();
      } else if (status === ENDED || status === FAILED_TO_CONNECT) {
        forget();
        showError(text.connectError);
      } else if (status === EXPIRED_TOKEN) {
        save();
      }
    });

    window.WebChat.renderWebChat(
      {
        directLine: directLine,
        userID: session.userId,
        locale: config.webChatLocale,
        overrideLocalizedStrings: Object.assign({ TEXT_INPUT_PLACEHOLDER: text.placeholder }, config.widgetStrings),
        styleOptions: {
          accent: '#0b4f8a',
          primaryFont: "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif",
          backgroundColor: '#ffffff',
          bubbleBackground: '#eef2f7',
          bubbleBorderColor: '#d5dce5',
          bubbleBorderRadius: 12,
          bubbleFromUserBackground: '#0b4f8a',
          bubbleFromUserTextColor: '#ffffff',
          bubbleFromUserBorderRadius: 12,
          bubbleMaxWidth: 560,
          avatarSize: 44,
          botAvatarInitials: text.botInitials,
          botAvatarBackgroundColor: '#0b4f8a',
          userAvatarInitials: text.userInitials,
          userAvatarBackgroundColor: '#4a5563',
          hideUploadButton: true,
          sendBoxHeight: 48,
          sendBoxButtonColor: '#0b4f8a',
          suggestedActionLayout: 'flow',
          suggestedActionHeight: 44,
          suggestedActionBorderRadius: 8,
          suggestedActionBorderColor: '#0b4f8a',
          suggestedActionTextColor: '#0b4f8a',
          suggestedActionsStackedLayoutButtonTextWrap: true,
          timestampColor: '#4a5563',
          transitionDuration: '0s',
        },
      },
      chatEl,
    );
    clearInterval(saveTimer);
    saveTimer = setInterval(save, 60 * 1000);
  }

  function start() {
    errorEl.hidden = true;
    setStatus(text.loading);
    var saved = load();
    var resume = saved
      ? refresh(saved).catch(function () {
          return null;
        })
      : Promise.resolve(null);
    return resume
      .then(function (refreshed) {
        if (refreshed) return { session: refreshed, resumed: true };
        forget();
        return newSession().then(function (fresh) {
          return { session: fresh, resumed: false };
        });
      })
      .then(function (result) {
        session = result.session;
        save();
        render(result.resumed);
      })
      .catch(function (error) {
        showError(error && error.message ? error.message : text.connectError);
      });
  }

  document.getElementById('chat-retry').addEventListener('click', function () {
    if (directLine) directLine.end();
    start();
  });
  document.getElementById('chat-restart').addEventListener('click', function () {
    forget();
    if (directLine) directLine.end();
    window.location.reload();
  });
  window.addEventListener('pagehide', save);

  if (!window.WebChat) {
    showError(text.connectError);
    return;
  }
  start();
})();
